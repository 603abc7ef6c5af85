// Keras 1D pooling, forward and backward: MaxPooling1D, AveragePooling1D, GlobalMaxPooling1D and
// GlobalAveragePooling1D (a global pooling is a pooling of one window of all T steps).
//   x, dx [B, T, C] (channelsLast) or [B, C, T];  y, dy [B, To, C] or [B, C, To];  mask [B, T] u8
// Output step o pools steps [o * stride - padLeft, + pool) clipped to [0, T): "same" padding is
// never read (as TensorFlow: a max ignores it, an average divides by the steps inside only).

// @ts-ignore: decorator
@inline function window(o: i32, T: i32, pool: i32, stride: i32, padLeft: i32): i64 {
  const start = o * stride - padLeft;
  const lo = start < 0 ? 0 : start;
  const hi = start + pool > T ? T : start + pool;
  return (<i64>lo << 32) | <i64><u32>hi;
}

// Pooling: y[b, o, c] = max or mean of x[b, t, c] over output step o's window (isMax 1: max).
export function pool1d_forward(
  B: i32, T: i32, C: i32, To: i32, pool: i32, stride: i32, padLeft: i32, channelsLast: i32, isMax: i32, x: usize, y: usize,
): void {
  const sT: usize = channelsLast ? <usize>C : 1, sC: usize = channelsLast ? 1 : <usize>T;
  const oT: usize = channelsLast ? <usize>C : 1, oC: usize = channelsLast ? 1 : <usize>To;
  for (let b = 0; b < B; b++) {
    const xb = x + (<usize>b * <usize>T * <usize>C << 2), yb = y + (<usize>b * <usize>To * <usize>C << 2);
    for (let o = 0; o < To; o++) {
      const w = window(o, T, pool, stride, padLeft);
      const lo = <i32>(w >> 32), hi = <i32>w;
      const yo = yb + (<usize>o * oT << 2);
      for (let c = 0; c < C; c++) store<f32>(yo + (<usize>c * oC << 2), isMax ? -Infinity : 0);
      for (let t = lo; t < hi; t++) {
        const xt = xb + (<usize>t * sT << 2);
        for (let c = 0; c < C; c++) {
          const v = load<f32>(xt + (<usize>c * sC << 2)), p = yo + (<usize>c * oC << 2);
          store<f32>(p, isMax ? max<f32>(load<f32>(p), v) : load<f32>(p) + v);
        }
      }
      if (!isMax) {
        const inv: f32 = <f32>1 / <f32>(hi - lo);
        for (let c = 0; c < C; c++) store<f32>(yo + (<usize>c * oC << 2), load<f32>(yo + (<usize>c * oC << 2)) * inv);
      }
    }
  }
}

// Pooling backward: dx += dy at the first maximum of each window (TensorFlow's MaxPoolGrad), or
// dy / steps over the window (average); isMax 2 (a global max, tf.reduce_max's gradient): dy
// split equally between every step holding the maximum.
export function pool1d_backward(
  B: i32, T: i32, C: i32, To: i32, pool: i32, stride: i32, padLeft: i32, channelsLast: i32, isMax: i32,
  x: usize, dy: usize, dx: usize,
): void {
  const sT: usize = channelsLast ? <usize>C : 1, sC: usize = channelsLast ? 1 : <usize>T;
  const oT: usize = channelsLast ? <usize>C : 1, oC: usize = channelsLast ? 1 : <usize>To;
  for (let b = 0; b < B; b++) {
    const xb = x + (<usize>b * <usize>T * <usize>C << 2), db = dx + (<usize>b * <usize>T * <usize>C << 2);
    const gb = dy + (<usize>b * <usize>To * <usize>C << 2);
    for (let o = 0; o < To; o++) {
      const w = window(o, T, pool, stride, padLeft);
      const lo = <i32>(w >> 32), hi = <i32>w;
      for (let c = 0; c < C; c++) {
        const g = load<f32>(gb + ((<usize>o * oT + <usize>c * oC) << 2));
        const xc = xb + (<usize>c * sC << 2), dc = db + (<usize>c * sC << 2);
        if (isMax == 0) {
          const share = g / <f32>(hi - lo);
          for (let t = lo; t < hi; t++) {
            const p = dc + (<usize>t * sT << 2);
            store<f32>(p, load<f32>(p) + share);
          }
          continue;
        }
        let m: f32 = -Infinity, at = lo, n = 0;
        for (let t = lo; t < hi; t++) {
          const v = load<f32>(xc + (<usize>t * sT << 2));
          if (v > m) { m = v; at = t; n = 1; } else if (v == m) n++;
        }
        if (isMax == 1 || n <= 1) {
          const p = dc + (<usize>at * sT << 2);
          store<f32>(p, load<f32>(p) + g);
          continue;
        }
        const share = g / <f32>n;
        for (let t = lo; t < hi; t++) {
          const p = dc + (<usize>t * sT << 2);
          if (load<f32>(xc + (<usize>t * sT << 2)) == m) store<f32>(p, load<f32>(p) + share);
        }
      }
    }
  }
}

// GlobalAveragePooling1D with a mask (Keras 3): y[b, c] = sum_t mask x / sum_t mask (0/0: NaN, as
// Keras).   x [B, T, C], mask [B, T] u8, y [B, C]
export function masked_mean_steps(B: i32, T: i32, C: i32, x: usize, mask: usize, y: usize): void {
  for (let b = 0; b < B; b++) {
    const yb = y + (<usize>b * <usize>C << 2);
    memory.fill(yb, 0, <usize>C << 2);
    let n = 0;
    for (let t = 0; t < T; t++) {
      if (load<u8>(mask + <usize>(b * T + t)) == 0) continue;
      n++;
      const xt = x + (<usize>(b * T + t) * <usize>C << 2);
      for (let c = 0; c < C; c++) store<f32>(yb + (<usize>c << 2), load<f32>(yb + (<usize>c << 2)) + load<f32>(xt + (<usize>c << 2)));
    }
    const inv: f32 = <f32>1 / <f32>n;
    for (let c = 0; c < C; c++) store<f32>(yb + (<usize>c << 2), n == 0 ? NaN : load<f32>(yb + (<usize>c << 2)) * inv);
  }
}

// dx[b, t, c] += mask[b, t] dy[b, c] / sum_t mask[b, t].   dy [B, C], dx [B, T, C]
export function masked_mean_steps_backward(B: i32, T: i32, C: i32, mask: usize, dy: usize, dx: usize): void {
  for (let b = 0; b < B; b++) {
    let n = 0;
    for (let t = 0; t < T; t++) n += load<u8>(mask + <usize>(b * T + t)) != 0 ? 1 : 0;
    if (n == 0) continue;
    const inv: f32 = <f32>1 / <f32>n, gb = dy + (<usize>b * <usize>C << 2);
    for (let t = 0; t < T; t++) {
      if (load<u8>(mask + <usize>(b * T + t)) == 0) continue;
      const dt = dx + (<usize>(b * T + t) * <usize>C << 2);
      for (let c = 0; c < C; c++) store<f32>(dt + (<usize>c << 2), load<f32>(dt + (<usize>c << 2)) + load<f32>(gb + (<usize>c << 2)) * inv);
    }
  }
}
