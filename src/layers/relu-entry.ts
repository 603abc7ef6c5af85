// The file entries and backward of ReLU, LeakyReLU and ELU (param_act_backward, from the input).
import { trainKernels } from "../core/train-kernels.js";
import { type Backward, none } from "./backward-base.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { sizeOf } from "./heap.js";
import { ELU, LeakyReLU, type ParamActivation, ReLU } from "./relu.js";

export const paramActivationBackward: Backward = {
  traceBytes: none,
  scratchBytes: none,
  run: ({ step, dOut, dIn }) => {
    if (!dOut[0] || !dIn[0]) return;
    const x = step.inputs[0]!;
    const [kind, p0, p1, p2] = (step.layer as ParamActivation).params();
    trainKernels().param_act_backward(sizeOf(x.shape), x.ptr, kind, p0, p1, p2, 0, 1, dOut[0], dIn[0], 0);
  },
};

export const reluEntry: LayerEntry<ReLU> = {
  classNames: ["ReLU"],
  cls: ReLU,
  build: (cfg) =>
    new ReLU({
      name: cfg.name,
      maxValue: cfg.has("max_value") ? cfg.num("max_value", 0) : null,
      negativeSlope: cfg.num("negative_slope", 0),
      threshold: cfg.num("threshold", 0),
    }),
  toConfig: (l) => ({
    ...baseConfig(l.name),
    max_value: l.maxValue,
    negative_slope: l.negativeSlope,
    threshold: l.threshold,
  }),
  backward: () => paramActivationBackward,
};

export const leakyReluEntry: LayerEntry<LeakyReLU> = {
  classNames: ["LeakyReLU"],
  cls: LeakyReLU,
  // Keras 2 and TF.js call the slope `alpha`
  build: (cfg) =>
    new LeakyReLU({
      name: cfg.name,
      negativeSlope: cfg.has("negative_slope") ? cfg.num("negative_slope", 0.3) : cfg.num("alpha", 0.3),
    }),
  toConfig: (l) => ({ ...baseConfig(l.name), negative_slope: l.negativeSlope }),
  backward: () => paramActivationBackward,
};

export const eluEntry: LayerEntry<ELU> = {
  classNames: ["ELU"],
  cls: ELU,
  build: (cfg) => new ELU({ name: cfg.name, alpha: cfg.num("alpha", 1) }),
  toConfig: (l) => ({ ...baseConfig(l.name), alpha: l.alpha }),
  backward: () => paramActivationBackward,
};
