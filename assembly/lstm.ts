// LSTM sequence forward, Keras semantics (gate order i, f, c, o; h_t = o * act(c_t)).
//
// Shapes (B batch, T steps, I input features, H units, Hp = H rounded up to 4, G4 = 4 * Hp):
//   x      [B, T, I]        input, batch-major as Keras
//   w      panel16 [Hp/4][I][16]   kernel, gate-interleaved (pack_gates, G = 4)
//   u      panel16 [Hp/4][Hp][16]  recurrent kernel, gate-interleaved, padding rows zero
//   bias   [G4]             gate-interleaved bias (zeros when use_bias is false)
//   h, c   [B, Hp]          state: initial state in, final state out
//   xw     [B, T, G4]       scratch: x . w + bias for every step
//   z      [B, G4]          scratch: one step's gate pre-activations
//   y      [B, T, H]        output sequence (0 = not wanted); y[:, s] is the output of the
//                           s-th processed step, so with goBackwards it belongs to input T-1-s
//   cseq   [B, T, H]        cell state after every processed step (0 = not wanted)
//   trace  [B, T, 6*Hp]     per row and processed step s: activated i, f, c~, o (interleaved as
//                           in z), then c_{t-1}, then h_{t-1}: what lstm_backward needs (0 = not
//                           wanted; a masked step's row is zeros). Batch-major like every other
//                           buffer, so a batch slice is still one call on offset pointers.
//   mask   [B, T] u8        1 = keep, 0 = masked, indexed by input step (0 = no mask)
//   last   [B, Hp]          with a mask: the latest output per row (start zeroed). A masked step
//                           keeps h and c, and outputs `last` (Keras's zero_output_for_mask=false)
//                           or zeros (zeroOutput = 1), so `last` ends as Keras's last output.
//
// The input projection for all steps is one GEMM; each step is then one recurrent GEMM that
// starts from the step's xw rows, followed by a separate gate pass (measured faster than fusing
// the gate math into the GEMM tile). The whole sequence runs inside this one call.

import { gemm_2x16 } from "./gemm";
import { ACT_SIGMOID, ACT_TANH, activatev, lstmCellTanhSigmoid } from "./activations";
import { maskedStepOutput, stepMasked } from "./sequence";
import { storeLanes } from "./simd";

export function lstm_forward(
  B: i32, T: i32, I: i32, H: i32,
  x: usize, w: usize, u: usize, bias: usize,
  act: i32, recAct: i32, goBackwards: i32,
  h: usize, c: usize, xw: usize, z: usize,
  y: usize, cseq: usize, trace: usize,
  mask: usize, zeroOutput: i32, last: usize,
): void {
  const Hp = (H + 3) & ~3;
  const G4 = Hp << 2;
  // the default cell has a fused, cheaper form (no per-gate activations to keep for a trace)
  const fused = act == ACT_TANH && recAct == ACT_SIGMOID && !trace;
  // xw[b, t] = bias + x[b, t] . w
  gemm_2x16(B * T, G4, I, x, I, w, bias, 0, xw, G4);
  for (let s = 0; s < T; s++) {
    const t = goBackwards ? T - 1 - s : s;
    // z[b] = xw[b, t] + h[b] . u
    gemm_2x16(B, G4, Hp, h, Hp, u, xw + (<usize>t * <usize>G4 << 2), T * G4, z, G4);
    for (let b = 0; b < B; b++) {
      const zr = z + (<usize>b * <usize>G4 << 2);
      const hr = h + (<usize>b * <usize>Hp << 2);
      const cr = c + (<usize>b * <usize>Hp << 2);
      const outRow = <usize>(b * T + s) * <usize>H << 2;
      const tr = trace + (<usize>(b * T + s) * <usize>(6 * Hp) << 2);
      if (stepMasked(mask, b * T + t)) {
        maskedStepOutput(y ? y + outRow : 0, last + (<usize>b * <usize>Hp << 2), H, zeroOutput, trace ? tr : 0, <usize>(6 * Hp) << 2);
        // the cell state carries over unchanged, so the cell sequence repeats it
        if (cseq) {
          for (let g = 0; g < (Hp >> 2); g++) storeLanes(cseq + outRow + (<usize>g << 4), v128.load(cr + (<usize>g << 4)), H - (g << 2));
        }
        continue;
      }
      if (fused) {
        for (let g = 0; g < (Hp >> 2); g++) {
          const zg = zr + (<usize>g << 6);
          const cp = cr + (<usize>g << 4);
          const hNew = lstmCellTanhSigmoid(v128.load(zg), v128.load(zg, 16), v128.load(zg, 32), v128.load(zg, 48), v128.load(cp), cp);
          v128.store(hr + (<usize>g << 4), hNew);
          const lanes = H - (g << 2);
          if (y) storeLanes(y + outRow + (<usize>g << 4), hNew, lanes);
          if (cseq) storeLanes(cseq + outRow + (<usize>g << 4), v128.load(cp), lanes);
        }
        if (mask) memory.copy(last + (<usize>b * <usize>Hp << 2), hr, <usize>Hp << 2);
        continue;
      }
      for (let g = 0; g < (Hp >> 2); g++) {
        const zg = zr + (<usize>g << 6);
        const ig = activatev(v128.load(zg), recAct);
        const fg = activatev(v128.load(zg, 16), recAct);
        const cg = activatev(v128.load(zg, 32), act);
        const og = activatev(v128.load(zg, 48), recAct);
        const cOld = v128.load(cr + (<usize>g << 4));
        const hOld = trace ? v128.load(hr + (<usize>g << 4)) : f32x4.splat(0);
        const cNew = f32x4.add(f32x4.mul(fg, cOld), f32x4.mul(ig, cg));
        const hNew = f32x4.mul(og, activatev(cNew, act));
        v128.store(cr + (<usize>g << 4), cNew);
        v128.store(hr + (<usize>g << 4), hNew);
        const lanes = H - (g << 2);
        if (y) storeLanes(y + outRow + (<usize>g << 4), hNew, lanes);
        if (cseq) storeLanes(cseq + outRow + (<usize>g << 4), cNew, lanes);
        if (trace) {
          const tg = tr + (<usize>g << 6);
          v128.store(tg, ig); v128.store(tg, fg, 16); v128.store(tg, cg, 32); v128.store(tg, og, 48);
          v128.store(tr + (<usize>G4 << 2) + (<usize>g << 4), cOld);
          v128.store(tr + (<usize>(G4 + Hp) << 2) + (<usize>g << 4), hOld);
        }
      }
      if (mask) memory.copy(last + (<usize>b * <usize>Hp << 2), hr, <usize>Hp << 2);
    }
  }
}
