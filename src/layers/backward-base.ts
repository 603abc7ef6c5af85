// What every backward shares: the call a backward gets, and small helpers over wasm memory. A
// layer's backward sits in its entry file beside the layer and reads the training kernels
// through trainKernels(), which the first fit loads: inference never instantiates them.
import { ACTIVATION_IDS, type ActivationName, gradFromInput } from "../core/activations.js";
import { trainKernels } from "../core/train-kernels.js";
import { heapF32 } from "../core/wasm.js";
import { sizeOf } from "./heap.js";
import type { Step } from "./layer.js";
import type { RecurrentLayer } from "./recurrent.js";

/** One step's backward: gradients of outputs in, of inputs and weights out (all wasm pointers). */
export interface BackwardCall {
  step: Step;
  /** Gradient of each output (same shape), or 0 where none flows. */
  dOut: readonly number[];
  /** Gradient buffer of each input (data, then states), or 0 where none is wanted. Added to. */
  dIn: readonly number[];
  /** Gradient blocks of `layer.paramBlocks()`, same order and lengths. Added to. */
  dParams: readonly number[];
  /** For `sparseSquares` layers: sums of squared gradient pieces per weight block. Added to. */
  dSquares: readonly number[];
  /** `scratchBytes` bytes of scratch. */
  scratch: number;
  /** The trace the forward filled (`traceBytes` bytes; recurrent layers), else 0. */
  trace: number;
  /**
   * Dense or Activation feeding a crossentropy: the loss's gradient with respect to the
   * pre-activation (logits) of output 0, [M, units] (see Trainer), else 0. Added to dz.
   */
  dPre: number;
}

export interface Backward {
  /**
   * The weight gradient is a sum of per-row pieces that TensorFlow keeps apart (an Embedding's
   * IndexedSlices); the trainer then also collects their squares (`dSquares`).
   */
  sparseSquares?: boolean;
  /** Bytes of trace the forward must keep for this step (0: none). */
  traceBytes(step: Step): number;
  /**
   * The recurrent layers that fill the step's trace during the forward, and at which byte offset
   * of it (default: the step's layer itself at 0 when it is recurrent).
   */
  tracedLayers?(step: Step): { layer: RecurrentLayer; offset: number }[];
  /**
   * The step's forward while training, when it differs from inference (Dropout): replaces
   * `layer.forward`, may keep what backward needs in `trace`. `seed` is fresh for every call.
   */
  trainingForward?(step: Step, trace: number, seed: number): void;
  /**
   * After the optimizer's step (only for a step taken): updates what the training forward left in
   * `trace` for it, as Keras's forward assigns non-trainable weights (BatchNormalization's moving
   * statistics). A refused step (non-finite loss or gradient) never commits.
   */
  commit?(step: Step, trace: number): void;
  scratchBytes(step: Step): number;
  run(call: BackwardCall): void;
}

export const none = () => 0;

/** A layer whose output is its input's values (copies): the gradient passes through. */
export const identityBackward: Backward = {
  traceBytes: none,
  scratchBytes: none,
  run: ({ step, dOut, dIn }) => {
    if (dOut[0] && dIn[0]) trainKernels().add_arrays(sizeOf(step.outputs[0]!.shape), dIn[0], dOut[0], dIn[0]);
  },
};

/** A backward with no trace or scratch that runs `run` only when output 0 has a gradient. */
export function simpleBackward(run: (call: BackwardCall & { dy: number }) => void): Backward {
  return {
    traceBytes: none,
    scratchBytes: none,
    run: (call) => {
      if (call.dOut[0]) run({ ...call, dy: call.dOut[0] });
    },
  };
}

/**
 * dx [R, I] += dz [R, N] . kernel^T for a kernel packed in panels W = 4 NV wide ([N/W][I][W]):
 * the kernel is transposed into `scratch` ([I rounded up to 16, N] floats) first, so the product
 * runs on gemm_nt_packed's register tile.
 */
export function addInputGradient(
  NV: number,
  kernel: number,
  I: number,
  N: number,
  dz: number,
  R: number,
  scratch: number,
  dx: number,
): void {
  const k = trainKernels();
  k.pack_transpose_panels(NV, kernel, I, N, I, scratch);
  k.gemm_nt_packed(R, I, N, dz, N, scratch, dx, I, 1);
}

/** Adds src rows [B, H] into dst rows [B, ld] (or the reverse layout), float by float. */
export function addRows(src: number, srcLd: number, dst: number, dstLd: number, B: number, H: number): void {
  const f32 = heapF32();
  for (let b = 0; b < B; b++) {
    const s = (src >>> 2) + b * srcLd,
      d = (dst >>> 2) + b * dstLd;
    for (let j = 0; j < H; j++) f32[d + j] += f32[s + j]!;
  }
}

/**
 * dz [M, ld] = act'(.) * dy [M, N] for a layer that keeps its pre-activation z [M, ld] at the start
 * of its forward scratch (Dense, the convolutions): the classic activations' gradients come from the
 * output y [M, N], the others' (gelu, swish, ...) from z, a row at a time; padding columns are zero.
 */
export function activationBackward(
  M: number,
  N: number,
  ld: number,
  y: number,
  z: number,
  dy: number,
  dz: number,
  activation: ActivationName,
): void {
  const k = trainKernels();
  const id = ACTIVATION_IDS[activation];
  if (!gradFromInput(activation)) {
    k.activation_backward_rows(M, N, y, dy, dz, ld, id);
    return;
  }
  heapF32().fill(0, dz >>> 2, (dz >>> 2) + M * ld);
  // log_softmax's gradient reads its output (as the Activation layer's does)
  const from = activation === "log_softmax" ? y : z;
  const fromLd = activation === "log_softmax" ? N : ld;
  for (let m = 0; m < M; m++) k.activation_backward_x(1, N, from + m * fromLd * 4, dy + m * N * 4, dz + m * ld * 4, id);
}
