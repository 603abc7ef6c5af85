// Dense's file entry and backward.
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.
import { trainKernels } from "../core/train-kernels.js";
import { heapF32 } from "../core/wasm.js";
import { activationBackward, addInputGradient, type Backward, none } from "./backward-base.js";
import { Dense } from "./dense.js";
import { baseConfig, initConfig, kerasActivation, type LayerEntry, lastDim, ZEROS } from "./entry.js";
import { carve, round16, sizeOf } from "./heap.js";
import type { Step } from "./layer.js";

/** Backward scratch: dz [M, Up], then kernel^T packed [16-rounded I, Up]. */
function denseBackwardLayout(base: number, s: Step) {
  const I = s.inputs[0]!.shape.at(-1)!,
    Up = (s.layer as Dense).paddedUnits;
  return carve(base, { dz: (sizeOf(s.inputs[0]!.shape) / I) * Up * 4, kernelT: round16(I) * Up * 4 });
}

const denseBackward: Backward = {
  traceBytes: none,
  scratchBytes: (s) => denseBackwardLayout(0, s).total,
  run: ({ step, dOut, dIn, dParams, scratch, dPre }) => {
    const dy = dOut[0]!;
    if (!dy && !dPre) return;
    const layer = step.layer as Dense;
    const k = trainKernels();
    const x = step.inputs[0]!,
      y = step.outputs[0]!;
    const I = x.shape.at(-1)!,
      U = layer.units,
      Up = layer.paddedUnits;
    const M = sizeOf(x.shape) / I;
    const { dz, kernelT } = denseBackwardLayout(scratch, step);
    const [kernel] = layer.paramBlocks();
    if (dy) activationBackward(M, U, Up, y.ptr, step.scratch, dy, dz, layer.activation);
    else heapF32().fill(0, dz >>> 2, (dz >>> 2) + M * Up);
    if (dPre) k.add_blocks(M, U, dPre, U, dz, Up);
    k.gemm_tn_panels(4, 1, M, I, x.ptr, I, 0, dz, Up, Up, dParams[0]!, I);
    if (layer.useBias) k.colsum_acc(M, Up, dz, Up, dParams[1]!);
    if (dIn[0]) addInputGradient(4, kernel!.ptr, I, Up, dz, M, kernelT, dIn[0]);
  },
};

export const denseEntry: LayerEntry<Dense> = {
  classNames: ["Dense"],
  cls: Dense,
  params: (cfg, inputs) => cfg.int("units") * (lastDim(inputs[0]) + 1),
  build(cfg) {
    return new Dense({
      name: cfg.name,
      units: cfg.int("units"),
      activation: cfg.activation("activation", "linear"),
      useBias: cfg.bool("use_bias", true),
      kernelInitializer: ZEROS,
      biasInitializer: ZEROS,
    });
  },
  toConfig: (l, target) => ({
    ...baseConfig(l.name),
    units: l.units,
    activation: kerasActivation(l, l.activation, target),
    use_bias: l.useBias,
    kernel_initializer: initConfig("GlorotUniform", { seed: null }),
    bias_initializer: initConfig("Zeros"),
    kernel_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
  }),
  backward: () => denseBackward,
};
