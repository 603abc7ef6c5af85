// GRU, Keras semantics, forward and backward through time for both forms: gate order z, r, h;
//   z = σ(x·Wz + h·Uz + b), r = σ(x·Wr + h·Ur + b), h_t = z ⊙ h_{t-1} + (1 - z) ⊙ n
// with the candidate n in one of Keras's two forms:
//   reset_after = true  (Keras 3 default): n = φ(x·Wh + b_in + r ⊙ (h·Uh + b_rec))
//   reset_after = false (Keras 2, TF.js):  n = φ(x·Wh + b + (r ⊙ h)·Uh)
//
// Shared shapes (B batch, T steps, I input features, H units, Hp = H rounded up to 4):
//   x      [B, T, I]        input, batch-major as Keras
//   h      [B, Hp]          state: initial state in, final state out
//   y      [B, T, H]        output sequence (0 = not wanted); y[:, s] is the output of the s-th
//                           processed step (with goBackwards it belongs to input T-1-s)
//   mask   [B, T] u8        1 = keep, 0 = masked, indexed by input step (0 = no mask)
//   last   [B, Hp]          with a mask: the latest output per row (start zeroed); a masked step
//                           keeps h and outputs `last` (Keras's zero_output_for_mask = false) or
//                           zeros (zeroOutput = 1), so `last` ends as Keras's last output.
//   trace  [B, T, 5*Hp]     training (0 = not wanted): what gru_*_backward needs, per row and
//                           PROCESSED step s (batch-major, so a batch slice is one call on offset
//                           pointers); a masked step's row is zeros. Layout per form below.
// Like the LSTM: one GEMM projects the inputs of all steps, then each step is a recurrent GEMM
// that starts from a bias row or the step's projection, and a fused SIMD gate pass.
//
// Backward (gru_*_backward), for one gru_*_forward call made with a trace. Each form's forward and
// backward sit together below, reset_after first. Shared backward shapes (Hq = H rounded up to 16):
//   trace  [B, T, 5*Hp]   from the forward, by processed step (layouts at each forward)
//   dy     [B, T, H]      gradient of the output sequence (processing order, as forward's y), or
//                         0 when the call returned only its last output (the caller then adds
//                         that gradient into dh)
//   dh     [B, Hp]        in: gradient of the final h; out: of the initial h. Padding lanes must
//                         be zero and stay zero.
//   mask   [B, T] u8 (0 = none), zeroOutput: as forward
// Gradients of pre-activations come out by INPUT step t, in the packed column order of the
// weights they multiply (so the caller's gemm_tn_panels / colsum_acc give packed gradients); a
// masked step's rows are zero (it carries h, so dh passes through it unchanged).

import { gemm_2x12, gemm_2x16, gemm_2x8 } from "../gemm/gemm_2x16";
import { gemm_nt_packed } from "../gemm/gemm_grad";
import { ACT_SIGMOID, ACT_TANH, activatev, activationGradv, gruCellTanhSigmoid } from "../math/activations";
import { stepMasked } from "../math/read";
import { storeLanes } from "../math/simd";
import { gated_nt } from "./gated";
import { addOutputGrad, maskedStepOutput } from "./steps";

const ONE: usize = memory.data<f32>([1, 1, 1, 1]);

// reset_after = true. G3 = 3 * Hp.
//   w      panels [Hp/4][I][12]   kernel, gate-interleaved (pack_gates, G = 3)
//   u      panels [Hp/4][Hp][12]  recurrent kernel, gate-interleaved, padding rows zero
//   bias   [G3]                   input bias (row 0 of Keras's [2, 3H]), gate-interleaved
//   rbias  [G3]                   recurrent bias (row 1), gate-interleaved
//   xw     [B, T, G3]             scratch: x . w + bias for every step
//   hu     [B, G3]                scratch: h . u + rbias for one step
//   trace  [B, T, 5*Hp]           per processed step: activated z, r, n gate-interleaved as xw
//                                 [G3], then uh = h_{t-1}·Uh + b_rec_h [Hp], then h_{t-1} [Hp]
export function gru_reset_after_forward(
  B: i32, T: i32, I: i32, H: i32,
  x: usize, w: usize, u: usize, bias: usize, rbias: usize,
  act: i32, recAct: i32, goBackwards: i32,
  h: usize, xw: usize, hu: usize, y: usize,
  mask: usize, zeroOutput: i32, last: usize, trace: usize,
): void {
  const Hp = (H + 3) & ~3;
  const G3 = Hp * 3;
  const TW = <usize>(5 * Hp) << 2; // trace row bytes
  // the default cell has a fused form with fewer divisions (activations.ts); a trace needs the
  // separate gate activations
  const fused = act == ACT_TANH && recAct == ACT_SIGMOID && !trace;
  gemm_2x12(B * T, G3, I, x, I, w, bias, 0, xw, G3);
  const one = v128.load(ONE);
  for (let s = 0; s < T; s++) {
    const t = goBackwards ? T - 1 - s : s;
    gemm_2x12(B, G3, Hp, h, Hp, u, rbias, 0, hu, G3);
    for (let b = 0; b < B; b++) {
      const hr = h + (<usize>b * <usize>Hp << 2);
      const outRow = <usize>(b * T + s) * <usize>H << 2;
      const tr = trace + <usize>(b * T + s) * TW;
      if (stepMasked(mask, b * T + t)) {
        maskedStepOutput(y ? y + outRow : 0, last + (<usize>b * <usize>Hp << 2), H, zeroOutput, trace ? tr : 0, TW);
        continue;
      }
      const xr = xw + (<usize>(b * T + t) * <usize>G3 << 2);
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
          const uhg = v128.load(ug, 32);
          const ng = activatev(f32x4.add(v128.load(xg, 32), f32x4.mul(rg, uhg)), act);
          hNew = f32x4.add(f32x4.mul(zg, hOld), f32x4.mul(f32x4.sub(one, zg), ng));
          if (trace) {
            const tg = tr + (<usize>g * 48);
            v128.store(tg, zg); v128.store(tg, rg, 16); v128.store(tg, ng, 32);
            v128.store(tr + (<usize>(G3 + (g << 2)) << 2), uhg);
            v128.store(tr + (<usize>(G3 + Hp + (g << 2)) << 2), hOld);
          }
        }
        v128.store(hr + (<usize>g << 4), hNew);
        if (y) storeLanes(y + outRow + (<usize>g << 4), hNew, H - (g << 2));
      }
      if (mask) memory.copy(last + (<usize>b * <usize>Hp << 2), hr, <usize>Hp << 2);
    }
  }
}

