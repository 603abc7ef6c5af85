// Small SIMD helpers shared by every kernel.
//
// `madd` is the one place where the plain and relaxed-SIMD builds differ: the relaxed build
// (asc --enable relaxed-simd) may fuse the multiply-add; the plain build rounds twice and is
// therefore bit-identical on every runtime.

// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

// Stores the first `n` (0..4) lanes of `v` at `p`: for the ragged last group of a row.
// @ts-ignore: decorator
@inline export function storeLanes(p: usize, v: v128, n: i32): void {
  if (n >= 4) { v128.store(p, v); return; }
  if (n > 0) store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}
