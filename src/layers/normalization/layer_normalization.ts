// LayerNormalization (Keras 3): per sample, over the axes `axis`, y = (x - mean) / sqrt(var + epsilon)
// * gamma + beta (Keras's ops.layer_normalization). `rmsScaling` (Keras's deprecated rms_scaling):
// y = x / sqrt(var + epsilon) * gamma, no beta (Keras scales by the variance there, not the RMS).
// UnitNormalization: y = x / max(||x||, 1e-12) over `axis`, no weights.
// Weights, Keras order: gamma (when scale or rmsScaling), beta (when center and not rmsScaling).
import { WasmRnnError } from "../../core/errors.js";
import { checkBool, checkNumber, checkOptions } from "../../core/validate.js";
import { kernels } from "../../core/wasm.js";
import type { Buf } from "../heap.js";
import { Initializer, type InitializerSpec } from "../initializers.js";
import { type AxisSpec, checkAxis, NormLayer } from "./base.js";

/** norm_groups_forward's modes. */
export const NORM_MODE = { layer: 0, rms: 1, unit: 2 } as const;

export interface LayerNormalizationArgs {
  /** The normalized axis or axes (default -1). */
  axis?: AxisSpec;
  /** Default 1e-3. */
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  rmsScaling?: boolean;
  betaInitializer?: InitializerSpec;
  gammaInitializer?: InitializerSpec;
  name?: string;
  /** Keras's `trainable` (default true): false keeps fit from changing its weights. */
  trainable?: boolean;
}

const OPTIONS = [
  "axis",
  "epsilon",
  "center",
  "scale",
  "rmsScaling",
  "betaInitializer",
  "gammaInitializer",
  "name",
  "trainable",
];

export class LayerNormalization extends NormLayer {
  readonly className = "LayerNormalization";
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly rmsScaling: boolean;
  private readonly gammaInit: Initializer;
  private readonly betaInit: Initializer;

  constructor(args: LayerNormalizationArgs = {}) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`LayerNormalization: expected an options object, got ${String(args)}`);
    const who = `LayerNormalization '${args.name ?? "layer_normalization"}'`;
    checkOptions(who, args, OPTIONS);
    super(args.name, "LayerNormalization", checkAxis(who, args.axis, true));
    if (args.trainable !== undefined) this.setTrainableOnly(args.trainable);
    this.epsilon = checkNumber(this.who, "epsilon", args.epsilon, 1e-3, 0, Infinity);
    this.center = checkBool(this.who, "center", args.center, true);
    this.scale = checkBool(this.who, "scale", args.scale, true);
    this.rmsScaling = checkBool(this.who, "rmsScaling", args.rmsScaling, false);
    this.gammaInit = new Initializer(args.gammaInitializer ?? "ones", `${this.who} gammaInitializer`);
    this.betaInit = new Initializer(args.betaInitializer ?? "zeros", `${this.who} betaInitializer`);
  }

  protected weightNames(): string[] {
    const names: string[] = [];
    if (this.scale || this.rmsScaling) names.push("gamma");
    if (this.center && !this.rmsScaling) names.push("beta");
    return names;
  }

  protected get trainableCount(): number {
    return this.weightNames().length;
  }

  protected initializers(): Initializer[] {
    return this.weightNames().map((n) => (n === "gamma" ? this.gammaInit : this.betaInit));
  }

  get mode(): number {
    return this.rmsScaling ? NORM_MODE.rms : NORM_MODE.layer;
  }

  /** Byte pointers of gamma and beta (0 when absent). */
  get gammaBeta(): [number, number] {
    return [this.ptrOf("gamma"), this.ptrOf("beta")];
  }

  scratchBytes(): number {
    return 0;
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    const { O, N, I } = this.groups(inputs[0]!.shape);
    const [g, b] = this.gammaBeta;
    kernels().norm_groups_forward(O, N, I, inputs[0]!.ptr, g, b, Math.fround(this.epsilon), this.mode, outputs[0]!.ptr);
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      axis: this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      rmsScaling: this.rmsScaling,
    };
  }
}

/** UnitNormalization (Keras 3): y = x * min(1 / ||x||, 1e12) over `axis` (an int or a list). */
export class UnitNormalization extends NormLayer {
  readonly className = "UnitNormalization";

  constructor(args: { axis?: AxisSpec; name?: string } = {}) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`UnitNormalization: expected an options object, got ${String(args)}`);
    const who = `UnitNormalization '${args.name ?? "unit_normalization"}'`;
    checkOptions(who, args, ["axis", "name"]);
    super(args.name, "UnitNormalization", checkAxis(who, args.axis, true));
  }

  protected weightNames(): string[] {
    return [];
  }
  protected get trainableCount(): number {
    return 0;
  }
  protected initializers(): Initializer[] {
    return [];
  }
  scratchBytes(): number {
    return 0;
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    const { O, N, I } = this.groups(inputs[0]!.shape);
    kernels().norm_groups_forward(O, N, I, inputs[0]!.ptr, 0, 0, 0, NORM_MODE.unit, outputs[0]!.ptr);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, axis: this.axis };
  }
}
