// The recurrent cells' training forward under Keras dropout (training core only): as
// lstm_forward, gru_*_forward and simple_rnn_forward with a trace, except that
//   - the input projections xw come in, made by the caller (gated_gemm over the per-gate masked
//     inputs, Keras 3's implementation 1, or over the input itself), by INPUT step t;
//   - with rmask (recurrent dropout) every gate g multiplies h_{t-1} * r_g by its slice of the
//     recurrent kernel (gated.ts), r_g the same at every step of the call (Keras: one mask per
//     gate and sequence), and the masked states are kept in hm for the weight gradient.
// The state update itself uses the unmasked h_{t-1} and c_{t-1}, as Keras.
//
// Shapes (B batch, T steps, H units, P = the cell's state stride, G gates, N = packed columns):
//   rmask  [G][B, P] f32       0 or 1 / (1 - rate) (0 = no recurrent dropout: hm unused)
//   hm     [G][B, T, P]        out: h_{t-1} * r_g per processed step s
//   others as the cell's forward (lstm.ts, gru.ts, simple_rnn.ts); the trace layouts are theirs.

import { activatev as activateInline } from "../math/activations";
import { stepMasked } from "../math/read";
import { storeLanes } from "../math/simd";
import { gated_gemm, mask_states } from "./gated";
import { maskedStepOutput } from "./steps";

// The activations once in the module, not inlined at every gate (training only: size over speed).
function activatev(x: v128, kind: i32): v128 {
  return activateInline(x, kind);
}

// One step's recurrent operand: the masked states of step s, or h itself without rmask.
// @ts-ignore: decorator
@inline function stepOperand(G: i32, B: i32, T: i32, P: i32, s: i32, h: usize, rmask: usize, hm: usize): usize {
  if (!rmask) return h;
  mask_states(G, B, T, P, s, h, rmask, hm);
  return hm + (<usize>s * <usize>P << 2);
}

// LSTM (G = 4, P = Hp): xw [B, T, 4Hp], u, h, c, z, y, cseq, trace [B, T, 6Hp], mask, last: lstm.ts
export function lstm_dropout_forward(
  B: i32, T: i32, H: i32, xw: usize, u: usize, act: i32, recAct: i32, goBackwards: i32,
  h: usize, c: usize, z: usize, y: usize, cseq: usize, trace: usize,
  mask: usize, zeroOutput: i32, last: usize, rmask: usize, hm: usize,
): void {
  const Hp = (H + 3) & ~3;
  const G4 = Hp << 2;
  for (let s = 0; s < T; s++) {
    const t = goBackwards ? T - 1 - s : s;
    const a = stepOperand(4, B, T, Hp, s, h, rmask, hm);
    gated_gemm(4, B, G4, Hp, a, rmask ? T * Hp : Hp, rmask ? B * T * Hp : 0, u, xw + (<usize>t * <usize>G4 << 2), T * G4, z, G4);
    for (let b = 0; b < B; b++) {
      const zr = z + (<usize>b * <usize>G4 << 2);
      const hr = h + (<usize>b * <usize>Hp << 2);
      const cr = c + (<usize>b * <usize>Hp << 2);
      const outRow = <usize>(b * T + s) * <usize>H << 2;
      const tr = trace + (<usize>(b * T + s) * <usize>(6 * Hp) << 2);
      if (stepMasked(mask, b * T + t)) {
        maskedStepOutput(y ? y + outRow : 0, last + (<usize>b * <usize>Hp << 2), H, zeroOutput, tr, <usize>(6 * Hp) << 2);
        if (cseq) {
          for (let g = 0; g < (Hp >> 2); g++) storeLanes(cseq + outRow + (<usize>g << 4), v128.load(cr + (<usize>g << 4)), H - (g << 2));
        }
        continue;
      }
      for (let g = 0; g < (Hp >> 2); g++) {
        const zg = zr + (<usize>g << 6);
        const ig = activatev(v128.load(zg), recAct);
        const fg = activatev(v128.load(zg, 16), recAct);
        const cg = activatev(v128.load(zg, 32), act);
        const og = activatev(v128.load(zg, 48), recAct);
        const cOld = v128.load(cr + (<usize>g << 4));
        const hOld = v128.load(hr + (<usize>g << 4));
        const cNew = f32x4.add(f32x4.mul(fg, cOld), f32x4.mul(ig, cg));
        const hNew = f32x4.mul(og, activatev(cNew, act));
        v128.store(cr + (<usize>g << 4), cNew);
        v128.store(hr + (<usize>g << 4), hNew);
        const lanes = H - (g << 2);
        if (y) storeLanes(y + outRow + (<usize>g << 4), hNew, lanes);
        if (cseq) storeLanes(cseq + outRow + (<usize>g << 4), cNew, lanes);
        const tg = tr + (<usize>g << 6);
        v128.store(tg, ig); v128.store(tg, fg, 16); v128.store(tg, cg, 32); v128.store(tg, og, 48);
        v128.store(tr + (<usize>G4 << 2) + (<usize>g << 4), cOld);
        v128.store(tr + (<usize>(G4 + Hp) << 2) + (<usize>g << 4), hOld);
      }
      if (mask) memory.copy(last + (<usize>b * <usize>Hp << 2), hr, <usize>Hp << 2);
    }
  }
}

