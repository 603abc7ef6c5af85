// Vector activations (f32x4) and the element-wise passes built on them.
//
// Activation ids are shared with src/core/activations.ts; keep both lists in step.
//   0 linear, 1 relu, 2 tanh, 3 sigmoid, 4 hard_sigmoid (Keras 3: clip(x/6 + 1/2, 0, 1)),
//   5 hard_sigmoid_legacy (Keras 2 / TF.js: clip(0.2x + 0.5, 0, 1)), 6 softmax (rows only).
// The kinds from 7 on (Keras 3's other activations, for the Activation layer) are scalar and never
// reach activatev, so the recurrent kernels that inline it stay as they are:
//   7 gelu (exact, erf), 8 silu (swish), 9 softplus, 10 softsign, 11 selu, 12 elu, 13 exponential,
//   14 leaky_relu (slope 0.2), 15 relu6, 16 hard_silu (hard_swish), 17 mish, 18 log_softmax (rows),
//   19 hard_tanh, 20 log_sigmoid, 21 tanh_shrink.
//
// Constants live in static memory and are loaded where used: an inline vector constant in a
// hot loop is rebuilt by V8 on every iteration (see ../shared/docs/toolchain.md).

import { storeLanes } from "./simd";

export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_TANH: i32 = 2;
export const ACT_SIGMOID: i32 = 3;
export const ACT_HARD_SIGMOID: i32 = 4;
export const ACT_HARD_SIGMOID_LEGACY: i32 = 5;
export const ACT_SOFTMAX: i32 = 6;
export const ACT_FIRST_SCALAR: i32 = 7;
export const ACT_LOG_SOFTMAX: i32 = 18;

// Each constant is splatted over 4 lanes; offsets are multiples of 16 bytes.
const K: usize = memory.data<f32>([
  // 0: exp clamp low, 16: exp clamp high (so that 2^n stays a normal float)
  -87.33654, -87.33654, -87.33654, -87.33654,
  88.0, 88.0, 88.0, 88.0,
  // 32: log2(e), 48: round-to-nearest magic 1.5 * 2^23
  1.44269504, 1.44269504, 1.44269504, 1.44269504,
  12582912.0, 12582912.0, 12582912.0, 12582912.0,
  // 64: ln2 high part (exact in 12 bits), 80: ln2 low part (Cody-Waite reduction)
  0.693359375, 0.693359375, 0.693359375, 0.693359375,
  -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4,
  // 96..160: degree-5 minimax polynomial for e^r on |r| <= ln2/2 (relative error 7.5e-8 in
  // exact arithmetic), highest power first: c5, c4, c3, c2, c1; 336: c0; 176: 1
  8.2976157e-3, 8.2976157e-3, 8.2976157e-3, 8.2976157e-3,
  4.1915316e-2, 4.1915316e-2, 4.1915316e-2, 4.1915316e-2,
  0.16667575, 0.16667575, 0.16667575, 0.16667575,
  0.49998894, 0.49998894, 0.49998894, 0.49998894,
  0.9999997, 0.9999997, 0.9999997, 0.9999997,
  1.0, 1.0, 1.0, 1.0,
  // 192: 0, 208: 1/6, 224: 0.2, 240: -2, 256: small-|x| threshold for tanh's series
  0.0, 0.0, 0.0, 0.0,
  0.16666667, 0.16666667, 0.16666667, 0.16666667,
  0.2, 0.2, 0.2, 0.2,
  -2.0, -2.0, -2.0, -2.0,
  0.0625, 0.0625, 0.0625, 0.0625,
  // 272: -1/3, 288: 2/15 (tanh series), 304: sign mask as float bits (-0.0)
  -0.33333334, -0.33333334, -0.33333334, -0.33333334,
  0.13333334, 0.13333334, 0.13333334, 0.13333334,
  -0.0, -0.0, -0.0, -0.0,
  // 320: upper clamp for the fused LSTM gates (products of three 1 + e^28 stay finite)
  28.0, 28.0, 28.0, 28.0,
  // 336: c0 of the exp polynomial, 352: 0.5
  1.0000001, 1.0000001, 1.0000001, 1.0000001,
  0.5, 0.5, 0.5, 0.5,
]);

// e^x for 4 lanes. Cody-Waite range reduction x = n ln2 + r, degree-5 minimax polynomial for e^r,
// then 2^n through the exponent bits. Measured by test/core/activations.test.ts over [-87, 88]:
// max relative error 2.2e-7 (2M points; float32 rounding alone is 6e-8).
// @ts-ignore: decorator
@inline export function expv(x: v128): v128 {
  return expClamped(x, v128.load(K, 16));
}

