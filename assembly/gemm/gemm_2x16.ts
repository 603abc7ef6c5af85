// The forward GEMM micro-kernels over weights packed into panels (assembly/gemm/pack.ts).
//   A [M, K] rows (lda), Bp panels [N/(4 NV)][K][4 NV], C0 and C [M, N] rows (ldc0, ldc)
// One copy per panel width (NV = 4, 3, 2, 1 vectors: 16, 12, 8, 4 columns).

import { madd } from "../math/simd";

const ROW_BLOCK = 32; // even (see gemm2)
// Where touchRows puts what it read, so the loads are not optimised away.
let touched: i32 = 0;

// C[m, 0:N] = C0[m, 0:N] + A[m, 0:K] . Bp       (M rows, N = 4*NV * panels, K reduction)
//   A  [M, K]  row stride lda floats
//   Bp panels [N/(4 NV)][K][4 NV]  (K rows per panel; NV = 4 vectors for panel16)
//   C0 [M, N]  row stride ldc0 floats; ldc0 = 0 broadcasts one row (a bias)
//   C  [M, N]  row stride ldc floats; may alias C0 when ldc0 == ldc
// Register tile 2 rows x NV vectors (2 NV accumulators); a 1-row tail uses NV accumulators with
// k unrolled by 2, which keeps V8 from spilling at batch 1. Exported per panel width, so NV is a
// constant in each copy and the unused accumulators fold away.
// Rows go in blocks of ROW_BLOCK, every panel for one block before the next block: a block's rows
// of A stay in cache and its rows of C are written whole, where one sweep of all M rows per panel
// wrote C in 64-byte strips a row apart (a page apart for N >= 1024) and re-read all of A from
// beyond L2 for every panel: 76 -> 92 % of the SIMD128 peak on the B32 T50 I64 input projection,
// 65 -> 92 % on B64 T100 I128 (bench/run.mjs --profile). Blocks start at even rows, so the rows
// pair up as without blocks and the results are bit-identical.
export function gemm_2x16(M: i32, N: i32, K: i32, a: usize, lda: i32, bp: usize,
                          c0: usize, ldc0: i32, c: usize, ldc: i32): void {
  gemm2(4, M, N, K, a, lda, bp, c0, ldc0, c, ldc);
}
export function gemm_2x12(M: i32, N: i32, K: i32, a: usize, lda: i32, bp: usize,
                          c0: usize, ldc0: i32, c: usize, ldc: i32): void {
  gemm2(3, M, N, K, a, lda, bp, c0, ldc0, c, ldc);
}
export function gemm_2x8(M: i32, N: i32, K: i32, a: usize, lda: i32, bp: usize,
                         c0: usize, ldc0: i32, c: usize, ldc: i32): void {
  gemm2(2, M, N, K, a, lda, bp, c0, ldc0, c, ldc);
}
export function gemm_2x4(M: i32, N: i32, K: i32, a: usize, lda: i32, bp: usize,
                         c0: usize, ldc0: i32, c: usize, ldc: i32): void {
  gemm2(1, M, N, K, a, lda, bp, c0, ldc0, c, ldc);
}

// @ts-ignore: decorator
@inline function gemm2(NV: i32, M: i32, N: i32, K: i32, a: usize, lda: i32, bp: usize,
                       c0: usize, ldc0: i32, c: usize, ldc: i32): void {
  const W = <usize>(NV << 4); // panel row bytes
  const P = N / (NV << 2);
  const aStride = <usize>lda << 2;
  const c0Stride = <usize>ldc0 << 2;
  const cStride = <usize>ldc << 2;
  const panelBytes = <usize>K * W;
  for (let m0 = 0; m0 < M; m0 += ROW_BLOCK) {
    const m1 = min(M, m0 + ROW_BLOCK);
    for (let p = 0; p < P; p++) {
      const b = bp + <usize>p * panelBytes;
      const col = <usize>p * W;
      // (only the recurrent cells' full panels start from far-apart rows: LSTM and SimpleRNN)
      if (NV == 4 && ldc0) touchRows(c0 + <usize>m0 * c0Stride + col, c0Stride, m1 - m0);
      let m = m0;
      for (; m + 2 <= m1; m += 2) {
        const a0 = a + <usize>m * aStride;
        const a1 = a0 + aStride;
        const i0 = c0 + <usize>m * c0Stride + col;
        const i1 = i0 + c0Stride;
        let x0 = v128.load(i0), y0 = v128.load(i1);
        let x1 = x0, x2 = x0, x3 = x0, y1 = y0, y2 = y0, y3 = y0;
        if (NV > 1) { x1 = v128.load(i0, 16); y1 = v128.load(i1, 16); }
        if (NV > 2) { x2 = v128.load(i0, 32); y2 = v128.load(i1, 32); }
        if (NV > 3) { x3 = v128.load(i0, 48); y3 = v128.load(i1, 48); }
        let bk = b;
        for (let k = 0; k < K; k++) {
          const s0 = v128.load32_splat(a0 + (<usize>k << 2));
          const s1 = v128.load32_splat(a1 + (<usize>k << 2));
          const w0 = v128.load(bk);
          x0 = madd(s0, w0, x0); y0 = madd(s1, w0, y0);
          if (NV > 1) { const w1 = v128.load(bk, 16); x1 = madd(s0, w1, x1); y1 = madd(s1, w1, y1); }
          if (NV > 2) { const w2 = v128.load(bk, 32); x2 = madd(s0, w2, x2); y2 = madd(s1, w2, y2); }
          if (NV > 3) { const w3 = v128.load(bk, 48); x3 = madd(s0, w3, x3); y3 = madd(s1, w3, y3); }
          bk += W;
        }
        const o0 = c + <usize>m * cStride + col;
        const o1 = o0 + cStride;
        v128.store(o0, x0); v128.store(o1, y0);
        if (NV > 1) { v128.store(o0, x1, 16); v128.store(o1, y1, 16); }
        if (NV > 2) { v128.store(o0, x2, 32); v128.store(o1, y2, 32); }
        if (NV > 3) { v128.store(o0, x3, 48); v128.store(o1, y3, 48); }
      }
      if (m < m1) {
        gemv1(NV, K, a + <usize>m * aStride, b, c0 + <usize>m * c0Stride + col, c + <usize>m * cStride + col);
      }
    }
  }
}

