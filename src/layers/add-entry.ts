// Add's file entry and backward.
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.
import { trainKernels } from "../core/train-kernels.js";
import { Add } from "./add.js";
import { simpleBackward } from "./backward-base.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { sizeOf } from "./heap.js";

export const addEntry: LayerEntry<Add> = {
  classNames: ["Add"],
  cls: Add,
  listInput: true,
  build: (cfg) => new Add({ name: cfg.name }),
  toConfig: (l) => baseConfig(l.name),
  backward: () =>
    simpleBackward(({ step, dy, dIn }) => {
      const n = sizeOf(step.outputs[0]!.shape);
      for (const d of dIn) if (d) trainKernels().add_arrays(n, d, dy, d);
    }),
};
