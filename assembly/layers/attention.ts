// Attention's kernels (Attention, AdditiveAttention, MultiHeadAttention), each forward beside its backward.
// Shapes, for one batch row (one head of MultiHeadAttention):
//   Tq query steps, Tv value/key steps, D features of a query/key row, Dv features of a value row
//   q [Tq, D], k [Tv, D], v [Tv, Dv]   rows ldq / ldk / ldv floats apart (a head of [T, N, K] in place)
//   s [Tq, Tv]                          scores, then the softmax weights in place (rows lds apart)
//   m [Tq, Tv] u8                       1 = attend, 0 = masked (0 pointer: no mask)
//   o [Tq, Dv]                          the weighted sum of values (rows ldo apart)
import { ACT_TANH, activate_rows, expv, tanhv } from "../math/activations";
import { madd } from "../math/simd";

// s[i, j] = scale * (q_i . k_j). Tiles of 2 query rows x 4 key rows (8 accumulators, each 4 partial
// sums, folded by hsum4) when D is whole vectors; the columns past the last group of 4 one by one.
export function attn_dot_scores(Tq: i32, Tv: i32, D: i32, q: usize, ldq: i32, k: usize, ldk: i32, scale: f32, s: usize, lds: i32): void {
  const jv = (D & 3) == 0 ? Tv & ~3 : 0;
  const sc = f32x4.splat(scale);
  const kStep = <usize>ldk << 2;
  let i = 0;
  for (; i + 2 <= Tq && jv; i += 2) {
    const q0 = q + (<usize>(i * ldq) << 2), q1 = q0 + (<usize>ldq << 2);
    const s0 = s + (<usize>(i * lds) << 2), s1 = s0 + (<usize>lds << 2);
    for (let j = 0; j < jv; j += 4) {
      const k0 = k + (<usize>(j * ldk) << 2), k1 = k0 + kStep, k2 = k1 + kStep, k3 = k2 + kStep;
      let a00 = f32x4.splat(0), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
      for (let d = 0; d < D; d += 4) {
        const at = <usize>d << 2;
        const x0 = v128.load(q0 + at), x1 = v128.load(q1 + at);
        const y0 = v128.load(k0 + at), y1 = v128.load(k1 + at), y2 = v128.load(k2 + at), y3 = v128.load(k3 + at);
        a00 = madd(x0, y0, a00); a01 = madd(x0, y1, a01); a02 = madd(x0, y2, a02); a03 = madd(x0, y3, a03);
        a10 = madd(x1, y0, a10); a11 = madd(x1, y1, a11); a12 = madd(x1, y2, a12); a13 = madd(x1, y3, a13);
      }
      v128.store(s0 + (<usize>j << 2), f32x4.mul(hsum4(a00, a01, a02, a03), sc));
      v128.store(s1 + (<usize>j << 2), f32x4.mul(hsum4(a10, a11, a12, a13), sc));
    }
  }
  for (; i < Tq && jv; i++) {
    const q0 = q + (<usize>(i * ldq) << 2), s0 = s + (<usize>(i * lds) << 2);
    for (let j = 0; j < jv; j += 4) {
      const k0 = k + (<usize>(j * ldk) << 2), k1 = k0 + kStep, k2 = k1 + kStep, k3 = k2 + kStep;
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (let d = 0; d < D; d += 4) {
        const at = <usize>d << 2;
        const x0 = v128.load(q0 + at);
        a0 = madd(x0, v128.load(k0 + at), a0); a1 = madd(x0, v128.load(k1 + at), a1);
        a2 = madd(x0, v128.load(k2 + at), a2); a3 = madd(x0, v128.load(k3 + at), a3);
      }
      v128.store(s0 + (<usize>j << 2), f32x4.mul(hsum4(a0, a1, a2, a3), sc));
    }
  }
  for (let r = 0; r < Tq; r++) {
    const qi = q + (<usize>(r * ldq) << 2);
    for (let j = jv; j < Tv; j++) {
      const kj = k + (<usize>(j * ldk) << 2);
      let acc = f32x4.splat(0);
      let d = 0;
      for (; d + 4 <= D; d += 4) acc = madd(v128.load(qi + (<usize>d << 2)), v128.load(kj + (<usize>d << 2)), acc);
      let sum = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 2)) + (f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 3));
      for (; d < D; d++) sum += load<f32>(qi + (<usize>d << 2)) * load<f32>(kj + (<usize>d << 2));
      store<f32>(s + (<usize>(r * lds + j) << 2), sum * scale);
    }
  }
}

