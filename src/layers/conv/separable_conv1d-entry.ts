// SeparableConv1D's file entry (also Keras 2's SeparableConvolution1D alias) and backward.
// What predict never needs.
import type { LayerEntry } from "../entry.js";
import { lastDim, ZEROS } from "../entry.js";
import { convBackward } from "./conv-backward.js";
import { commonArgs, convConfig, intOrList } from "./entry-common.js";
import { SeparableConv1D } from "./separable_conv1d.js";

export const separableConv1dEntry: LayerEntry<SeparableConv1D> = {
  classNames: ["SeparableConv1D", "SeparableConvolution1D"],
  cls: SeparableConv1D,
  params: (cfg, inputs) => {
    const CM = lastDim(inputs[0]) * cfg.int("depth_multiplier", { fallback: 1 });
    const F = intOrList(cfg, ["filters"]);
    return CM * intOrList(cfg, ["kernel_size"]) + CM * F + F;
  },
  build: (cfg) =>
    new SeparableConv1D({
      ...commonArgs(cfg),
      filters: intOrList(cfg, ["filters"]),
      depthMultiplier: cfg.int("depth_multiplier", { fallback: 1 }),
      depthwiseInitializer: ZEROS,
      pointwiseInitializer: ZEROS,
    }),
  toConfig: (l, target) =>
    convConfig(l, target, { filters: l.filters, depth_multiplier: l.depthMultiplier }, ["depthwise", "pointwise"]),
  backward: () => convBackward,
};
