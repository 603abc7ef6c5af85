// int8 inference products (opt-in: model.quantize("int8"), src/quant/): weights int8 with one scale
// per output column, activations quantized per row at run time, products summed exactly in i32.
//
// Weights ("q8 panels"): a float weight packed in panels [P][Kp][W] (W = 4 NV columns, the layout
// of assembly/gemm/pack.ts) becomes, by q8_pack, int8 panels [P][Kq][4 W] (Kq = Kp rounded up to
// 4, divided by 4): for each group of 4 rows k, vector v of a panel row holds columns 4v..4v+3,
// four bytes each (rows 4kq..4kq+3), the operand order of i32x4.relaxed_dot_i8x16_i7x16_add_s.
// Per column: scale s_j = max|w_kj| / 127, q_kj = round(w_kj / s_j) in [-127, 127], and the
// column sum of q (for the activations' offset). Padding rows and columns are zero.
//
// Activations (q8_rows): per row, asymmetric over the row's range: lo = min, d = (max - lo) / 127,
// a_k = round((x_k - lo) / d) in [0, 127]. Seven bits, because the second operand of the relaxed
// dot is "i7": a byte with its top bit set may be read as signed or unsigned depending on the
// hardware; in [0, 127] both readings agree, so every runtime computes the same integers.
//   x . w_j ~= s_j (d (a . q_j) + lo colsum_j)
// The integer dot a . q_j is exact (|a . q_j| <= 127 * 127 * K stays far inside i32 for any K a
// wasm memory holds), and the float steps around it use no fused multiply-add, so the plain and
// relaxed builds give the same bits; they differ only in how they form the integer products:
//   relaxed: i32x4.relaxed_dot_i8x16_i7x16_add_s, or, where the runtime computes it wrongly (V8
//            11.3, Node 20 with --experimental-wasm-relaxed-simd, returns twice the products and
//            drops the accumulator: q8_select_dot tests it), i16x8.relaxed_dot_i8x16_i7x16_s
//            widened with i32x4.dot_i16x8_s (pairs of i7 x i8 products never saturate i16)
//   plain:   widen both to i16, i32x4.dot_i16x8_s
//
// Rows of activations (aq) are [M][lda] bytes, lda >= 4 Kq, bytes past the row's K zero.
// Row parameters rp are [M][2] f32: d, lo.

/** 1: the runtime computes i32x4.relaxed_dot_i8x16_i7x16_add_s right (set by q8_select_dot). */
export let dotAddOk: i32 = 0;

// Tests i32x4.relaxed_dot_i8x16_i7x16_add_s on this runtime (values from the caller, so nothing
// folds at compile time) and uses it from then on if it is right. Returns 2 when the relaxed dot
// with accumulator is used, 1 for the two-instruction relaxed form, 0 for the plain build.
export function q8_select_dot(a: i32, b: i32, c: i32): i32 {
  if (!ASC_FEATURE_RELAXED_SIMD) return 0;
  const got = i32x4.extract_lane(i32x4.relaxed_dot_i8x16_i7x16_add_s(i8x16.splat(<i8>a), i8x16.splat(<i8>b), i32x4.splat(c)), 0);
  dotAddOk = got == 4 * <i32><i8>a * <i32><i8>b + c ? 1 : 0;
  return 1 + dotAddOk;
}

