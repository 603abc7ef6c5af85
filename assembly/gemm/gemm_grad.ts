// The products a backward pass needs against weights packed in panels (assembly/gemm/pack.ts): weight
// gradients (gemm_tn_panels, colsum_acc) come out in the packed layout itself, so the optimizer
// updates the packed block in place and padding rows and columns (zero weights, zero gradients)
// stay zero; gradients of inputs and states (gemm_nt_packed) multiply by a transposed copy of
// the packed weights (pack_transpose_panels in assembly/gemm/pack.ts), made once per backward call.
//
// Panels are W = 4 NV floats wide (LSTM, SimpleRNN, Dense 16; GRU 12, or 8 and 16 without
// reset_after): panels [N/W][Kp][W].
// Column order is the packed one (gate-interleaved for recurrent cells), so the gradients of the
// pre-activations (dz) are kept in that order too.

import { madd } from "../math/simd";

// grad[n / W][k][n % W] += sum_{b < B, t < T} a[b, t'][k] * dz[b, t][n]      (A^T . dZ, packed)
//   a     [B, T, lda] rows; t' = T-1-t when reverseA (a kept in the other time order), else t
//   dz    [B, T, ldz] rows, N columns used (a multiple of W)
//   grad  panels [N/W][Kp][W]; rows k < K accumulate, rows K..Kp-1 are not touched
// The weight gradient of x . B summed over every row and step: dKernel from the inputs, dU from
// the previous states. Register tile: two rows of grad (k, k+1) by one panel (NV vectors), as the
// forward GEMM's 2 x 16 tile: per row of dz, two splats and NV vector loads feed 2 NV multiply-adds.
export function gemm_tn_panels(NV: i32, B: i32, T: i32, K: i32, a: usize, lda: i32, reverseA: i32,
                               dz: usize, ldz: i32, N: i32, grad: usize, Kp: i32): void {
  // one copy per panel width, so NV is a constant inside each
  if (NV == 4) tn(4, B, T, K, a, lda, reverseA, dz, ldz, N, grad, Kp);
  else if (NV == 3) tn(3, B, T, K, a, lda, reverseA, dz, ldz, N, grad, Kp);
  else if (NV == 2) tn(2, B, T, K, a, lda, reverseA, dz, ldz, N, grad, Kp);
  else tn(1, B, T, K, a, lda, reverseA, dz, ldz, N, grad, Kp);
}

// @ts-ignore: decorator
@inline function tn(NV: i32, B: i32, T: i32, K: i32, a: usize, lda: i32, reverseA: i32,
                    dz: usize, ldz: i32, N: i32, grad: usize, Kp: i32): void {
  const W = <usize>(NV << 4);
  const P = N / (NV << 2);
  const panelBytes = <usize>Kp * W;
  const aRow = <usize>lda << 2, zRow = <usize>ldz << 2;
  for (let p = 0; p < P; p++) {
    const zp = dz + <usize>p * W;
    let k = 0;
    for (; k < K; k += 2) {
      const two = k + 1 < K;
      const g0 = grad + <usize>p * panelBytes + <usize>k * W;
      const g1 = two ? g0 + W : g0;
      let x0 = v128.load(g0), y0 = v128.load(g1);
      let x1 = x0, x2 = x0, x3 = x0, y1 = y0, y2 = y0, y3 = y0;
      if (NV > 1) { x1 = v128.load(g0, 16); y1 = v128.load(g1, 16); }
      if (NV > 2) { x2 = v128.load(g0, 32); y2 = v128.load(g1, 32); }
      if (NV > 3) { x3 = v128.load(g0, 48); y3 = v128.load(g1, 48); }
      const ak = a + (<usize>k << 2);
      const second: usize = two ? 4 : 0;
      for (let b = 0; b < B; b++) {
        let zr = zp + <usize>(b * T) * zRow;
        for (let t = 0; t < T; t++) {
          const ar = ak + <usize>(b * T + (reverseA ? T - 1 - t : t)) * aRow;
          const s0 = v128.load32_splat(ar);
          const s1 = v128.load32_splat(ar + second);
          const w0 = v128.load(zr);
          x0 = madd(s0, w0, x0); y0 = madd(s1, w0, y0);
          if (NV > 1) { const w1 = v128.load(zr, 16); x1 = madd(s0, w1, x1); y1 = madd(s1, w1, y1); }
          if (NV > 2) { const w2 = v128.load(zr, 32); x2 = madd(s0, w2, x2); y2 = madd(s1, w2, y2); }
          if (NV > 3) { const w3 = v128.load(zr, 48); x3 = madd(s0, w3, x3); y3 = madd(s1, w3, y3); }
          zr += zRow;
        }
      }
      v128.store(g0, x0);
      if (NV > 1) v128.store(g0, x1, 16);
      if (NV > 2) v128.store(g0, x2, 32);
      if (NV > 3) v128.store(g0, x3, 48);
      if (two) {
        v128.store(g1, y0);
        if (NV > 1) v128.store(g1, y1, 16);
        if (NV > 2) v128.store(g1, y2, 32);
        if (NV > 3) v128.store(g1, y3, 48);
      }
    }
  }
}


