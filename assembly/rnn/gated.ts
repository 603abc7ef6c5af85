// Products for Keras's recurrent dropout while training (training core only): with
// recurrent_dropout, Keras 3's LSTM and GRU cells switch to implementation 1, where every gate
// multiplies its OWN masked copy of the input (x * m_g) and of the state (h_{t-1} * r_g) by its
// slice of the kernel. Against the gate-interleaved packed weights (assembly/gemm/pack.ts) that
// is a GEMM whose left operand changes with the column block: block q of a panel (4 columns,
// one gate) reads A at a + q * gs; gs = 0 reads one A for all (a single gate, or no mask).
//
// Shapes (W = 4 NV panel width, NV = 4 LSTM / SimpleRNN / GRU candidate, 3 GRU, 2 GRU z-r part):
//   a      [NV copies, gs floats apart][M, K] rows (lda)
//   bp     panels [N/W][K][W] (forward packing)      bt  [K16/16][N][16] (pack_transpose_panels)
//   c0, c  [M, N] rows (ldc0 = 0 broadcasts one bias row; c0 = 0 starts from zero)
//   r      masks [G][rows, ldr] (gsR floats apart), row of output row m: m / rpm (0 = none)

import { madd } from "../math/simd";

// c[m, n] = c0[m, n] + sum_k a_{q(n)}[m, k] bp[k, n]
export function gated_gemm(NV: i32, M: i32, N: i32, K: i32, a: usize, lda: i32, gs: i32, bp: usize,
                           c0: usize, ldc0: i32, c: usize, ldc: i32): void {
  if (NV == 4) gemmG(4, M, N, K, a, lda, gs, bp, c0, ldc0, c, ldc);
  else if (NV == 3) gemmG(3, M, N, K, a, lda, gs, bp, c0, ldc0, c, ldc);
  else gemmG(2, M, N, K, a, lda, gs, bp, c0, ldc0, c, ldc);
}

// @ts-ignore: decorator
@inline function gemmG(NV: i32, M: i32, N: i32, K: i32, a: usize, lda: i32, gs: i32, bp: usize,
                       c0: usize, ldc0: i32, c: usize, ldc: i32): void {
  const W = <usize>(NV << 4);
  const P = N / (NV << 2);
  const g = <usize>gs << 2;
  for (let m = 0; m < M; m++) {
    const am = a + (<usize>m * <usize>lda << 2);
    for (let p = 0; p < P; p++) {
      const col = <usize>p * W;
      let x0 = f32x4.splat(0), x1 = x0, x2 = x0, x3 = x0;
      if (c0) {
        const i0 = c0 + (<usize>m * <usize>ldc0 << 2) + col;
        x0 = v128.load(i0);
        if (NV > 1) x1 = v128.load(i0, 16);
        if (NV > 2) x2 = v128.load(i0, 32);
        if (NV > 3) x3 = v128.load(i0, 48);
      }
      let bk = bp + <usize>p * <usize>K * W;
      for (let k = 0; k < K; k++) {
        const ak = am + (<usize>k << 2);
        x0 = madd(v128.load32_splat(ak), v128.load(bk), x0);
        if (NV > 1) x1 = madd(v128.load32_splat(ak + g), v128.load(bk, 16), x1);
        if (NV > 2) x2 = madd(v128.load32_splat(ak + 2 * g), v128.load(bk, 32), x2);
        if (NV > 3) x3 = madd(v128.load32_splat(ak + 3 * g), v128.load(bk, 48), x3);
        bk += W;
      }
      const o = c + (<usize>m * <usize>ldc << 2) + col;
      v128.store(o, x0);
      if (NV > 1) v128.store(o, x1, 16);
      if (NV > 2) v128.store(o, x2, 32);
      if (NV > 3) v128.store(o, x3, 48);
    }
  }
}

// grad[n / W][k][n % W] += sum_{b, t} a_{q(n)}[b, t'][k] dz[b, t][n]    (t' = T-1-t when reverseA)
// The weight gradient against per-gate masked operands (gemm_tn_panels with gs = 0).
export function gated_tn(NV: i32, B: i32, T: i32, K: i32, a: usize, lda: i32, gs: i32, reverseA: i32,
                         dz: usize, ldz: i32, N: i32, grad: usize, Kp: i32): void {
  if (NV == 4) tnG(4, B, T, K, a, lda, gs, reverseA, dz, ldz, N, grad, Kp);
  else if (NV == 3) tnG(3, B, T, K, a, lda, gs, reverseA, dz, ldz, N, grad, Kp);
  else tnG(2, B, T, K, a, lda, gs, reverseA, dz, ldz, N, grad, Kp);
}

