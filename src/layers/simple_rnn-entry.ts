// SimpleRNN's file entry and backward (the shared recurrent part: recurrent-backward.ts).
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.
import { ACTIVATION_IDS } from "../core/activations.js";
import { trainKernels } from "../core/train-kernels.js";
import { type LayerEntry, lastDim } from "./entry.js";
import { recurrentBackward, recurrentBackwardFor } from "./recurrent-backward.js";
import { recurrentConfig, recurrentOptions } from "./recurrent-config.js";
import { SimpleRNN } from "./simple_rnn.js";

const simpleRnnBackward = recurrentBackward({
  hPrevAt: (P) => P,
  columns: (P) => P,
  states: 1,
  kernel: (l, c) => {
    const act = ACTIVATION_IDS[l.activation],
      back = l.goBackwards ? 1 : 0,
      zero = l.zeroOutputForMask ? 1 : 0;
    trainKernels().simple_rnn_backward(
      c.B,
      c.T,
      l.units,
      c.ut,
      act,
      back,
      c.trace,
      c.dy,
      c.dh,
      c.dz,
      c.dhNew,
      c.mask,
      zero,
      c.rmask,
    );
  },
});

export const simpleRnnEntry: LayerEntry<SimpleRNN<boolean>> = {
  classNames: ["SimpleRNN"],
  cls: SimpleRNN,
  recurrent: true,
  kerasVarsPath: ["cell"],
  params(cfg, inputs) {
    const u = cfg.int("units");
    return u * (lastDim(inputs[0]) + u + 1);
  },
  build: (cfg) => new SimpleRNN<boolean>(recurrentOptions(cfg)),
  toConfig: (l, target) => recurrentConfig(l, target),
  backward: (layer, who) => recurrentBackwardFor(layer, who, simpleRnnBackward),
};