// [sum a0, sum a1, sum a2, sum a3] (each lane pair added as (0 + 2) + (1 + 3), as the scalar tail does)
// @ts-ignore: decorator
@inline function hsum4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const s01 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
  const s23 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(s01, s23, 0, 1, 4, 5), v128.shuffle<f32>(s01, s23, 2, 3, 6, 7));
}

// s[i, j] = c * sum_d w_d tanh(a (q_id + k_jd)); w = 0: every w_d is 1 (Attention concat, AdditiveAttention).
//   tmp [D rounded up to 4] scratch: one row of tanh arguments (activate_rows, not a second inlined tanh)
export function attn_additive_scores(
  Tq: i32, Tv: i32, D: i32, q: usize, ldq: i32, k: usize, ldk: i32, w: usize, a: f32, c: f32, s: usize, lds: i32, tmp: usize,
): void {
  for (let i = 0; i < Tq; i++) {
    const qi = q + (<usize>(i * ldq) << 2);
    for (let j = 0; j < Tv; j++) {
      const kj = k + (<usize>(j * ldk) << 2);
      for (let d = 0; d < D; d++) {
        const at = <usize>d << 2;
        store<f32>(tmp + at, a * (load<f32>(qi + at) + load<f32>(kj + at)));
      }
      activate_rows(tmp, (D + 3) & ~3, 1, D, tmp, ACT_TANH);
      let sum: f32 = 0;
      for (let d = 0; d < D; d++) {
        const t = load<f32>(tmp + (<usize>d << 2));
        sum += w ? load<f32>(w + (<usize>d << 2)) * t : t;
      }
      store<f32>(s + (<usize>(i * lds + j) << 2), c * sum);
    }
  }
}

// Softmax of each row of s in place, masked as the Keras path that computes it: mode 0 (Attention) lowers a
// masked score by 1e9; mode 1 (ops.dot_product_attention) sets it to -0.7 * 3.38953e38 (a fully masked row
// becomes uniform); mode 2 (the Softmax layer) does the same and then zeroes the masked weights.
// Vector passes over the row's groups of 4 (masks read 4 bytes at a time), the rest lane by lane.
export function attn_softmax(Tq: i32, Tv: i32, s: usize, lds: i32, m: usize, mode: i32): void {
  const jv = Tv & ~3;
  const big = f32x4.splat(<f32>1e9), floor = f32x4.splat(<f32>-2.372671e38), zero = f32x4.splat(0);
  for (let i = 0; i < Tq; i++) {
    const row = s + (<usize>(i * lds) << 2);
    const mrow = m + <usize>(i * Tv);
    let mxv = f32x4.splat(-Infinity);
    for (let j = 0; j < jv; j += 4) {
      const at = row + (<usize>j << 2);
      let x = v128.load(at);
      if (m) {
        const off = maskedLanes(mrow + <usize>j);
        x = v128.bitselect(mode == 0 ? f32x4.sub(x, big) : floor, x, off);
        v128.store(at, x);
      }
      mxv = f32x4.max(mxv, x);
    }
    let mx = max(max(f32x4.extract_lane(mxv, 0), f32x4.extract_lane(mxv, 1)), max(f32x4.extract_lane(mxv, 2), f32x4.extract_lane(mxv, 3)));
    for (let j = jv; j < Tv; j++) {
      let x = load<f32>(row + (<usize>j << 2));
      if (m && load<u8>(mrow + <usize>j) == 0) x = mode == 0 ? x - <f32>1e9 : <f32>-2.372671e38;
      store<f32>(row + (<usize>j << 2), x);
      mx = max(mx, x);
    }
    const mv = f32x4.splat(mx);
    let sv = zero;
    for (let j = 0; j < jv; j += 4) {
      const at = row + (<usize>j << 2);
      const e = expv(f32x4.sub(v128.load(at), mv));
      v128.store(at, e);
      sv = f32x4.add(sv, e);
    }
    let sum = (f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1)) + (f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
    for (let j = jv; j < Tv; j++) {
      const e = f32x4.extract_lane(expv(f32x4.splat(load<f32>(row + (<usize>j << 2)) - mx)), 0);
      store<f32>(row + (<usize>j << 2), e);
      sum += e;
    }
    const total = f32x4.splat(sum);
    const zeroMasked = mode == 2 && m != 0;
    for (let j = 0; j < jv; j += 4) {
      const at = row + (<usize>j << 2);
      const p = f32x4.div(v128.load(at), total);
      v128.store(at, zeroMasked ? v128.bitselect(zero, p, maskedLanes(mrow + <usize>j)) : p);
    }
    for (let j = jv; j < Tv; j++) {
      const p = load<f32>(row + (<usize>j << 2)) / sum;
      store<f32>(row + (<usize>j << 2), zeroMasked && load<u8>(mrow + <usize>j) == 0 ? 0 : p);
    }
  }
}

