// SpatialDropout1D's file entry and backward: the trace is the [B, C] channel mask of scales (1 /
// (1 - rate) or 0) from assembly/layers/dropout.ts's dropout_mask, applied at every step.
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.
import { trainKernels } from "../core/train-kernels.js";
import { type Backward, identityBackward } from "./backward-base.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { SpatialDropout1D } from "./spatial_dropout1d.js";

const dims = (shape: readonly number[]) => shape as [number, number, number];

const spatialBackward: Backward = {
  traceBytes: (s) => {
    const [B, , C] = dims(s.inputs[0]!.shape);
    return 4 * B * C;
  },
  scratchBytes: () => 0,
  trainingForward: (s, trace, seed) => {
    const [B, T, C] = dims(s.inputs[0]!.shape);
    const k = trainKernels();
    k.dropout_mask(B * C, trace, (s.layer as SpatialDropout1D).rate, seed);
    k.scale_steps(B, T, C, s.inputs[0]!.ptr, trace, s.outputs[0]!.ptr, 0);
  },
  run: ({ step, dOut, dIn, trace }) => {
    if (!dOut[0] || !dIn[0]) return;
    const [B, T, C] = dims(step.inputs[0]!.shape);
    trainKernels().scale_steps(B, T, C, dOut[0], trace, dIn[0], 1);
  },
};

export const spatialDropout1dEntry: LayerEntry<SpatialDropout1D> = {
  classNames: ["SpatialDropout1D"],
  cls: SpatialDropout1D,
  // Keras 1 named the rate p
  build(cfg) {
    const key = cfg.has("rate") ? "rate" : "p";
    const rate = cfg.num(key, Number.NaN);
    if (!(rate >= 0 && rate < 1)) cfg.fail(`expected ${key} to be a number in [0, 1), got ${rate}`);
    return new SpatialDropout1D({ name: cfg.name, rate });
  },
  // Keras 3's SpatialDropout1D takes no `trainable` (its get_config writes rate, seed, name, dtype)
  toConfig: (l) => {
    const { trainable: _, ...base } = baseConfig(l.name);
    return { ...base, rate: l.rate, seed: null };
  },
  backward: (l) => (l.rate === 0 ? identityBackward : spatialBackward),
};
