// Conv1D: y = act(conv1d(x, kernel) + bias) over [B, T, C] -> [B, To, filters], kernel
// [kernelSize, C / groups, filters] (Keras 3's options and defaults; channels last). Drops any
// incoming mask, as Keras 3 (Conv1D does not support masking).
import { WasmRnnError } from "../../core/errors.js";
import { checkOptions, checkPositiveInt } from "../../core/validate.js";
import { Initializer, type InitializerSpec } from "../initializers.js";
import type { WeightSpec } from "../layer.js";
import { COMMON_OPTIONS, ConvBase, type ConvCommonArgs, type StageA } from "./conv-base.js";

export interface Conv1DArgs extends ConvCommonArgs {
  filters: number;
  /** Default 1: input channels and filters split into this many independent groups. */
  groups?: number;
  kernelInitializer?: InitializerSpec;
}

const OPTIONS = [...COMMON_OPTIONS, "filters", "groups", "kernelInitializer"] as const;

export class Conv1D extends ConvBase {
  readonly className = "Conv1D";
  readonly groups: number;
  private readonly outChannels: number;
  private readonly kernelInitializer: Initializer;

  constructor(args: Conv1DArgs) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Conv1D: expected an options object with filters and kernelSize, got ${String(args)}`);
    checkOptions(`Conv1D '${args.name ?? "conv1d"}'`, args, OPTIONS);
    super(args, "Conv1D");
    this.outChannels = checkPositiveInt(this.who, "filters", args.filters);
    this.groups = args.groups === undefined ? 1 : checkPositiveInt(this.who, "groups", args.groups);
    if (this.outChannels % this.groups !== 0)
      throw new WasmRnnError(
        `${this.who}: expected filters divisible by groups, got filters=${this.outChannels}, groups=${this.groups}`,
      );
    this.kernelInitializer = new Initializer(
      args.kernelInitializer ?? "glorot_uniform",
      `${this.who} kernelInitializer`,
    );
  }

  get filters(): number {
    return this.outChannels;
  }

  protected stageFor(C: number): StageA {
    if (C % this.groups !== 0)
      throw new WasmRnnError(
        `${this.who}: expected input channels divisible by groups=${this.groups}, got ${C} channels`,
      );
    return { groups: this.groups, channels: this.outChannels };
  }

  weightSpecs(): WeightSpec[] {
    if (!this.inChannels) return [];
    const specs = [{ name: "kernel", shape: [this.window.kernelSize, this.inChannels / this.groups, this.filters] }];
    if (this.useBias) specs.push({ name: "bias", shape: [this.filters] });
    return specs;
  }

  protected initialWeights(): Float32Array[] {
    const [kernel, bias] = this.weightSpecs();
    const values = [this.kernelInitializer.generate(kernel!.shape)];
    if (bias) values.push(this.biasInitializer.generate(bias.shape));
    return values;
  }

  getConfig(): Record<string, unknown> {
    return { ...this.commonConfig(), filters: this.filters, groups: this.groups };
  }
}