// reset_after = true. G3 = 3 * Hp; trace rows: z, r, n interleaved [G3], uh [Hp], h_{t-1} [Hp].
//   ut     U^T packed by pack_transpose_panels(3, u, Hp, G3, H) from the forward's recurrent
//          kernel u [Hp/4][Hp][12]
//   dzx    [B, T, G3]  out: gradient of the input pre-activations x·W + b_in: (dz, dr, da)
//   dzu    [B, T, G3]  out: gradient of the recurrent pre-activations h·U + b_rec: (dz, dr, da r)
// Per step (a = xh + r uh, n = φ(a)):
//   dn = dh (1 - z);  dz = dh (h_{t-1} - n) σ'(z);  da = dn φ'(n);  dr = da uh σ'(r)
//   dh_{t-1} = dh z + dzu . U^T   (the product once per step over every row; a masked row's dzu is
//                                   zero, so it adds nothing and dh carries)
// rmask [3][B, Hp]: recurrent dropout masks of gru_after_dropout_forward (0 = none); then the
// product is sum_g (dzu_g . U_g^T) * r_g (gated.ts).
export function gru_reset_after_backward(
  B: i32, T: i32, H: i32, ut: usize, act: i32, recAct: i32, goBackwards: i32,
  trace: usize, dy: usize, dh: usize, dzx: usize, dzu: usize, mask: usize, zeroOutput: i32, rmask: usize,
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
    if (rmask) gated_nt(B, H, G3, dzu + (<usize>t * <usize>G3 << 2), T * G3, ut, 3, rmask, B * Hp, Hp, 1, dh, Hp, 1);
    else gemm_nt_packed(B, H, G3, dzu + (<usize>t * <usize>G3 << 2), T * G3, ut, dh, Hp, 1);
  }
}