// GRU reset_after (G = 3, P = Hp): xw [B, T, 3Hp] (x·W + b_in), u, rbias, hu [B, 3Hp] scratch,
// trace [B, T, 5Hp] as gru_reset_after_forward
export function gru_after_dropout_forward(
  B: i32, T: i32, H: i32, xw: usize, u: usize, rbias: usize, act: i32, recAct: i32, goBackwards: i32,
  h: usize, hu: usize, y: usize, mask: usize, zeroOutput: i32, last: usize, trace: usize, rmask: usize, hm: usize,
): void {
  const Hp = (H + 3) & ~3;
  const G3 = Hp * 3;
  const TW = <usize>(5 * Hp) << 2;
  const one = f32x4.splat(1);
  for (let s = 0; s < T; s++) {
    const t = goBackwards ? T - 1 - s : s;
    const a = stepOperand(3, B, T, Hp, s, h, rmask, hm);
    gated_gemm(3, B, G3, Hp, a, rmask ? T * Hp : Hp, rmask ? B * T * Hp : 0, u, rbias, 0, hu, G3);
    for (let b = 0; b < B; b++) {
      const hr = h + (<usize>b * <usize>Hp << 2);
      const outRow = <usize>(b * T + s) * <usize>H << 2;
      const tr = trace + <usize>(b * T + s) * TW;
      if (stepMasked(mask, b * T + t)) {
        maskedStepOutput(y ? y + outRow : 0, last + (<usize>b * <usize>Hp << 2), H, zeroOutput, tr, TW);
        continue;
      }
      const xr = xw + (<usize>(b * T + t) * <usize>G3 << 2);
      const ur = hu + (<usize>b * <usize>G3 << 2);
      for (let g = 0; g < (Hp >> 2); g++) {
        const xg = xr + (<usize>g * 48);
        const ug = ur + (<usize>g * 48);
        const hOld = v128.load(hr + (<usize>g << 4));
        const zg = activatev(f32x4.add(v128.load(xg), v128.load(ug)), recAct);
        const rg = activatev(f32x4.add(v128.load(xg, 16), v128.load(ug, 16)), recAct);
        const uhg = v128.load(ug, 32);
        const ng = activatev(f32x4.add(v128.load(xg, 32), f32x4.mul(rg, uhg)), act);
        const hNew = f32x4.add(f32x4.mul(zg, hOld), f32x4.mul(f32x4.sub(one, zg), ng));
        const tg = tr + (<usize>g * 48);
        v128.store(tg, zg); v128.store(tg, rg, 16); v128.store(tg, ng, 32);
        v128.store(tr + (<usize>(G3 + (g << 2)) << 2), uhg);
        v128.store(tr + (<usize>(G3 + Hp + (g << 2)) << 2), hOld);
        v128.store(hr + (<usize>g << 4), hNew);
        if (y) storeLanes(y + outRow + (<usize>g << 4), hNew, H - (g << 2));
      }
      if (mask) memory.copy(last + (<usize>b * <usize>Hp << 2), hr, <usize>Hp << 2);
    }
  }
}

