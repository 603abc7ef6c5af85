// The LSTM forward of assembly/rnn/lstm.ts (no trace: inference only) with int8 products
// (assembly/quant/q8.ts): each step quantizes its input rows and the state h per row, and forms
// z = bias + x_t . W + h . U from the two q8 products; the gate pass is the float one.
//   w, u     q8 blocks of the kernel (Kp = I) and recurrent kernel (Kp = Hp), from the float
//            gate-interleaved panels (pack_gates, G = 4)
//   qs       scratch: x rows [B][I16], h rows [B][Hp16] (bytes; 16-rounded), then their row
//            parameters [B][2] f32 each: B * (I16 + Hp16 + 16) bytes (q8ScratchBytes in src/quant)
// Every other argument as lstm_forward's.

import { ACT_SIGMOID, ACT_TANH, activatev, lstmCellTanhSigmoid } from "../math/activations";
import { stepMasked } from "../math/read";
import { storeLanes } from "../math/simd";
import { maskedStepOutput } from "../rnn/steps";
import { q8_rows } from "./q8";
import { q8gemm2 } from "./q8_gemm";

export function q8_lstm_forward(
  B: i32, T: i32, I: i32, H: i32,
  x: usize, w: usize, u: usize, bias: usize,
  act: i32, recAct: i32, goBackwards: i32,
  h: usize, c: usize, z: usize,
  y: usize, cseq: usize,
  mask: usize, zeroOutput: i32, last: usize, qs: usize,
): void {
  const Hp = (H + 3) & ~3;
  const G4 = Hp << 2;
  const fused = act == ACT_TANH && recAct == ACT_SIGMOID;
  const ldx = (I + 15) & ~15, ldh = (Hp + 15) & ~15;
  const xq = qs, hq = xq + <usize>B * <usize>ldx;
  const rpx = hq + <usize>B * <usize>ldh, rph = rpx + (<usize>B << 3);
  for (let s = 0; s < T; s++) {
    const t = goBackwards ? T - 1 - s : s;
    // z[b] = bias + x[b, t] . w + h[b] . u
    q8_rows(B, I, x + (<usize>t * <usize>I << 2), T * I, xq, ldx, rpx);
    q8_rows(B, H, h, Hp, hq, ldh, rph);
    q8gemm2(4, B, G4, (I + 3) >> 2, xq, ldx, rpx, w, Hp >> 2, hq, ldh, rph, u, bias, 0, z, G4);
    for (let b = 0; b < B; b++) {
      const zr = z + (<usize>b * <usize>G4 << 2);
      const hr = h + (<usize>b * <usize>Hp << 2);
      const cr = c + (<usize>b * <usize>Hp << 2);
      const outRow = <usize>(b * T + s) * <usize>H << 2;
      const lastRow = last + (<usize>b * <usize>Hp << 2);
      if (stepMasked(mask, b * T + t)) {
        maskedStepOutput(y ? y + outRow : 0, lastRow, H, zeroOutput, 0, 0);
        if (cseq) {
          for (let g = 0; g < (Hp >> 2); g++) storeLanes(cseq + outRow + (<usize>g << 4), v128.load(cr + (<usize>g << 4)), H - (g << 2));
        }
        continue;
      }
      for (let g = 0; g < (Hp >> 2); g++) {
        const zg = zr + (<usize>g << 6);
        const cp = cr + (<usize>g << 4);
        let hNew: v128;
        if (fused) {
          hNew = lstmCellTanhSigmoid(v128.load(zg), v128.load(zg, 16), v128.load(zg, 32), v128.load(zg, 48), v128.load(cp), cp);
        } else {
          const ig = activatev(v128.load(zg), recAct);
          const fg = activatev(v128.load(zg, 16), recAct);
          const cg = activatev(v128.load(zg, 32), act);
          const og = activatev(v128.load(zg, 48), recAct);
          const cNew = f32x4.add(f32x4.mul(fg, v128.load(cp)), f32x4.mul(ig, cg));
          hNew = f32x4.mul(og, activatev(cNew, act));
          v128.store(cp, cNew);
        }
        v128.store(hr + (<usize>g << 4), hNew);
        const lanes = H - (g << 2);
        if (y) storeLanes(y + outRow + (<usize>g << 4), hNew, lanes);
        if (cseq) storeLanes(cseq + outRow + (<usize>g << 4), v128.load(cp), lanes);
      }
      if (mask) memory.copy(lastRow, hr, <usize>Hp << 2);
    }
  }
}
