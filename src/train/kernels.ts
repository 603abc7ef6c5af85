// The wasm core's training exports (assembly/gemm_grad.ts, lstm_backward.ts, sequence_grad.ts and
// the activation backward), typed here so the default entry's core types stay inference-only.
import { kernels, type CoreExports } from "../core/wasm.js";

export interface TrainExports {
  gemm_nt_panels(NV: number, M: number, K: number, N: number, a: number, lda: number, bp: number, Kp: number,
    dst: number, ldd: number, accumulate: number): void;
  gemm_tn_panels(NV: number, B: number, T: number, K: number, a: number, lda: number, reverseA: number,
    dz: number, ldz: number, N: number, grad: number, Kp: number): void;
  colsum_acc(R: number, N: number, dz: number, ldz: number, dst: number): void;
  activation_backward_rows(M: number, N: number, y: number, dy: number, dz: number, ldDz: number, kind: number): void;
  lstm_backward(B: number, T: number, H: number, u: number, act: number, recAct: number, goBackwards: number,
    trace: number, dy: number, dh: number, dc: number, dz: number, mask: number, zeroOutput: number): void;
  simple_rnn_backward(B: number, T: number, H: number, u: number, act: number, goBackwards: number,
    trace: number, dy: number, dh: number, dz: number, mask: number, zeroOutput: number): void;
  merge_pair_backward(B: number, T: number, F: number, dm: number, a: number, b: number, reverseB: number, mode: number,
    da: number, db: number): void;
  dropout_forward(n: number, x: number, y: number, keep: number, rate: number, seed: number): void;
  dropout_backward(n: number, dy: number, keep: number, rate: number, dx: number): void;
  embedding_backward(N: number, D: number, ids: number, idsFloat: number, dy: number, grad: number, squares: number): void;
  masking_backward(M: number, F: number, mask: number, dy: number, dx: number): void;
  repeat_rows_backward(B: number, n: number, F: number, dy: number, dx: number): void;
  add_blocks(outer: number, chunk: number, src: number, srcStride: number, dst: number, dstStride: number): void;
}

export function trainKernels(): CoreExports & TrainExports {
  return kernels() as CoreExports & TrainExports;
}
