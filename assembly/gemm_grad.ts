// The two products a backward pass needs against weights packed in panels (assembly/gemm.ts), so
// gradients come out in the packed layout itself: the optimizer then updates the packed block in
// place, and padding rows and columns (zero weights, zero gradients) stay zero.
//
// Panels are W = 4 NV floats wide (LSTM 16, GRU 12, SimpleRNN 4, Dense 16): panels [N/W][Kp][W].
// Column order is the packed one (gate-interleaved for recurrent cells), so the gradients of the
// pre-activations (dz) are kept in that order too.

// dst[m, k] (+)= sum_{n < N} a[m, n] * Bp[n / W][k][n % W]      (A . B^T against packed B)
//   a    [M, N]  row stride lda floats (N a multiple of W)
//   bp   panels [N/W][Kp][W]
//   dst  [M, K]  row stride ldd floats; accumulate = 1 adds to what is there
// Backpropagates through x . B: dX = dZ . B^T (Dense, the input projections) and, one row at a
// time, dh_{t-1} = dz_t . U^T inside the recurrent backward.
export function gemm_nt_panels(NV: i32, M: i32, K: i32, N: i32, a: usize, lda: i32, bp: usize, Kp: i32,
                               dst: usize, ldd: i32, accumulate: i32): void {
  for (let m = 0; m < M; m++) {
    ntRow(NV, K, N, a + (<usize>m * <usize>lda << 2), bp, Kp, dst + (<usize>m * <usize>ldd << 2), accumulate);
  }
}

// One row of gemm_nt_panels: d[k] (+)= a[0:N] . B[k, 0:N].
// @ts-ignore: decorator
@inline export function ntRow(NV: i32, K: i32, N: i32, a: usize, bp: usize, Kp: i32, d: usize, accumulate: i32): void {
  const W = <usize>(NV << 4); // panel row bytes
  const P = N / (NV << 2);
  const panelBytes = <usize>Kp * W;
  let k = 0;
  // two outputs at a time share the loads of a
  for (; k + 2 <= K; k += 2) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
    for (let p = 0; p < P; p++) {
      const ap = a + <usize>p * W;
      const b0 = bp + <usize>p * panelBytes + <usize>k * W;
      const b1 = b0 + W;
      for (let v = 0; v < NV; v++) {
        const o = <usize>v << 4;
        const av = v128.load(ap + o);
        s0 = f32x4.add(s0, f32x4.mul(av, v128.load(b0 + o)));
        s1 = f32x4.add(s1, f32x4.mul(av, v128.load(b1 + o)));
      }
    }
    const r0 = hsum(s0), r1 = hsum(s1);
    const d0 = d + (<usize>k << 2);
    store<f32>(d0, accumulate ? load<f32>(d0) + r0 : r0);
    store<f32>(d0, accumulate ? load<f32>(d0, 4) + r1 : r1, 4);
  }
  if (k < K) {
    let s0 = f32x4.splat(0);
    for (let p = 0; p < P; p++) {
      const ap = a + <usize>p * W;
      const b0 = bp + <usize>p * panelBytes + <usize>k * W;
      for (let v = 0; v < NV; v++) {
        const o = <usize>v << 4;
        s0 = f32x4.add(s0, f32x4.mul(v128.load(ap + o), v128.load(b0 + o)));
      }
    }
    const r0 = hsum(s0);
    const d0 = d + (<usize>k << 2);
    store<f32>(d0, accumulate ? load<f32>(d0) + r0 : r0);
  }
}

// grad[n / W][k][n % W] += sum_{b < B, t < T} a[b, t'][k] * dz[b, t][n]      (A^T . dZ, packed)
//   a     [B, T, lda] rows; t' = T-1-t when reverseA (a kept in the other time order), else t
//   dz    [B, T, ldz] rows, N columns used (a multiple of W)
//   grad  panels [N/W][Kp][W]; rows k < K accumulate, rows K..Kp-1 are not touched
// The weight gradient of x . B summed over every row and step: dKernel from the inputs, dU from
// the previous states.
export function gemm_tn_panels(NV: i32, B: i32, T: i32, K: i32, a: usize, lda: i32, reverseA: i32,
                               dz: usize, ldz: i32, N: i32, grad: usize, Kp: i32): void {
  const W = <usize>(NV << 4);
  const P = N / (NV << 2);
  const panelBytes = <usize>Kp * W;
  const R = B * T;
  for (let p = 0; p < P; p++) {
    for (let k = 0; k < K; k++) {
      const g = grad + <usize>p * panelBytes + <usize>k * W;
      let x0 = v128.load(g), x1 = x0, x2 = x0, x3 = x0;
      if (NV > 1) x1 = v128.load(g, 16);
      if (NV > 2) x2 = v128.load(g, 32);
      if (NV > 3) x3 = v128.load(g, 48);
      for (let r = 0; r < R; r++) {
        const b = r / T, t = r - b * T;
        const ta = reverseA ? T - 1 - t : t;
        const s = v128.load32_splat(a + ((<usize>(b * T + ta) * <usize>lda + <usize>k) << 2));
        const zr = dz + (<usize>r * <usize>ldz << 2) + <usize>p * W;
        x0 = f32x4.add(x0, f32x4.mul(s, v128.load(zr)));
        if (NV > 1) x1 = f32x4.add(x1, f32x4.mul(s, v128.load(zr, 16)));
        if (NV > 2) x2 = f32x4.add(x2, f32x4.mul(s, v128.load(zr, 32)));
        if (NV > 3) x3 = f32x4.add(x3, f32x4.mul(s, v128.load(zr, 48)));
      }
      v128.store(g, x0);
      if (NV > 1) v128.store(g, x1, 16);
      if (NV > 2) v128.store(g, x2, 32);
      if (NV > 3) v128.store(g, x3, 48);
    }
  }
}

// dst[0:N] += sum_r dz[r, 0:N]       (the bias gradient; N a multiple of 4, dz rows stride ldz)
export function colsum_acc(R: i32, N: i32, dz: usize, ldz: i32, dst: usize): void {
  for (let n = 0; n < N; n += 4) {
    let s = v128.load(dst + (<usize>n << 2));
    for (let r = 0; r < R; r++) s = f32x4.add(s, v128.load(dz + ((<usize>r * <usize>ldz + <usize>n) << 2)));
    v128.store(dst + (<usize>n << 2), s);
  }
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}
