// GRU's file entry: Keras config in and out, and its backward (./backward.ts).
import { WasmRnnError } from "../../core/errors.js";
import { kerasActivation, type LayerEntry, lastDim } from "../entry.js";
import { recurrentBackwardFor } from "../recurrent-backward.js";
import { cellActivation, defaultRecurrentActivation, recurrentConfig, recurrentOptions } from "../recurrent-config.js";
import { gruBackward } from "./backward.js";
import { GRU } from "./gru.js";

export const gruEntry: LayerEntry<GRU<boolean>> = {
  classNames: ["GRU"],
  cls: GRU,
  recurrent: true,
  kerasVarsPath: ["cell"],
  params(cfg, inputs) {
    const u = cfg.int("units"),
      i = lastDim(inputs[0]);
    const resetAfter = cfg.bool("reset_after", false);
    return 3 * u * (i + u + (resetAfter ? 2 : 1));
  },
  build(cfg, ctx) {
    // a config without reset_after (Keras < 2.1.3, TF.js) is the classic GRU
    return new GRU<boolean>({
      ...recurrentOptions(cfg),
      recurrentActivation: cellActivation(cfg, "recurrent_activation", defaultRecurrentActivation(ctx)),
      resetAfter: cfg.bool("reset_after", false),
    });
  },
  toConfig(l, target) {
    if (target === "tfjs" && l.resetAfter)
      throw new WasmRnnError(
        `saveModel: ${l.who} has resetAfter true, which TF.js cannot run; save it as .keras instead`,
      );
    return {
      ...recurrentConfig(l, target),
      recurrent_activation: kerasActivation(l, l.recurrentActivation, target),
      reset_after: l.resetAfter,
    };
  },
  backward: (layer, who) => recurrentBackwardFor(layer, who, gruBackward),
};
