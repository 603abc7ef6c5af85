// Activation's file entry and backward.
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.
import { ACTIVATION_IDS } from "../core/activations.js";
import { trainKernels } from "../core/train-kernels.js";
import { Activation } from "./activation.js";
import { none } from "./backward-base.js";
import { baseConfig, kerasActivation, type LayerEntry } from "./entry.js";
import { sizeOf } from "./heap.js";

export const activationEntry: LayerEntry<Activation> = {
  classNames: ["Activation"],
  cls: Activation,
  build: (cfg) => new Activation({ name: cfg.name, activation: cfg.activation("activation", "linear") }),
  toConfig: (l, target) => ({ ...baseConfig(l.name), activation: kerasActivation(l, l.activation, target) }),
  backward: (layer) => ({
    traceBytes: none,
    // dz of the activation, [.., F]
    scratchBytes: (s) => sizeOf(s.outputs[0]!.shape) * 4,
    run: ({ step, dOut, dIn, scratch, dPre }) => {
      if (!dIn[0]) return;
      const y = step.outputs[0]!;
      const F = y.shape.at(-1)!,
        n = sizeOf(y.shape);
      const k = trainKernels();
      if (dOut[0]) {
        k.activation_backward_rows(n / F, F, y.ptr, dOut[0], scratch, F, ACTIVATION_IDS[layer.activation]);
        k.add_arrays(n, dIn[0], scratch, dIn[0]);
      }
      if (dPre) k.add_arrays(n, dIn[0], dPre, dIn[0]);
    },
  }),
};
