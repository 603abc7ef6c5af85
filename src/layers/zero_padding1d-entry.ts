// ZeroPadding1D's file entry and backward (a strided add_blocks). What predict never needs.
import { describeValue } from "../core/errors.js";
import { trainKernels } from "../core/train-kernels.js";
import { simpleBackward } from "./backward-base.js";
import type { ConfigReader } from "./config.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { ZeroPadding1D } from "./zero_padding1d.js";

/** An int or a pair of ints (Keras 2 / TF.js may write either). */
export function pairFrom(cfg: ConfigReader, key: string, fallback: [number, number]): [number, number] {
  cfg.used.add(key);
  const v = cfg.raw[key];
  if (v === undefined || v === null) return fallback;
  const pair = typeof v === "number" ? [v, v] : v;
  if (
    !Array.isArray(pair) ||
    pair.length !== 2 ||
    !pair.every((n) => typeof n === "number" && Number.isInteger(n) && n >= 0)
  )
    cfg.fail(`expected ${key} to be an integer >= 0 or a pair of them, got ${describeValue(v)}`);
  return [pair[0] as number, pair[1] as number];
}

export const zeroPadding1dEntry: LayerEntry<ZeroPadding1D> = {
  classNames: ["ZeroPadding1D"],
  cls: ZeroPadding1D,
  build: (cfg) =>
    new ZeroPadding1D({
      name: cfg.name,
      padding: pairFrom(cfg, "padding", [1, 1]),
      dataFormat: cfg.str("data_format", "channels_last") as "channels_last",
    }),
  toConfig: (l) => ({ ...baseConfig(l.name), padding: [...l.padding], data_format: l.dataFormat }),
  backward: (layer) =>
    simpleBackward(({ step, dy, dIn }) => {
      if (!dIn[0]) return;
      const [B, A, C] = step.inputs[0]!.shape as [number, number, number];
      const [rows, T, s] = layer.dataFormat === "channels_last" ? [B, A, C] : [B * A, C, 1];
      const To = T + layer.padding[0] + layer.padding[1];
      trainKernels().add_blocks(rows, T * s, dy + layer.padding[0] * s * 4, To * s, dIn[0], T * s);
    }),
};
