// GaussianNoise's file entry and backward (the training noise).
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.

import { Rng } from "../core/random.js";
import { heapF32 } from "../core/wasm.js";
import { identityBackward } from "./backward-base.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { GaussianNoise } from "./gaussian_noise.js";
import { sizeOf } from "./heap.js";

export const gaussianNoiseEntry: LayerEntry<GaussianNoise> = {
  classNames: ["GaussianNoise"],
  cls: GaussianNoise,
  // Keras 1 named the stddev sigma; Keras 2 took any stddev >= 0 (Keras 3 refuses above 1)
  build(cfg) {
    const key = cfg.has("stddev") ? "stddev" : "sigma";
    const stddev = cfg.num(key, Number.NaN);
    if (!(stddev >= 0)) cfg.fail(`expected ${key} to be a number >= 0, got ${stddev}`);
    return new GaussianNoise({ name: cfg.name, stddev });
  },
  toConfig: (l) => ({ ...baseConfig(l.name), stddev: l.stddev, seed: null }),
  backward: (layer) =>
    layer.stddev === 0
      ? identityBackward
      : {
          ...identityBackward,
          trainingForward: (s, _trace, seed) => {
            const n = sizeOf(s.inputs[0]!.shape);
            const rng = new Rng(seed);
            const f32 = heapF32();
            const x = s.inputs[0]!.ptr >>> 2,
              y = s.outputs[0]!.ptr >>> 2;
            for (let i = 0; i < n; i++) f32[y + i] = f32[x + i]! + layer.stddev * rng.normal();
          },
        },
};
