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
import { activate_vec } from "../math/activations";
import { stepMasked } from "../math/read";
import { storeLanes } from "../math/simd";

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
          v128.store(hg, f32x4.mul(v128.load(zg, 48), v128.load(hg)));
        }
        const hNew = v128.load(hg);
        if (y) storeLanes(yr + (<usize>g << 4), hNew, lanes);
      }
    }
  }
}