// Reads one word of each of `rows` rows `stride` bytes apart, back to back: C0 rows far apart (a
// recurrent step's slice of the input projection, [B, T, G] with T G floats between batch rows)
// miss the caches on the first read of each panel, and a tile's accumulators wait on them; read
// together before the panel's tiles, the block's misses overlap instead of stalling one tile
// after another.
function touchRows(p: usize, stride: usize, rows: i32): void {
  let sum: i32 = 0;
  for (let r = 0; r < rows; r++) {
    sum |= load<i32>(p);
    p += stride;
  }
  touched = sum;
}

// One row times one panel: out[0:4NV] = init[0:4NV] + a[0:K] . panel   (panel [K][4NV])
// @ts-ignore: decorator
@inline function gemv1(NV: i32, K: i32, a: usize, panel: usize, init: usize, out: usize): void {
  const W = <usize>(NV << 4);
  let x0 = v128.load(init), x1 = x0, x2 = x0, x3 = x0;
  if (NV > 1) x1 = v128.load(init, 16);
  if (NV > 2) x2 = v128.load(init, 32);
  if (NV > 3) x3 = v128.load(init, 48);
  let bk = panel;
  let k = 0;
  if (NV <= 2) {
    // narrow panels leave too few accumulators to hide the add latency: a second set takes
    // every other pair of k, summed in at the end
    let y0 = f32x4.splat(0), y1 = y0;
    for (; k + 4 <= K; k += 4) {
      const ak = a + (<usize>k << 2);
      const s0 = v128.load32_splat(ak), s1 = v128.load32_splat(ak, 4);
      const s2 = v128.load32_splat(ak, 8), s3 = v128.load32_splat(ak, 12);
      const b1 = bk + W, b2 = b1 + W, b3 = b2 + W;
      x0 = f32x4.add(x0, madd(s0, v128.load(bk), f32x4.mul(s1, v128.load(b1))));
      y0 = f32x4.add(y0, madd(s2, v128.load(b2), f32x4.mul(s3, v128.load(b3))));
      if (NV > 1) {
        x1 = f32x4.add(x1, madd(s0, v128.load(bk, 16), f32x4.mul(s1, v128.load(b1, 16))));
        y1 = f32x4.add(y1, madd(s2, v128.load(b2, 16), f32x4.mul(s3, v128.load(b3, 16))));
      }
      bk += W << 2;
    }
    x0 = f32x4.add(x0, y0);
    if (NV > 1) x1 = f32x4.add(x1, y1);
  }
  for (; k + 2 <= K; k += 2) {
    const s0 = v128.load32_splat(a + (<usize>k << 2));
    const s1 = v128.load32_splat(a + (<usize>k << 2), 4);
    const b1 = bk + W;
    x0 = f32x4.add(x0, madd(s0, v128.load(bk), f32x4.mul(s1, v128.load(b1))));
    if (NV > 1) x1 = f32x4.add(x1, madd(s0, v128.load(bk, 16), f32x4.mul(s1, v128.load(b1, 16))));
    if (NV > 2) x2 = f32x4.add(x2, madd(s0, v128.load(bk, 32), f32x4.mul(s1, v128.load(b1, 32))));
    if (NV > 3) x3 = f32x4.add(x3, madd(s0, v128.load(bk, 48), f32x4.mul(s1, v128.load(b1, 48))));
    bk += W << 1;
  }
  if (k < K) {
    const s0 = v128.load32_splat(a + (<usize>k << 2));
    x0 = madd(s0, v128.load(bk), x0);
    if (NV > 1) x1 = madd(s0, v128.load(bk, 16), x1);
    if (NV > 2) x2 = madd(s0, v128.load(bk, 32), x2);
    if (NV > 3) x3 = madd(s0, v128.load(bk, 48), x3);
  }
  v128.store(out, x0);
  if (NV > 1) v128.store(out, x1, 16);
  if (NV > 2) v128.store(out, x2, 32);
  if (NV > 3) v128.store(out, x3, 48);
}
