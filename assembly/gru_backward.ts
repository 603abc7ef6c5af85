// GRU backward through time, for one gru_*_forward call made with a trace (assembly/gru.ts).
// h_t = z h_{t-1} + (1 - z) n, gate order z, r, h.
//
// Shared shapes (B batch, T steps, H units, Hp = H rounded up to 4, Hq = H rounded up to 16):
//   trace  [B, T, 5*Hp]   from the forward, by processed step (layouts in assembly/gru.ts)
//   dy     [B, T, H]      gradient of the output sequence (processing order, as forward's y), or
//                         0 when the call returned only its last output (the caller then adds
//                         that gradient into dh)
//   dh     [B, Hp]        in: gradient of the final h; out: of the initial h. Padding lanes must
//                         be zero and stay zero.
//   mask   [B, T] u8 (0 = none), zeroOutput: as forward
// Gradients of pre-activations come out by INPUT step t, in the packed column order of the
// weights they multiply (so the caller's gemm_tn_panels / colsum_acc give packed gradients); a
// masked step's rows are zero (it carries h, so dh passes through it unchanged).

import { activationGradv } from "./activations";
import { gemm_nt_packed } from "./gemm_grad";
import { addOutputGrad, stepMasked } from "./sequence";

// reset_after = true. G3 = 3 * Hp; trace rows: z, r, n interleaved [G3], uh [Hp], h_{t-1} [Hp].
//   ut     U^T packed by pack_transpose_panels(3, u, Hp, G3, H) from the forward's recurrent
//          kernel u [Hp/4][Hp][12]
//   dzx    [B, T, G3]  out: gradient of the input pre-activations x·W + b_in: (dz, dr, da)
//   dzu    [B, T, G3]  out: gradient of the recurrent pre-activations h·U + b_rec: (dz, dr, da r)
// Per step (a = xh + r uh, n = φ(a)):
//   dn = dh (1 - z);  dz = dh (h_{t-1} - n) σ'(z);  da = dn φ'(n);  dr = da uh σ'(r)
//   dh_{t-1} = dh z + dzu . U^T   (the product once per step over every row; a masked row's dzu is
//                                   zero, so it adds nothing and dh carries)
export function gru_reset_after_backward(
  B: i32, T: i32, H: i32, ut: usize, act: i32, recAct: i32, goBackwards: i32,
  trace: usize, dy: usize, dh: usize, dzx: usize, dzu: usize, mask: usize, zeroOutput: i32,
): void {
  const Hp = (H + 3) & ~3;
  const G3 = Hp * 3;
  const TW = <usize>(5 * Hp) << 2;
  const one = f32x4.splat(1); // (no static data: the training core has none of its own)
  for (let s = T - 1; s >= 0; s--) {
    const t = goBackwards ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const dhr = dh + (<usize>b * <usize>Hp << 2);
      const zx = dzx + (<usize>(b * T + t) * <usize>G3 << 2);
      const zu = dzu + (<usize>(b * T + t) * <usize>G3 << 2);
      const masked = stepMasked(mask, b * T + t);
      if (dy && !(masked && zeroOutput)) addOutputGrad(dhr, dy + (<usize>(b * T + s) * <usize>H << 2), H);
      if (masked) {
        memory.fill(zx, 0, <usize>G3 << 2);
        memory.fill(zu, 0, <usize>G3 << 2);
        continue;
      }
      const tr = trace + <usize>(b * T + s) * TW;
      for (let g = 0; g < (Hp >> 2); g++) {
        const tg = tr + (<usize>g * 48);
        const zg = v128.load(tg), rg = v128.load(tg, 16), ng = v128.load(tg, 32);
        const uh = v128.load(tr + (<usize>(G3 + (g << 2)) << 2));
        const hPrev = v128.load(tr + (<usize>(G3 + Hp + (g << 2)) << 2));
        const dhv = v128.load(dhr + (<usize>g << 4));
        const dz = f32x4.mul(f32x4.mul(dhv, f32x4.sub(hPrev, ng)), activationGradv(zg, recAct));
        const da = f32x4.mul(f32x4.mul(dhv, f32x4.sub(one, zg)), activationGradv(ng, act));
        const dr = f32x4.mul(f32x4.mul(da, uh), activationGradv(rg, recAct));
        const o = <usize>g * 48;
        v128.store(zx + o, dz); v128.store(zx + o, dr, 16); v128.store(zx + o, da, 32);
        v128.store(zu + o, dz); v128.store(zu + o, dr, 16); v128.store(zu + o, f32x4.mul(da, rg), 32);
        v128.store(dhr + (<usize>g << 4), f32x4.mul(dhv, zg));
      }
    }
    // dh_{t-1} += dzu . U^T (lanes k < H; padding lanes stay zero)
    gemm_nt_packed(B, H, G3, dzu + (<usize>t * <usize>G3 << 2), T * G3, ut, dh, Hp, 1);
  }
}

