// Conv1D, SeparableConv1D, DepthwiseConv1D, forward and backward: im2col around the panel GEMM
// (assembly/gemm), and the depthwise product (one group per channel) done directly.
//   x, dx [B, T, C];  cols, dcols [B * To, K * C]  (row b * To + t, column k * C + c)
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

// Depthwise (one group per input channel, dm outputs each): y[b * To + t, f] = c0[f] +
//   sum_k x[b, t * s - padL + k * d, f / dm] * w[k, f]   for f < C * dm (steps out of range add nothing)
//   x [B, T, C];  w [K, ldw];  c0 [C * dm] (a bias or a zero row);  y [B * To, ldy]
export function depthwise_conv1d(B: i32, T: i32, C: i32, To: i32, K: i32, s: i32, d: i32, padL: i32, dm: i32,
                                 x: usize, w: usize, ldw: i32, c0: usize, y: usize, ldy: i32): void {
  const FA = C * dm;
  const C4 = dm == 1 ? C & ~3 : 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < To; t++) {
      const yr = y + (<usize>(b * To + t) * <usize>ldy << 2);
      memory.copy(yr, c0, <usize>FA << 2);
      for (let k = 0; k < K; k++) {
        const ti = t * s - padL + k * d;
        if (ti < 0 || ti >= T) continue;
        const xr = x + (<usize>(b * T + ti) * <usize>C << 2);
        const wr = w + (<usize>k * <usize>ldw << 2);
        let f = 0;
        for (; f < C4; f += 4) {
          const o = <usize>f << 2;
          v128.store(yr + o, f32x4.add(v128.load(yr + o), f32x4.mul(v128.load(xr + o), v128.load(wr + o))));
        }
        for (; f < FA; f++) {
          const o = <usize>f << 2;
          store<f32>(yr + o, load<f32>(yr + o) + load<f32>(xr + (<usize>(f / dm) << 2)) * load<f32>(wr + o));
        }
      }
    }
  }
}

// Backward of depthwise_conv1d: dw[k, f] += sum_{b, t} x[b, t_k, f / dm] * dy[b * To + t, f] and, when dx
// is not 0, dx[b, t_k, f / dm] += w[k, f] * dy[b * To + t, f]   (t_k = t * s - padL + k * d in range)
//   x, dx [B, T, C];  w, dw [K, ldw];  dy [B * To, ldy]
export function depthwise_conv1d_backward(B: i32, T: i32, C: i32, To: i32, K: i32, s: i32, d: i32, padL: i32, dm: i32,
                                          x: usize, w: usize, ldw: i32, dy: usize, ldy: i32, dw: usize, dx: usize): void {
  const FA = C * dm;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < To; t++) {
      const gr = dy + (<usize>(b * To + t) * <usize>ldy << 2);
      for (let k = 0; k < K; k++) {
        const ti = t * s - padL + k * d;
        if (ti < 0 || ti >= T) continue;
        const off = <usize>(b * T + ti) * <usize>C << 2;
        const xr = x + off;
        const wr = w + (<usize>k * <usize>ldw << 2);
        const dwr = dw + (<usize>k * <usize>ldw << 2);
        for (let f = 0; f < FA; f++) {
          const o = <usize>f << 2;
          const g = load<f32>(gr + o);
          const c = <usize>(f / dm) << 2;
          store<f32>(dwr + o, load<f32>(dwr + o) + load<f32>(xr + c) * g);
          if (dx) store<f32>(dx + off + c, load<f32>(dx + off + c) + load<f32>(wr + o) * g);
        }
      }
    }
  }
}
