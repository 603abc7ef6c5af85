// SimpleRNN, Keras semantics: h_t = φ(x_t·W + b + h_{t-1}·U). simple_rnn_forward runs a whole
// sequence in one call, simple_rnn_backward (below) goes back through it from the forward's trace.
//
// Shapes (B batch, T steps, I input features, H units, Hq = H rounded up to 16):
//   x      [B, T, I]            input, batch-major as Keras
//   w      panel16 [Hq/16][I][16]    kernel (pack_panel16)
//   u      panel16 [Hq/16][Hq][16]   recurrent kernel, padding rows zero
//   bias   [Hq]                 bias, zero-padded (zeros without bias)
//   h      [B, Hq]              state: initial state in, final state out
//   xw     [B, T, Hq]           scratch: x . w + bias for every step
//   z      [B, Hq]              scratch: one step's pre-activations
//   y      [B, T, H]            output sequence (0 = not wanted), in processing order
//   mask   [B, T] u8            1 = keep, indexed by input step (0 = no mask)
//   last   [B, Hq]              with a mask: latest output per row (start zeroed), as lstm.ts
//   trace  [B, T, 2*Hq]         per processed step: h_t then h_{t-1}, for simple_rnn_backward
//                               (0 = not wanted; a masked step's row is zeros)
// Units are padded to 16 so the recurrent product uses the widest GEMM tile; padded units may
// hold φ(0) but multiply zero rows of U, so they never reach a real unit.

import { gemm_2x16 } from "../gemm/gemm_2x16";
import { gemm_nt_packed } from "../gemm/gemm_grad";
import { activatev, activationGradv } from "../math/activations";
import { stepMasked } from "../math/read";
import { storeLanes } from "../math/simd";
import { gated_nt } from "./gated";
import { addOutputGrad, maskedStepOutput } from "./steps";

export function simple_rnn_forward(
  B: i32, T: i32, I: i32, H: i32,
  x: usize, w: usize, u: usize, bias: usize,
  act: i32, goBackwards: i32,
  h: usize, xw: usize, z: usize, y: usize,
  mask: usize, zeroOutput: i32, last: usize, trace: usize,
): void {
  const Hq = (H + 15) & ~15;
  gemm_2x16(B * T, Hq, I, x, I, w, bias, 0, xw, Hq);
  for (let s = 0; s < T; s++) {
    const t = goBackwards ? T - 1 - s : s;
    gemm_2x16(B, Hq, Hq, h, Hq, u, xw + (<usize>t * <usize>Hq << 2), T * Hq, z, Hq);
    for (let b = 0; b < B; b++) {
      const hr = h + (<usize>b * <usize>Hq << 2);
      const outRow = <usize>(b * T + s) * <usize>H << 2;
      const tr = trace + (<usize>(b * T + s) * <usize>(2 * Hq) << 2);
      if (stepMasked(mask, b * T + t)) {
        maskedStepOutput(y ? y + outRow : 0, last + (<usize>b * <usize>Hq << 2), H, zeroOutput, trace ? tr : 0, <usize>(2 * Hq) << 2);
        continue;
      }
      const zr = z + (<usize>b * <usize>Hq << 2);
      if (trace) memory.copy(tr + (<usize>Hq << 2), hr, <usize>Hq << 2);
      for (let g = 0; g < (Hq >> 2); g++) {
        const hNew = activatev(v128.load(zr + (<usize>g << 4)), act);
        v128.store(hr + (<usize>g << 4), hNew);
        if (y) storeLanes(y + outRow + (<usize>g << 4), hNew, H - (g << 2));
      }
      if (trace) memory.copy(tr, hr, <usize>Hq << 2);
      if (mask) memory.copy(last + (<usize>b * <usize>Hq << 2), hr, <usize>Hq << 2);
    }
  }
}

// SimpleRNN backward through time, for one simple_rnn_forward call made with a trace.
//   ut      U^T packed by pack_transpose_panels (4, u, Hq, Hq, H);  trace [B, T, 2*Hq] from forward
//   dy      [B, T, H] gradient of the output sequence (processing order) or 0, as lstm_backward
//   dh      [B, Hq] in: gradient of the final h; out: of the initial h (padding lanes stay zero)
//   dz      [B, T, Hq] out: gradient of the pre-activations by input step (masked rows zero)
//   dhNew   [B, Hq] scratch, padding lanes zeroed by the caller
//   rmask   [B, Hq] recurrent dropout mask of simple_rnn_dropout_forward (0 = none)
// Per step: dz = dh * φ'(h_t);  dh_{t-1} = dz . U^T (times r with rmask). A masked step carries h, so dh passes.
export function simple_rnn_backward(
  B: i32, T: i32, H: i32, ut: usize, act: i32, goBackwards: i32,
  trace: usize, dy: usize, dh: usize, dz: usize, dhNew: usize, mask: usize, zeroOutput: i32, rmask: usize,
): void {
  const Hq = (H + 15) & ~15;
  for (let s = T - 1; s >= 0; s--) {
    const t = goBackwards ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const dhr = dh + (<usize>b * <usize>Hq << 2);
      const dzr = dz + (<usize>(b * T + t) * <usize>Hq << 2);
      const masked = stepMasked(mask, b * T + t);
      if (dy && !(masked && zeroOutput)) addOutputGrad(dhr, dy + (<usize>(b * T + s) * <usize>H << 2), H);
      if (masked) {
        memory.fill(dzr, 0, <usize>Hq << 2);
        continue;
      }
      const tr = trace + (<usize>(b * T + s) * <usize>(2 * Hq) << 2);
      for (let g = 0; g < (Hq >> 2); g++) {
        const o = <usize>g << 4;
        v128.store(dzr + o, f32x4.mul(v128.load(dhr + o), activationGradv(v128.load(tr + o), act)));
      }
    }
    if (rmask) gated_nt(B, H, Hq, dz + (<usize>t * <usize>Hq << 2), T * Hq, ut, 1, rmask, 0, Hq, 1, dhNew, Hq, 0);
    else gemm_nt_packed(B, H, Hq, dz + (<usize>t * <usize>Hq << 2), T * Hq, ut, dhNew, Hq, 0);
    for (let b = 0; b < B; b++) {
      if (!stepMasked(mask, b * T + t)) memory.copy(dh + (<usize>b * <usize>Hq << 2), dhNew + (<usize>b * <usize>Hq << 2), <usize>Hq << 2);
    }
  }
}
