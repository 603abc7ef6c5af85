// Normalization (Keras 3's preprocessing layer): y = (x - mean) / max(sqrt(variance), 1e-7) per
// position of the kept axes `axis` (default the last); `invert`: y = mean + x * max(sqrt(variance),
// 1e-7). The statistics are weights (mean, variance and Keras's scalar count, none trainable) when
// `adapt` computed them, or fixed numbers of the config when given as `mean=`/`variance=` (then no
// weights, as Keras). Computed in JS in float32 steps as Keras's ops (a subtraction, then a
// division), so inputs of large magnitude (raw prices, sensor counts) normalize exactly as Keras does.
import { describeValue, WasmRnnError } from "../../core/errors.js";
import { checkBool, checkOptions } from "../../core/validate.js";
import { heapF32 } from "../../core/wasm.js";
import { type Buf, sizeOf } from "../heap.js";
import { Initializer } from "../initializers.js";
import type { WeightSpec } from "../layer.js";
import { type AxisSpec, checkAxis, NormLayer } from "./base.js";

/** Keras's backend.epsilon(), the floor of the standard deviation. */
const STD_FLOOR = Math.fround(1e-7);

export interface NormalizationArgs {
  /** The kept axis or axes (default -1): one mean and variance per position along them. */
  axis?: AxisSpec;
  /** Fixed statistics (a number, or one per kept position, flat or nested); both or neither. */
  mean?: number | number[];
  variance?: number | number[];
  /** Default false: undo a normalization instead. */
  invert?: boolean;
  name?: string;
}

const OPTIONS = ["axis", "mean", "variance", "invert", "name"] as const;

/** A number or a (nested) list of finite numbers, flattened; undefined when absent. */
function statistic(who: string, key: string, v: unknown): number[] | undefined {
  if (v === undefined || v === null) return undefined;
  const flat = [v].flat(32 as 1) as unknown[];
  if (flat.length === 0 || !flat.every((n) => typeof n === "number" && Number.isFinite(n)))
    throw new WasmRnnError(`${who}: expected ${key} to be a finite number or a list of them, got ${describeValue(v)}`);
  return flat as number[];
}

export class Normalization extends NormLayer {
  readonly className = "Normalization";
  readonly invert: boolean;
  /** The config's fixed statistics (flat), or null when they are weights. */
  readonly fixedMean: readonly number[] | null;
  readonly fixedVariance: readonly number[] | null;
  /** Keras's `count` weight (how many samples adapt saw); kept for saving, never used. */
  private count = 0;

  constructor(args: NormalizationArgs = {}) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Normalization: expected an options object, got ${String(args)}`);
    const who = `Normalization '${args.name ?? "normalization"}'`;
    checkOptions(who, args, OPTIONS);
    super(args.name, "Normalization", checkAxis(who, args.axis, true));
    this.invert = checkBool(this.who, "invert", args.invert, false);
    const mean = statistic(this.who, "mean", args.mean);
    const variance = statistic(this.who, "variance", args.variance);
    if ((mean === undefined) !== (variance === undefined))
      throw new WasmRnnError(`${this.who}: expected both mean and variance, or neither, got only one`);
    if (variance?.some((v) => v < 0))
      throw new WasmRnnError(`${this.who}: expected variance >= 0, got ${describeValue(args.variance)}`);
    this.fixedMean = mean ?? null;
    this.fixedVariance = variance ?? null;
  }

  protected weightNames(): string[] {
    return this.fixedMean ? [] : ["mean", "variance"];
  }
  protected get trainableCount(): number {
    return 0;
  }
  protected initializers(): Initializer[] {
    return this.weightNames().map((n) => new Initializer(n === "mean" ? "zeros" : "ones", `${this.who} ${n}`));
  }

  /** Keras's weights: mean, variance and the scalar count (none with fixed statistics). */
  override weightSpecs(): WeightSpec[] {
    const specs = super.weightSpecs();
    return this.fixedMean ? specs : [...specs, { name: "count", shape: [] }];
  }
  protected override writeWeights(values: Float32Array[]): void {
    super.writeWeights(values.slice(0, 2));
    if (values[2]) this.count = values[2][0] ?? 0;
  }
  protected override readWeights(): Float32Array[] {
    return this.fixedMean ? [] : [...super.readWeights(), Float32Array.of(this.count)];
  }

  protected override build(inputShape: (number | null)[]): void {
    super.build(inputShape);
    const n = sizeOf(this.paramShape);
    for (const [key, v] of [
      ["mean", this.fixedMean],
      ["variance", this.fixedVariance],
    ] as const) {
      if (v && v.length !== 1 && v.length !== n)
        throw new WasmRnnError(
          `${this.who}: expected ${key} to hold 1 or ${n} values (the kept axes' size), got ${v.length}`,
        );
    }
  }

  /** Per kept position: the mean and the floored standard deviation, float32. */
  statistics(): { mean: Float32Array; std: Float32Array } {
    const n = sizeOf(this.paramShape);
    let mean: ArrayLike<number>, variance: ArrayLike<number>;
    if (this.fixedMean && this.fixedVariance) {
      const m = this.fixedMean,
        v = this.fixedVariance;
      mean = Float32Array.from({ length: n }, (_, i) => m[m.length === 1 ? 0 : i]!);
      variance = Float32Array.from({ length: n }, (_, i) => v[v.length === 1 ? 0 : i]!);
    } else {
      const f32 = heapF32();
      const pm = this.ptrOf("mean") >>> 2,
        pv = this.ptrOf("variance") >>> 2;
      mean = f32.slice(pm, pm + n);
      variance = f32.slice(pv, pv + n);
    }
    const std = Float32Array.from(variance, (v) => Math.max(Math.fround(Math.sqrt(v)), STD_FLOOR));
    return { mean: Float32Array.from(mean), std };
  }

  scratchBytes(): number {
    return 0;
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    const { O, N, I } = this.groups(inputs[0]!.shape);
    const { mean, std } = this.statistics();
    const f32 = heapF32();
    const x = inputs[0]!.ptr >>> 2,
      y = outputs[0]!.ptr >>> 2;
    for (let o = 0, p = 0; o < O; o++)
      for (let n = 0; n < N; n++) {
        const m = mean[n]!,
          s = std[n]!;
        for (let i = 0; i < I; i++, p++)
          f32[y + p] = this.invert
            ? Math.fround(m + Math.fround(f32[x + p]! * s))
            : Math.fround(Math.fround(f32[x + p]! - m) / s);
      }
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      axis: this.axis,
      invert: this.invert,
      mean: this.fixedMean ? [...this.fixedMean] : null,
      variance: this.fixedVariance ? [...this.fixedVariance] : null,
    };
  }
}
