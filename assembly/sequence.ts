// Sequence plumbing around the recurrent kernels: masked-step output, time flips and merges
// (Bidirectional), masks (Masking, Embedding, merge layers), gathers and copies.
//
// Masks are u8 [B, T]: 1 = keep, 0 = masked (Keras's boolean mask).

import { storeLanes } from "./simd";

// Whether element i of a u8 mask (0 = no mask) is masked.
// @ts-ignore: decorator
@inline export function stepMasked(mask: usize, i: i32): bool {
  return mask != 0 && load<u8>(mask + <usize>i) == 0;
}

// A masked step of a recurrent kernel: the row's output is its latest output `last` [Hp]
// (Keras zero_output_for_mask = false) or zeros (zeroOutput = 1, and then `last` becomes zero
// too, as Keras's carried output does). outRow [H] may be 0 (no output sequence wanted).
// traceRow (0 = no trace) is the step's row of a training trace, traceBytes long: zeroed, so the
// backward's whole-sequence products over the trace read zeros, not stale memory, there.
// @ts-ignore: decorator
@inline export function maskedStepOutput(outRow: usize, last: usize, H: i32, zeroOutput: i32, traceRow: usize, traceBytes: usize): void {
  if (traceRow) memory.fill(traceRow, 0, traceBytes);
  const Hp = (H + 3) & ~3;
  if (zeroOutput) memory.fill(last, 0, <usize>Hp << 2);
  if (outRow) {
    for (let g = 0; g < (Hp >> 2); g++) storeLanes(outRow + (<usize>g << 4), v128.load(last + (<usize>g << 4)), H - (g << 2));
  }
}

// Backward: a step's output gradient dyRow [H] joins the gradient of the state h it output.
// @ts-ignore: decorator
@inline export function addOutputGrad(dhRow: usize, dyRow: usize, H: i32): void {
  for (let k = 0; k < H; k++) {
    const o = <usize>k << 2;
    store<f32>(dhRow + o, load<f32>(dhRow + o) + load<f32>(dyRow + o));
  }
}

// Bidirectional merge of a forward and a backward output.
//   a, b   [B, T, F]   forward and backward outputs (T = 1 for last outputs)
//   dst    [B, T, 2F] for concat (mode 0), else [B, T, F]: sum (1), mul (2), ave (3)
//   reverseB = 1 reads b at step T-1-t: the backward sequence comes out in processing order.
export function merge_pair(B: i32, T: i32, F: i32, a: usize, b: usize, reverseB: i32, mode: i32, dst: usize): void {
  const rowBytes = <usize>F << 2;
  const half = <f32>0.5;
  for (let r = 0; r < B; r++) {
    for (let t = 0; t < T; t++) {
      const tb = reverseB ? T - 1 - t : t;
      const ar = a + <usize>(r * T + t) * rowBytes;
      const br = b + <usize>(r * T + tb) * rowBytes;
      if (mode == 0) {
        const d = dst + <usize>(r * T + t) * (rowBytes << 1);
        memory.copy(d, ar, rowBytes);
        memory.copy(d + rowBytes, br, rowBytes);
        continue;
      }
      const d = dst + <usize>(r * T + t) * rowBytes;
      let j = 0;
      for (; j + 4 <= F; j += 4) {
        const o = <usize>j << 2;
        const va = v128.load(ar + o), vb = v128.load(br + o);
        let v = f32x4.add(va, vb);
        if (mode == 2) v = f32x4.mul(va, vb);
        else if (mode == 3) v = f32x4.mul(v, f32x4.splat(half));
        v128.store(d + o, v);
      }
      for (; j < F; j++) {
        const o = <usize>j << 2;
        const va = load<f32>(ar + o), vb = load<f32>(br + o);
        store<f32>(d + o, mode == 2 ? va * vb : mode == 3 ? (va + vb) * half : va + vb);
      }
    }
  }
}

