// The int8 products over q8 blocks (layout and scheme: q8.ts):
//   C[m, j] = C0[m, j] + s_j (d_m (aq[m] . q[:, j]) + lo_m colsum_j)
//   M rows, N columns (4 NV per panel), Kq groups of 4 reduction rows
//   aq [M][lda] bytes with row parameters rp [M][2] (d, lo); wb a q8 block (scales, sums, panels)
//   C0 [M, N] floats, row stride ldc0 (0 broadcasts one row: a bias); C [M, N], row stride ldc (may
//   alias C0 when ldc0 == ldc)
// Relaxed build: register tile of 2 rows x NV vectors; plain build: one row, two accumulators per
// vector (products of column pairs, summed across lanes at the end). Exact integer sums either way.

import { dotAddOk } from "./q8";

const ONES16: usize = memory.data<i16>([1, 1, 1, 1, 1, 1, 1, 1]);

export function q8_gemm_16(M: i32, N: i32, Kq: i32, aq: usize, lda: i32, rp: usize, wb: usize,
                           c0: usize, ldc0: i32, c: usize, ldc: i32): void {
  q8gemm(4, M, N, Kq, aq, lda, rp, wb, c0, ldc0, c, ldc);
}
export function q8_gemm_12(M: i32, N: i32, Kq: i32, aq: usize, lda: i32, rp: usize, wb: usize,
                           c0: usize, ldc0: i32, c: usize, ldc: i32): void {
  q8gemm(3, M, N, Kq, aq, lda, rp, wb, c0, ldc0, c, ldc);
}
// @ts-ignore: decorator
@inline function q8gemm(NV: i32, M: i32, N: i32, Kq: i32, aq: usize, lda: i32, rp: usize, wb: usize,
                        c0: usize, ldc0: i32, c: usize, ldc: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    // D picks the dot at compile time (i32: with accumulator, i16: widened), so each copy has one
    if (dotAddOk) relaxedTiles<i32>(NV, M, N, Kq, aq, lda, rp, wb, c0, ldc0, c, ldc);
    else relaxedTiles<i16>(NV, M, N, Kq, aq, lda, rp, wb, c0, ldc0, c, ldc);
  } else {
    plainRows(NV, M, N, Kq, aq, lda, rp, wb, c0, ldc0, c, ldc);
  }
}

// acc + w . a over groups of 4 bytes (w signed, a in [0, 127]); D = i32: the relaxed dot with
// accumulator, D = i16: the i16 relaxed dot widened (sizeof<D>() is a compile-time constant)
// @ts-ignore: decorator
@inline function dot<D>(w: v128, a: v128, acc: v128, ones: v128): v128 {
  if (sizeof<D>() == 4) return i32x4.relaxed_dot_i8x16_i7x16_add_s(w, a, acc);
  return i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(w, a), ones));
}

// Row m's four columns from col: C0 + s (d acc + lo colsum). No fused multiply-add (same bits in both builds).
// @ts-ignore: decorator
@inline function finish(acc: v128, d: v128, lo: v128, wb: usize, N: i32, col: usize, c0: usize, c: usize): void {
  const t = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(acc), d), f32x4.mul(v128.load(wb + (<usize>N << 2) + col), lo));
  v128.store(c, f32x4.add(v128.load(c0), f32x4.mul(t, v128.load(wb + col))));
}