// e^min(x, hi) (and x >= -87.3): the fused gate math needs a lower ceiling than float32's.
// @ts-ignore: decorator
@inline function expClamped(x: v128, hi: v128): v128 {
  x = f32x4.pmax(f32x4.pmin(x, hi), v128.load(K, 0));
  const shifted = f32x4.add(f32x4.mul(x, v128.load(K, 32)), v128.load(K, 48));
  const n = f32x4.sub(shifted, v128.load(K, 48));
  let r = f32x4.sub(x, f32x4.mul(n, v128.load(K, 64)));
  r = f32x4.sub(r, f32x4.mul(n, v128.load(K, 80)));
  let p = f32x4.add(f32x4.mul(v128.load(K, 96), r), v128.load(K, 112));
  p = f32x4.add(f32x4.mul(p, r), v128.load(K, 128));
  p = f32x4.add(f32x4.mul(p, r), v128.load(K, 144));
  p = f32x4.add(f32x4.mul(p, r), v128.load(K, 160));
  p = f32x4.add(f32x4.mul(p, r), v128.load(K, 336));
  // n as an integer is the low mantissa bits of `shifted`; 2^n = (n + 127) << 23.
  const ni = i32x4.sub(shifted, v128.load(K, 48));
  const scale = i32x4.shl(i32x4.add(ni, i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

// 1 / (1 + e^-x)
// @ts-ignore: decorator
@inline export function sigmoidv(x: v128): v128 {
  const one = v128.load(K, 176);
  return f32x4.div(one, f32x4.add(one, expv(f32x4.neg(x))));
}

// tanh(|x|) = (1 - e) / (1 + e) with e = e^(-2|x|), sign restored; below |x| = 1/16 the series
// x (1 - x^2/3 + 2x^4/15) keeps the relative error small where 1 - e would cancel.
// @ts-ignore: decorator
@inline export function tanhv(x: v128): v128 {
  const one = v128.load(K, 176);
  const signMask = v128.load(K, 304);
  const ax = v128.andnot(x, signMask);
  const e = expv(f32x4.mul(ax, v128.load(K, 240)));
  const big = f32x4.div(f32x4.sub(one, e), f32x4.add(one, e));
  const x2 = f32x4.mul(x, x);
  const series = f32x4.mul(ax, f32x4.add(one, f32x4.mul(x2, f32x4.add(v128.load(K, 272), f32x4.mul(x2, v128.load(K, 288))))));
  const small = f32x4.lt(ax, v128.load(K, 256));
  const mag = v128.bitselect(series, big, small);
  return v128.or(mag, v128.and(x, signMask));
}

// @ts-ignore: decorator
@inline export function reluv(x: v128): v128 {
  return f32x4.pmax(x, v128.load(K, 192));
}

// Keras 3: clip(x / 6 + 0.5, 0, 1)
// @ts-ignore: decorator
@inline export function hardSigmoidv(x: v128): v128 {
  const y = f32x4.add(f32x4.mul(x, v128.load(K, 208)), v128.load(K, 352));
  return f32x4.pmin(f32x4.pmax(y, v128.load(K, 192)), v128.load(K, 176));
}

// Keras 2 / TF.js: clip(0.2 x + 0.5, 0, 1)
// @ts-ignore: decorator
@inline export function hardSigmoidLegacyv(x: v128): v128 {
  const y = f32x4.add(f32x4.mul(x, v128.load(K, 224)), v128.load(K, 352));
  return f32x4.pmin(f32x4.pmax(y, v128.load(K, 192)), v128.load(K, 176));
}

// The LSTM's default cell (tanh, sigmoid) for four units at once, with 2 divisions instead of 5:
//   i = 1/(1+Ei), f = 1/(1+Ef), o = 1/(1+Eo), g = (1-Eg)/(1+Eg)    Ex = e^-zx, Eg = e^-2zc
//   c' = f c + i g = [c (1+Ei)(1+Eg) + (1-Eg)(1+Ef)] / [(1+Ef)(1+Ei)(1+Eg)]
//   h  = o tanh(c') = (1-Eh) / [(1+Eo)(1+Eh)]                         Eh = e^-2c'
// Exponent arguments are clamped at 28 so the triple product stays finite; beyond that the
// sigmoids and tanh are saturated to within 1e-12. Returns h; writes c' to cOut.
// @ts-ignore: decorator
@inline export function lstmCellTanhSigmoid(zi: v128, zf: v128, zc: v128, zo: v128, c: v128, cOut: usize): v128 {
  const one = v128.load(K, 176);
  const two = v128.load(K, 240); // -2
  const hi = v128.load(K, 320);
  const pi = f32x4.add(one, expClamped(f32x4.neg(zi), hi));
  const pf = f32x4.add(one, expClamped(f32x4.neg(zf), hi));
  const eg = expClamped(f32x4.mul(zc, two), hi);
  const po = f32x4.add(one, expClamped(f32x4.neg(zo), hi));
  const pg = f32x4.add(one, eg);
  const piPg = f32x4.mul(pi, pg);
  const num = f32x4.add(f32x4.mul(c, piPg), f32x4.mul(f32x4.sub(one, eg), pf));
  const cNew = f32x4.div(num, f32x4.mul(piPg, pf));
  v128.store(cOut, cNew);
  const eh = expClamped(f32x4.mul(cNew, two), hi);
  return f32x4.div(f32x4.sub(one, eh), f32x4.mul(po, f32x4.add(one, eh)));
}

// The GRU's default cell (tanh, sigmoid; reset_after) for four units, with 2 divisions instead of 3:
//   z = 1/pz, pz = 1 + e^-az;  r = 1/pr, pr = 1 + e^-ar;  a = xh + uh / pr;  n = (1-En)/(1+En)
//   h' = z h + (1-z) n = [h (1+En) + (pz-1)(1-En)] / [pz (1+En)]           En = e^-2a
// az, ar are the z and r pre-activations (x·W + b_in + h·U + b_rec), xh and uh the candidate's
// input and recurrent parts. Arguments clamped at 28 as in the LSTM's fused cell.
// @ts-ignore: decorator
@inline export function gruCellTanhSigmoid(az: v128, ar: v128, xh: v128, uh: v128, h: v128): v128 {
  const one = v128.load(K, 176);
  const two = v128.load(K, 240); // -2
  const hi = v128.load(K, 320);
  const pz = f32x4.add(one, expClamped(f32x4.neg(az), hi));
  const pr = f32x4.add(one, expClamped(f32x4.neg(ar), hi));
  const a = f32x4.add(xh, f32x4.div(uh, pr));
  const en = expClamped(f32x4.mul(a, two), hi);
  const pn = f32x4.add(one, en);
  const num = f32x4.add(f32x4.mul(h, pn), f32x4.mul(f32x4.sub(pz, one), f32x4.sub(one, en)));
  return f32x4.div(num, f32x4.mul(pz, pn));
}

// Element-wise activation by id (softmax is a row operation: see softmax_rows).
// @ts-ignore: decorator
@inline export function activatev(x: v128, kind: i32): v128 {
  switch (kind) {
    case ACT_RELU: return reluv(x);
    case ACT_TANH: return tanhv(x);
    case ACT_SIGMOID: return sigmoidv(x);
    case ACT_HARD_SIGMOID: return hardSigmoidv(x);
    case ACT_HARD_SIGMOID_LEGACY: return hardSigmoidLegacyv(x);
    default: return x;
  }
}

// The activation's derivative at the point where it output y, for every element-wise kind
// (each derivative is a function of the output): relu 1 where y > 0; tanh 1 - y^2; sigmoid
// y (1 - y); the hard sigmoids their slope strictly inside (0, 1), as TF's relu6/clip gradients;
// linear 1. Backward kernels use it so no pre-activation needs keeping.
// @ts-ignore: decorator
@inline export function activationGradv(y: v128, kind: i32): v128 {
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  switch (kind) {
    case ACT_RELU: return v128.and(f32x4.gt(y, zero), one);
    case ACT_TANH: return f32x4.sub(one, f32x4.mul(y, y));
    case ACT_SIGMOID: return f32x4.mul(y, f32x4.sub(one, y));
    case ACT_HARD_SIGMOID: return v128.and(v128.and(f32x4.gt(y, zero), f32x4.lt(y, one)), f32x4.splat(<f32>1.0 / 6.0));
    case ACT_HARD_SIGMOID_LEGACY: return v128.and(v128.and(f32x4.gt(y, zero), f32x4.lt(y, one)), f32x4.splat(<f32>0.2));
    default: return one;
  }
}

// Backward of activate_rows: dz = dy * act'(y), row by row, for an activation that output y.
//   y   [M, N] dense rows      dy [M, N] dense rows
//   dz  [M, ldDz] (ldDz >= N, a multiple of 4): columns N..ldDz-1 are set to zero, so a packed
//       weight's padding columns get zero gradients
// Softmax (a row operation): dz = y * (dy - sum(dy * y)).
export function activation_backward_rows(M: i32, N: i32, y: usize, dy: usize, dz: usize, ldDz: i32, kind: i32): void {
  for (let m = 0; m < M; m++) {
    const yr = y + (<usize>m * <usize>N << 2);
    const gr = dy + (<usize>m * <usize>N << 2);
    const dr = dz + (<usize>m * <usize>ldDz << 2);
    if (kind == ACT_SOFTMAX) {
      let dot: f32 = 0;
      for (let j = 0; j < N; j++) dot += load<f32>(yr + (<usize>j << 2)) * load<f32>(gr + (<usize>j << 2));
      for (let j = 0; j < N; j++) {
        store<f32>(dr + (<usize>j << 2), load<f32>(yr + (<usize>j << 2)) * (load<f32>(gr + (<usize>j << 2)) - dot));
      }
    } else {
      let j = 0;
      for (; j + 4 <= N; j += 4) {
        const o = <usize>j << 2;
        v128.store(dr + o, f32x4.mul(v128.load(gr + o), activationGradv(v128.load(yr + o), kind)));
      }
      for (; j < N; j++) {
        const o = <usize>j << 2;
        const g = f32x4.extract_lane(activationGradv(f32x4.splat(load<f32>(yr + o)), kind), 0);
        store<f32>(dr + o, load<f32>(gr + o) * g);
      }
    }
    for (let j = N; j < ldDz; j++) store<f32>(dr + (<usize>j << 2), 0);
  }
}

// dst[m, 0:N] = act(src[m, 0:N]) for m < M. src rows have stride ldSrc floats (>= N, a multiple
// of 4, so whole vectors may be read past N); dst rows are dense. Softmax normalises each row.
export function activate_rows(src: usize, ldSrc: i32, M: i32, N: i32, dst: usize, kind: i32): void {
  for (let m = 0; m < M; m++) {
    const s = src + (<usize>m * <usize>ldSrc << 2);
    const d = dst + (<usize>m * <usize>N << 2);
    if (kind == ACT_SOFTMAX) {
      softmaxRow(s, d, N);
      continue;
    }
    if (kind >= ACT_FIRST_SCALAR) {
      if (kind == ACT_LOG_SOFTMAX) logSoftmaxRow(s, d, N);
      else for (let j = 0; j < N; j++) store<f32>(d + (<usize>j << 2), actScalar(load<f32>(s + (<usize>j << 2)), kind));
      continue;
    }
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      v128.store(d + (<usize>j << 2), activatev(v128.load(s + (<usize>j << 2)), kind));
    }
    if (j < N) storeLanes(d + (<usize>j << 2), activatev(v128.load(s + (<usize>j << 2)), kind), N - j);
  }
}

// Keras softmax over one row: e^(x - max) / sum.
function softmaxRow(s: usize, d: usize, N: i32): void {
  let mx = load<f32>(s);
  for (let j = 1; j < N; j++) mx = max(mx, load<f32>(s + (<usize>j << 2)));
  const mxv = f32x4.splat(mx);
  let sum: f32 = 0;
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const e = expv(f32x4.sub(v128.load(s + (<usize>j << 2)), mxv));
    v128.store(d + (<usize>j << 2), e);
    sum += f32x4.extract_lane(e, 0) + f32x4.extract_lane(e, 1) + f32x4.extract_lane(e, 2) + f32x4.extract_lane(e, 3);
  }
  if (j < N) {
    const e = expv(f32x4.sub(v128.load(s + (<usize>j << 2)), mxv));
    storeLanes(d + (<usize>j << 2), e, N - j);
    for (let l = j; l < N; l++) sum += load<f32>(d + (<usize>l << 2));
  }
  const inv = f32x4.splat(<f32>1.0 / sum);
  j = 0;
  for (; j + 4 <= N; j += 4) v128.store(d + (<usize>j << 2), f32x4.mul(v128.load(d + (<usize>j << 2)), inv));
  for (; j < N; j++) store<f32>(d + (<usize>j << 2), load<f32>(d + (<usize>j << 2)) / sum);
}

// e^x for one float (the vector exp's accuracy).
export function expf1(x: f32): f32 {
  return f32x4.extract_lane(expv(f32x4.splat(x)), 0);
}

// erf(x) for x >= 0 given e = e^(-x^2): Abramowitz and Stegun 7.1.26 (absolute error 1.5e-7).
function erfPos(a: f32, e: f32): f32 {
  const t: f32 = <f32>1 / (<f32>1 + <f32>0.3275911 * a);
  return <f32>1 - t * (<f32>0.254829592 + t * (<f32>-0.284496736 + t * (<f32>1.421413741 + t * (<f32>-1.453152027 +
    t * <f32>1.061405429)))) * e;
}

// erf(x) (odd).
export function erf1(x: f32): f32 {
  const a = abs(x);
  const y = erfPos(a, expf1(-a * a));
  return x < 0 ? -y : y;
}

// log(1 + e^x) without overflow: max(x, 0) + log(1 + e^-|x|).
export function softplus1(x: f32): f32 {
  return max(x, <f32>0) + Mathf.log(<f32>1 + expf1(-abs(x)));
}

export function sigmoid1(x: f32): f32 {
  return <f32>1 / (<f32>1 + expf1(-x));
}

export function tanh1(x: f32): f32 {
  return f32x4.extract_lane(tanhv(f32x4.splat(x)), 0);
}

export const SELU_ALPHA: f32 = 1.6732632423543772;
export const SELU_SCALE: f32 = 1.0507009873554805;

// The scalar kinds (7 on), as Keras 3 defines them (their default parameters). One exponential per
// value, e = e^u, with u chosen by kind (the inference core stays small).
export function actScalar(x: f32, kind: i32): f32 {
  const ax = abs(x);
  let u = x;
  if (kind == 7) u = <f32>-0.5 * x * x;
  else if (kind == 8 || kind == 21) u = kind == 8 ? -x : <f32>-2 * ax;
  else if (kind == 9 || kind == 20) u = -ax;
  else if (kind == 17) u = min(x, <f32>20);
  const e = expf1(u);
  switch (kind) {
    case 7: {
      const y = erfPos(ax * <f32>0.70710678118654752, e);
      return <f32>0.5 * x * (<f32>1 + (x < 0 ? -y : y));
    }
    case 8: return x / (<f32>1 + e);
    case 9: return max(x, <f32>0) + Mathf.log(<f32>1 + e);
    case 10: return x / (<f32>1 + ax);
    case 11: return x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * (e - <f32>1);
    case 12: return x > 0 ? x : e - <f32>1;
    case 13: return e;
    case 14: return x > 0 ? x : <f32>0.2 * x;
    case 15: return min(max(x, <f32>0), <f32>6);
    case 16: return x * min(max(x + <f32>3, <f32>0), <f32>6) / <f32>6;
    case 17: {
      // tanh(softplus(x)) = n / (n + 2), n = e^x (e^x + 2); 1 in float32 from x = 20 on
      const n = e * (e + <f32>2);
      return x >= 20 ? x : x * n / (n + <f32>2);
    }
    case 19: return min(max(x, <f32>-1), <f32>1);
    case 20: return min(x, <f32>0) - Mathf.log(<f32>1 + e);
    case 21: {
      const t = (<f32>1 - e) / (<f32>1 + e);
      return x - (x < 0 ? -t : t);
    }
    default: return x;
  }
}

// Keras log_softmax over one row: x - max - log(sum(e^(x - max))).
function logSoftmaxRow(s: usize, d: usize, N: i32): void {
  let mx = load<f32>(s);
  for (let j = 1; j < N; j++) mx = max(mx, load<f32>(s + (<usize>j << 2)));
  let sum: f32 = 0;
  for (let j = 0; j < N; j++) sum += actScalar(load<f32>(s + (<usize>j << 2)) - mx, 13);
  const c = mx + Mathf.log(sum);
  for (let j = 0; j < N; j++) store<f32>(d + (<usize>j << 2), load<f32>(s + (<usize>j << 2)) - c);
}

// dst[0:n] = act(src[0:n]); n a multiple of 4. Used by tests to measure the vector functions.
export function activate_vec(src: usize, dst: usize, n: i32, kind: i32): void {
  for (let j = 0; j < n; j += 4) {
    v128.store(dst + (<usize>j << 2), activatev(v128.load(src + (<usize>j << 2)), kind));
  }
}

// dst[0:n] = e^src[0:n]; n a multiple of 4. For the exp accuracy test.
export function exp_vec(src: usize, dst: usize, n: i32): void {
  for (let j = 0; j < n; j += 4) v128.store(dst + (<usize>j << 2), expv(v128.load(src + (<usize>j << 2))));
}
