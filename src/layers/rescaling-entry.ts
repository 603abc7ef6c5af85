// Rescaling's file entry and backward (dx += dy * scale; what predict never needs).
import { heapF32 } from "../core/wasm.js";
import { simpleBackward } from "./backward-base.js";
import type { ConfigReader, Json } from "./config.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { sizeOf } from "./heap.js";
import { Rescaling } from "./rescaling.js";

/** scale/offset as Keras 3 writes them: a number, a list, or a serialized NumPy array {class_name: "__numpy__", config: {value}}. */
function readFactor(cfg: ConfigReader, key: string, fallback: number): number | number[] {
  cfg.used.add(key);
  let v: Json | undefined = cfg.raw[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === "object" && !Array.isArray(v) && v.class_name === "__numpy__" && typeof v.config === "object")
    v = (v.config as { value?: Json }).value ?? null;
  // a NumPy scalar or a [1, 1, C] array: its values, flat (Keras broadcasts them over the last axis)
  const flat = Array.isArray(v) ? (v.flat(32 as 1) as Json[]) : v;
  if (typeof flat === "number") return flat;
  if (Array.isArray(flat) && flat.every((n) => typeof n === "number")) return flat as number[];
  cfg.fail(`expected ${key} to be a number or a list of numbers, got ${JSON.stringify(v)}`);
}

export const rescalingEntry: LayerEntry<Rescaling> = {
  classNames: ["Rescaling"],
  cls: Rescaling,
  build: (cfg) =>
    new Rescaling({ name: cfg.name, scale: readFactor(cfg, "scale", 1), offset: readFactor(cfg, "offset", 0) }),
  toConfig: (l) => ({ ...baseConfig(l.name), scale: l.scale, offset: l.offset }),
  backward: () =>
    simpleBackward(({ step, dy, dIn }) => {
      if (!dIn[0]) return;
      const layer = step.layer as Rescaling;
      const shape = step.inputs[0]!.shape;
      const C = shape[shape.length - 1]!;
      const a = layer.perChannel(layer.scale, C);
      const f32 = heapF32();
      const g = dy >>> 2,
        d = dIn[0] >>> 2;
      for (let p = 0, n = sizeOf(shape); p < n; p++) f32[d + p] = f32[d + p]! + f32[g + p]! * a[p % C]!;
    }),
};
