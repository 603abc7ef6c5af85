// Dropout's file entry and backward (the keep mask is the trace, assembly/layers/dropout.ts).
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.

import { trainKernels } from "../core/train-kernels.js";
import { type Backward, identityBackward } from "./backward-base.js";
import { Dropout } from "./dropout.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { sizeOf } from "./heap.js";

const dropoutBackward: Backward = {
  traceBytes: (s) => sizeOf(s.inputs[0]!.shape),
  scratchBytes: () => 0,
  trainingForward: (s, trace, seed) => {
    const rate = (s.layer as Dropout).rate;
    trainKernels().dropout_forward(sizeOf(s.inputs[0]!.shape), s.inputs[0]!.ptr, s.outputs[0]!.ptr, trace, rate, seed);
  },
  run: ({ step, dOut, dIn, trace }) => {
    if (dOut[0] && dIn[0])
      trainKernels().dropout_backward(
        sizeOf(step.outputs[0]!.shape),
        dOut[0],
        trace,
        (step.layer as Dropout).rate,
        dIn[0],
      );
  },
};

export const dropoutEntry: LayerEntry<Dropout> = {
  classNames: ["Dropout"],
  cls: Dropout,
  // the rate is kept for the summary and saving
  build: (cfg) =>
    new Dropout({ name: cfg.name, rate: Math.min(Math.max(cfg.has("rate") ? cfg.num("rate", 0) : 0, 0), 0.999) }),
  toConfig: (l) => ({ ...baseConfig(l.name), rate: l.rate, noise_shape: null, seed: null }),
  backward: (l) => (l.rate === 0 ? identityBackward : dropoutBackward),
};
