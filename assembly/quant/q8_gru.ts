// The GRU forwards of assembly/rnn/gru.ts (no trace: inference only) with int8 products
// (assembly/quant/q8.ts). Each step quantizes its input rows and h per row; the gate passes are
// the float ones. Weights are q8 blocks made from the float panels (q8_pack); `qs` is the
// scratch of q8_lstm.ts plus, for reset_after = false, the rows of r ⊙ h:
//   x rows [B][I16], h rows [B][Hp16], r h rows [B][Hp16] bytes, then row parameters [B][2] f32 for each.

import { ACT_SIGMOID, ACT_TANH, activatev, gruCellTanhSigmoid } from "../math/activations";
import { stepMasked } from "../math/read";
import { storeLanes } from "../math/simd";
import { maskedStepOutput } from "../rnn/steps";
import { q8_rows } from "./q8";
import { q8_gemm_12, q8gemm2 } from "./q8_gemm";

// reset_after = true: w, u q8 blocks of the [Hp/4][.][12] panels; bias, rbias [3 Hp] as the float
// kernel's; xw, hu [B, 3 Hp] one step's projections (the first rows of the float kernel's scratch).
export function q8_gru_reset_after_forward(
  B: i32, T: i32, I: i32, H: i32,
  x: usize, w: usize, u: usize, bias: usize, rbias: usize,
  act: i32, recAct: i32, goBackwards: i32,
  h: usize, xw: usize, hu: usize, y: usize,
  mask: usize, zeroOutput: i32, last: usize, qs: usize,
): void {
  const Hp = (H + 3) & ~3;
  const G3 = Hp * 3;
  const fused = act == ACT_TANH && recAct == ACT_SIGMOID;
  const ldx = (I + 15) & ~15, ldh = (Hp + 15) & ~15;
  const xq = qs, hq = xq + <usize>B * <usize>ldx;
  const rpx = hq + (<usize>B * <usize>ldh << 1), rph = rpx + (<usize>B << 3);
  const one = f32x4.splat(1);
  for (let s = 0; s < T; s++) {
    const t = goBackwards ? T - 1 - s : s;
    q8_rows(B, I, x + (<usize>t * <usize>I << 2), T * I, xq, ldx, rpx);
    q8_rows(B, H, h, Hp, hq, ldh, rph);
    q8_gemm_12(B, G3, (I + 3) >> 2, xq, ldx, rpx, w, bias, 0, xw, G3);
    q8_gemm_12(B, G3, Hp >> 2, hq, ldh, rph, u, rbias, 0, hu, G3);
    for (let b = 0; b < B; b++) {
      const hr = h + (<usize>b * <usize>Hp << 2);
      const outRow = <usize>(b * T + s) * <usize>H << 2;
      if (stepMasked(mask, b * T + t)) {
        maskedStepOutput(y ? y + outRow : 0, last + (<usize>b * <usize>Hp << 2), H, zeroOutput, 0, 0);
        continue;
      }
      const xr = xw + (<usize>b * <usize>G3 << 2);
      const ur = hu + (<usize>b * <usize>G3 << 2);
      for (let g = 0; g < (Hp >> 2); g++) {
        const xg = xr + (<usize>g * 48);
        const ug = ur + (<usize>g * 48);
        const hOld = v128.load(hr + (<usize>g << 4));
        let hNew: v128;
        if (fused) {
          hNew = gruCellTanhSigmoid(f32x4.add(v128.load(xg), v128.load(ug)), f32x4.add(v128.load(xg, 16), v128.load(ug, 16)),
            v128.load(xg, 32), v128.load(ug, 32), hOld);
        } else {
          const zg = activatev(f32x4.add(v128.load(xg), v128.load(ug)), recAct);
          const rg = activatev(f32x4.add(v128.load(xg, 16), v128.load(ug, 16)), recAct);
          const ng = activatev(f32x4.add(v128.load(xg, 32), f32x4.mul(rg, v128.load(ug, 32))), act);
          hNew = f32x4.add(f32x4.mul(zg, hOld), f32x4.mul(f32x4.sub(one, zg), ng));
        }
        v128.store(hr + (<usize>g << 4), hNew);
        if (y) storeLanes(y + outRow + (<usize>g << 4), hNew, H - (g << 2));
      }
      if (mask) memory.copy(last + (<usize>b * <usize>Hp << 2), hr, <usize>Hp << 2);
    }
  }
}