// @ts-ignore: decorator
@inline function tnG(NV: i32, B: i32, T: i32, K: i32, a: usize, lda: i32, gs: i32, reverseA: i32,
                     dz: usize, ldz: i32, N: i32, grad: usize, Kp: i32): void {
  const W = <usize>(NV << 4);
  const P = N / (NV << 2);
  const g = <usize>gs << 2;
  // row by row: each row of dz adds its outer product into the whole gradient
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const ar = a + (<usize>(b * T + (reverseA ? T - 1 - t : t)) * <usize>lda << 2);
      const zr = dz + (<usize>(b * T + t) * <usize>ldz << 2);
      for (let p = 0; p < P; p++) {
        const zp = zr + <usize>p * W;
        const w0 = v128.load(zp);
        const w1 = NV > 1 ? v128.load(zp, 16) : w0;
        const w2 = NV > 2 ? v128.load(zp, 32) : w0;
        const w3 = NV > 3 ? v128.load(zp, 48) : w0;
        let gk = grad + <usize>p * <usize>Kp * W;
        for (let k = 0; k < K; k++) {
          const ak = ar + (<usize>k << 2);
          v128.store(gk, madd(v128.load32_splat(ak), w0, v128.load(gk)));
          if (NV > 1) v128.store(gk, madd(v128.load32_splat(ak + g), w1, v128.load(gk, 16)), 16);
          if (NV > 2) v128.store(gk, madd(v128.load32_splat(ak + 2 * g), w2, v128.load(gk, 32)), 32);
          if (NV > 3) v128.store(gk, madd(v128.load32_splat(ak + 3 * g), w3, v128.load(gk, 48)), 48);
          gk += W;
        }
      }
    }
  }
}

// dst[m, k] (+)= sum_g r_g[m / rpm, k] * sum_{j of gate g} a[m, j] bt[k / 16][j][k % 16]   (k < K)
// The input or state gradient through per-gate masks: column j (packed order) is gate
// (j / 4) % G (G = 1: one gate). r = 0: no masks (then gemm_nt_packed).
export function gated_nt(M: i32, K: i32, N: i32, a: usize, lda: i32, bt: usize, G: i32,
                         r: usize, gsR: i32, ldr: i32, rpm: i32, dst: usize, ldd: i32, accumulate: i32): void {
  const Q = (K + 15) >> 4;
  const panelBytes = <usize>N << 6;
  for (let m = 0; m < M; m++) {
    const am = a + (<usize>m * <usize>lda << 2);
    const rm = r + (<usize>(m / rpm) * <usize>ldr << 2);
    for (let q = 0; q < Q; q++) {
      const lanes = min(16, K - (q << 4));
      let o0 = f32x4.splat(0), o1 = o0, o2 = o0, o3 = o0;
      for (let gate = 0; gate < G; gate++) {
        let x0 = f32x4.splat(0), x1 = x0, x2 = x0, x3 = x0;
        for (let jb = gate; jb < (N >> 2); jb += G) {
          for (let i = 0; i < 4; i++) {
            const j = (jb << 2) + i;
            const s = v128.load32_splat(am + (<usize>j << 2));
            const bk = bt + <usize>q * panelBytes + (<usize>j << 6);
            x0 = madd(s, v128.load(bk), x0);
            x1 = madd(s, v128.load(bk, 16), x1);
            x2 = madd(s, v128.load(bk, 32), x2);
            x3 = madd(s, v128.load(bk, 48), x3);
          }
        }
        if (r) {
          const rg = rm + (<usize>gate * <usize>gsR << 2) + (<usize>q << 6);
          x0 = f32x4.mul(x0, loadLanes(rg, lanes));
          x1 = f32x4.mul(x1, loadLanes(rg + 16, lanes - 4));
          x2 = f32x4.mul(x2, loadLanes(rg + 32, lanes - 8));
          x3 = f32x4.mul(x3, loadLanes(rg + 48, lanes - 12));
        }
        o0 = f32x4.add(o0, x0); o1 = f32x4.add(o1, x1); o2 = f32x4.add(o2, x2); o3 = f32x4.add(o3, x3);
      }
      const d = dst + (<usize>m * <usize>ldd << 2) + (<usize>q << 6);
      for (let l = 0; l < lanes; l++) {
        const v = l < 4 ? o0 : l < 8 ? o1 : l < 12 ? o2 : o3;
        const i = l & 3;
        const x = i == 0 ? f32x4.extract_lane(v, 0) : i == 1 ? f32x4.extract_lane(v, 1) : i == 2 ? f32x4.extract_lane(v, 2) : f32x4.extract_lane(v, 3);
        const p = d + (<usize>l << 2);
        store<f32>(p, accumulate ? load<f32>(p) + x : x);
      }
    }
  }
}

// The first n (clamped to 0..4) floats at p, the other lanes zero (reads nothing past them).
// @ts-ignore: decorator
@inline function loadLanes(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  if (n > 0) v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

// hm[g][b, s] = h[b] * r[g][b] for every gate g < G: the step's masked states, kept for the
// weight gradient.  h [B, P], r [G][B, P] (gates B*P floats apart), hm [G][B, T, P].
export function mask_states(G: i32, B: i32, T: i32, P: i32, s: i32, h: usize, r: usize, hm: usize): void {
  for (let g = 0; g < G; g++) {
    for (let b = 0; b < B; b++) {
      const hr = h + (<usize>b * <usize>P << 2);
      const rr = r + (<usize>(g * B + b) * <usize>P << 2);
      const o = hm + (<usize>((g * B + b) * T + s) * <usize>P << 2);
      for (let k = 0; k < P; k += 4) {
        const kb = <usize>k << 2;
        v128.store(o + kb, f32x4.mul(v128.load(hr + kb), v128.load(rr + kb)));
      }
    }
  }
}
