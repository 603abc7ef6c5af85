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

// Strided block sum: dst[o * dstStride + 0:chunk] += src[o * srcStride + 0:chunk] for o < outer.
// Concatenate's backward (the inverse of copy_blocks: dstStride = chunk), and moving rows between
// dense [M, U] and padded [M, Up] layouts.
export function add_blocks(outer: i32, chunk: i32, src: usize, srcStride: i32, dst: usize, dstStride: i32): void {
  for (let o = 0; o < outer; o++) {
    const s = src + (<usize>o * <usize>srcStride << 2);
    const d = dst + (<usize>o * <usize>dstStride << 2);
    for (let j = 0; j < chunk; j++) {
      const p = d + (<usize>j << 2);
      store<f32>(p, load<f32>(p) + load<f32>(s + (<usize>j << 2)));
    }
  }
}

// Backward of merge_pair (Bidirectional): from the merged gradient dm, the gradients of the two
// halves, written (not added) in the halves' own layouts.
//   dm      [B, T, 2F] (concat, mode 0) or [B, T, F] (sum 1, mul 2, ave 3)
//   a, b    [B, T, F]  the forward outputs (mul needs them; else 0)
//   da, db  [B, T, F]; with reverseB, db[:, T-1-t] belongs to dm[:, t] (the backward half's
//           sequence is in processing order)
export function merge_pair_backward(B: i32, T: i32, F: i32, dm: usize, a: usize, b: usize, reverseB: i32, mode: i32,
                                    da: usize, db: usize): void {
  const outF = mode == 0 ? F << 1 : F;
  for (let r = 0; r < B; r++) {
    for (let t = 0; t < T; t++) {
      const tb = reverseB ? T - 1 - t : t;
      const m = dm + (<usize>(r * T + t) * <usize>outF << 2);
      const ra = <usize>(r * T + t) * <usize>F << 2;
      const rb = <usize>(r * T + tb) * <usize>F << 2;
      for (let j = 0; j < F; j++) {
        const o = <usize>j << 2;
        const g = load<f32>(m + o);
        if (mode == 0) {
          store<f32>(da + ra + o, g);
          store<f32>(db + rb + o, load<f32>(m + (<usize>(F + j) << 2)));
        } else if (mode == 2) {
          store<f32>(da + ra + o, g * load<f32>(b + rb + o));
          store<f32>(db + rb + o, g * load<f32>(a + ra + o));
        } else {
          const v: f32 = mode == 3 ? g * <f32>0.5 : g;
          store<f32>(da + ra + o, v);
          store<f32>(db + rb + o, v);
        }
      }
    }
  }
}