// reset_after = false. The candidate needs (r ⊙ h)·Uh, so the weights are split into a z, r part
// (G = 2, 8-wide gate-interleaved panels) and an h part, plain units in 16-wide panels (a
// one-gate part needs no interleaving, and 16-wide panels keep four accumulators busy).
// Hq = H rounded up to 16.
//   wzr    panels [Hp/4][I][8],  wh panel16 [Hq/16][I][16]     kernel parts
//   uzr    panels [Hp/4][Hp][8], uh panel16 [Hq/16][Hp][16]    recurrent kernel parts
//   bzr    [2Hp], bh [Hq]                                      bias parts (zeros without bias)
//   xzr    [B, T, 2Hp], xh [B, T, Hq]                          scratch: projections of all steps
//   zr     [B, 2Hp]   scratch: pre-activations, then activated z in the z lanes
//   rh     [B, Hp]    scratch: r ⊙ h
//   hh     [B, Hq]    scratch: x·Wh + b + (r ⊙ h)·Uh
//   trace  [B, T, 5*Hp]   per processed step: activated z, r interleaved as zr [2Hp], then n [Hp],
//                         then r ⊙ h_{t-1} [Hp], then h_{t-1} [Hp]
export function gru_reset_before_forward(
  B: i32, T: i32, I: i32, H: i32,
  x: usize, wzr: usize, wh: usize, uzr: usize, uh: usize, bzr: usize, bh: usize,
  act: i32, recAct: i32, goBackwards: i32,
  h: usize, xzr: usize, xh: usize, zr: usize, rh: usize, hh: usize, y: usize,
  mask: usize, zeroOutput: i32, last: usize, trace: usize,
): void {
  const Hp = (H + 3) & ~3;
  const Hq = (H + 15) & ~15;
  const G2 = Hp << 1;
  const TW = <usize>(5 * Hp) << 2; // trace row bytes
  gemm_2x8(B * T, G2, I, x, I, wzr, bzr, 0, xzr, G2);
  gemm_2x16(B * T, Hq, I, x, I, wh, bh, 0, xh, Hq);
  const one = v128.load(ONE);
  for (let s = 0; s < T; s++) {
    const t = goBackwards ? T - 1 - s : s;
    gemm_2x8(B, G2, Hp, h, Hp, uzr, xzr + (<usize>t * <usize>G2 << 2), T * G2, zr, G2);
    for (let b = 0; b < B; b++) {
      const zrr = zr + (<usize>b * <usize>G2 << 2);
      const hr = h + (<usize>b * <usize>Hp << 2);
      const rhr = rh + (<usize>b * <usize>Hp << 2);
      for (let g = 0; g < (Hp >> 2); g++) {
        const p = zrr + (<usize>g << 5);
        v128.store(p, activatev(v128.load(p), recAct));
        const rg = activatev(v128.load(p, 16), recAct);
        if (trace) v128.store(p, rg, 16);
        v128.store(rhr + (<usize>g << 4), f32x4.mul(rg, v128.load(hr + (<usize>g << 4))));
      }
    }
    gemm_2x16(B, Hq, Hp, rh, Hp, uh, xh + (<usize>t * <usize>Hq << 2), T * Hq, hh, Hq);
    for (let b = 0; b < B; b++) {
      const hr = h + (<usize>b * <usize>Hp << 2);
      const outRow = <usize>(b * T + s) * <usize>H << 2;
      const tr = trace + <usize>(b * T + s) * TW;
      if (stepMasked(mask, b * T + t)) {
        maskedStepOutput(y ? y + outRow : 0, last + (<usize>b * <usize>Hp << 2), H, zeroOutput, trace ? tr : 0, TW);
        continue;
      }
      const zrr = zr + (<usize>b * <usize>G2 << 2);
      const hhr = hh + (<usize>b * <usize>Hq << 2);
      if (trace) {
        memory.copy(tr, zrr, <usize>G2 << 2);
        memory.copy(tr + (<usize>(3 * Hp) << 2), rh + (<usize>b * <usize>Hp << 2), <usize>Hp << 2);
        memory.copy(tr + (<usize>(4 * Hp) << 2), hr, <usize>Hp << 2);
      }
      for (let g = 0; g < (Hp >> 2); g++) {
        const zg = v128.load(zrr + (<usize>g << 5));
        const ng = activatev(v128.load(hhr + (<usize>g << 4)), act);
        const hOld = v128.load(hr + (<usize>g << 4));
        const hNew = f32x4.add(f32x4.mul(zg, hOld), f32x4.mul(f32x4.sub(one, zg), ng));
        if (trace) v128.store(tr + (<usize>(G2 + (g << 2)) << 2), ng);
        v128.store(hr + (<usize>g << 4), hNew);
        if (y) storeLanes(y + outRow + (<usize>g << 4), hNew, H - (g << 2));
      }
      if (mask) memory.copy(last + (<usize>b * <usize>Hp << 2), hr, <usize>Hp << 2);
    }
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
// rmask [3][B, Hp]: recurrent dropout masks r_z, r_r, r_h of gru_before_dropout_forward (0 =
// none); then h_{t-1} in r ⊙ h is h_{t-1} r_h (its gradient d(r h) r r_h, dr = d(r h) h_{t-1} r_h
// σ'(r)) and the z, r product is sum_g (dzr_g . Uzr_g^T) * r_g.
export function gru_reset_before_backward(
  B: i32, T: i32, H: i32, uzrT: usize, uhT: usize, act: i32, recAct: i32, goBackwards: i32,
  trace: usize, dy: usize, dh: usize, dzr: usize, dzh: usize, drh: usize, mask: usize, zeroOutput: i32, rmask: usize,
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
        // with recurrent dropout r ⊙ h multiplies h_{t-1} r_h
        const rh = rmask ? v128.load(rmask + (<usize>((2 * B + b) * Hp) << 2) + o) : one;
        const dz = f32x4.mul(f32x4.mul(dhv, f32x4.sub(hPrev, ng)), activationGradv(zg, recAct));
        const dr = f32x4.mul(f32x4.mul(drhv, f32x4.mul(hPrev, rh)), activationGradv(rg, recAct));
        v128.store(zr + (<usize>g << 5), dz);
        v128.store(zr + (<usize>g << 5), dr, 16);
        v128.store(dhr + o, f32x4.add(f32x4.mul(dhv, zg), f32x4.mul(f32x4.mul(drhv, rg), rh)));
      }
    }
    // dh_{t-1} += dzr . Uzr^T
    if (rmask) gated_nt(B, H, G2, dzr + (<usize>t * <usize>G2 << 2), T * G2, uzrT, 2, rmask, B * Hp, Hp, 1, dh, Hp, 1);
    else gemm_nt_packed(B, H, G2, dzr + (<usize>t * <usize>G2 << 2), T * G2, uzrT, dh, Hp, 1);
  }
}
