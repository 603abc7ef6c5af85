// Keras metrics for compile({ metrics }): values per prediction row (all axes but the last),
// accumulated over an epoch as Keras's MeanMetricWrapper does: total += sum(value * weight),
// count += sum(weight), result = total / count, where the weight is the output's mask (1 without
// one) times, for compile's `weightedMetrics` only, the sample weight of the value (Keras 3 gives
// sample weights to weighted_metrics, never to metrics). They read predictions and targets in wasm
// memory after a step's forward; O(B * T * F).
import { heapF32 } from "../core/wasm.js";
import { type MetricKind, metricKind } from "./compile-names.js";

export interface Metric {
  /** The History key (before any output-name prefix): "accuracy", "mean_absolute_error", ... */
  readonly name: string;
  /**
   * Adds one batch: prediction [M, F] (M rows), targets [M, F] or class ids [M], u8 mask [M] or 0,
   * f32 sample weights [M] or 0.
   */
  update(
    pred: number,
    M: number,
    F: number,
    target: number,
    targetDtype: "float32" | "int32",
    sparseTarget: boolean,
    mask: number,
    weight?: number,
  ): void;
  result(): number;
  reset(): void;
}

type RowValue = (
  p: Float32Array,
  pi: number,
  F: number,
  t: Float32Array | Int32Array,
  ti: number,
  sparse: boolean,
) => number;

const argmax = (a: Float32Array | Int32Array, at: number, n: number) => {
  let best = 0;
  for (let j = 1; j < n; j++) if (a[at + j]! > a[at + best]!) best = j;
  return best;
};

/** Each metric's per-row value by Keras name (a Map: only its own names resolve). */
const ROW_VALUES = new Map<MetricKind, RowValue>(
  Object.entries<RowValue>({
    // Keras: mean over the last axis of (pred > 0.5) == target
    binary_accuracy: (p, pi, F, t, ti) => {
      let s = 0;
      for (let j = 0; j < F; j++) s += (p[pi + j]! > 0.5 ? 1 : 0) === t[ti + j] ? 1 : 0;
      return s / F;
    },
    categorical_accuracy: (p, pi, F, t, ti) => (argmax(t, ti, F) === argmax(p, pi, F) ? 1 : 0),
    sparse_categorical_accuracy: (p, pi, F, t, ti) => (Math.trunc(t[ti]!) === argmax(p, pi, F) ? 1 : 0),
    // Keras: the target class is among the k = 5 largest scores (fewer than 5 score strictly higher)
    top_k_categorical_accuracy: (p, pi, F, t, ti) => {
      const target = p[pi + argmax(t, ti, F)]!;
      let higher = 0;
      for (let j = 0; j < F; j++) if (p[pi + j]! > target) higher++;
      return higher < 5 ? 1 : 0;
    },
    mean_squared_error: (p, pi, F, t, ti) => {
      let s = 0;
      for (let j = 0; j < F; j++) s += (p[pi + j]! - t[ti + j]!) ** 2;
      return s / F;
    },
    mean_absolute_error: (p, pi, F, t, ti) => {
      let s = 0;
      for (let j = 0; j < F; j++) s += Math.abs(p[pi + j]! - t[ti + j]!);
      return s / F;
    },
  }) as [MetricKind, RowValue][],
);

class MeanMetric implements Metric {
  private total = 0;
  private count = 0;
  constructor(
    readonly name: string,
    private readonly value: RowValue,
  ) {}

  update(
    pred: number,
    M: number,
    F: number,
    target: number,
    targetDtype: "float32" | "int32",
    sparseTarget: boolean,
    mask: number,
    weight = 0,
  ): void {
    const f32 = heapF32();
    const t = targetDtype === "int32" ? new Int32Array(f32.buffer) : f32;
    const m = mask ? new Uint8Array(f32.buffer, mask, M) : null;
    const sw = weight ? f32.subarray(weight >> 2, (weight >> 2) + M) : null;
    const tStride = sparseTarget ? 1 : F;
    for (let r = 0; r < M; r++) {
      if (m && m[r] === 0) continue;
      const w = sw ? sw[r]! : 1;
      this.total += w * this.value(f32, (pred >> 2) + r * F, F, t, (target >> 2) + r * tStride, sparseTarget);
      this.count += w;
    }
  }

  result(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }

  reset(): void {
    this.total = this.count = 0;
  }
}

export { metricDirection } from "./compile-names.js";

/**
 * A metric by Keras name; its History key is the name exactly as given (as Keras 3). "accuracy" /
 * "acc" resolve by shapes, not by the loss: a prediction with one column is binary; targets of
 * lower rank than the prediction (or one column against several) are class ids; else categorical.
 */
export function getMetric(
  spec: unknown,
  predShape: readonly (number | null)[],
  targetRank: number,
  targetLast: number | null,
  who: string,
): Metric {
  let kind = metricKind(spec, who);
  if (kind === "accuracy") {
    const last = predShape[predShape.length - 1];
    kind =
      last === 1
        ? "binary_accuracy"
        : targetRank < predShape.length || (targetLast === 1 && last !== 1)
          ? "sparse_categorical_accuracy"
          : "categorical_accuracy";
  }
  return new MeanMetric(spec as string, ROW_VALUES.get(kind)!);
}
