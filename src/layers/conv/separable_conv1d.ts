// SeparableConv1D: a depthwise convolution (kernel [kernelSize, C, dm], no bias) then a pointwise
// one (kernel [1, C * dm, filters]) with the bias and the activation: [B, T, C] -> [B, To, filters].
// Stage A and B of ConvBase. Drops any incoming mask, as Keras 3.
import { WasmRnnError } from "../../core/errors.js";
import { checkOptions, checkPositiveInt } from "../../core/validate.js";
import { Initializer, type InitializerSpec } from "../initializers.js";
import type { WeightSpec } from "../layer.js";
import { COMMON_OPTIONS, ConvBase, type ConvCommonArgs, type StageA } from "./conv-base.js";

export interface SeparableConv1DArgs extends ConvCommonArgs {
  filters: number;
  /** Default 1: depthwise output channels per input channel. */
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerSpec;
  pointwiseInitializer?: InitializerSpec;
}

const OPTIONS = [
  ...COMMON_OPTIONS,
  "filters",
  "depthMultiplier",
  "depthwiseInitializer",
  "pointwiseInitializer",
] as const;

export class SeparableConv1D extends ConvBase {
  readonly className = "SeparableConv1D";
  readonly depthMultiplier: number;
  private readonly outChannels: number;
  private readonly depthwiseInitializer: Initializer;
  private readonly pointwiseInitializer: Initializer;

  constructor(args: SeparableConv1DArgs) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(
        `SeparableConv1D: expected an options object with filters and kernelSize, got ${String(args)}`,
      );
    checkOptions(`SeparableConv1D '${args.name ?? "separable_conv1d"}'`, args, OPTIONS);
    super(args, "SeparableConv1D");
    this.outChannels = checkPositiveInt(this.who, "filters", args.filters);
    this.depthMultiplier =
      args.depthMultiplier === undefined ? 1 : checkPositiveInt(this.who, "depthMultiplier", args.depthMultiplier);
    this.depthwiseInitializer = new Initializer(
      args.depthwiseInitializer ?? "glorot_uniform",
      `${this.who} depthwiseInitializer`,
    );
    this.pointwiseInitializer = new Initializer(
      args.pointwiseInitializer ?? "glorot_uniform",
      `${this.who} pointwiseInitializer`,
    );
  }

  get filters(): number {
    return this.outChannels;
  }

  override get pointwise(): boolean {
    return true;
  }

  protected stageFor(C: number): StageA {
    return { groups: C, channels: C * this.depthMultiplier };
  }

  weightSpecs(): WeightSpec[] {
    if (!this.inChannels) return [];
    const C = this.inChannels,
      dm = this.depthMultiplier;
    const specs = [
      { name: "depthwise_kernel", shape: [this.window.kernelSize, C, dm] },
      { name: "pointwise_kernel", shape: [1, C * dm, this.filters] },
    ];
    if (this.useBias) specs.push({ name: "bias", shape: [this.filters] });
    return specs;
  }

  protected initialWeights(): Float32Array[] {
    const [dw, pw, bias] = this.weightSpecs();
    const values = [this.depthwiseInitializer.generate(dw!.shape), this.pointwiseInitializer.generate(pw!.shape)];
    if (bias) values.push(this.biasInitializer.generate(bias.shape));
    return values;
  }

  getConfig(): Record<string, unknown> {
    return { ...this.commonConfig(), filters: this.filters, depthMultiplier: this.depthMultiplier };
  }
}
