// Keras 3 losses (TensorFlow backend): value and gradient with respect to the prediction.
//
// Shapes. pred and target are f32 [M, F]: F is the last axis (classes / features), M the product
// of all the others (B, or B*T for sequences). Sparse categorical targets are class ids [M], i32
// or f32 holding integers (idsFloat = 1; truncated toward zero, as Keras's cast to int64 does).
// mask is u8 [M] (1 = keep, 0 = masked; 0 = no mask). weight is f32 [M], Keras's sample weights
// (0 = none: every row weighs 1). grad is f32 [M, F] (0 = value only) and may be pred itself
// (every element is read before it is written).
//
// Every kernel returns the SUM over unmasked rows of weight * the per-sample loss (f64), and writes
// grad = scale * d(sum)/d(pred); masked rows get a zero gradient. With scale = 1/M (1/number of
// unmasked rows with a mask; the weights do not change it) the caller has Keras's
// "sum_over_batch_size" reduction and its gradient. Without weights the row weight is exactly 1.0,
// so every product with it is exact and the unweighted results are unchanged. Scalar f64 math (Math.log/exp/log1p): losses are O(M*F), far from the hot path.
// Clipping is done in f32 with Keras's f32 bounds, and its gradient is zero where it clipped and
// passes at the bounds themselves (TF's Minimum/Maximum send ties to the clipped input).
// eps = keras.config.epsilon() = 1e-7, hi = f32(1 - 1e-7) = 0.99999988.
//
// Per-sample losses (row r; t = target, p = pred; sums and means over the F columns):
//   mse     mean((t - p)^2)                          grad 2 (p - t) / F
//   mae     mean(|t - p|)                            grad sign(p - t) / F   (sign(0) = 0)
//   huber   mean(|e| <= d ? e^2/2 : d|e| - d^2/2), e = p - t
//                                                    grad (|e| <= d ? e : d sign(e)) / F
//   msle    mean((log(max(p, eps) + 1) - log(max(t, eps) + 1))^2)
//                                                    grad 2 (a - b) / (max(p, eps) + 1) / F, 0 where p < eps
//   kld     sum(tc log(tc / pc)), tc = clip(t, eps, 1), pc = clip(p, eps, 1)
//                                                    grad -tc / pc, 0 where clipped
//   cosine  -sum(t n(t) * p n(p)), n(x) = min(rsqrt(sum x^2), 1/eps)
//                                                    grad -n(t) (t n(p) - n(p)^3 p dot(t, p)); -n(t) t / eps where n(p) clamps
//   bce     mean(-(t log(pc) + (1 - t) log(1 - pc))), pc = clip(p, eps, hi), 1 - pc in f32
//                                                    grad -(t / pc - (1 - t) / (1 - pc)) / F, 0 where clipped
//   bce logits (tf.nn.sigmoid_cross_entropy_with_logits)
//           mean(max(x, 0) - x t + log1p(exp(-|x|)))  grad (sigmoid(x) - t) / F
//   cce     q = p / sum(p); c = clip(q, eps, hi); -sum(t log c)
//           g_j = -t_j / c_j (0 where q_j clipped); grad_k = (g_k - sum_j g_j q_j) / sum(p)
//   cce logits (tf.nn.softmax_cross_entropy_with_logits)
//           sum_j t_j (lse(x) - x_j)                 grad softmax(x) - t   (TF's gradient, also for
//                                                    targets that do not sum to 1)
//   scce    c = clip(p, eps, hi); log(sum c) - log(c_y)   (sparse softmax CE on log c: clip, then
//           normalise, the reverse of cce)           grad (1 / sum c - [j = y] / c_j), 0 where clipped
//   scce logits  lse(x) - x_y                        grad softmax(x) - onehot(y)
// Label smoothing (ls) on bce: t' = t (1 - ls) + ls / 2; on cce: t' = t (1 - ls) + ls / F.

import { readId, stepMasked } from "../math/read";

const EPS: f32 = 1e-7;
const HI: f32 = 0.9999999; // f32(1.0 - 1e-7) = 0.99999988
const INV_EPS: f64 = <f64><f32>(1.0 / 1e-7); // Keras: min(rsqrt(.), 1.0 / epsilon) in f32

