// Conv1D, SeparableConv1D, DepthwiseConv1D: im2col around the panel GEMM (assembly/gemm), forward
// and backward.   x, dx [B, T, C];  cols, dcols [B * To, K * C]  (row b * To + t, column k * C + c)
// Step t of the output reads input steps t * s - padL + k * d (k < K); outside [0, T) reads zero.

// im2col: cols[b * To + t, k * C + c] = x[b, t * s - padL + k * d, c], 0 out of range.
//   x [B, T, C];  cols [B * To, K * C]
export function conv1d_im2col(B: i32, T: i32, C: i32, To: i32, K: i32, s: i32, d: i32, padL: i32,
                              x: usize, cols: usize): void {
  const rowBytes = <usize>C << 2;
  let dst = cols;
  for (let b = 0; b < B; b++) {
    const xb = x + <usize>b * <usize>T * rowBytes;
    for (let t = 0; t < To; t++) {
      const t0 = t * s - padL;
      if (d == 1 && t0 >= 0 && t0 + K <= T) {
        // the whole window is inside: one copy of K consecutive steps
        memory.copy(dst, xb + <usize>t0 * rowBytes, <usize>K * rowBytes);
      } else {
        for (let k = 0; k < K; k++) {
          const ti = t0 + k * d;
          const o = dst + <usize>k * rowBytes;
          if (ti >= 0 && ti < T) memory.copy(o, xb + <usize>ti * rowBytes, rowBytes);
          else memory.fill(o, 0, rowBytes);
        }
      }
      dst += <usize>K * rowBytes;
    }
  }
}

// Backward of im2col: dx[b, t * s - padL + k * d, c] += dcols[b * To + t, k * C + c] (in range).
//   dcols [B * To, K * C];  dx [B, T, C]
export function conv1d_col2im_backward(B: i32, T: i32, C: i32, To: i32, K: i32, s: i32, d: i32, padL: i32,
                                       dcols: usize, dx: usize): void {
  const rowBytes = <usize>C << 2;
  let src = dcols;
  for (let b = 0; b < B; b++) {
    const xb = dx + <usize>b * <usize>T * rowBytes;
    for (let t = 0; t < To; t++) {
      for (let k = 0; k < K; k++) {
        const ti = t * s - padL + k * d;
        if (ti >= 0 && ti < T) {
          const o = xb + <usize>ti * rowBytes;
          const g = src + <usize>k * rowBytes;
          let c = 0;
          for (; c + 4 <= C; c += 4) {
            const p = <usize>c << 2;
            v128.store(o + p, f32x4.add(v128.load(o + p), v128.load(g + p)));
          }
          for (; c < C; c++) {
            const p = <usize>c << 2;
            store<f32>(o + p, load<f32>(o + p) + load<f32>(g + p));
          }
        }
      }
      src += <usize>K * rowBytes;
    }
  }
}
