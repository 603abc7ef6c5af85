// Cropping1D's file entry and backward (a strided add_blocks). What predict never needs.
import { trainKernels } from "../core/train-kernels.js";
import { simpleBackward } from "./backward-base.js";
import { Cropping1D } from "./cropping1d.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { pairFrom } from "./zero_padding1d-entry.js";

export const cropping1dEntry: LayerEntry<Cropping1D> = {
  classNames: ["Cropping1D"],
  cls: Cropping1D,
  build: (cfg) => new Cropping1D({ name: cfg.name, cropping: pairFrom(cfg, "cropping", [1, 1]) }),
  toConfig: (l) => ({ ...baseConfig(l.name), cropping: [...l.cropping] }),
  backward: (layer) =>
    simpleBackward(({ step, dy, dIn }) => {
      if (!dIn[0]) return;
      const [B, T, C] = step.inputs[0]!.shape as [number, number, number];
      const To = step.outputs[0]!.shape[1]!;
      trainKernels().add_blocks(B, To * C, dy, To * C, dIn[0] + layer.cropping[0] * C * 4, T * C);
    }),
};
