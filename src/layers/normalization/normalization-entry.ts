// Normalization's file entry and backward (what predict never needs). Its statistics are not
// trainable, so fit passes the gradient through: dx += dy / std (dy * std with invert).
import { heapF32 } from "../../core/wasm.js";
import { simpleBackward } from "../backward-base.js";
import type { ConfigReader, Json } from "../config.js";
import { baseConfig, type LayerEntry } from "../entry.js";
import type { AxisSpec } from "./base.js";
import { Normalization } from "./normalization.js";

/** Keras 3 writes axis as a list ([-1]); an int from older code; [] or null (one scalar statistic) is refused. */
function readAxis(cfg: ConfigReader): AxisSpec {
  cfg.used.add("axis");
  const v: Json | undefined = cfg.raw.axis;
  if (v === undefined) return -1;
  const isInt = (a: Json) => typeof a === "number" && Number.isInteger(a);
  if (isInt(v)) return v as number;
  if (Array.isArray(v) && v.length > 0 && v.length <= 32 && v.every(isInt)) return v as number[];
  if (v === null || (Array.isArray(v) && v.length === 0))
    cfg.fail("axis=None (one mean and variance for every element) is not supported; use axis=-1");
  cfg.fail(`expected axis to be an integer or a non-empty list of integers, got ${JSON.stringify(v)}`);
}

/** A config statistic as given (a number or nested lists; the layer checks it), or undefined. */
function readStatistic(cfg: ConfigReader, key: string): number | number[] | undefined {
  cfg.used.add(key);
  const v = cfg.raw[key];
  return v === undefined || v === null ? undefined : (v as number | number[]);
}

export const normalizationEntry: LayerEntry<Normalization> = {
  classNames: ["Normalization"],
  cls: Normalization,
  params: (cfg, inputs) => {
    if (cfg.has("mean")) return 0;
    const s = inputs[0] ?? [];
    let n = 1;
    const a = readAxis(cfg);
    for (const ax of Array.isArray(a) ? a : [a]) {
      const d = s[ax < 0 ? s.length + ax : ax];
      n *= typeof d === "number" ? d : 0;
    }
    return 2 * n + 1;
  },
  build: (cfg) => {
    const mean = readStatistic(cfg, "mean"),
      variance = readStatistic(cfg, "variance");
    return new Normalization({
      name: cfg.name,
      axis: readAxis(cfg),
      invert: cfg.bool("invert", false),
      ...(mean !== undefined ? { mean } : {}),
      ...(variance !== undefined ? { variance } : {}),
    });
  },
  toConfig: (l) => ({
    ...baseConfig(l.name),
    axis: Array.isArray(l.axis) ? l.axis : [l.axis],
    invert: l.invert,
    mean: l.fixedMean ? [...l.fixedMean] : null,
    variance: l.fixedVariance ? [...l.fixedVariance] : null,
  }),
  backward: () =>
    simpleBackward(({ step, dy, dIn }) => {
      if (!dIn[0]) return;
      const layer = step.layer as Normalization;
      const { O, N, I } = layer.groups(step.inputs[0]!.shape);
      const { std } = layer.statistics();
      const f32 = heapF32();
      const g = dy >>> 2,
        d = dIn[0] >>> 2;
      for (let o = 0, p = 0; o < O; o++)
        for (let n = 0; n < N; n++)
          for (let i = 0; i < I; i++, p++)
            f32[d + p] = f32[d + p]! + (layer.invert ? f32[g + p]! * std[n]! : f32[g + p]! / std[n]!);
    }),
};
