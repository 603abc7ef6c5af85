// DepthwiseConv1D: each input channel c convolved with its own depthMultiplier filters,
// y[.., c * dm + j] = act(sum_k x[.., t * s - padL + k * d, c] * kernel[k, c, j] + bias[c * dm + j])
// over [B, T, C] -> [B, To, C * dm]; kernel [kernelSize, C, dm]. A grouped convolution with one
// group per channel (stage A of ConvBase). Drops any incoming mask, as Keras 3.
import { WasmRnnError } from "../../core/errors.js";
import { checkOptions, checkPositiveInt } from "../../core/validate.js";
import { Initializer, type InitializerSpec } from "../initializers.js";
import type { WeightSpec } from "../layer.js";
import { COMMON_OPTIONS, ConvBase, type ConvCommonArgs, type StageA } from "./conv-base.js";

export interface DepthwiseConv1DArgs extends ConvCommonArgs {
  /** Default 1: output channels per input channel. */
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerSpec;
}

const OPTIONS = [...COMMON_OPTIONS, "depthMultiplier", "depthwiseInitializer"] as const;

export class DepthwiseConv1D extends ConvBase {
  readonly className = "DepthwiseConv1D";
  readonly depthMultiplier: number;
  private readonly depthwiseInitializer: Initializer;

  constructor(args: DepthwiseConv1DArgs) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`DepthwiseConv1D: expected an options object with kernelSize, got ${String(args)}`);
    checkOptions(`DepthwiseConv1D '${args.name ?? "depthwise_conv1d"}'`, args, OPTIONS);
    super(args, "DepthwiseConv1D");
    this.depthMultiplier =
      args.depthMultiplier === undefined ? 1 : checkPositiveInt(this.who, "depthMultiplier", args.depthMultiplier);
    this.depthwiseInitializer = new Initializer(
      args.depthwiseInitializer ?? "glorot_uniform",
      `${this.who} depthwiseInitializer`,
    );
  }

  get filters(): number {
    return this.inChannels * this.depthMultiplier;
  }

  protected stageFor(C: number): StageA {
    return { groups: C, channels: C * this.depthMultiplier };
  }

  weightSpecs(): WeightSpec[] {
    if (!this.inChannels) return [];
    const specs = [{ name: "kernel", shape: [this.window.kernelSize, this.inChannels, this.depthMultiplier] }];
    if (this.useBias) specs.push({ name: "bias", shape: [this.filters] });
    return specs;
  }

  protected initialWeights(): Float32Array[] {
    const [kernel, bias] = this.weightSpecs();
    const values = [this.depthwiseInitializer.generate(kernel!.shape)];
    if (bias) values.push(this.biasInitializer.generate(bias.shape));
    return values;
  }

  getConfig(): Record<string, unknown> {
    return { ...this.commonConfig(), depthMultiplier: this.depthMultiplier };
  }
}
