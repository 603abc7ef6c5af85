// Keras Dot (batch_dot of two rank-2/3 tensors, optionally L2-normalised), forward and backward.
//   B batch, M rows (x's free axis, 1 for rank 2), N columns (y's free axis), K the contracted axis
//   x[b, m, k] at b xb + m xm + k xk, y[b, k, n] at b yb + k yk + n yn, d[b, m, n] at b db + m dm + n dn
//   (strides in floats): one kernel reads either operand transposed, so the backward is two more calls.

// d[b, m, n] (+)= sum_k x[b, m, k] y[b, k, n]; acc = 0 writes, 1 adds.
export function batch_dot(B: i32, M: i32, N: i32, K: i32, x: usize, xb: i32, xm: i32, xk: i32, y: usize, yb: i32, yk: i32,
                          yn: i32, d: usize, db: i32, dm: i32, dn: i32, acc: i32): void {
  for (let b = 0; b < B; b++) {
    for (let m = 0; m < M; m++) {
      const xr = x + (<usize>(b * xb + m * xm) << 2);
      for (let n = 0; n < N; n++) {
        const yc = y + (<usize>(b * yb + n * yn) << 2);
        let sum: f32 = 0;
        for (let k = 0; k < K; k++) sum += load<f32>(xr + (<usize>(k * xk) << 2)) * load<f32>(yc + (<usize>(k * yk) << 2));
        const p = d + (<usize>(b * db + m * dm + n * dn) << 2);
        store<f32>(p, acc ? load<f32>(p) + sum : sum);
      }
    }
  }
}

// Keras normalize (L2, epsilon 1e-7) along the middle axis of [outer, L, inner]:
// y = x * min(1 / sqrt(sum_l x^2), 1e7).
export function l2_normalize_forward(outer: i32, L: i32, inner: i32, x: usize, y: usize): void {
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < inner; c++) {
      const base = (<usize>o * <usize>L * <usize>inner + <usize>c) << 2;
      const step = <usize>inner << 2;
      let ss: f32 = 0;
      for (let l = 0; l < L; l++) {
        const v = load<f32>(x + base + <usize>l * step);
        ss += v * v;
      }
      const inv = min(<f32>1 / Mathf.sqrt(ss), <f32>1e7);
      for (let l = 0; l < L; l++) store<f32>(y + base + <usize>l * step, load<f32>(x + base + <usize>l * step) * inv);
    }
  }
}

// Backward of l2_normalize_forward: dx += inv dy - x inv^3 (x . dy) (the second term only where
// the norm is above epsilon).
export function l2_normalize_backward(outer: i32, L: i32, inner: i32, x: usize, dy: usize, dx: usize): void {
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < inner; c++) {
      const base = (<usize>o * <usize>L * <usize>inner + <usize>c) << 2;
      const step = <usize>inner << 2;
      let ss: f32 = 0, xg: f32 = 0;
      for (let l = 0; l < L; l++) {
        const v = load<f32>(x + base + <usize>l * step);
        ss += v * v;
        xg += v * load<f32>(dy + base + <usize>l * step);
      }
      const r = <f32>1 / Mathf.sqrt(ss);
      const clipped = !(r < <f32>1e7);
      const inv = clipped ? <f32>1e7 : r;
      const c3: f32 = clipped ? 0 : xg * r * r * r;
      for (let l = 0; l < L; l++) {
        const p = base + <usize>l * step;
        store<f32>(dx + p, load<f32>(dx + p) + inv * load<f32>(dy + p) - load<f32>(x + p) * c3);
      }
    }
  }
}
