// ConvLSTM2D's cell step: the LSTM cell of assembly/rnn/lstm.ts at every spatial position, on
// pre-activations that src/layers/conv_lstm2d.ts builds with im2col (assembly/layers/conv2d.ts) and
// the Dense GEMM: z = conv(x_t, kernel) + bias + conv_same(h, recurrent_kernel).
//
// Shapes (B batch, T steps, P = OH * OW positions, F filters, Fp = F rounded up to 4, G4 = 4 Fp):
//   z     [B, T, P, G4]  gate-interleaved (gemm/pack.ts pack_gates, G = 4): panel g holds i, f, c, o
//                         of filters 4g..4g+3; step t's rows are read
//   h, c  [B, P, Fp]     the states, updated in place (padding filters meet zero kernel rows)
//   y     [B, T, P, F]   output at step s (returnSequences), or 0 for none
//   mask  [B, T] u8      1 = keep, indexed by input step t (0 = no mask). A masked step keeps h and
//                         c and outputs h (Keras's previous output with zero_output_for_mask=False,
//                         zero initial states)
// The activations run in place through activate_vec (z's gates, then act(c) into h's row), so the
// inference core carries no second copy of them.
import { activate_vec, activationGradv } from "../math/activations";
import { stepMasked } from "../math/read";
import { storeLanes } from "../math/simd";

// Lanes 0..n-1 of all ones, the rest zero (n = filters left in a group of 4).
// @ts-ignore: decorator
@inline function lanesBelow(n: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(n));
}

export function conv_lstm2d_step(B: i32, T: i32, P: i32, F: i32, t: i32, s: i32, z: usize, h: usize, c: usize,
                                 y: usize, mask: usize, actKind: i32, recKind: i32): void {
  const Fp = (F + 3) & ~3;
  const G4 = Fp << 2;
  for (let b = 0; b < B; b++) {
    const masked = stepMasked(mask, b * T + t);
    for (let p = 0; p < P; p++) {
      const zr = z + (<usize>((b * T + t) * P + p) * <usize>G4 << 2);
      const hr = h + (<usize>(b * P + p) * <usize>Fp << 2);
      const cr = c + (<usize>(b * P + p) * <usize>Fp << 2);
      const yr = y + (<usize>((b * T + s) * P + p) * <usize>F << 2);
      for (let g = 0; g < (Fp >> 2); g++) {
        const lanes = F - (g << 2);
        const hg = hr + (<usize>g << 4), cg = cr + (<usize>g << 4);
        if (!masked) {
          const zg = zr + (<usize>g << 6);
          activate_vec(zg, zg, 8, recKind); // i, f
          activate_vec(zg + 32, zg + 32, 4, actKind);
          activate_vec(zg + 48, zg + 48, 4, recKind);
          const cNew = f32x4.add(f32x4.mul(v128.load(zg, 16), v128.load(cg)), f32x4.mul(v128.load(zg), v128.load(zg, 32)));
          v128.store(cg, cNew);
          activate_vec(cg, hg, 4, actKind);
          // h's padding filters stay zero: the recurrent conv reads them as channels
          v128.store(hg, v128.and(f32x4.mul(v128.load(zg, 48), v128.load(hg)), lanesBelow(lanes)));
        }
        const hNew = v128.load(hg);
        if (y) storeLanes(yr + (<usize>g << 4), hNew, lanes);
      }
    }
  }
}

// Backward of one conv_lstm2d_step (s, t as there), for a forward whose z holds the gates after
// their activations (conv_lstm2d_step leaves them there) and whose trace kept c before the step.
//   cPrev [B, P, Fp]     c before step s (the trace)
//   dy    [B, T, P, F]   gradient of the output sequence, or 0
//   dh, dc [B, P, Fp]    in: gradients of h and c after step s; out: dc before the step, and dh
//                         before it for masked rows (a masked step carries both); an unmasked row's
//                         dh is zeroed, for the recurrent conv's input gradient to be added
//   dz    [B, P, G4]     out: gradients of the pre-activations (padding filters zero)
export function conv_lstm2d_step_backward(B: i32, T: i32, P: i32, F: i32, t: i32, s: i32, z: usize, cPrev: usize,
                                          dy: usize, dh: usize, dc: usize, dz: usize, mask: usize,
                                          actKind: i32, recKind: i32): void {
  const Fp = (F + 3) & ~3;
  const G4 = Fp << 2;
  for (let b = 0; b < B; b++) {
    const masked = stepMasked(mask, b * T + t);
    for (let p = 0; p < P; p++) {
      const row = b * P + p;
      const zr = z + (<usize>((b * T + t) * P + p) * <usize>G4 << 2);
      const dzr = dz + (<usize>row * <usize>G4 << 2);
      const yr = dy + (<usize>((b * T + s) * P + p) * <usize>F << 2);
      for (let g = 0; g < (Fp >> 2); g++) {
        const lanes = F - (g << 2);
        const keep = lanesBelow(lanes);
        const o4 = <usize>(row * Fp + (g << 2)) << 2;
        let dhv = v128.load(dh + o4);
        if (dy) {
          for (let l = 0; l < min(lanes, 4); l++) {
            const q = dh + o4 + (<usize>l << 2);
            store<f32>(q, load<f32>(q) + load<f32>(yr + (<usize>((g << 2) + l) << 2)));
          }
          dhv = v128.load(dh + o4);
        }
        const dzg = dzr + (<usize>g << 6);
        if (masked) {
          v128.store(dzg, f32x4.splat(0)); v128.store(dzg, f32x4.splat(0), 16);
          v128.store(dzg, f32x4.splat(0), 32); v128.store(dzg, f32x4.splat(0), 48);
          continue;
        }
        const zg = zr + (<usize>g << 6);
        const ig = v128.load(zg), fg = v128.load(zg, 16), gg = v128.load(zg, 32), og = v128.load(zg, 48);
        const cp = v128.load(cPrev + o4);
        // act(c) for this step's c, through the same activation code as the forward
        v128.store(dzg, f32x4.add(f32x4.mul(fg, cp), f32x4.mul(ig, gg)));
        activate_vec(dzg, dzg, 4, actKind);
        const ac = v128.load(dzg);
        const dcv = f32x4.add(v128.load(dc + o4), f32x4.mul(f32x4.mul(dhv, og), activationGradv(ac, actKind)));
        v128.store(dzg, v128.and(f32x4.mul(f32x4.mul(dcv, gg), activationGradv(ig, recKind)), keep));
        v128.store(dzg, v128.and(f32x4.mul(f32x4.mul(dcv, cp), activationGradv(fg, recKind)), keep), 16);
        v128.store(dzg, v128.and(f32x4.mul(f32x4.mul(dcv, ig), activationGradv(gg, actKind)), keep), 32);
        v128.store(dzg, v128.and(f32x4.mul(f32x4.mul(dhv, ac), activationGradv(og, recKind)), keep), 48);
        v128.store(dc + o4, f32x4.mul(dcv, fg));
        v128.store(dh + o4, f32x4.splat(0));
      }
    }
  }
}
