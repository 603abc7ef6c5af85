// ZeroPadding1D and Cropping1D forward (their backward is add_blocks, assembly/layers/blocks.ts;
// UpSampling1D is repeat_rows, assembly/layers/repeat_vector.ts).
//   src [B, Ts, C];  dst [B, Td, C]

// dst[b, d0 + i] = src[b, s0 + i] for i < n; the other steps of dst[b] are zero.
//   src [B, Ts, C];  dst [B, Td, C]   (steps of C floats)
export function steps_copy(B: i32, n: i32, C: i32, src: usize, Ts: i32, s0: i32, dst: usize, Td: i32, d0: i32): void {
  const step = <usize>C << 2;
  for (let b = 0; b < B; b++) {
    const db = dst + <usize>b * <usize>Td * step;
    if (d0 > 0) memory.fill(db, 0, <usize>d0 * step);
    memory.copy(db + <usize>d0 * step, src + (<usize>b * <usize>Ts + <usize>s0) * step, <usize>n * step);
    const tail = Td - d0 - n;
    if (tail > 0) memory.fill(db + <usize>(d0 + n) * step, 0, <usize>tail * step);
  }
}
