// The training core's exports (assembly/train.ts: backward kernels, losses, optimizers), typed
// here so the default entry's core types stay inference-only. The training core is a second wasm
// module on the inference core's memory, instantiated by `loadTrainCore()` (the first fit).

import { WasmRnnError } from "./errors.js";
import { type CoreExports, loadTrainCore as instantiateTrainCore, kernels } from "./wasm.js";

export interface TrainExports {
  gemm_tn_panels(
    NV: number,
    B: number,
    T: number,
    K: number,
    a: number,
    lda: number,
    reverseA: number,
    dz: number,
    ldz: number,
    N: number,
    grad: number,
    Kp: number,
  ): void;
  colsum_acc(R: number, N: number, dz: number, ldz: number, dst: number): void;
  activation_backward_rows(M: number, N: number, y: number, dy: number, dz: number, ldDz: number, kind: number): void;
  lstm_backward(
    B: number,
    T: number,
    H: number,
    ut: number,
    act: number,
    recAct: number,
    goBackwards: number,
    trace: number,
    dy: number,
    dh: number,
    dc: number,
    dz: number,
    dhNew: number,
    mask: number,
    zeroOutput: number,
  ): void;
  simple_rnn_backward(
    B: number,
    T: number,
    H: number,
    ut: number,
    act: number,
    goBackwards: number,
    trace: number,
    dy: number,
    dh: number,
    dz: number,
    dhNew: number,
    mask: number,
    zeroOutput: number,
  ): void;
  pack_transpose_panels(NV: number, src: number, Kp: number, N: number, K: number, dst: number): void;
  gemm_nt_packed(
    M: number,
    K: number,
    N: number,
    a: number,
    lda: number,
    bt: number,
    dst: number,
    ldd: number,
    accumulate: number,
  ): void;
  merge_pair_backward(
    B: number,
    T: number,
    F: number,
    dm: number,
    a: number,
    b: number,
    reverseB: number,
    mode: number,
    da: number,
    db: number,
  ): void;
  dropout_forward(n: number, x: number, y: number, keep: number, rate: number, seed: number): void;
  dropout_backward(n: number, dy: number, keep: number, rate: number, dx: number): void;
  dropout_mask(n: number, mask: number, rate: number, seed: number): void;
  scale_steps(B: number, T: number, F: number, x: number, mask: number, y: number, accumulate: number): void;
  embedding_backward(
    N: number,
    D: number,
    ids: number,
    idsFloat: number,
    dy: number,
    grad: number,
    squares: number,
  ): void;
  masking_backward(M: number, F: number, mask: number, dy: number, dx: number): void;
  repeat_rows_backward(B: number, n: number, F: number, dy: number, dx: number): void;
  add_blocks(outer: number, chunk: number, src: number, srcStride: number, dst: number, dstStride: number): void;
  gru_reset_after_backward(
    B: number,
    T: number,
    H: number,
    ut: number,
    act: number,
    recAct: number,
    goBackwards: number,
    trace: number,
    dy: number,
    dh: number,
    dzx: number,
    dzu: number,
    mask: number,
    zeroOutput: number,
  ): void;
  gru_reset_before_backward(
    B: number,
    T: number,
    H: number,
    uzrT: number,
    uhT: number,
    act: number,
    recAct: number,
    goBackwards: number,
    trace: number,
    dy: number,
    dh: number,
    dzr: number,
    dzh: number,
    drh: number,
    mask: number,
    zeroOutput: number,
  ): void;
}

export interface LossKernels {
  loss_mse(
    M: number,
    F: number,
    pred: number,
    target: number,
    grad: number,
    scale: number,
    mask: number,
    weight: number,
  ): number;
  loss_mae(
    M: number,
    F: number,
    pred: number,
    target: number,
    grad: number,
    scale: number,
    mask: number,
    weight: number,
  ): number;
  loss_huber(
    M: number,
    F: number,
    pred: number,
    target: number,
    grad: number,
    scale: number,
    mask: number,
    weight: number,
    delta: number,
  ): number;
  loss_msle(
    M: number,
    F: number,
    pred: number,
    target: number,
    grad: number,
    scale: number,
    mask: number,
    weight: number,
  ): number;
  loss_kl_divergence(
    M: number,
    F: number,
    pred: number,
    target: number,
    grad: number,
    scale: number,
    mask: number,
    weight: number,
  ): number;
  loss_cosine_similarity(
    M: number,
    F: number,
    pred: number,
    target: number,
    grad: number,
    scale: number,
    mask: number,
    weight: number,
  ): number;
  loss_binary_crossentropy(
    M: number,
    F: number,
    pred: number,
    target: number,
    fromLogits: number,
    labelSmoothing: number,
    grad: number,
    scale: number,
    mask: number,
    weight: number,
  ): number;
  loss_categorical_crossentropy(
    M: number,
    F: number,
    pred: number,
    target: number,
    fromLogits: number,
    labelSmoothing: number,
    grad: number,
    scale: number,
    mask: number,
    weight: number,
  ): number;
  loss_sparse_ids_check(N: number, ids: number, idsFloat: number, F: number): number;
  loss_sparse_categorical_crossentropy(
    M: number,
    F: number,
    pred: number,
    ids: number,
    idsFloat: number,
    fromLogits: number,
    grad: number,
    scale: number,
    mask: number,
    weight: number,
  ): number;
  loss_first_nonfinite(n: number, x: number): number;
}

export interface OptimizerKernels {
  sgd_update(n: number, w: number, g: number, lr: number): void;
  sgd_momentum_update(
    n: number,
    w: number,
    g: number,
    velocity: number,
    lr: number,
    momentum: number,
    nesterov: number,
  ): void;
  adam_update(
    n: number,
    w: number,
    g: number,
    g2: number,
    m: number,
    v: number,
    vhat: number,
    alpha: number,
    oneMinusBeta1: number,
    oneMinusBeta2: number,
    epsilon: number,
  ): void;
  rmsprop_update(
    n: number,
    w: number,
    g: number,
    g2: number,
    velocity: number,
    momentumBuf: number,
    averageGrad: number,
    lr: number,
    rho: number,
    oneMinusRho: number,
    momentum: number,
    epsilon: number,
  ): void;
  adagrad_update(n: number, w: number, g: number, g2: number, accumulator: number, lr: number, epsilon: number): void;
  decay_weights(n: number, w: number, weightDecay: number, lr: number): void;
  sum_squares(n: number, g: number): number;
  clip_gradients(n: number, g: number, dst: number, mul: number, div: number, clip: number): void;
}

export type AllKernels = CoreExports & TrainExports & LossKernels & OptimizerKernels;

let merged: AllKernels | null = null;

/** Loads the training core (once); training code may call `trainKernels()` afterwards. */
export async function loadTrainCore(who = "wasm-rnn training"): Promise<void> {
  if (merged) return;
  const train = await instantiateTrainCore(who);
  // one object with both cores' kernels: backward code also uses inference kernels (add_arrays, ...)
  merged = Object.assign(Object.create(null) as object, kernels(), train, {
    memory: kernels().memory,
  }) as unknown as AllKernels;
}

/** The inference and training kernels; `loadTrainCore()` must have resolved. */
export function trainKernels(): AllKernels {
  if (!merged)
    throw new WasmRnnError(
      "wasm-rnn training: the training core is not loaded; expected `await loadTrainCore()` (fit does it), got a call before it",
    );
  return merged;
}
