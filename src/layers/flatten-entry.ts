// Flatten's file entry and backward.
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.

import { identityBackward } from "./backward-base.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { Flatten } from "./flatten.js";

export const flattenEntry: LayerEntry<Flatten> = {
  classNames: ["Flatten"],
  cls: Flatten,
  build(cfg) {
    cfg.requireDefault("data_format", (v) => v === "channels_last", "only channels_last");
    return new Flatten({ name: cfg.name });
  },
  toConfig: (l) => ({ ...baseConfig(l.name), data_format: "channels_last" }),
  backward: () => identityBackward,
};