// All-ones lanes where the 4 mask bytes at p are 0 (masked).
// @ts-ignore: decorator
@inline function maskedLanes(p: usize): v128 {
  const bytes = v128.load32_zero(p);
  return i32x4.eq(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(bytes)), i32x4.splat(0));
}

// o[i] = sum_j p[i, j] v_j (acc = 1: added to o): the weighted values, and dq from the score gradients.
// Output columns in blocks of 16 held in registers over all j (2 rows at a time), the rest as before.
export function attn_weighted(Tq: i32, Tv: i32, Dv: i32, p: usize, ldp: i32, v: usize, ldv: i32, o: usize, ldo: i32, acc: i32): void {
  const d16 = Dv & ~15;
  const vStep = <usize>ldv << 2;
  let i = 0;
  for (; i + 2 <= Tq && d16; i += 2) {
    const o0 = o + (<usize>(i * ldo) << 2), o1 = o0 + (<usize>ldo << 2);
    const p0 = p + (<usize>(i * ldp) << 2), p1 = p0 + (<usize>ldp << 2);
    for (let c = 0; c < d16; c += 16) {
      const at = <usize>c << 2;
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
      if (acc) {
        a0 = v128.load(o0 + at); a1 = v128.load(o0 + at, 16); a2 = v128.load(o0 + at, 32); a3 = v128.load(o0 + at, 48);
        b0 = v128.load(o1 + at); b1 = v128.load(o1 + at, 16); b2 = v128.load(o1 + at, 32); b3 = v128.load(o1 + at, 48);
      }
      let vj = v + at;
      for (let j = 0; j < Tv; j++) {
        const w0 = v128.load32_splat(p0 + (<usize>j << 2)), w1 = v128.load32_splat(p1 + (<usize>j << 2));
        const y0 = v128.load(vj), y1 = v128.load(vj, 16), y2 = v128.load(vj, 32), y3 = v128.load(vj, 48);
        a0 = madd(w0, y0, a0); a1 = madd(w0, y1, a1); a2 = madd(w0, y2, a2); a3 = madd(w0, y3, a3);
        b0 = madd(w1, y0, b0); b1 = madd(w1, y1, b1); b2 = madd(w1, y2, b2); b3 = madd(w1, y3, b3);
        vj += vStep;
      }
      v128.store(o0 + at, a0); v128.store(o0 + at, a1, 16); v128.store(o0 + at, a2, 32); v128.store(o0 + at, a3, 48);
      v128.store(o1 + at, b0); v128.store(o1 + at, b1, 16); v128.store(o1 + at, b2, 32); v128.store(o1 + at, b3, 48);
    }
  }
  for (; i < Tq && d16; i++) {
    const o0 = o + (<usize>(i * ldo) << 2), p0 = p + (<usize>(i * ldp) << 2);
    for (let c = 0; c < d16; c += 16) {
      const at = <usize>c << 2;
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      if (acc) { a0 = v128.load(o0 + at); a1 = v128.load(o0 + at, 16); a2 = v128.load(o0 + at, 32); a3 = v128.load(o0 + at, 48); }
      let vj = v + at;
      for (let j = 0; j < Tv; j++) {
        const w0 = v128.load32_splat(p0 + (<usize>j << 2));
        a0 = madd(w0, v128.load(vj), a0); a1 = madd(w0, v128.load(vj, 16), a1);
        a2 = madd(w0, v128.load(vj, 32), a2); a3 = madd(w0, v128.load(vj, 48), a3);
        vj += vStep;
      }
      v128.store(o0 + at, a0); v128.store(o0 + at, a1, 16); v128.store(o0 + at, a2, 32); v128.store(o0 + at, a3, 48);
    }
  }
  if (d16 < Dv) weightedColumns(Tq, Tv, d16, Dv, p, ldp, v, ldv, o, ldo, acc);
}

