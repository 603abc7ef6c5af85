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