// gemm_tn_panels through packed row blocks (same sums, same order: bit-identical), for the
// recurrent layers' weight gradients, where A's rows (a step's input, or h_{t-1} inside a trace
// row of 5-6 H floats) and dz's rows (4 H floats) lie kilobytes apart: the unpacked tile reads
// one 64-byte strip of a dz row and two floats of an A row per multiply-add step, every access a
// new cache line, and rows a power-of-two apart share a few L1 sets (12 and 7 % of the SIMD128
// peak on the B32 T50 H256 and B64 T100 H512 recurrent kernel gradients). Here each block of
// TN_ROWS rows is first copied into `scratch` (tn_blocked_scratch_bytes): dz as panels
// [N/W][rows][W] and A^T as pairs [K/2][rows][2], so the tile then streams both contiguously.
// A second product against the same dz (K2 > 0: a2, lda2, reverse2, grad2, Kp2; the kernel's
// and the recurrent kernel's gradients) reuses each packed dz block.
export function gemm_tn_blocked(NV: i32, B: i32, T: i32, dz: usize, ldz: i32, N: i32, scratch: usize,
                                K: i32, a: usize, lda: i32, reverseA: i32, grad: usize, Kp: i32,
                                K2: i32, a2: usize, lda2: i32, reverse2: i32, grad2: usize, Kp2: i32): void {
  const W = <usize>(NV << 4);
  const P = N / (NV << 2);
  const R = B * T;
  for (let r0 = 0; r0 < R; r0 += TN_ROWS) {
    const rb = min(TN_ROWS, R - r0);
    const zp = scratch; // [P][rb][W]
    for (let r = 0; r < rb; r++) {
      const zr = dz + (<usize>(r0 + r) * <usize>ldz << 2);
      for (let p = 0; p < P; p++) {
        const d = zp + (<usize>p * <usize>rb + <usize>r) * W;
        const sp = zr + <usize>p * W;
        for (let v: usize = 0; v < W; v += 16) v128.store(d + v, v128.load(sp + v));
      }
    }
    const ap = zp + <usize>P * <usize>rb * W; // [K/2][rb][2]
    if (NV == 4) {
      tnBlock(4, T, r0, rb, K, a, lda, reverseA, grad, Kp, P, zp, ap);
      if (K2) tnBlock(4, T, r0, rb, K2, a2, lda2, reverse2, grad2, Kp2, P, zp, ap);
    } else if (NV == 3) {
      tnBlock(3, T, r0, rb, K, a, lda, reverseA, grad, Kp, P, zp, ap);
      if (K2) tnBlock(3, T, r0, rb, K2, a2, lda2, reverse2, grad2, Kp2, P, zp, ap);
    } else if (NV == 2) {
      tnBlock(2, T, r0, rb, K, a, lda, reverseA, grad, Kp, P, zp, ap);
      if (K2) tnBlock(2, T, r0, rb, K2, a2, lda2, reverse2, grad2, Kp2, P, zp, ap);
    } else {
      tnBlock(1, T, r0, rb, K, a, lda, reverseA, grad, Kp, P, zp, ap);
      if (K2) tnBlock(1, T, r0, rb, K2, a2, lda2, reverse2, grad2, Kp2, P, zp, ap);
    }
  }
}

const TN_ROWS = 256; // rows per packed block

// The scratch gemm_tn_blocked needs for products with up to K rows of grad and N columns.
export function tn_blocked_scratch_bytes(B: i32, T: i32, K: i32, N: i32): i32 {
  const rows = min(B * T, TN_ROWS);
  return rows * (((K + 1) >> 1) * 2 + N) * 4;
}