// reset_after = false: wzr, uzr q8 blocks of the [Hp/4][.][8] panels, wh, uh of the [Hq/16][.][16]
// ones (Hq = H rounded up to 16); bzr [2 Hp], bh [Hq]; zr [B, 2 Hp], rh [B, Hp], hh [B, Hq] scratch
// as the float kernel's.
export function q8_gru_reset_before_forward(
  B: i32, T: i32, I: i32, H: i32,
  x: usize, wzr: usize, wh: usize, uzr: usize, uh: usize, bzr: usize, bh: usize,
  act: i32, recAct: i32, goBackwards: i32,
  h: usize, zr: usize, rh: usize, hh: usize, y: usize,
  mask: usize, zeroOutput: i32, last: usize, qs: usize,
): void {
  const Hp = (H + 3) & ~3;
  const Hq = (H + 15) & ~15;
  const G2 = Hp << 1;
  const ldx = (I + 15) & ~15, ldh = (Hp + 15) & ~15;
  const Kx = (I + 3) >> 2;
  const xq = qs, hq = xq + <usize>B * <usize>ldx, rhq = hq + <usize>B * <usize>ldh;
  const rpx = rhq + <usize>B * <usize>ldh, rph = rpx + (<usize>B << 3), rpr = rph + (<usize>B << 3);
  const one = f32x4.splat(1);
  for (let s = 0; s < T; s++) {
    const t = goBackwards ? T - 1 - s : s;
    q8_rows(B, I, x + (<usize>t * <usize>I << 2), T * I, xq, ldx, rpx);
    q8_rows(B, H, h, Hp, hq, ldh, rph);
    q8gemm2(2, B, G2, Kx, xq, ldx, rpx, wzr, Hp >> 2, hq, ldh, rph, uzr, bzr, 0, zr, G2);
    for (let b = 0; b < B; b++) {
      const zrr = zr + (<usize>b * <usize>G2 << 2);
      const hr = h + (<usize>b * <usize>Hp << 2);
      const rhr = rh + (<usize>b * <usize>Hp << 2);
      for (let g = 0; g < (Hp >> 2); g++) {
        const p = zrr + (<usize>g << 5);
        v128.store(p, activatev(v128.load(p), recAct));
        v128.store(rhr + (<usize>g << 4), f32x4.mul(activatev(v128.load(p, 16), recAct), v128.load(hr + (<usize>g << 4))));
      }
    }
    q8_rows(B, H, rh, Hp, rhq, ldh, rpr);
    q8gemm2(4, B, Hq, Kx, xq, ldx, rpx, wh, Hp >> 2, rhq, ldh, rpr, uh, bh, 0, hh, Hq);
    for (let b = 0; b < B; b++) {
      const hr = h + (<usize>b * <usize>Hp << 2);
      const outRow = <usize>(b * T + s) * <usize>H << 2;
      if (stepMasked(mask, b * T + t)) {
        maskedStepOutput(y ? y + outRow : 0, last + (<usize>b * <usize>Hp << 2), H, zeroOutput, 0, 0);
        continue;
      }
      const zrr = zr + (<usize>b * <usize>G2 << 2);
      const hhr = hh + (<usize>b * <usize>Hq << 2);
      for (let g = 0; g < (Hp >> 2); g++) {
        const zg = v128.load(zrr + (<usize>g << 5));
        const ng = activatev(v128.load(hhr + (<usize>g << 4)), act);
        const hOld = v128.load(hr + (<usize>g << 4));
        const hNew = f32x4.add(f32x4.mul(zg, hOld), f32x4.mul(f32x4.sub(one, zg), ng));
        v128.store(hr + (<usize>g << 4), hNew);
        if (y) storeLanes(y + outRow + (<usize>g << 4), hNew, H - (g << 2));
      }
      if (mask) memory.copy(last + (<usize>b * <usize>Hp << 2), hr, <usize>Hp << 2);
    }
  }
}
