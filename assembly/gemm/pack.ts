// Packing of weights into the panels the GEMM kernels stream (assembly/gemm/gemm_2x16.ts) and back.
//
// Packed layout ("panel16"): a [K, N] weight matrix becomes N/16 panels of [K][16] floats, so the
// micro-kernel streams one panel row (4 vectors) per k. Packing happens once, when weights are set;
// compute never repacks.
//
// Two packings produce panel16:
//   pack_panel16: plain columns  -> panel p holds columns 16p .. 16p+15 (Dense).
//   pack_gates: gate-interleaved -> for a recurrent cell with G gates of H units each, panel g
//     holds units 4g .. 4g+3 of every gate: [gate0 u0..u3, gate1 u0..u3, ...], 4G columns. One
//     panel then carries all gates of four units, so the gate math reads whole vectors. LSTM
//     (G = 4) panels are 16 wide; GRU (G = 3) 12 wide; G = 2 or 1 give 8 or 4.
//
// pack_transpose_panels makes the transposed copy the backward's gemm_nt_packed reads
// (assembly/gemm/gemm_grad.ts), once per backward call.

// src [K, N] row-major (row stride ldSrc floats) -> dst panels [ceil(N/16)][Kp][16]; rows K..Kp-1
// and columns N..16*ceil(N/16)-1 are zero.
export function pack_panel16(src: usize, ldSrc: i32, K: i32, N: i32, Kp: i32, dst: usize): void {
  const P = (N + 15) >> 4;
  for (let p = 0; p < P; p++) {
    for (let k = 0; k < Kp; k++) {
      const d = dst + ((<usize>p * <usize>Kp + <usize>k) << 6);
      for (let j = 0; j < 16; j++) {
        const n = (p << 4) + j;
        const v: f32 = k < K && n < N ? load<f32>(src + ((<usize>k * <usize>ldSrc + <usize>n) << 2)) : 0;
        store<f32>(d + (<usize>j << 2), v);
      }
    }
  }
}

// src [K, G*H] (G gate blocks of H columns each, Keras order) -> dst panels [Hp/4][Kp][4G]
// gate-interleaved, Hp = H rounded up to 4: panel g holds units 4g..4g+3 of gate 0, then of gate
// 1, ... Padding rows/units are zero. A bias [G*H] is packed with K = Kp = 1.
export function pack_gates(src: usize, K: i32, H: i32, G: i32, Kp: i32, dst: usize): void {
  const Hp = (H + 3) & ~3;
  const ld = <usize>(G * H);
  const panel = <usize>(4 * G);
  for (let g = 0; g < (Hp >> 2); g++) {
    for (let k = 0; k < Kp; k++) {
      const d = dst + ((<usize>g * <usize>Kp + <usize>k) * panel << 2);
      for (let gate = 0; gate < G; gate++) {
        for (let l = 0; l < 4; l++) {
          const unit = (g << 2) + l;
          const v: f32 = k < K && unit < H
            ? load<f32>(src + ((<usize>k * ld + <usize>(gate * H + unit)) << 2)) : 0;
          store<f32>(d + (<usize>(gate * 4 + l) << 2), v);
        }
      }
    }
  }
}

// Inverse of pack_gates, for getWeights.
export function unpack_gates(src: usize, K: i32, H: i32, G: i32, Kp: i32, dst: usize): void {
  const ld = <usize>(G * H);
  const panel = <usize>(4 * G);
  for (let k = 0; k < K; k++) {
    for (let gate = 0; gate < G; gate++) {
      for (let unit = 0; unit < H; unit++) {
        const g = unit >> 2, l = unit & 3;
        const s = src + ((<usize>g * <usize>Kp + <usize>k) * panel << 2) + (<usize>(gate * 4 + l) << 2);
        store<f32>(dst + ((<usize>k * ld + <usize>(gate * H + unit)) << 2), load<f32>(s));
      }
    }
  }
}

// Inverse of pack_panel16.
export function unpack_panel16(src: usize, K: i32, N: i32, Kp: i32, dst: usize): void {
  for (let k = 0; k < K; k++) {
    for (let n = 0; n < N; n++) {
      const s = src + ((<usize>(n >> 4) * <usize>Kp + <usize>k) << 6) + (<usize>(n & 15) << 2);
      store<f32>(dst + ((<usize>k * <usize>N + <usize>n) << 2), load<f32>(s));
    }
  }
}

// B^T packed for gemm_nt_packed: src panels [N/W][Kp][W] (W = 4 NV) -> dst panel16 [Kq/16][N][16],
// Kq = K rounded up to 16: dst[q][j][l] = src[j / W][16q + l][j % W], zero for 16q + l >= K.
// Once per backward call (G*H floats), so the per-step products run on a 2 x 16 register tile.
export function pack_transpose_panels(NV: i32, src: usize, Kp: i32, N: i32, K: i32, dst: usize): void {
  const W = NV << 2;
  const Q = (K + 15) >> 4;
  for (let q = 0; q < Q; q++) {
    for (let j = 0; j < N; j++) {
      const d = dst + ((<usize>q * <usize>N + <usize>j) << 6);
      const s = src + ((<usize>(j / W) * <usize>Kp * <usize>W + <usize>(j % W)) << 2);
      for (let l = 0; l < 16; l++) {
        const k = (q << 4) + l;
        store<f32>(d + (<usize>l << 2), k < K ? load<f32>(s + (<usize>k * <usize>W << 2)) : 0);
      }
    }
  }
}
