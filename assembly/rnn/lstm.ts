// LSTM, Keras semantics (gate order i, f, c, o; h_t = o * act(c_t)): lstm_forward runs a whole
// sequence in one call, lstm_backward (below) goes back through it from the forward's trace.
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

import { gemm_2x16 } from "../gemm/gemm_2x16";
import { gemm_nt_packed } from "../gemm/gemm_grad";
import { ACT_SIGMOID, ACT_TANH, activatev, activationGradv, lstmCellTanhSigmoid } from "../math/activations";
import { stepMasked } from "../math/read";
import { storeLanes } from "../math/simd";
import { gated_nt } from "./gated";
import { addOutputGrad, maskedStepOutput } from "./steps";

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

// LSTM backward through time, for one lstm_forward call made with a trace.
//
// Shapes (B batch, T steps, H units, Hp = H rounded up to 4, G4 = 4 * Hp):
//   ut     U^T packed by pack_transpose_panels (4, u, Hp, G4, H): [Hq/16][G4][16], Hq = H
//          rounded up to 16 (from the forward's packed recurrent kernel u [Hp/4][Hp][16])
//   trace  [B, T, 6*Hp]     from lstm_forward: activated i, f, c~, o (interleaved), c_{t-1}, h_{t-1}
//                           per processed step s
//   dy     [B, T, H]        gradient of the output sequence (processing order, as forward's y),
//                           or 0 when the call returned only its last output (the caller then
//                           adds that gradient into dh)
//   dh, dc [B, Hp]          in: gradients of the final h and c; out: of the initial h and c.
//                           Padding lanes must be zero and stay zero.
//   dz     [B, T, G4]       out: gradients of the gate pre-activations by INPUT step t
//                           (interleaved as forward's z); a masked step's row is zero
//   dhNew  [B, Hp]          scratch, padding lanes zeroed by the caller
//   mask   [B, T] u8 (0 = none), zeroOutput: as forward
//   rmask  [4][B, Hp] recurrent dropout masks of lstm_dropout_forward (0 = none): then
//          dh_{t-1} = sum_g (dz_g . U_g^T) * r_g (gated.ts)
//
// Per step, from the trace (c = f c_{t-1} + i c~, h = o act(c)):
//   dc += dh o act'(c);   do = dh act(c);  di = dc c~;  df = dc c_{t-1};  dc~ = dc i
//   dz = (di, df, dc~, do) * activation derivatives;  dc_{t-1} = dc f;  dh_{t-1} = dz . U^T
// (the last as one product over the batch's rows per step: gemm_nt_packed)
// A masked step carries h and c, so dh and dc pass through it unchanged. The weight gradients
// are then whole-sequence products over dz (assembly/gemm/gemm_grad.ts), done by the caller.
export function lstm_backward(
  B: i32, T: i32, H: i32, ut: usize, act: i32, recAct: i32, goBackwards: i32,
  trace: usize, dy: usize, dh: usize, dc: usize, dz: usize, dhNew: usize, mask: usize, zeroOutput: i32, rmask: usize,
): void {
  const Hp = (H + 3) & ~3;
  const G4 = Hp << 2;
  const groups = Hp >> 2;
  for (let s = T - 1; s >= 0; s--) {
    const t = goBackwards ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const dhr = dh + (<usize>b * <usize>Hp << 2);
      const dcr = dc + (<usize>b * <usize>Hp << 2);
      const dzr = dz + (<usize>(b * T + t) * <usize>G4 << 2);
      const masked = stepMasked(mask, b * T + t);
      // this step's output is h (or, masked, the carried h; or zeros under zeroOutput)
      if (dy && !(masked && zeroOutput)) addOutputGrad(dhr, dy + (<usize>(b * T + s) * <usize>H << 2), H);
      if (masked) {
        memory.fill(dzr, 0, <usize>G4 << 2);
        continue;
      }
      const tr = trace + (<usize>(b * T + s) * <usize>(6 * Hp) << 2);
      for (let g = 0; g < groups; g++) {
        const tg = tr + (<usize>g << 6);
        const ig = v128.load(tg), fg = v128.load(tg, 16), cg = v128.load(tg, 32), og = v128.load(tg, 48);
        const cPrev = v128.load(tr + (<usize>G4 << 2) + (<usize>g << 4));
        const c = f32x4.add(f32x4.mul(fg, cPrev), f32x4.mul(ig, cg));
        const ac = activatev(c, act);
        const dhv = v128.load(dhr + (<usize>g << 4));
        const dcv = f32x4.add(v128.load(dcr + (<usize>g << 4)), f32x4.mul(f32x4.mul(dhv, og), activationGradv(ac, act)));
        const zg = dzr + (<usize>g << 6);
        v128.store(zg, f32x4.mul(f32x4.mul(dcv, cg), activationGradv(ig, recAct)));
        v128.store(zg, f32x4.mul(f32x4.mul(dcv, cPrev), activationGradv(fg, recAct)), 16);
        v128.store(zg, f32x4.mul(f32x4.mul(dcv, ig), activationGradv(cg, act)), 32);
        v128.store(zg, f32x4.mul(f32x4.mul(dhv, ac), activationGradv(og, recAct)), 48);
        v128.store(dcr + (<usize>g << 4), f32x4.mul(dcv, fg));
      }
    }
    // dh_{t-1} = dz . U^T for every row (lanes k < H; padding stays zero), kept where not masked
    if (rmask) gated_nt(B, H, G4, dz + (<usize>t * <usize>G4 << 2), T * G4, ut, 4, rmask, B * Hp, Hp, 1, dhNew, Hp, 0);
    else gemm_nt_packed(B, H, G4, dz + (<usize>t * <usize>G4 << 2), T * G4, ut, dhNew, Hp, 0);
    for (let b = 0; b < B; b++) {
      if (!stepMasked(mask, b * T + t)) memory.copy(dh + (<usize>b * <usize>Hp << 2), dhNew + (<usize>b * <usize>Hp << 2), <usize>Hp << 2);
    }
  }
}
