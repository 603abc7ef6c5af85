// Softmax's file entry and backward (from its output: dx += y (dy - sum(dy y)) along the axes).
import { trainKernels } from "../core/train-kernels.js";
import type { Json } from "./config.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { Softmax } from "./softmax.js";

export const softmaxEntry: LayerEntry<Softmax> = {
  classNames: ["Softmax"],
  cls: Softmax,
  build(cfg) {
    cfg.used.add("axis");
    const a = cfg.raw.axis ?? -1;
    const ok = Number.isInteger(a) || (Array.isArray(a) && a.length > 0 && a.every((v) => Number.isInteger(v)));
    if (!ok) cfg.fail(`expected axis to be an integer or a list of integers, got ${JSON.stringify(a)}`);
    return new Softmax({ name: cfg.name, axis: a as number | number[] });
  },
  toConfig: (l) => ({ ...baseConfig(l.name), axis: l.axis as Json }),
  backward: () => ({
    traceBytes: () => 0,
    scratchBytes: () => 0,
    run: ({ step, dOut, dIn }) => {
      if (!dOut[0] || !dIn[0]) return;
      const layer = step.layer as Softmax;
      const y = step.outputs[0]!;
      trainKernels().softmax_axis_backward(...layer.around(y.shape), y.ptr, dOut[0], dIn[0]);
    },
  }),
};
