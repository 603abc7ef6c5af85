// RepeatVector's file entry and backward.
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.

import { trainKernels } from "../core/train-kernels.js";
import { simpleBackward } from "./backward-base.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { RepeatVector } from "./repeat_vector.js";

export const repeatVectorEntry: LayerEntry<RepeatVector> = {
  classNames: ["RepeatVector"],
  cls: RepeatVector,
  build: (cfg) => new RepeatVector({ name: cfg.name, n: cfg.int("n") }),
  toConfig: (l) => ({ ...baseConfig(l.name), n: l.n }),
  backward: (layer) =>
    simpleBackward(({ step, dy, dIn }) => {
      if (!dIn[0]) return;
      const [B, F] = step.inputs[0]!.shape as [number, number];
      trainKernels().repeat_rows_backward(B, layer.n, F, dy, dIn[0]);
    }),
};
