// GaussianDropout's file entry and backward: the trace is the multiplicative noise itself, so the
// gradient is dy times the same noise.
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.
import { Rng } from "../core/random.js";
import { heapF32 } from "../core/wasm.js";
import { type Backward, identityBackward } from "./backward-base.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { GaussianDropout } from "./gaussian_dropout.js";
import { sizeOf } from "./heap.js";

const gaussianBackward: Backward = {
  traceBytes: (s) => 4 * sizeOf(s.inputs[0]!.shape),
  scratchBytes: () => 0,
  trainingForward: (s, trace, seed) => {
    const n = sizeOf(s.inputs[0]!.shape);
    const sd = (s.layer as GaussianDropout).stddev;
    const rng = new Rng(seed);
    const f32 = heapF32();
    const x = s.inputs[0]!.ptr >>> 2,
      y = s.outputs[0]!.ptr >>> 2,
      m = trace >>> 2;
    for (let i = 0; i < n; i++) {
      const noise = 1 + sd * rng.normal();
      f32[m + i] = noise;
      f32[y + i] = f32[x + i]! * noise;
    }
  },
  run: ({ step, dOut, dIn, trace }) => {
    if (!dOut[0] || !dIn[0]) return;
    const n = sizeOf(step.outputs[0]!.shape);
    const f32 = heapF32();
    const dy = dOut[0] >>> 2,
      dx = dIn[0] >>> 2,
      m = trace >>> 2;
    for (let i = 0; i < n; i++) f32[dx + i] += f32[dy + i]! * f32[m + i]!;
  },
};

export const gaussianDropoutEntry: LayerEntry<GaussianDropout> = {
  classNames: ["GaussianDropout"],
  cls: GaussianDropout,
  // Keras 1 named the rate p
  build(cfg) {
    const key = cfg.has("rate") ? "rate" : "p";
    const rate = cfg.num(key, Number.NaN);
    if (!(rate >= 0 && rate < 1)) cfg.fail(`expected ${key} to be a number in [0, 1), got ${rate}`);
    return new GaussianDropout({ name: cfg.name, rate });
  },
  toConfig: (l) => ({ ...baseConfig(l.name), rate: l.rate, seed: null }),
  backward: (l) => (l.rate === 0 ? identityBackward : gaussianBackward),
};