// GRU reset_after = false (masks z, r, h; P = Hp): xzr [B, T, 2Hp], xh [B, T, Hq] projections,
// uzr, uh, zr, rh, hh, trace [B, T, 5Hp] as gru_reset_before_forward; the trace's r ⊙ h_{t-1}
// is r ⊙ (h_{t-1} * r_h).
export function gru_before_dropout_forward(
  B: i32, T: i32, H: i32, xzr: usize, xh: usize, uzr: usize, uh: usize, act: i32, recAct: i32, goBackwards: i32,
  h: usize, zr: usize, rh: usize, hh: usize, y: usize, mask: usize, zeroOutput: i32, last: usize, trace: usize,
  rmask: usize, hm: usize,
): void {
  const Hp = (H + 3) & ~3;
  const Hq = (H + 15) & ~15;
  const G2 = Hp << 1;
  const TW = <usize>(5 * Hp) << 2;
  const one = f32x4.splat(1);
  const gs = rmask ? B * T * Hp : 0;
  for (let s = 0; s < T; s++) {
    const t = goBackwards ? T - 1 - s : s;
    const a = stepOperand(3, B, T, Hp, s, h, rmask, hm);
    const lda = rmask ? T * Hp : Hp;
    gated_gemm(2, B, G2, Hp, a, lda, gs, uzr, xzr + (<usize>t * <usize>G2 << 2), T * G2, zr, G2);
    for (let b = 0; b < B; b++) {
      const zrr = zr + (<usize>b * <usize>G2 << 2);
      const ah = a + (<usize>(2 * gs + b * lda) << 2);
      const rhr = rh + (<usize>b * <usize>Hp << 2);
      for (let g = 0; g < (Hp >> 2); g++) {
        const p = zrr + (<usize>g << 5);
        v128.store(p, activatev(v128.load(p), recAct));
        const rg = activatev(v128.load(p, 16), recAct);
        v128.store(p, rg, 16);
        v128.store(rhr + (<usize>g << 4), f32x4.mul(rg, v128.load(ah + (<usize>g << 4))));
      }
    }
    gated_gemm(4, B, Hq, Hp, rh, Hp, 0, uh, xh + (<usize>t * <usize>Hq << 2), T * Hq, hh, Hq);
    for (let b = 0; b < B; b++) {
      const hr = h + (<usize>b * <usize>Hp << 2);
      const outRow = <usize>(b * T + s) * <usize>H << 2;
      const tr = trace + <usize>(b * T + s) * TW;
      if (stepMasked(mask, b * T + t)) {
        maskedStepOutput(y ? y + outRow : 0, last + (<usize>b * <usize>Hp << 2), H, zeroOutput, tr, TW);
        continue;
      }
      const zrr = zr + (<usize>b * <usize>G2 << 2);
      const hhr = hh + (<usize>b * <usize>Hq << 2);
      memory.copy(tr, zrr, <usize>G2 << 2);
      memory.copy(tr + (<usize>(3 * Hp) << 2), rh + (<usize>b * <usize>Hp << 2), <usize>Hp << 2);
      memory.copy(tr + (<usize>(4 * Hp) << 2), hr, <usize>Hp << 2);
      for (let g = 0; g < (Hp >> 2); g++) {
        const zg = v128.load(zrr + (<usize>g << 5));
        const ng = activatev(v128.load(hhr + (<usize>g << 4)), act);
        const hOld = v128.load(hr + (<usize>g << 4));
        const hNew = f32x4.add(f32x4.mul(zg, hOld), f32x4.mul(f32x4.sub(one, zg), ng));
        v128.store(tr + (<usize>(G2 + (g << 2)) << 2), ng);
        v128.store(hr + (<usize>g << 4), hNew);
        if (y) storeLanes(y + outRow + (<usize>g << 4), hNew, H - (g << 2));
      }
      if (mask) memory.copy(last + (<usize>b * <usize>Hp << 2), hr, <usize>Hp << 2);
    }
  }
}

// SimpleRNN (G = 1, P = Hq): xw [B, T, Hq], u, z [B, Hq], trace [B, T, 2Hq] as simple_rnn_forward
export function simple_rnn_dropout_forward(
  B: i32, T: i32, H: i32, xw: usize, u: usize, act: i32, goBackwards: i32,
  h: usize, z: usize, y: usize, mask: usize, zeroOutput: i32, last: usize, trace: usize, rmask: usize, hm: usize,
): void {
  const Hq = (H + 15) & ~15;
  for (let s = 0; s < T; s++) {
    const t = goBackwards ? T - 1 - s : s;
    const a = stepOperand(1, B, T, Hq, s, h, rmask, hm);
    gated_gemm(4, B, Hq, Hq, a, rmask ? T * Hq : Hq, 0, u, xw + (<usize>t * <usize>Hq << 2), T * Hq, z, Hq);
    for (let b = 0; b < B; b++) {
      const hr = h + (<usize>b * <usize>Hq << 2);
      const outRow = <usize>(b * T + s) * <usize>H << 2;
      const tr = trace + (<usize>(b * T + s) * <usize>(2 * Hq) << 2);
      if (stepMasked(mask, b * T + t)) {
        maskedStepOutput(y ? y + outRow : 0, last + (<usize>b * <usize>Hq << 2), H, zeroOutput, tr, <usize>(2 * Hq) << 2);
        continue;
      }
      const zr = z + (<usize>b * <usize>Hq << 2);
      memory.copy(tr + (<usize>Hq << 2), hr, <usize>Hq << 2);
      for (let g = 0; g < (Hq >> 2); g++) {
        const hNew = activatev(v128.load(zr + (<usize>g << 4)), act);
        v128.store(hr + (<usize>g << 4), hNew);
        if (y) storeLanes(y + outRow + (<usize>g << 4), hNew, H - (g << 2));
      }
      memory.copy(tr, hr, <usize>Hq << 2);
      if (mask) memory.copy(last + (<usize>b * <usize>Hq << 2), hr, <usize>Hq << 2);
    }
  }
}