// One packed block of rows r0 .. r0+rb-1 (dz already in zp) into one weight gradient.
// @ts-ignore: decorator
@inline function tnBlock(NV: i32, T: i32, r0: i32, rb: i32, K: i32, a: usize, lda: i32, reverseA: i32,
                         grad: usize, Kp: i32, P: i32, zp: usize, ap: usize): void {
  const W = <usize>(NV << 4);
  const panelBytes = <usize>Kp * W;
  const KP = (K + 1) >> 1; // pairs of k
  for (let r = 0; r < rb; r++) {
    const row = r0 + r;
    const b = row / T, t = row - b * T;
    const ar = a + (<usize>(b * T + (reverseA ? T - 1 - t : t)) * <usize>lda << 2);
    for (let kp = 0; kp < KP; kp++) {
      const d = ap + ((<usize>kp * <usize>rb + <usize>r) << 3);
      const k = kp << 1;
      store<f32>(d, load<f32>(ar + (<usize>k << 2)));
      store<f32>(d, k + 1 < K ? load<f32>(ar + (<usize>k << 2), 4) : 0, 4);
    }
  }
  for (let p = 0; p < P; p++) {
    const strip = zp + <usize>p * <usize>rb * W;
    for (let kp = 0; kp < KP; kp++) {
      const k = kp << 1;
      const two = k + 1 < K;
      const g0 = grad + <usize>p * panelBytes + <usize>k * W;
      const g1 = two ? g0 + W : g0;
      let x0 = v128.load(g0), y0 = v128.load(g1);
      let x1 = x0, x2 = x0, x3 = x0, y1 = y0, y2 = y0, y3 = y0;
      if (NV > 1) { x1 = v128.load(g0, 16); y1 = v128.load(g1, 16); }
      if (NV > 2) { x2 = v128.load(g0, 32); y2 = v128.load(g1, 32); }
      if (NV > 3) { x3 = v128.load(g0, 48); y3 = v128.load(g1, 48); }
      let sa = ap + (<usize>kp * <usize>rb << 3);
      let zr = strip;
      for (let r = 0; r < rb; r++) {
        const s0 = v128.load32_splat(sa);
        const s1 = v128.load32_splat(sa, 4);
        const w0 = v128.load(zr);
        x0 = madd(s0, w0, x0); y0 = madd(s1, w0, y0);
        if (NV > 1) { const w1 = v128.load(zr, 16); x1 = madd(s0, w1, x1); y1 = madd(s1, w1, y1); }
        if (NV > 2) { const w2 = v128.load(zr, 32); x2 = madd(s0, w2, x2); y2 = madd(s1, w2, y2); }
        if (NV > 3) { const w3 = v128.load(zr, 48); x3 = madd(s0, w3, x3); y3 = madd(s1, w3, y3); }
        sa += 8;
        zr += W;
      }
      v128.store(g0, x0);
      if (NV > 1) v128.store(g0, x1, 16);
      if (NV > 2) v128.store(g0, x2, 32);
      if (NV > 3) v128.store(g0, x3, 48);
      if (two) {
        v128.store(g1, y0);
        if (NV > 1) v128.store(g1, y1, 16);
        if (NV > 2) v128.store(g1, y2, 32);
        if (NV > 3) v128.store(g1, y3, 48);
      }
    }
  }
}

// dst[m, k] (+)= sum_{j < N} a[m, j] * bt[k / 16][j][k % 16]  for k < K    (A . B^T)
//   a   [M, N] row stride lda;  bt from pack_transpose_panels;  dst [M, K] row stride ldd
// dX = dZ . kernel^T and, per step, dh_{t-1} = dz_t . U^T: two rows by sixteen outputs per tile,
// a last odd row on its own (one row by sixteen: not the pair tile with a duplicated row).
// Without `accumulate`, on whole panels of 16 outputs, j runs in blocks of NT_BLOCK so the
// block's slice of a panel (16 KB) stays in L1 for every row pair (a whole panel, 4 N floats,
// streamed from L2 for each pair: 72 % of the SIMD128 peak on the B32 H256 dh product); the
// partial sums wait in dst between blocks, so the sums and their order are the same.
const NT_BLOCK = 256;