// dst[r, t] = src[r, T-1-t] for rows of F floats. src and dst must not overlap.
export function reverse_time(B: i32, T: i32, F: i32, src: usize, dst: usize): void {
  const rowBytes = <usize>F << 2;
  for (let r = 0; r < B; r++) {
    for (let t = 0; t < T; t++) {
      memory.copy(dst + <usize>(r * T + t) * rowBytes, src + <usize>(r * T + T - 1 - t) * rowBytes, rowBytes);
    }
  }
}

// Keras Masking: mask[m] = any(x[m, :] != maskValue); y[m] = mask[m] ? x[m] : 0.
//   x, y [M, F] (M = B * T), mask [M] u8
export function masking_forward(M: i32, F: i32, x: usize, maskValue: f32, y: usize, mask: usize): void {
  const rowBytes = <usize>F << 2;
  for (let m = 0; m < M; m++) {
    const xr = x + <usize>m * rowBytes;
    let keep = false;
    for (let j = 0; j < F; j++) {
      if (load<f32>(xr + (<usize>j << 2)) != maskValue) { keep = true; break; }
    }
    store<u8>(mask + <usize>m, keep ? 1 : 0);
    const yr = y + <usize>m * rowBytes;
    if (keep) memory.copy(yr, xr, rowBytes);
    else memory.fill(yr, 0, rowBytes);
  }
}

// Keras Embedding: y[n] = table[ids[n]]; with maskZero, mask[n] = ids[n] != 0.
//   ids    [N] i32, or f32 when idsFloat (truncated toward zero, as a cast to int does)
//   table  [inputDim, D], y [N, D], mask [N] u8 (0 = not wanted)
// Returns -1, or the flat index of the first id outside [0, inputDim) (nothing written then).
export function embedding_forward(N: i32, D: i32, ids: usize, idsFloat: i32, table: usize, inputDim: i32,
                                  y: usize, mask: usize): i32 {
  for (let n = 0; n < N; n++) {
    const id = readId(ids, n, idsFloat);
    if (id < 0 || id >= inputDim) return n;
  }
  const rowBytes = <usize>D << 2;
  for (let n = 0; n < N; n++) {
    const id = readId(ids, n, idsFloat);
    memory.copy(y + <usize>n * rowBytes, table + <usize>id * rowBytes, rowBytes);
    if (mask) store<u8>(mask + <usize>n, id != 0 ? 1 : 0);
  }
  return -1;
}

// @ts-ignore: decorator
@inline export function readId(ids: usize, n: i32, idsFloat: i32): i32 {
  if (idsFloat) {
    const v = load<f32>(ids + (<usize>n << 2));
    // NaN and values beyond i32 become an out-of-range id
    return v >= -2147483648.0 && v < 2147483648.0 ? <i32>v : -1;
  }
  return load<i32>(ids + (<usize>n << 2));
}

// RepeatVector: dst[b, k] = src[b] for k < n.   src [B, F], dst [B, n, F]
export function repeat_rows(B: i32, n: i32, F: i32, src: usize, dst: usize): void {
  const rowBytes = <usize>F << 2;
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < n; k++) memory.copy(dst + <usize>(b * n + k) * rowBytes, src + <usize>b * rowBytes, rowBytes);
  }
}

// Strided block copy (Concatenate): for o < outer, dst[o * dstStride + 0:chunk] = src[o * chunk + 0:chunk]
// (floats; src blocks are dense).
export function copy_blocks(outer: i32, chunk: i32, src: usize, dst: usize, dstStride: i32): void {
  const bytes = <usize>chunk << 2;
  for (let o = 0; o < outer; o++) memory.copy(dst + (<usize>o * <usize>dstStride << 2), src + <usize>o * bytes, bytes);
}

// Add: dst[0:n] = a[0:n] + b[0:n] (dst may alias a).
export function add_arrays(n: i32, a: usize, b: usize, dst: usize): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(dst + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(dst + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

// Merge-layer masks: dst[0:n] = a[0:n] | b[0:n] (u8; dst may alias a).
export function mask_or(n: i32, a: usize, b: usize, dst: usize): void {
  for (let j = 0; j < n; j++) store<u8>(dst + <usize>j, load<u8>(a + <usize>j) | load<u8>(b + <usize>j));
}
