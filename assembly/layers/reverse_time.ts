// A time flip (Bidirectional's backward half, go_backwards): rows [B, T, F], row t <- row T-1-t.
// Its own backward: the gradient flips the same way.

// dst[r, t] = src[r, T-1-t] for rows of F floats. src and dst must not overlap.
export function reverse_time(B: i32, T: i32, F: i32, src: usize, dst: usize): void {
  const rowBytes = <usize>F << 2;
  for (let r = 0; r < B; r++) {
    for (let t = 0; t < T; t++) {
      memory.copy(dst + <usize>(r * T + t) * rowBytes, src + <usize>(r * T + T - 1 - t) * rowBytes, rowBytes);
    }
  }
}
