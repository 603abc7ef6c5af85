// Backward of the sequence plumbing (assembly/sequence.ts). Every kernel ADDS into its input
// gradient, so a tensor read by several layers sums their contributions. Gradients are f32.

import { readId } from "./sequence";

// Embedding: grad[ids[n]] += dy[n], and squares[ids[n]] += dy[n]^2 (0 = not wanted: the sum of
// squared pieces TensorFlow's sparse gradient gives Adam/RMSprop/Adagrad, assembly/optimizers.ts).
//   ids [N] (i32, or f32 when idsFloat; checked by forward), dy [N, D], grad, squares [inputDim, D]
export function embedding_backward(N: i32, D: i32, ids: usize, idsFloat: i32, dy: usize, grad: usize, squares: usize): void {
  const rowBytes = <usize>D << 2;
  for (let n = 0; n < N; n++) {
    const row = <usize>readId(ids, n, idsFloat) * rowBytes;
    const g = grad + row, q = squares + row;
    const d = dy + <usize>n * rowBytes;
    let j = 0;
    for (; j + 4 <= D; j += 4) {
      const o = <usize>j << 2;
      const dv = v128.load(d + o);
      v128.store(g + o, f32x4.add(v128.load(g + o), dv));
      if (squares) v128.store(q + o, f32x4.add(v128.load(q + o), f32x4.mul(dv, dv)));
    }
    for (; j < D; j++) {
      const o = <usize>j << 2;
      const dv = load<f32>(d + o);
      store<f32>(g + o, load<f32>(g + o) + dv);
      if (squares) store<f32>(q + o, load<f32>(q + o) + dv * dv);
    }
  }
}

// Masking: dx[m] += dy[m] where the step is kept (mask[m] = 1); masked steps output zeros.
//   mask [M] u8, dy and dx [M, F]
export function masking_backward(M: i32, F: i32, mask: usize, dy: usize, dx: usize): void {
  for (let m = 0; m < M; m++) {
    if (load<u8>(mask + <usize>m) == 0) continue;
    for (let j = 0; j < F; j++) {
      const o = (<usize>m * <usize>F + <usize>j) << 2;
      store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o));
    }
  }
}

// RepeatVector: dx[b] += sum_k dy[b, k].   dy [B, n, F], dx [B, F]
export function repeat_rows_backward(B: i32, n: i32, F: i32, dy: usize, dx: usize): void {
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < F; j++) {
        const o = (<usize>b * <usize>F + <usize>j) << 2;
        store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + ((<usize>(b * n + k) * <usize>F + <usize>j) << 2)));
      }
    }
  }
}

// Concatenate: dx[o, 0:chunk] += dy[o * srcStride + 0:chunk] (the inverse of copy_blocks).
export function gather_blocks_acc(outer: i32, chunk: i32, dy: usize, srcStride: i32, dx: usize): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < chunk; j++) {
      const d = dx + ((<usize>o * <usize>chunk + <usize>j) << 2);
      store<f32>(d, load<f32>(d) + load<f32>(dy + ((<usize>o * <usize>srcStride + <usize>j) << 2)));
    }
  }
}