// @ts-ignore: decorator
@inline function relaxedTiles<D>(NV: i32, M: i32, N: i32, Kq: i32, aq: usize, lda: i32, rp: usize, wb: usize,
                              c0: usize, ldc0: i32, c: usize, ldc: i32): void {
  const R = <usize>(NV << 4); // bytes of one panel row group
  const P = N / (NV << 2);
  const panels = wb + (<usize>N << 3);
  const ones = v128.load(ONES16);
  const c0Stride = <usize>ldc0 << 2, cStride = <usize>ldc << 2;
  for (let p = 0; p < P; p++) {
    const b = panels + <usize>p * <usize>Kq * R;
    const col = <usize>p * R; // byte offset of the panel's first column in a float row
    let m = 0;
    for (; m + 2 <= M; m += 2) {
      const a0 = aq + <usize>m * <usize>lda, a1 = a0 + <usize>lda;
      let x0 = i32x4.splat(0), x1 = x0, x2 = x0, x3 = x0, y0 = x0, y1 = x0, y2 = x0, y3 = x0;
      let bk = b;
      for (let k = 0; k < Kq; k++) {
        const s0 = v128.load32_splat(a0 + (<usize>k << 2)), s1 = v128.load32_splat(a1 + (<usize>k << 2));
        const w0 = v128.load(bk);
        x0 = dot<D>(w0, s0, x0, ones); y0 = dot<D>(w0, s1, y0, ones);
        if (NV > 1) { const w1 = v128.load(bk, 16); x1 = dot<D>(w1, s0, x1, ones); y1 = dot<D>(w1, s1, y1, ones); }
        if (NV > 2) { const w2 = v128.load(bk, 32); x2 = dot<D>(w2, s0, x2, ones); y2 = dot<D>(w2, s1, y2, ones); }
        if (NV > 3) { const w3 = v128.load(bk, 48); x3 = dot<D>(w3, s0, x3, ones); y3 = dot<D>(w3, s1, y3, ones); }
        bk += R;
      }
      finishRow(NV, x0, x1, x2, x3, rp + (<usize>m << 3), wb, N, col, c0 + <usize>m * c0Stride, c + <usize>m * cStride);
      finishRow(NV, y0, y1, y2, y3, rp + (<usize>(m + 1) << 3), wb, N, col, c0 + <usize>(m + 1) * c0Stride,
        c + <usize>(m + 1) * cStride);
    }
    if (m < M) {
      const a0 = aq + <usize>m * <usize>lda;
      let x0 = i32x4.splat(0), x1 = x0, x2 = x0, x3 = x0;
      let bk = b;
      // two row groups a pass (batch 1 is this loop: fewer loop steps per product)
      let k = 0;
      for (; k + 2 <= Kq; k += 2) {
        const s0 = v128.load32_splat(a0 + (<usize>k << 2)), s1 = v128.load32_splat(a0 + (<usize>k << 2), 4);
        const b1 = bk + R;
        x0 = dot<D>(v128.load(b1), s1, dot<D>(v128.load(bk), s0, x0, ones), ones);
        if (NV > 1) x1 = dot<D>(v128.load(b1, 16), s1, dot<D>(v128.load(bk, 16), s0, x1, ones), ones);
        if (NV > 2) x2 = dot<D>(v128.load(b1, 32), s1, dot<D>(v128.load(bk, 32), s0, x2, ones), ones);
        if (NV > 3) x3 = dot<D>(v128.load(b1, 48), s1, dot<D>(v128.load(bk, 48), s0, x3, ones), ones);
        bk += R << 1;
      }
      if (k < Kq) {
        const s0 = v128.load32_splat(a0 + (<usize>k << 2));
        x0 = dot<D>(v128.load(bk), s0, x0, ones);
        if (NV > 1) x1 = dot<D>(v128.load(bk, 16), s0, x1, ones);
        if (NV > 2) x2 = dot<D>(v128.load(bk, 32), s0, x2, ones);
        if (NV > 3) x3 = dot<D>(v128.load(bk, 48), s0, x3, ones);
      }
      finishRow(NV, x0, x1, x2, x3, rp + (<usize>m << 3), wb, N, col, c0 + <usize>m * c0Stride, c + <usize>m * cStride);
    }
  }
}

// @ts-ignore: decorator
@inline function finishRow(NV: i32, x0: v128, x1: v128, x2: v128, x3: v128, rp: usize, wb: usize, N: i32, col: usize,
                           c0: usize, c: usize): void {
  const d = v128.load32_splat(rp), lo = v128.load32_splat(rp, 4);
  finish(x0, d, lo, wb, N, col, c0 + col, c + col);
  if (NV > 1) finish(x1, d, lo, wb, N, col + 16, c0 + col + 16, c + col + 16);
  if (NV > 2) finish(x2, d, lo, wb, N, col + 32, c0 + col + 32, c + col + 32);
  if (NV > 3) finish(x3, d, lo, wb, N, col + 48, c0 + col + 48, c + col + 48);
}

// Columns 4v..4v+3 from the two accumulators of pair sums: lanes (c0, c0, c1, c1) and (c2, c2, c3, c3).
// @ts-ignore: decorator
@inline function pairSums(lo: v128, hi: v128): v128 {
  return i32x4.add(i32x4.shuffle(lo, hi, 0, 2, 4, 6), i32x4.shuffle(lo, hi, 1, 3, 5, 7));
}

