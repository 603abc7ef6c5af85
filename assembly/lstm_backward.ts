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
//
// Per step, from the trace (c = f c_{t-1} + i c~, h = o act(c)):
//   dc += dh o act'(c);   do = dh act(c);  di = dc c~;  df = dc c_{t-1};  dc~ = dc i
//   dz = (di, df, dc~, do) * activation derivatives;  dc_{t-1} = dc f;  dh_{t-1} = dz . U^T
// (the last as one product over the batch's rows per step: gemm_nt_packed)
// A masked step carries h and c, so dh and dc pass through it unchanged. The weight gradients
// are then whole-sequence products over dz (assembly/gemm_grad.ts), done by the caller.

import { activatev, activationGradv } from "./activations";
import { gemm_nt_packed } from "./gemm_grad";
import { addOutputGrad, stepMasked } from "./sequence";

export function lstm_backward(
  B: i32, T: i32, H: i32, ut: usize, act: i32, recAct: i32, goBackwards: i32,
  trace: usize, dy: usize, dh: usize, dc: usize, dz: usize, dhNew: usize, mask: usize, zeroOutput: i32,
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
    gemm_nt_packed(B, H, G4, dz + (<usize>t * <usize>G4 << 2), T * G4, ut, dhNew, Hp, 0);
    for (let b = 0; b < B; b++) {
      if (!stepMasked(mask, b * T + t)) memory.copy(dh + (<usize>b * <usize>Hp << 2), dhNew + (<usize>b * <usize>Hp << 2), <usize>Hp << 2);
    }
  }
}
