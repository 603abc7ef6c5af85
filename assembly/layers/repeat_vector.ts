// Keras RepeatVector, forward and backward.   src, dx [B, F];  dst, dy [B, n, F]

// RepeatVector: dst[b, k] = src[b] for k < n.   src [B, F], dst [B, n, F]
export function repeat_rows(B: i32, n: i32, F: i32, src: usize, dst: usize): void {
  const rowBytes = <usize>F << 2;
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < n; k++) memory.copy(dst + <usize>(b * n + k) * rowBytes, src + <usize>b * rowBytes, rowBytes);
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
