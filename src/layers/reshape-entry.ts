// Reshape's file entry and backward (the gradient is dy's values in dx's shape).
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.
import { describeValue } from "../core/errors.js";
import { identityBackward } from "./backward-base.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { Reshape } from "./reshape.js";

export const reshapeEntry: LayerEntry<Reshape> = {
  classNames: ["Reshape"],
  cls: Reshape,
  build(cfg) {
    cfg.used.add("target_shape");
    const t = cfg.raw.target_shape;
    if (!Array.isArray(t) || !t.every((d) => typeof d === "number"))
      cfg.fail(`expected target_shape to be a list of integers, got ${describeValue(t)}`);
    return new Reshape({ name: cfg.name, targetShape: t as number[] });
  },
  toConfig: (l) => ({ ...baseConfig(l.name), target_shape: [...l.targetShape] }),
  backward: () => identityBackward,
};
