// Concatenate's file entry and backward.
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.
import { trainKernels } from "../core/train-kernels.js";
import { simpleBackward } from "./backward-base.js";
import { Concatenate } from "./concatenate.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { sizeOf } from "./heap.js";

export const concatenateEntry: LayerEntry<Concatenate> = {
  classNames: ["Concatenate"],
  cls: Concatenate,
  listInput: true,
  build: (cfg) => new Concatenate({ name: cfg.name, axis: cfg.int("axis", { min: -8, fallback: -1 }) }),
  toConfig: (l) => ({ ...baseConfig(l.name), axis: l.axis }),
  backward: (layer) =>
    simpleBackward(({ step, dy, dIn }) => {
      const out = step.outputs[0]!;
      const a = layer.resolvedAxis(out.shape.length);
      const outer = sizeOf(out.shape.slice(0, a)),
        stride = sizeOf(out.shape.slice(a));
      let offset = 0;
      step.inputs.forEach((x, i) => {
        const chunk = sizeOf(x.shape.slice(a));
        if (dIn[i]) trainKernels().add_blocks(outer, chunk, dy + offset * 4, stride, dIn[i]!, chunk);
        offset += chunk;
      });
    }),
};
