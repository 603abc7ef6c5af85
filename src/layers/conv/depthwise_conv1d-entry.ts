// DepthwiseConv1D's file entry and backward. What predict never needs.
import type { LayerEntry } from "../entry.js";
import { lastDim, ZEROS } from "../entry.js";
import { convBackward } from "./conv-backward.js";
import { DepthwiseConv1D } from "./depthwise_conv1d.js";
import { commonArgs, convConfig, intOrList } from "./entry-common.js";

export const depthwiseConv1dEntry: LayerEntry<DepthwiseConv1D> = {
  classNames: ["DepthwiseConv1D"],
  cls: DepthwiseConv1D,
  params: (cfg, inputs) =>
    lastDim(inputs[0]) * cfg.int("depth_multiplier", { fallback: 1 }) * (intOrList(cfg, ["kernel_size"]) + 1),
  build: (cfg) =>
    new DepthwiseConv1D({
      ...commonArgs(cfg),
      depthMultiplier: cfg.int("depth_multiplier", { fallback: 1 }),
      depthwiseInitializer: ZEROS,
    }),
  toConfig: (l, target) => convConfig(l, target, { depth_multiplier: l.depthMultiplier }, ["depthwise"]),
  backward: () => convBackward,
};
