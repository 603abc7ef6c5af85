// Permute's file entry and backward (dy put back in dx's axis order, assembly/layers/permute.ts).
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.
import { describeValue } from "../core/errors.js";
import { trainKernels } from "../core/train-kernels.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { Permute, writePermuteInfo } from "./permute.js";

export const permuteEntry: LayerEntry<Permute> = {
  classNames: ["Permute"],
  cls: Permute,
  build(cfg) {
    cfg.used.add("dims");
    const d = cfg.raw.dims;
    if (!Array.isArray(d) || !d.every((v) => typeof v === "number"))
      cfg.fail(`expected dims to be a list of integers, got ${describeValue(d)}`);
    return new Permute({ name: cfg.name, dims: d as number[] });
  },
  toConfig: (l) => ({ ...baseConfig(l.name), dims: [...l.dims] }),
  backward: (l) => ({
    traceBytes: () => 0,
    scratchBytes: (s) => 12 * s.inputs[0]!.shape.length,
    run: ({ step, dOut, dIn, scratch }) => {
      if (!dOut[0] || !dIn[0]) return;
      const y = step.outputs[0]!;
      // dx's axis a is dy's axis inverse[a]
      writePermuteInfo(scratch, y.shape, l.inverse);
      trainKernels().permute_backward(y.shape.length, scratch, dOut[0], dIn[0]);
    },
  }),
};
