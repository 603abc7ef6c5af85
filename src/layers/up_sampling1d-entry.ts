// UpSampling1D's file entry and backward (repeat_rows_backward). What predict never needs.
import { trainKernels } from "../core/train-kernels.js";
import { simpleBackward } from "./backward-base.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { UpSampling1D } from "./up_sampling1d.js";

export const upSampling1dEntry: LayerEntry<UpSampling1D> = {
  classNames: ["UpSampling1D"],
  cls: UpSampling1D,
  build: (cfg) => new UpSampling1D({ name: cfg.name, size: cfg.int("size", { fallback: 2 }) }),
  toConfig: (l) => ({ ...baseConfig(l.name), size: l.size }),
  backward: (layer) =>
    simpleBackward(({ step, dy, dIn }) => {
      if (!dIn[0]) return;
      const [B, T, C] = step.inputs[0]!.shape as [number, number, number];
      trainKernels().repeat_rows_backward(B * T, layer.size, C, dy, dIn[0]);
    }),
};
