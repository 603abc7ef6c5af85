// Attention's kernels (Attention, AdditiveAttention, MultiHeadAttention), each forward beside its backward.
// Shapes, for one batch row (one head of MultiHeadAttention):
//   Tq query steps, Tv value/key steps, D features of a query/key row, Dv features of a value row
//   q [Tq, D], k [Tv, D], v [Tv, Dv]   rows ldq / ldk / ldv floats apart (a head of [T, N, K] in place)
//   s [Tq, Tv]                          scores, then the softmax weights in place (rows lds apart)
//   m [Tq, Tv] u8                       1 = attend, 0 = masked (0 pointer: no mask)
//   o [Tq, Dv]                          the weighted sum of values (rows ldo apart)
import { ACT_TANH, activate_rows, expv, tanhv } from "../math/activations";

// s[i, j] = scale * (q_i . k_j)
export function attn_dot_scores(Tq: i32, Tv: i32, D: i32, q: usize, ldq: i32, k: usize, ldk: i32, scale: f32, s: usize, lds: i32): void {
  for (let i = 0; i < Tq; i++) {
    const qi = q + (<usize>(i * ldq) << 2);
    for (let j = 0; j < Tv; j++) {
      const kj = k + (<usize>(j * ldk) << 2);
      let acc = f32x4.splat(0);
      let d = 0;
      for (; d + 4 <= D; d += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(qi + (<usize>d << 2)), v128.load(kj + (<usize>d << 2))));
      let sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
      for (; d < D; d++) sum += load<f32>(qi + (<usize>d << 2)) * load<f32>(kj + (<usize>d << 2));
      store<f32>(s + (<usize>(i * lds + j) << 2), sum * scale);
    }
  }
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
export function attn_softmax(Tq: i32, Tv: i32, s: usize, lds: i32, m: usize, mode: i32): void {
  for (let i = 0; i < Tq; i++) {
    const row = s + (<usize>(i * lds) << 2);
    const mrow = m + <usize>(i * Tv);
    let mx: f32 = -Infinity;
    for (let j = 0; j < Tv; j++) {
      let x = load<f32>(row + (<usize>j << 2));
      if (m && load<u8>(mrow + <usize>j) == 0) x = mode == 0 ? x - <f32>1e9 : <f32>-2.372671e38;
      store<f32>(row + (<usize>j << 2), x);
      mx = max(mx, x);
    }
    let sum: f32 = 0;
    for (let j = 0; j < Tv; j++) {
      const e = f32x4.extract_lane(expv(f32x4.splat(load<f32>(row + (<usize>j << 2)) - mx)), 0);
      store<f32>(row + (<usize>j << 2), e);
      sum += e;
    }
    for (let j = 0; j < Tv; j++) {
      const p = load<f32>(row + (<usize>j << 2)) / sum;
      store<f32>(row + (<usize>j << 2), mode == 2 && m && load<u8>(mrow + <usize>j) == 0 ? 0 : p);
    }
  }
}

// o[i] = sum_j p[i, j] v_j (acc = 1: added to o): the weighted values, and dq from the score gradients
export function attn_weighted(Tq: i32, Tv: i32, Dv: i32, p: usize, ldp: i32, v: usize, ldv: i32, o: usize, ldo: i32, acc: i32): void {
  for (let i = 0; i < Tq; i++) {
    const oi = o + (<usize>(i * ldo) << 2);
    if (!acc) memory.fill(oi, 0, <usize>Dv << 2);
    for (let j = 0; j < Tv; j++) {
      const w = load<f32>(p + (<usize>(i * ldp + j) << 2));
      const vj = v + (<usize>(j * ldv) << 2);
      const wv = f32x4.splat(w);
      let d = 0;
      for (; d + 4 <= Dv; d += 4) {
        const at = <usize>d << 2;
        v128.store(oi + at, f32x4.add(v128.load(oi + at), f32x4.mul(wv, v128.load(vj + at))));
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
