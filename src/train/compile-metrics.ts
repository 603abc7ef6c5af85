// compile's metrics and weightedMetrics: which metric goes with which output, and the History key
// each one reports under (as Keras 3's CompileMetrics names them).
import { describeValue, WasmRnnError } from "../core/errors.js";
import type { MetricsSpec } from "./types.js";

/** One compiled metric: its output, the name as given, whether sample weights reach it, its History key. */
export interface MetricEntry {
  output: number;
  spec: string;
  weighted: boolean;
  key: string;
}

/** Training or evaluation metrics: each kept over an epoch (fit) or a whole evaluate. */
export type MetricSet = "train" | "test";

/** The metrics metrics.ts computes, by Keras function name ("accuracy" picks one of the three by shapes). */
const KINDS = [
  "accuracy",
  "binary_accuracy",
  "categorical_accuracy",
  "sparse_categorical_accuracy",
  "top_k_categorical_accuracy",
  "mean_squared_error",
  "mean_absolute_error",
] as const;
export type MetricKind = (typeof KINDS)[number];

/** Other Keras spellings (a Map: "constructor" or "__proto__" name no metric). */
const ALIASES = new Map<string, MetricKind>([
  ["acc", "accuracy"],
  ["mse", "mean_squared_error"],
  ["mae", "mean_absolute_error"],
  ["MeanSquaredError", "mean_squared_error"],
  ["MeanAbsoluteError", "mean_absolute_error"],
  ["BinaryAccuracy", "binary_accuracy"],
  ["CategoricalAccuracy", "categorical_accuracy"],
  ["SparseCategoricalAccuracy", "sparse_categorical_accuracy"],
  ["TopKCategoricalAccuracy", "top_k_categorical_accuracy"],
]);

/** The metric a name gives (compile checks names with it, before the training code loads). */
export function metricKind(spec: unknown, who: string): MetricKind {
  if (typeof spec !== "string") throw new WasmRnnError(`${who}: expected a metric name, got ${describeValue(spec)}`);
  const kind = ALIASES.get(spec) ?? (KINDS as readonly string[]).find((k) => k === spec);
  if (kind === undefined) {
    const known = ["accuracy", "acc", ...KINDS.slice(1), "mse", "mae"];
    throw new WasmRnnError(`${who}: unknown metric ${describeValue(spec)}; expected one of ${known.join(", ")}`);
  }
  return kind as MetricKind;
}

/** Keras's `_direction` of a metric by name: the accuracy family improves upwards, the errors downwards. */
export function metricDirection(spec: string): "up" | "down" {
  return (ALIASES.get(spec) ?? spec).endsWith("accuracy") ? "up" : "down";
}

/** Metric specs per output (`names`: the output layers'), from compile's `metrics` or `weightedMetrics`. */
export function metricSpecs(
  who: string,
  names: readonly string[],
  spec: MetricsSpec | undefined,
  arg: string,
): string[][] {
  if (spec === undefined) return names.map(() => []);
  if (Array.isArray(spec)) {
    if (spec.every((s) => typeof s === "string")) {
      if (names.length === 1) return [spec as string[]];
      // Keras 3: with several outputs, a flat list holds one metric per output
      if (spec.length !== names.length) {
        throw new WasmRnnError(
          `${who}: compile: expected ${arg} for ${names.length} outputs as one name per output, a list per output or an object by ` +
            `output name, got a flat list of ${spec.length}`,
        );
      }
      return (spec as string[]).map((m) => [m]);
    }
    if (spec.length !== names.length || !spec.every((s) => Array.isArray(s) || typeof s === "string")) {
      throw new WasmRnnError(
        `${who}: compile: expected ${arg} as a list of names, or ${names.length} lists (one per output), got ${describeValue(spec)}`,
      );
    }
    return (spec as (string | string[])[]).map((s) => (Array.isArray(s) ? s : [s]));
  }
  if (typeof spec !== "object" || spec === null)
    throw new WasmRnnError(`${who}: compile: expected ${arg} as a list of names, got ${describeValue(spec)}`);
  for (const k of Object.keys(spec)) {
    if (!names.includes(k))
      throw new WasmRnnError(
        `${who}: compile: ${arg} for unknown output ${describeValue(k)}; expected output layer names ${names.join(", ")}`,
      );
  }
  const byName = spec as Record<string, string[]>;
  return names.map((n) => (Object.hasOwn(byName, n) ? byName[n]! : []));
}

/**
 * The History keys of compile's metrics, as Keras 3's CompileMetrics.result names them: the
 * unweighted metrics first (output by output), then the weighted ones; with several outputs each key
 * is prefixed "<output layer>_". A repeated unweighted key gets "_1", "_2", ...; a weighted metric
 * whose key is taken becomes "weighted_<name>" (then "weighted_<name>_1", ...).
 */
export function metricKeys(names: readonly string[], plain: string[][], weighted: string[][]): MetricEntry[] {
  const prefix = (i: number) => (names.length > 1 ? `${names[i]!}_` : "");
  const seen = new Map<string, number>();
  const entries: MetricEntry[] = [];
  plain.forEach((list, output) =>
    list.forEach((spec) => {
      const name = prefix(output) + spec;
      const n = seen.get(name);
      seen.set(name, (n ?? 0) + 1);
      entries.push({ output, spec, weighted: false, key: n === undefined ? name : `${name}_${n}` });
    }),
  );
  weighted.forEach((list, output) =>
    list.forEach((spec) => {
      let key = prefix(output) + spec;
      if (!seen.has(key)) seen.set(key, 1);
      else {
        const name = `${prefix(output)}weighted_${spec}`;
        const n = seen.get(name);
        seen.set(name, (n ?? 0) + 1);
        key = n === undefined ? name : `${name}_${n}`;
      }
      entries.push({ output, spec, weighted: true, key });
    }),
  );
  return entries;
}
