// LSTM's file entry and backward (the shared recurrent part: recurrent-backward.ts).
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.
import { ACTIVATION_IDS } from "../core/activations.js";
import { WasmRnnError } from "../core/errors.js";
import { trainKernels } from "../core/train-kernels.js";
import type { Backward } from "./backward-base.js";
import type { LayerEntry } from "./entry.js";
import { kerasActivation, lastDim } from "./entry.js";
import { LSTM } from "./lstm.js";
import { recurrentBackward, recurrentBackwardFor } from "./recurrent-backward.js";
import { cellActivation, defaultRecurrentActivation, recurrentConfig, recurrentOptions } from "./recurrent-config.js";

const lstmCellBackward = recurrentBackward({
  hPrevAt: (P) => 5 * P,
  columns: (P) => 4 * P,
  states: 2,
  kernel: (layer, c) => {
    const l = layer as LSTM;
    const act = ACTIVATION_IDS[l.activation],
      rec = ACTIVATION_IDS[l.recurrentActivation];
    const back = l.goBackwards ? 1 : 0,
      zero = l.zeroOutputForMask ? 1 : 0;
    trainKernels().lstm_backward(
      c.B,
      c.T,
      l.units,
      c.ut,
      act,
      rec,
      back,
      c.trace,
      c.dy,
      c.dh,
      c.dc,
      c.dz,
      c.dhNew,
      c.mask,
      zero,
      c.rmask,
    );
  },
});

const lstmBackward: Backward = {
  ...lstmCellBackward,
  run: (call) => {
    const l = call.step.layer as LSTM<boolean, boolean>;
    if (l.returnCellSequences && call.dOut[call.dOut.length - 1]) {
      throw new WasmRnnError(
        `${l.who}: training through returnCellSequences is not supported; expected no loss on the cell sequence`,
      );
    }
    lstmCellBackward.run(call);
  },
};

export const lstmEntry: LayerEntry<LSTM<boolean, boolean>> = {
  classNames: ["LSTM"],
  cls: LSTM,
  kerasVarsPath: ["cell"],
  recurrent: true,
  params(cfg, inputs) {
    const u = cfg.int("units"),
      i = lastDim(inputs[0]);
    return 4 * u * (i + u + 1);
  },
  build(cfg, ctx) {
    return new LSTM<boolean>({
      ...recurrentOptions(cfg),
      recurrentActivation: cellActivation(cfg, "recurrent_activation", defaultRecurrentActivation(ctx)),
      unitForgetBias: cfg.bool("unit_forget_bias", true),
    });
  },
  toConfig(l, target) {
    if (l.returnCellSequences)
      throw new WasmRnnError(`saveModel: ${l.who} uses returnCellSequences, which Keras and TF.js do not have`);
    return {
      ...recurrentConfig(l, target),
      recurrent_activation: kerasActivation(l, l.recurrentActivation, target),
      unit_forget_bias: l.unitForgetBias,
    };
  },
  backward: (layer, who) => recurrentBackwardFor(layer, who, lstmBackward),
};
