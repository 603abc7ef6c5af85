// BatchNormalization (Keras 3): at inference y = (x - moving_mean) * gamma / sqrt(moving_variance +
// epsilon) + beta over the channel axis `axis`; while training (fit) the batch's own moments, and
// the moving statistics follow them with `momentum` (batch_normalization-entry.ts).
// Weights, Keras order: gamma (when scale), beta (when center), moving_mean, moving_variance.
import { WasmRnnError } from "../../core/errors.js";
import { checkBool, checkNumber, checkOptions } from "../../core/validate.js";
import { heapF32, kernels } from "../../core/wasm.js";
import { type Buf, carve, sameShapeLayout, sizeOf } from "../heap.js";
import { Initializer, type InitializerSpec } from "../initializers.js";
import { checkAxis, NormLayer } from "./base.js";

export interface BatchNormalizationArgs {
  /** The channel axis (default -1). */
  axis?: number;
  /** Default 0.99: moving = moving * momentum + batch * (1 - momentum). */
  momentum?: number;
  /** Default 1e-3. */
  epsilon?: number;
  /** Default true: a beta offset. */
  center?: boolean;
  /** Default true: a gamma scale. */
  scale?: boolean;
  betaInitializer?: InitializerSpec;
  gammaInitializer?: InitializerSpec;
  movingMeanInitializer?: InitializerSpec;
  movingVarianceInitializer?: InitializerSpec;
  name?: string;
  /** Keras's `trainable` (default true): false keeps gamma and beta fixed and, in fit, normalizes with the moving statistics. */
  trainable?: boolean;
}

const OPTIONS = [
  "axis",
  "momentum",
  "epsilon",
  "center",
  "scale",
  "betaInitializer",
  "gammaInitializer",
  "movingMeanInitializer",
  "movingVarianceInitializer",
  "name",
  "trainable",
] as const;

export class BatchNormalization extends NormLayer {
  readonly className = "BatchNormalization";
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly inits: Record<"gamma" | "beta" | "moving_mean" | "moving_variance", Initializer>;
  /** Forward scratch: the per-channel scale a and shift b [C] each. */
  private readonly offsets = sameShapeLayout((C) => carve(0, { a: C * 4, b: C * 4 }));

  constructor(args: BatchNormalizationArgs = {}) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`BatchNormalization: expected an options object, got ${String(args)}`);
    checkOptions(`BatchNormalization '${args.name ?? "batch_normalization"}'`, args, OPTIONS);
    super(
      args.name,
      "BatchNormalization",
      checkAxis(`BatchNormalization '${args.name ?? "batch_normalization"}'`, args.axis, false),
    );
    if (args.trainable !== undefined) this.setTrainableOnly(args.trainable);
    this.momentum = checkNumber(this.who, "momentum", args.momentum, 0.99, 0, 1);
    this.epsilon = checkNumber(this.who, "epsilon", args.epsilon, 1e-3, 0, Infinity);
    this.center = checkBool(this.who, "center", args.center, true);
    this.scale = checkBool(this.who, "scale", args.scale, true);
    const init = (spec: InitializerSpec | undefined, fallback: string, what: string) =>
      new Initializer(spec ?? fallback, `${this.who} ${what}`);
    this.inits = {
      gamma: init(args.gammaInitializer, "ones", "gammaInitializer"),
      beta: init(args.betaInitializer, "zeros", "betaInitializer"),
      moving_mean: init(args.movingMeanInitializer, "zeros", "movingMeanInitializer"),
      moving_variance: init(args.movingVarianceInitializer, "ones", "movingVarianceInitializer"),
    };
  }

  protected weightNames(): string[] {
    const names: string[] = [];
    if (this.scale) names.push("gamma");
    if (this.center) names.push("beta");
    return [...names, "moving_mean", "moving_variance"];
  }

  protected get trainableCount(): number {
    return (this.scale ? 1 : 0) + (this.center ? 1 : 0);
  }

  protected initializers(): Initializer[] {
    return this.weightNames().map((n) => this.inits[n as keyof typeof this.inits]);
  }

  /** Byte pointers of gamma, beta (0 when absent), moving_mean and moving_variance. */
  get blocks(): { gamma: number; beta: number; mean: number; variance: number } {
    return {
      gamma: this.ptrOf("gamma"),
      beta: this.ptrOf("beta"),
      mean: this.ptrOf("moving_mean"),
      variance: this.ptrOf("moving_variance"),
    };
  }

  /** The channel count C: the size of the normalized axis. */
  get channels(): number {
    return sizeOf(this.paramShape);
  }

  override scratchBytes(): number {
    return this.offsets(this.channels, 0).total;
  }

  /**
   * a = gamma * rsqrt(variance + epsilon), b = beta - mean * a per channel (float32 steps as
   * TensorFlow's batch_normalization), from `mean` and `variance` [C] into `a`, `b`.
   */
  foldAffine(mean: number, variance: number, a: number, b: number): void {
    const f32 = heapF32(),
      C = this.channels,
      eps = Math.fround(this.epsilon);
    const { gamma, beta } = this.blocks;
    for (let c = 0; c < C; c++) {
      let inv = Math.fround(1 / Math.sqrt(Math.fround(f32[(variance >>> 2) + c]! + eps)));
      if (gamma) inv = Math.fround(inv * f32[(gamma >>> 2) + c]!);
      const shift = Math.fround(-Math.fround(f32[(mean >>> 2) + c]! * inv));
      f32[(a >>> 2) + c] = inv;
      f32[(b >>> 2) + c] = beta ? Math.fround(f32[(beta >>> 2) + c]! + shift) : shift;
    }
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number): void {
    const { a, b } = this.offsets(this.channels, 0);
    const { mean, variance } = this.blocks;
    this.foldAffine(mean, variance, scratch + a, scratch + b);
    const { O, N, I } = this.groups(inputs[0]!.shape);
    kernels().norm_affine(O, N, I, inputs[0]!.ptr, scratch + a, scratch + b, outputs[0]!.ptr);
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
    };
  }
}