export function gemm_nt_packed(M: i32, K: i32, N: i32, a: usize, lda: i32, bt: usize, dst: usize, ldd: i32, accumulate: i32): void {
  const Q = (K + 15) >> 4;
  const aStride = <usize>lda << 2, dStride = <usize>ldd << 2;
  const panelBytes = <usize>N << 6;
  for (let q = 0; q < Q; q++) {
    const lanes = min(16, K - (q << 4));
    const JB = !accumulate && lanes == 16 ? NT_BLOCK : N;
    for (let j0 = 0; j0 < N; j0 += JB) {
      const j1 = min(N, j0 + JB);
      const resume = j0 > 0; // the partial sums of the blocks before are in dst
      let m = 0;
      for (; m + 2 <= M; m += 2) {
        const a0 = a + <usize>m * aStride;
        const a1 = a0 + aStride;
        const d0 = dst + <usize>m * dStride + (<usize>q << 6);
        const d1 = d0 + dStride;
        let x0 = f32x4.splat(0), x1 = x0, x2 = x0, x3 = x0, y0 = x0, y1 = x0, y2 = x0, y3 = x0;
        if (resume) {
          x0 = v128.load(d0); x1 = v128.load(d0, 16); x2 = v128.load(d0, 32); x3 = v128.load(d0, 48);
          y0 = v128.load(d1); y1 = v128.load(d1, 16); y2 = v128.load(d1, 32); y3 = v128.load(d1, 48);
        }
        let bk = bt + <usize>q * panelBytes + (<usize>j0 << 6);
        for (let j = j0; j < j1; j++) {
          const s0 = v128.load32_splat(a0 + (<usize>j << 2));
          const s1 = v128.load32_splat(a1 + (<usize>j << 2));
          const w0 = v128.load(bk), w1 = v128.load(bk, 16), w2 = v128.load(bk, 32), w3 = v128.load(bk, 48);
          x0 = madd(s0, w0, x0); y0 = madd(s1, w0, y0);
          x1 = madd(s0, w1, x1); y1 = madd(s1, w1, y1);
          x2 = madd(s0, w2, x2); y2 = madd(s1, w2, y2);
          x3 = madd(s0, w3, x3); y3 = madd(s1, w3, y3);
          bk += 64;
        }
        storeOut(d0, x0, x1, x2, x3, lanes, accumulate);
        storeOut(d1, y0, y1, y2, y3, lanes, accumulate);
      }
      if (m < M) {
        const a0 = a + <usize>m * aStride;
        const d0 = dst + <usize>m * dStride + (<usize>q << 6);
        let x0 = f32x4.splat(0), x1 = x0, x2 = x0, x3 = x0;
        if (resume) { x0 = v128.load(d0); x1 = v128.load(d0, 16); x2 = v128.load(d0, 32); x3 = v128.load(d0, 48); }
        let bk = bt + <usize>q * panelBytes + (<usize>j0 << 6);
        for (let j = j0; j < j1; j++) {
          const s0 = v128.load32_splat(a0 + (<usize>j << 2));
          x0 = madd(s0, v128.load(bk), x0); x1 = madd(s0, v128.load(bk, 16), x1);
          x2 = madd(s0, v128.load(bk, 32), x2); x3 = madd(s0, v128.load(bk, 48), x3);
          bk += 64;
        }
        storeOut(d0, x0, x1, x2, x3, lanes, accumulate);
      }
    }
  }
}

// Writes (or adds) the first `lanes` (1..16) of four vectors at p.
// @ts-ignore: decorator
@inline function storeOut(p: usize, v0: v128, v1: v128, v2: v128, v3: v128, lanes: i32, accumulate: i32): void {
  if (lanes == 16) {
    if (accumulate) {
      v0 = f32x4.add(v0, v128.load(p)); v1 = f32x4.add(v1, v128.load(p, 16));
      v2 = f32x4.add(v2, v128.load(p, 32)); v3 = f32x4.add(v3, v128.load(p, 48));
    }
    v128.store(p, v0); v128.store(p, v1, 16); v128.store(p, v2, 32); v128.store(p, v3, 48);
    return;
  }
  for (let l = 0; l < lanes; l++) {
    const v = l < 4 ? v0 : l < 8 ? v1 : l < 12 ? v2 : v3;
    const i = l & 3;
    const x = i == 0 ? f32x4.extract_lane(v, 0) : i == 1 ? f32x4.extract_lane(v, 1) : i == 2 ? f32x4.extract_lane(v, 2) : f32x4.extract_lane(v, 3);
    const o = p + (<usize>l << 2);
    store<f32>(o, accumulate ? load<f32>(o) + x : x);
  }
}

// dst[0:N] += sum_r dz[r, 0:N]       (the bias gradient; N a multiple of 4, dz rows stride ldz)
// Row by row, each row added into dst whole (dz read in order; column by column down the rows
// read a new cache line for every 4 floats): the same sums in the same order.
export function colsum_acc(R: i32, N: i32, dz: usize, ldz: i32, dst: usize): void {
  for (let r = 0; r < R; r++) {
    const zr = dz + (<usize>r * <usize>ldz << 2);
    for (let n = 0; n < N; n += 4) {
      const o = <usize>n << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(zr + o)));
    }
  }
}