// @ts-ignore: decorator
@inline function plainRows(NV: i32, M: i32, N: i32, Kq: i32, aq: usize, lda: i32, rp: usize, wb: usize,
                           c0: usize, ldc0: i32, c: usize, ldc: i32): void {
  const R = <usize>(NV << 4);
  const P = N / (NV << 2);
  const panels = wb + (<usize>N << 3);
  for (let p = 0; p < P; p++) {
    const b = panels + <usize>p * <usize>Kq * R;
    const col = <usize>p * R;
    for (let m = 0; m < M; m++) {
      const a0 = aq + <usize>m * <usize>lda;
      let l0 = i32x4.splat(0), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
      let bk = b;
      for (let k = 0; k < Kq; k++) {
        const a = i16x8.extend_low_i8x16_s(v128.load32_splat(a0 + (<usize>k << 2)));
        let w = v128.load(bk);
        l0 = i32x4.add(l0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(w), a));
        h0 = i32x4.add(h0, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(w), a));
        if (NV > 1) {
          w = v128.load(bk, 16);
          l1 = i32x4.add(l1, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(w), a));
          h1 = i32x4.add(h1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(w), a));
        }
        if (NV > 2) {
          w = v128.load(bk, 32);
          l2 = i32x4.add(l2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(w), a));
          h2 = i32x4.add(h2, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(w), a));
        }
        if (NV > 3) {
          w = v128.load(bk, 48);
          l3 = i32x4.add(l3, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(w), a));
          h3 = i32x4.add(h3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(w), a));
        }
        bk += R;
      }
      finishRow(NV, pairSums(l0, h0), pairSums(l1, h1), pairSums(l2, h2), pairSums(l3, h3), rp + (<usize>m << 3), wb, N,
        col, c0 + <usize>m * (<usize>ldc0 << 2), c + <usize>m * (<usize>ldc << 2));
    }
  }
}

// Two products at once, one output: C = C0 + (ax . Wx) + (ah . Wh), each dequantized with its own
// row parameters and column scales (a recurrent step: x_t . W + h . U). The relaxed build runs
// both over each panel before one epilogue (one row at a time, 2 x NV accumulators); the plain
// build makes two passes. Kx, Kh: row groups of Wx and Wh; N, NV as q8_gemm's.
// @ts-ignore: decorator
@inline export function q8gemm2(NV: i32, M: i32, N: i32, Kx: i32, ax: usize, ldx: i32, rpx: usize, wx: usize,
                                Kh: i32, ah: usize, ldh: i32, rph: usize, wh: usize,
                                c0: usize, ldc0: i32, c: usize, ldc: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    if (dotAddOk) fusedRows<i32>(NV, M, N, Kx, ax, ldx, rpx, wx, Kh, ah, ldh, rph, wh, c0, ldc0, c, ldc);
    else fusedRows<i16>(NV, M, N, Kx, ax, ldx, rpx, wx, Kh, ah, ldh, rph, wh, c0, ldc0, c, ldc);
  } else {
    plainRows(NV, M, N, Kx, ax, ldx, rpx, wx, c0, ldc0, c, ldc);
    plainRows(NV, M, N, Kh, ah, ldh, rph, wh, c, ldc, c, ldc);
  }
}