// src float panels [P][Kp][4 NV] -> dst, one q8 block for N = 4 NV P columns: the column scales
// [N] f32, the column sums of q [N] f32, then the q8 panels [P][Kq][16 NV] bytes (q8BlockBytes).
export function q8_pack(NV: i32, P: i32, Kp: i32, src: usize, dst: usize): void {
  const W = NV << 2;
  const N = P * W;
  const Kq = (Kp + 3) >> 2;
  for (let p = 0; p < P; p++) {
    const panel = src + (<usize>p * <usize>Kp * <usize>W << 2);
    const out = dst + (<usize>N << 3) + <usize>p * <usize>Kq * <usize>(W << 2);
    for (let j = 0; j < W; j++) {
      let m: f32 = 0;
      for (let k = 0; k < Kp; k++) m = max(m, abs(load<f32>(panel + (<usize>(k * W + j) << 2))));
      const inv: f32 = m > 0 ? <f32>127 / m : 0;
      let sum = 0;
      for (let k = 0; k < (Kq << 2); k++) {
        let q = 0;
        if (k < Kp) q = <i32>min(max(nearest(load<f32>(panel + (<usize>(k * W + j) << 2)) * inv), <f32>-127), <f32>127);
        store<i8>(out + <usize>((k >> 2) * (W << 2) + ((j >> 2) << 4) + ((j & 3) << 2) + (k & 3)), <i8>q);
        sum += q;
      }
      const col = <usize>(p * W + j) << 2;
      store<f32>(dst + col, m / <f32>127);
      store<f32>(dst + (<usize>N << 2) + col, <f32>sum);
    }
  }
}

// Quantizes M rows of K floats (src, row stride lds floats) into aq (row stride lda bytes, bytes
// K..lda-1 zero; lda a multiple of 16) and their parameters rp [M][2] (d, lo).
export function q8_rows(M: i32, K: i32, src: usize, lds: i32, aq: usize, lda: i32, rp: usize): void {
  for (let m = 0; m < M; m++) {
    const x = src + (<usize>m * <usize>lds << 2);
    const q = aq + <usize>m * <usize>lda;
    let lo = f32x4.splat(Infinity), hi = f32x4.splat(-Infinity);
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const v = v128.load(x + (<usize>k << 2));
      lo = f32x4.pmin(lo, v);
      hi = f32x4.pmax(hi, v);
    }
    let l = min(min(f32x4.extract_lane(lo, 0), f32x4.extract_lane(lo, 1)), min(f32x4.extract_lane(lo, 2), f32x4.extract_lane(lo, 3)));
    let h = max(max(f32x4.extract_lane(hi, 0), f32x4.extract_lane(hi, 1)), max(f32x4.extract_lane(hi, 2), f32x4.extract_lane(hi, 3)));
    for (; k < K; k++) {
      const v = load<f32>(x + (<usize>k << 2));
      l = min(l, v);
      h = max(h, v);
    }
    const range = h - l;
    const inv: f32 = range > 0 ? <f32>127 / range : 0;
    store<f32>(rp + (<usize>m << 3), range / <f32>127);
    store<f32>(rp + (<usize>m << 3), l, 4);
    const lov = f32x4.splat(l), invv = f32x4.splat(inv);
    const zero = i32x4.splat(0), top = i32x4.splat(127);
    k = 0;
    for (; k + 16 <= K; k += 16) {
      const p = x + (<usize>k << 2);
      const q0 = quant4(v128.load(p), lov, invv, zero, top), q1 = quant4(v128.load(p, 16), lov, invv, zero, top);
      const q2 = quant4(v128.load(p, 32), lov, invv, zero, top), q3 = quant4(v128.load(p, 48), lov, invv, zero, top);
      v128.store(q + <usize>k, i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3)));
    }
    for (; k < K; k++) {
      const v = (load<f32>(x + (<usize>k << 2)) - l) * inv;
      store<u8>(q + <usize>k, <u8>min(max(nearest(v), <f32>0), <f32>127));
    }
    for (; k < lda; k++) store<u8>(q + <usize>k, 0);
  }
}

// One group of 4 floats as i32 in [0, 127]: round((x - lo) * inv), clamped.
// @ts-ignore: decorator
@inline function quant4(v: v128, lo: v128, inv: v128, zero: v128, top: v128): v128 {
  const q = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(f32x4.sub(v, lo), inv)));
  return i32x4.min_s(i32x4.max_s(q, zero), top);
}
