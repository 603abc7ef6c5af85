// Conv1D's file entry (Keras 3, Keras 2, TF.js; Keras 1 Convolution1D names) and backward.
// What predict never needs: loaded only by the loader, the saver and fit.
import type { LayerEntry } from "../entry.js";
import { lastDim, ZEROS } from "../entry.js";
import { convBackward } from "./conv-backward.js";
import { Conv1D } from "./conv1d.js";
import { commonArgs, convConfig, intOrList } from "./entry-common.js";

export const conv1dEntry: LayerEntry<Conv1D> = {
  classNames: ["Conv1D", "Convolution1D"],
  cls: Conv1D,
  params: (cfg, inputs) => {
    const filters = intOrList(cfg, ["filters", "nb_filter"]);
    const groups = cfg.int("groups", { fallback: 1 });
    return filters * (intOrList(cfg, ["kernel_size", "filter_length"]) * (lastDim(inputs[0]) / groups) + 1);
  },
  build: (cfg) =>
    new Conv1D({
      ...commonArgs(cfg),
      filters: intOrList(cfg, ["filters", "nb_filter"]),
      groups: cfg.int("groups", { fallback: 1 }),
      kernelInitializer: ZEROS,
    }),
  toConfig: (l, target) =>
    convConfig(
      l,
      target,
      target === "tfjs" && l.groups === 1 ? { filters: l.filters } : { filters: l.filters, groups: l.groups },
      ["kernel"],
    ),
  backward: () => convBackward,
};
