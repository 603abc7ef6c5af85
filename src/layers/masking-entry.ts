// Masking's file entry and backward.
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.

import { trainKernels } from "../core/train-kernels.js";
import { simpleBackward } from "./backward-base.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { sizeOf } from "./heap.js";
import { Masking } from "./masking.js";

export const maskingEntry: LayerEntry<Masking> = {
  classNames: ["Masking"],
  cls: Masking,
  build: (cfg) => new Masking({ name: cfg.name, maskValue: cfg.num("mask_value", 0) }),
  toConfig: (l) => ({ ...baseConfig(l.name), mask_value: l.maskValue }),
  backward: () =>
    simpleBackward(({ step, dy, dIn }) => {
      if (!dIn[0]) return;
      const x = step.inputs[0]!;
      const F = x.shape.at(-1)!;
      trainKernels().masking_backward(sizeOf(x.shape) / F, F, step.masks.outputs[0]!, dy, dIn[0]);
    }),
};