// reset_after = false. G2 = 2 * Hp; trace rows: z, r interleaved [G2], n [Hp], r h_{t-1} [Hp],
// h_{t-1} [Hp].
//   uzrT, uhT  pack_transpose_panels(2, uzr, Hp, G2, H) and (4, uh, Hp, Hq, H) of the forward's
//              recurrent kernel parts uzr [Hp/4][Hp][8] and uh [Hq/16][Hp][16]
//   dzr    [B, T, G2]  out: gradient of the z, r pre-activations (x·Wzr + b_zr + h·Uzr)
//   dzh    [B, T, Hq]  out: gradient of the candidate pre-activation a (x·Wh + b_h + (r h)·Uh)
//   drh    [B, Hp]     scratch: d(r h) of every row of a step
// Per step (n = φ(a)):
//   da = dh (1 - z) φ'(n);  d(r h) = da . Uh^T;  dr = d(r h) h_{t-1} σ'(r);
//   dz = dh (h_{t-1} - n) σ'(z);  dh_{t-1} = dh z + d(r h) r + dzr . Uzr^T
// (both products once per step over every row; masked rows have zero gradients there)
export function gru_reset_before_backward(
  B: i32, T: i32, H: i32, uzrT: usize, uhT: usize, act: i32, recAct: i32, goBackwards: i32,
  trace: usize, dy: usize, dh: usize, dzr: usize, dzh: usize, drh: usize, mask: usize, zeroOutput: i32,
): void {
  const Hp = (H + 3) & ~3;
  const Hq = (H + 15) & ~15;
  const G2 = Hp << 1;
  const TW = <usize>(5 * Hp) << 2;
  const one = f32x4.splat(1); // (no static data: the training core has none of its own)
  // gemm_nt_packed writes lanes k < H only: the padding lanes stay zero
  memory.fill(drh, 0, <usize>B * <usize>Hp << 2);
  for (let s = T - 1; s >= 0; s--) {
    const t = goBackwards ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const dhr = dh + (<usize>b * <usize>Hp << 2);
      const zr = dzr + (<usize>(b * T + t) * <usize>G2 << 2);
      const zh = dzh + (<usize>(b * T + t) * <usize>Hq << 2);
      const masked = stepMasked(mask, b * T + t);
      if (dy && !(masked && zeroOutput)) addOutputGrad(dhr, dy + (<usize>(b * T + s) * <usize>H << 2), H);
      if (masked) {
        memory.fill(zr, 0, <usize>G2 << 2);
        memory.fill(zh, 0, <usize>Hq << 2);
        continue;
      }
      const tr = trace + <usize>(b * T + s) * TW;
      const nAt = tr + (<usize>G2 << 2);
      for (let g = 0; g < (Hp >> 2); g++) {
        const o = <usize>g << 4;
        const zg = v128.load(tr + (<usize>g << 5));
        const ng = v128.load(nAt + o);
        const dhv = v128.load(dhr + o);
        v128.store(zh + o, f32x4.mul(f32x4.mul(dhv, f32x4.sub(one, zg)), activationGradv(ng, act)));
      }
      if (Hq > Hp) memory.fill(zh + (<usize>Hp << 2), 0, <usize>(Hq - Hp) << 2);
    }
    // d(r h) = da . Uh^T for every row of the step
    gemm_nt_packed(B, H, Hq, dzh + (<usize>t * <usize>Hq << 2), T * Hq, uhT, drh, Hp, 0);
    for (let b = 0; b < B; b++) {
      if (stepMasked(mask, b * T + t)) continue;
      const dhr = dh + (<usize>b * <usize>Hp << 2);
      const zr = dzr + (<usize>(b * T + t) * <usize>G2 << 2);
      const drr = drh + (<usize>b * <usize>Hp << 2);
      const tr = trace + <usize>(b * T + s) * TW;
      const nAt = tr + (<usize>G2 << 2), rhAt = nAt + (<usize>Hp << 2), hAt = rhAt + (<usize>Hp << 2);
      for (let g = 0; g < (Hp >> 2); g++) {
        const o = <usize>g << 4;
        const tg = tr + (<usize>g << 5);
        const zg = v128.load(tg), rg = v128.load(tg, 16);
        const ng = v128.load(nAt + o);
        const hPrev = v128.load(hAt + o);
        const dhv = v128.load(dhr + o);
        const drhv = v128.load(drr + o);
        const dz = f32x4.mul(f32x4.mul(dhv, f32x4.sub(hPrev, ng)), activationGradv(zg, recAct));
        const dr = f32x4.mul(f32x4.mul(drhv, hPrev), activationGradv(rg, recAct));
        v128.store(zr + (<usize>g << 5), dz);
        v128.store(zr + (<usize>g << 5), dr, 16);
        v128.store(dhr + o, f32x4.add(f32x4.mul(dhv, zg), f32x4.mul(drhv, rg)));
      }
    }
    // dh_{t-1} += dzr . Uzr^T
    gemm_nt_packed(B, H, G2, dzr + (<usize>t * <usize>G2 << 2), T * G2, uzrT, dh, Hp, 1);
  }
}
