// Readers of the small integer inputs kernels share: u8 step masks and class or token ids.
//   mask  [B, T] u8 (or [M]): 1 = keep, 0 = masked (Keras's boolean mask); pointer 0 = no mask
//   ids   [N] i32, or f32 holding integers (idsFloat = 1)

// Whether element i of a u8 mask (0 = no mask) is masked.
// @ts-ignore: decorator
@inline export function stepMasked(mask: usize, i: i32): bool {
  return mask != 0 && load<u8>(mask + <usize>i) == 0;
}

// Id n as i32: f32 ids truncate toward zero, as a cast to int does.
// @ts-ignore: decorator
@inline export function readId(ids: usize, n: i32, idsFloat: i32): i32 {
  if (idsFloat) {
    const v = load<f32>(ids + (<usize>n << 2));
    // NaN and values beyond i32 become an out-of-range id
    return v >= -2147483648.0 && v < 2147483648.0 ? <i32>v : -1;
  }
  return load<i32>(ids + (<usize>n << 2));
}