// attn_weighted's columns c0..Dv, one row of o at a time in memory.
function weightedColumns(Tq: i32, Tv: i32, c0: i32, Dv: i32, p: usize, ldp: i32, v: usize, ldv: i32, o: usize, ldo: i32, acc: i32): void {
  for (let i = 0; i < Tq; i++) {
    const oi = o + (<usize>(i * ldo) << 2);
    if (!acc) memory.fill(oi + (<usize>c0 << 2), 0, <usize>(Dv - c0) << 2);
    for (let j = 0; j < Tv; j++) {
      const w = load<f32>(p + (<usize>(i * ldp + j) << 2));
      const vj = v + (<usize>(j * ldv) << 2);
      const wv = f32x4.splat(w);
      let d = c0;
      for (; d + 4 <= Dv; d += 4) {
        const at = <usize>d << 2;
        v128.store(oi + at, madd(wv, v128.load(vj + at), v128.load(oi + at)));
      }
      for (; d < Dv; d++) store<f32>(oi + (<usize>d << 2), load<f32>(oi + (<usize>d << 2)) + w * load<f32>(vj + (<usize>d << 2)));
    }
  }
}

// ---- backward (training module) ----

// The softmax's backward in place: dp [Tq, Tv] (gradient of the weights p) becomes the gradient of the scores,
// p (dp - sum_j p dp). A masked score replaced by a constant (modes 1, 2) gets no gradient.
export function attn_softmax_backward(Tq: i32, Tv: i32, p: usize, ldp: i32, dp: usize, lds: i32, m: usize, mode: i32): void {
  for (let i = 0; i < Tq; i++) {
    const pr = p + (<usize>(i * ldp) << 2), dr = dp + (<usize>(i * lds) << 2);
    let dot: f32 = 0;
    for (let j = 0; j < Tv; j++) dot += load<f32>(pr + (<usize>j << 2)) * load<f32>(dr + (<usize>j << 2));
    for (let j = 0; j < Tv; j++) {
      const at = <usize>j << 2;
      const masked = m != 0 && mode != 0 && load<u8>(m + <usize>(i * Tv + j)) == 0;
      store<f32>(dr + at, masked ? 0 : load<f32>(pr + at) * (load<f32>(dr + at) - dot));
    }
  }
}

// o[j] += sum_i p[i, j] g_i   p [Tq, Tv], g [Tq, D], o [Tv, D]: dv from the weights, dk from the score gradients
export function attn_weighted_t(Tq: i32, Tv: i32, D: i32, p: usize, ldp: i32, g: usize, ldg: i32, o: usize, ldo: i32): void {
  for (let i = 0; i < Tq; i++) {
    const gi = g + (<usize>(i * ldg) << 2);
    for (let j = 0; j < Tv; j++) {
      const w = load<f32>(p + (<usize>(i * ldp + j) << 2));
      const oj = o + (<usize>(j * ldo) << 2);
      for (let d = 0; d < D; d++) store<f32>(oj + (<usize>d << 2), load<f32>(oj + (<usize>d << 2)) + w * load<f32>(gi + (<usize>d << 2)));
    }
  }
}

// The additive scores' backward for the score gradients ds [Tq, Tv]: dq [Tq, D] and dk [Tv, D] += (0: none),
// dw [D] += (w != 0), and sums[0] += d/da, sums[1] += d/dc.
export function attn_additive_backward(
  Tq: i32, Tv: i32, D: i32, q: usize, ldq: i32, k: usize, ldk: i32, w: usize, a: f32, c: f32,
  ds: usize, lds: i32, dq: usize, dk: usize, dw: usize, sums: usize,
): void {
  let da: f32 = 0, dc: f32 = 0;
  for (let i = 0; i < Tq; i++) {
    const qi = q + (<usize>(i * ldq) << 2);
    for (let j = 0; j < Tv; j++) {
      const kj = k + (<usize>(j * ldk) << 2);
      const g = load<f32>(ds + (<usize>(i * lds + j) << 2));
      for (let d = 0; d < D; d++) {
        const at = <usize>d << 2;
        const x = load<f32>(qi + at) + load<f32>(kj + at);
        const t = f32x4.extract_lane(tanhv(f32x4.splat(a * x)), 0);
        const wd: f32 = w ? load<f32>(w + at) : 1;
        dc += g * wd * t;
        if (w) store<f32>(dw + at, load<f32>(dw + at) + g * c * t);
        const u = g * c * wd * (1 - t * t);
        da += u * x;
        if (dq) store<f32>(dq + (<usize>(i * D + d) << 2), load<f32>(dq + (<usize>(i * D + d) << 2)) + u * a);
        if (dk) store<f32>(dk + (<usize>(j * D + d) << 2), load<f32>(dk + (<usize>(j * D + d) << 2)) + u * a);
      }
    }
  }
  store<f32>(sums, load<f32>(sums) + da);
  store<f32>(sums, load<f32>(sums + 4) + dc, 4);
}