// @ts-ignore: decorator
@inline function fusedRows<D>(NV: i32, M: i32, N: i32, Kx: i32, ax: usize, ldx: i32, rpx: usize, wx: usize,
                              Kh: i32, ah: usize, ldh: i32, rph: usize, wh: usize,
                              c0: usize, ldc0: i32, c: usize, ldc: i32): void {
  const R = <usize>(NV << 4);
  const P = N / (NV << 2);
  const ones = v128.load(ONES16);
  for (let p = 0; p < P; p++) {
    const col = <usize>p * R;
    for (let m = 0; m < M; m++) {
      let x0 = i32x4.splat(0), x1 = x0, x2 = x0, x3 = x0, h0 = x0, h1 = x0, h2 = x0, h3 = x0;
      let a0 = ax + <usize>m * <usize>ldx;
      let bk = wx + (<usize>N << 3) + <usize>p * <usize>Kx * R;
      let k = 0;
      for (; k + 2 <= Kx; k += 2) {
        const s0 = v128.load32_splat(a0 + (<usize>k << 2)), s1 = v128.load32_splat(a0 + (<usize>k << 2), 4);
        const b1 = bk + R;
        x0 = dot<D>(v128.load(b1), s1, dot<D>(v128.load(bk), s0, x0, ones), ones);
        if (NV > 1) x1 = dot<D>(v128.load(b1, 16), s1, dot<D>(v128.load(bk, 16), s0, x1, ones), ones);
        if (NV > 2) x2 = dot<D>(v128.load(b1, 32), s1, dot<D>(v128.load(bk, 32), s0, x2, ones), ones);
        if (NV > 3) x3 = dot<D>(v128.load(b1, 48), s1, dot<D>(v128.load(bk, 48), s0, x3, ones), ones);
        bk += R << 1;
      }
      if (k < Kx) {
        const s0 = v128.load32_splat(a0 + (<usize>k << 2));
        x0 = dot<D>(v128.load(bk), s0, x0, ones);
        if (NV > 1) x1 = dot<D>(v128.load(bk, 16), s0, x1, ones);
        if (NV > 2) x2 = dot<D>(v128.load(bk, 32), s0, x2, ones);
        if (NV > 3) x3 = dot<D>(v128.load(bk, 48), s0, x3, ones);
      }
      a0 = ah + <usize>m * <usize>ldh;
      bk = wh + (<usize>N << 3) + <usize>p * <usize>Kh * R;
      k = 0;
      for (; k + 2 <= Kh; k += 2) {
        const s0 = v128.load32_splat(a0 + (<usize>k << 2)), s1 = v128.load32_splat(a0 + (<usize>k << 2), 4);
        const b1 = bk + R;
        h0 = dot<D>(v128.load(b1), s1, dot<D>(v128.load(bk), s0, h0, ones), ones);
        if (NV > 1) h1 = dot<D>(v128.load(b1, 16), s1, dot<D>(v128.load(bk, 16), s0, h1, ones), ones);
        if (NV > 2) h2 = dot<D>(v128.load(b1, 32), s1, dot<D>(v128.load(bk, 32), s0, h2, ones), ones);
        if (NV > 3) h3 = dot<D>(v128.load(b1, 48), s1, dot<D>(v128.load(bk, 48), s0, h3, ones), ones);
        bk += R << 1;
      }
      if (k < Kh) {
        const s0 = v128.load32_splat(a0 + (<usize>k << 2));
        h0 = dot<D>(v128.load(bk), s0, h0, ones);
        if (NV > 1) h1 = dot<D>(v128.load(bk, 16), s0, h1, ones);
        if (NV > 2) h2 = dot<D>(v128.load(bk, 32), s0, h2, ones);
        if (NV > 3) h3 = dot<D>(v128.load(bk, 48), s0, h3, ones);
      }
      const dx = v128.load32_splat(rpx + (<usize>m << 3)), lx = v128.load32_splat(rpx + (<usize>m << 3), 4);
      const dh = v128.load32_splat(rph + (<usize>m << 3)), lh = v128.load32_splat(rph + (<usize>m << 3), 4);
      const i0 = c0 + <usize>m * (<usize>ldc0 << 2) + col, o0 = c + <usize>m * (<usize>ldc << 2) + col;
      finish2(x0, h0, dx, lx, dh, lh, wx, wh, N, col, i0, o0);
      if (NV > 1) finish2(x1, h1, dx, lx, dh, lh, wx, wh, N, col + 16, i0 + 16, o0 + 16);
      if (NV > 2) finish2(x2, h2, dx, lx, dh, lh, wx, wh, N, col + 32, i0 + 32, o0 + 32);
      if (NV > 3) finish2(x3, h3, dx, lx, dh, lh, wx, wh, N, col + 48, i0 + 48, o0 + 48);
    }
  }
}

// Four columns of both products: C0 + sx (dx accx + lox colsum_x) + sh (dh acch + loh colsum_h).
// @ts-ignore: decorator
@inline function finish2(ax: v128, ah: v128, dx: v128, lx: v128, dh: v128, lh: v128, wx: usize, wh: usize, N: i32,
                         col: usize, c0: usize, c: usize): void {
  const sumAt = (<usize>N << 2) + col;
  const tx = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(ax), dx), f32x4.mul(v128.load(wx + sumAt), lx));
  const th = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(ah), dh), f32x4.mul(v128.load(wh + sumAt), lh));
  const out = f32x4.add(f32x4.add(v128.load(c0), f32x4.mul(tx, v128.load(wx + col))), f32x4.mul(th, v128.load(wh + col)));
  v128.store(c, out);
}
