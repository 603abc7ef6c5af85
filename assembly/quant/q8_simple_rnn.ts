// The SimpleRNN forward of assembly/rnn/simple_rnn.ts (no trace: inference only) with int8 products
// (assembly/quant/q8.ts): h_t = φ(bias + x_t . W + h_{t-1} . U), both products q8. Units padded
// to 16 (Hq) as the float kernel's; w, u q8 blocks of its panel16 kernel (Kp = I) and recurrent
// kernel (Kp = Hq); z [B, Hq] scratch; qs as q8_lstm.ts's (h rows [B][Hq]).

import { activatev } from "../math/activations";
import { stepMasked } from "../math/read";
import { storeLanes } from "../math/simd";
import { maskedStepOutput } from "../rnn/steps";
import { q8_rows } from "./q8";
import { q8gemm2 } from "./q8_gemm";

export function q8_simple_rnn_forward(
  B: i32, T: i32, I: i32, H: i32,
  x: usize, w: usize, u: usize, bias: usize,
  act: i32, goBackwards: i32,
  h: usize, z: usize, y: usize,
  mask: usize, zeroOutput: i32, last: usize, qs: usize,
): void {
  const Hq = (H + 15) & ~15;
  const ldx = (I + 15) & ~15;
  const xq = qs, hq = xq + <usize>B * <usize>ldx;
  const rpx = hq + <usize>B * <usize>Hq, rph = rpx + (<usize>B << 3);
  for (let s = 0; s < T; s++) {
    const t = goBackwards ? T - 1 - s : s;
    q8_rows(B, I, x + (<usize>t * <usize>I << 2), T * I, xq, ldx, rpx);
    q8_rows(B, H, h, Hq, hq, Hq, rph);
    q8gemm2(4, B, Hq, (I + 3) >> 2, xq, ldx, rpx, w, Hq >> 2, hq, Hq, rph, u, bias, 0, z, Hq);
    for (let b = 0; b < B; b++) {
      const hr = h + (<usize>b * <usize>Hq << 2);
      const outRow = <usize>(b * T + s) * <usize>H << 2;
      if (stepMasked(mask, b * T + t)) {
        maskedStepOutput(y ? y + outRow : 0, last + (<usize>b * <usize>Hq << 2), H, zeroOutput, 0, 0);
        continue;
      }
      const zr = z + (<usize>b * <usize>Hq << 2);
      for (let g = 0; g < (Hq >> 2); g++) {
        const hNew = activatev(v128.load(zr + (<usize>g << 4)), act);
        v128.store(hr + (<usize>g << 4), hNew);
        if (y) storeLanes(y + outRow + (<usize>g << 4), hNew, H - (g << 2));
      }
      if (mask) memory.copy(last + (<usize>b * <usize>Hq << 2), hr, <usize>Hq << 2);
    }
  }
}