// @ts-ignore: decorator
@inline function ld(base: usize, i: i32): f32 {
  return load<f32>(base + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function st(base: usize, i: i32, v: f64): void {
  store<f32>(base + (<usize>i << 2), <f32>v);
}

// A row's sample weight (1 without weights).
// @ts-ignore: decorator
@inline function rowWeight(weight: usize, m: i32): f64 {
  return weight ? <f64>load<f32>(weight + (<usize>m << 2)) : 1.0;
}

// Zeroes a masked row's gradient.
// @ts-ignore: decorator
@inline function zeroRow(grad: usize, row: usize, F: i32): void {
  if (grad) memory.fill(grad + (row << 2), 0, <usize>F << 2);
}

// @ts-ignore: decorator
@inline function clipped(x: f32, lo: f32, hi: f32): bool {
  return x < lo || x > hi;
}

// @ts-ignore: decorator
@inline function clip(x: f32, lo: f32, hi: f32): f32 {
  return x < lo ? lo : x > hi ? hi : x;
}

// @ts-ignore: decorator
@inline function sign(x: f32): f64 {
  return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0;
}

// Element-wise losses averaged over the last axis: 0 mse, 1 mae, 2 huber (delta), 3 msle.
function meanLoss(kind: i32, M: i32, F: i32, pred: usize, target: usize, grad: usize, scale: f64,
                  mask: usize, weight: usize, delta: f32): f64 {
  let total: f64 = 0;
  const invF: f64 = 1.0 / <f64>F;
  for (let m = 0; m < M; m++) {
    const row = <usize>m * <usize>F;
    if (stepMasked(mask, m)) { zeroRow(grad, row, F); continue; }
    const w = rowWeight(weight, m);
    const gs = scale * invF * w;
    const p = pred + (row << 2), t = target + (row << 2), g = grad + (row << 2);
    let s: f64 = 0;
    for (let j = 0; j < F; j++) {
      const pj = ld(p, j), tj = ld(t, j);
      let v: f64, d: f64;
      if (kind == 0) {
        const e = <f64>pj - <f64>tj;
        v = e * e;
        d = 2 * e;
      } else if (kind == 1) {
        const e: f32 = tj - pj;
        v = Math.abs(<f64>e);
        d = -sign(e);
      } else if (kind == 2) {
        const e: f32 = pj - tj;
        const a = Mathf.abs(e);
        if (a <= delta) {
          v = 0.5 * <f64>e * <f64>e;
          d = <f64>e;
        } else {
          v = <f64>delta * <f64>a - 0.5 * <f64>delta * <f64>delta;
          d = <f64>delta * sign(e);
        }
      } else {
        const up: f32 = (pj < EPS ? EPS : pj) + <f32>1.0;
        const ut: f32 = (tj < EPS ? EPS : tj) + <f32>1.0;
        const e = Math.log(<f64>up) - Math.log(<f64>ut);
        v = e * e;
        d = pj < EPS ? 0.0 : 2 * e / <f64>up;
      }
      s += v;
      if (grad) st(g, j, d * gs);
    }
    total += s * invF * w;
  }
  return total;
}

export function loss_mse(M: i32, F: i32, pred: usize, target: usize, grad: usize, scale: f64, mask: usize,
                         weight: usize): f64 {
  return meanLoss(0, M, F, pred, target, grad, scale, mask, weight, 0);
}

export function loss_mae(M: i32, F: i32, pred: usize, target: usize, grad: usize, scale: f64, mask: usize,
                         weight: usize): f64 {
  return meanLoss(1, M, F, pred, target, grad, scale, mask, weight, 0);
}

export function loss_huber(M: i32, F: i32, pred: usize, target: usize, grad: usize, scale: f64, mask: usize,
                           weight: usize, delta: f32): f64 {
  return meanLoss(2, M, F, pred, target, grad, scale, mask, weight, delta);
}

export function loss_msle(M: i32, F: i32, pred: usize, target: usize, grad: usize, scale: f64, mask: usize,
                         weight: usize): f64 {
  return meanLoss(3, M, F, pred, target, grad, scale, mask, weight, 0);
}

export function loss_kl_divergence(M: i32, F: i32, pred: usize, target: usize, grad: usize, scale: f64,
                                   mask: usize, weight: usize): f64 {
  let total: f64 = 0;
  for (let m = 0; m < M; m++) {
    const row = <usize>m * <usize>F;
    if (stepMasked(mask, m)) { zeroRow(grad, row, F); continue; }
    const w = rowWeight(weight, m);
    const sw = scale * w;
    const p = pred + (row << 2), t = target + (row << 2), g = grad + (row << 2);
    let s: f64 = 0;
    for (let j = 0; j < F; j++) {
      const pj = ld(p, j);
      const tc = <f64>clip(ld(t, j), EPS, 1), pc = <f64>clip(pj, EPS, 1);
      s += tc * Math.log(tc / pc);
      if (grad) st(g, j, clipped(pj, EPS, 1) ? 0.0 : -tc / pc * sw);
    }
    total += s * w;
  }
  return total;
}

export function loss_cosine_similarity(M: i32, F: i32, pred: usize, target: usize, grad: usize, scale: f64,
                                       mask: usize, weight: usize): f64 {
  let total: f64 = 0;
  for (let m = 0; m < M; m++) {
    const row = <usize>m * <usize>F;
    if (stepMasked(mask, m)) { zeroRow(grad, row, F); continue; }
    const w = rowWeight(weight, m);
    const sw = scale * w;
    const p = pred + (row << 2), t = target + (row << 2), g = grad + (row << 2);
    let spp: f64 = 0, stt: f64 = 0, spt: f64 = 0;
    for (let j = 0; j < F; j++) {
      const pj = <f64>ld(p, j), tj = <f64>ld(t, j);
      spp += pj * pj;
      stt += tj * tj;
      spt += pj * tj;
    }
    const rpRaw = <f64><f32>(1.0 / Math.sqrt(spp));
    const clamp = rpRaw > INV_EPS; // rsqrt(0) = inf clamps too
    const rp = clamp ? INV_EPS : rpRaw;
    const rtRaw = <f64><f32>(1.0 / Math.sqrt(stt));
    const rt = rtRaw > INV_EPS ? INV_EPS : rtRaw;
    total += -rt * rp * spt * w;
    if (grad) {
      const k = rp * rp * rp * spt;
      for (let j = 0; j < F; j++) {
        const pj = <f64>ld(p, j), tj = <f64>ld(t, j);
        st(g, j, (clamp ? -rt * tj * rp : -rt * (tj * rp - k * pj)) * sw);
      }
    }
  }
  return total;
}

export function loss_binary_crossentropy(M: i32, F: i32, pred: usize, target: usize, fromLogits: i32,
                                         labelSmoothing: f32, grad: usize, scale: f64, mask: usize,
                                         weight: usize): f64 {
  let total: f64 = 0;
  const invF: f64 = 1.0 / <f64>F;
  const keep: f32 = <f32>1.0 - labelSmoothing, add: f32 = <f32>0.5 * labelSmoothing;
  for (let m = 0; m < M; m++) {
    const row = <usize>m * <usize>F;
    if (stepMasked(mask, m)) { zeroRow(grad, row, F); continue; }
    const w = rowWeight(weight, m);
    const gs = scale * invF * w;
    const p = pred + (row << 2), t = target + (row << 2), g = grad + (row << 2);
    let s: f64 = 0;
    for (let j = 0; j < F; j++) {
      const x = ld(p, j);
      let tf = ld(t, j);
      if (labelSmoothing != 0) tf = tf * keep + add;
      const tj = <f64>tf;
      if (fromLogits) {
        const xd = <f64>x;
        const e = Math.exp(-Math.abs(xd));
        s += (xd > 0 ? xd : 0) - xd * tj + Math.log1p(e);
        if (grad) {
          const sig = xd >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
          st(g, j, (sig - tj) * gs);
        }
      } else {
        const pc = clip(x, EPS, HI);
        const q: f32 = <f32>1.0 - pc;
        const u: f32 = <f32>1.0 - tf;
        s -= tj * Math.log(<f64>pc) + <f64>u * Math.log(<f64>q);
        if (grad) st(g, j, clipped(x, EPS, HI) ? 0.0 : -(tj / <f64>pc - <f64>u / <f64>q) * gs);
      }
    }
    total += s * invF * w;
  }
  return total;
}

export function loss_categorical_crossentropy(M: i32, F: i32, pred: usize, target: usize, fromLogits: i32,
                                              labelSmoothing: f32, grad: usize, scale: f64, mask: usize,
                                              weight: usize): f64 {
  let total: f64 = 0;
  const keep: f32 = <f32>1.0 - labelSmoothing, add: f32 = labelSmoothing / <f32>F;
  for (let m = 0; m < M; m++) {
    const row = <usize>m * <usize>F;
    if (stepMasked(mask, m)) { zeroRow(grad, row, F); continue; }
    const w = rowWeight(weight, m);
    const sw = scale * w;
    const p = pred + (row << 2), t = target + (row << 2), g = grad + (row << 2);
    if (fromLogits) {
      let mx: f64 = -Infinity;
      for (let j = 0; j < F; j++) mx = Math.max(mx, <f64>ld(p, j));
      let se: f64 = 0;
      for (let j = 0; j < F; j++) se += Math.exp(<f64>ld(p, j) - mx);
      const lse = mx + Math.log(se);
      let s: f64 = 0;
      for (let j = 0; j < F; j++) {
        const xj = <f64>ld(p, j);
        let tf = ld(t, j);
        if (labelSmoothing != 0) tf = tf * keep + add;
        s += <f64>tf * (lse - xj);
        if (grad) st(g, j, (Math.exp(xj - lse) - <f64>tf) * sw);
      }
      total += s * w;
    } else {
      let sum: f64 = 0;
      for (let j = 0; j < F; j++) sum += <f64>ld(p, j);
      const sf = <f32>sum;
      let s: f64 = 0, dot: f64 = 0;
      for (let j = 0; j < F; j++) {
        const q: f32 = ld(p, j) / sf;
        const c = <f64>clip(q, EPS, HI);
        let tf = ld(t, j);
        if (labelSmoothing != 0) tf = tf * keep + add;
        s -= <f64>tf * Math.log(c);
        if (!clipped(q, EPS, HI)) dot -= <f64>tf / c * <f64>q;
      }
      total += s * w;
      if (grad) {
        const inv = sw / <f64>sf;
        for (let j = 0; j < F; j++) {
          const q: f32 = ld(p, j) / sf;
          let tf = ld(t, j);
          if (labelSmoothing != 0) tf = tf * keep + add;
          const gj = clipped(q, EPS, HI) ? 0.0 : -<f64>tf / <f64>q;
          st(g, j, (gj - dot) * inv);
        }
      }
    }
  }
  return total;
}

// Returns -1, or the flat index of the first id outside [0, F).
export function loss_sparse_ids_check(N: i32, ids: usize, idsFloat: i32, F: i32): i32 {
  for (let n = 0; n < N; n++) {
    const id = readId(ids, n, idsFloat);
    if (id < 0 || id >= F) return n;
  }
  return -1;
}

// Call loss_sparse_ids_check first: a row with an out-of-range id gives NaN (value and gradient).
export function loss_sparse_categorical_crossentropy(M: i32, F: i32, pred: usize, ids: usize, idsFloat: i32,
                                                     fromLogits: i32, grad: usize, scale: f64, mask: usize,
                                                     weight: usize): f64 {
  let total: f64 = 0;
  for (let m = 0; m < M; m++) {
    const row = <usize>m * <usize>F;
    if (stepMasked(mask, m)) { zeroRow(grad, row, F); continue; }
    const w = rowWeight(weight, m);
    const sw = scale * w;
    const p = pred + (row << 2), g = grad + (row << 2);
    const y = readId(ids, m, idsFloat);
    if (y < 0 || y >= F) {
      total += NaN;
      if (grad) for (let j = 0; j < F; j++) st(g, j, NaN);
      continue;
    }
    if (fromLogits) {
      let mx: f64 = -Infinity;
      for (let j = 0; j < F; j++) mx = Math.max(mx, <f64>ld(p, j));
      let se: f64 = 0;
      for (let j = 0; j < F; j++) se += Math.exp(<f64>ld(p, j) - mx);
      const lse = mx + Math.log(se);
      total += (lse - <f64>ld(p, y)) * w;
      if (grad) {
        for (let j = 0; j < F; j++) st(g, j, (Math.exp(<f64>ld(p, j) - lse) - (j == y ? 1.0 : 0.0)) * sw);
      }
    } else {
      let sum: f64 = 0;
      for (let j = 0; j < F; j++) sum += <f64>clip(ld(p, j), EPS, HI);
      const cy = <f64>clip(ld(p, y), EPS, HI);
      total += (Math.log(sum) - Math.log(cy)) * w;
      if (grad) {
        const inv = 1.0 / sum;
        for (let j = 0; j < F; j++) {
          const pj = ld(p, j);
          const d = clipped(pj, EPS, HI) ? 0.0 : inv - (j == y ? 1.0 / <f64>pj : 0.0);
          st(g, j, d * sw);
        }
      }
    }
  }
  return total;
}

// Returns -1, or the index of the first NaN or infinite value in x[0:n].
export function loss_first_nonfinite(n: i32, x: usize): i32 {
  for (let i = 0; i < n; i++) {
    const v = ld(x, i);
    if (v - v != 0) return i;
  }
  return -1;
}
