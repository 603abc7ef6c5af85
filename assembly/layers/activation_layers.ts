// The activation layers with options: ReLU (threshold, maxValue, negativeSlope), LeakyReLU, ELU
// (alpha), PReLU (a learned alpha per position), and Softmax over any axis with a mask; forward and
// backward side by side.
//   x, y, dy, dx [n] dense (any shape);  alpha [S] (PReLU: one sample's positions, the alpha weight
//   broadcast over them), position i uses alpha[i % S]
//   Softmax: x as [outer, L, inner] (L the softmax axis); mask [outer, L, inner] f32 (0 = masked) or 0

import { actScalar } from "../math/activations";

// e^x through the activation table (one copy of the vector exp in the inference core).
function expf1(x: f32): f32 {
  return actScalar(x, 13);
}

// kind 0 ReLU: y = (x > t ? min(x, m) : 0) - a * max(t - x, 0)   (p0 = t, p1 = m, p2 = a)
// kind 1 ELU:  y = x > 0 ? x : p0 (e^x - 1)
// kind 2 PReLU: y = x > 0 ? x : alpha[i % S] x   (alpha >= 0 or not: Keras's relu(x) - alpha relu(-x))
export function param_act_forward(n: i32, x: usize, kind: i32, p0: f32, p1: f32, p2: f32, alpha: usize, S: i32,
                                  y: usize): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    let r: f32;
    if (kind == 0) r = (v > p0 ? min(v, p1) : <f32>0) - p2 * max(p0 - v, <f32>0);
    else if (kind == 1) r = v > 0 ? v : p0 * (expf1(v) - <f32>1);
    else r = v > 0 ? v : load<f32>(alpha + (<usize>(i % S) << 2)) * v;
    store<f32>(y + (<usize>i << 2), r);
  }
}

// Backward of param_act_forward: dx += dy * y'(x); PReLU also dAlpha[i % S] += dy * min(x, 0).
// TensorFlow's gradients at the corners: ReLU's max and threshold (x == t) pass 0 of the clipped part.
export function param_act_backward(n: i32, x: usize, kind: i32, p0: f32, p1: f32, p2: f32, alpha: usize, S: i32,
                                   dy: usize, dx: usize, dAlpha: usize): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o), g = load<f32>(dy + o);
    let d: f32;
    if (kind == 0) d = (v > p0 ? (v <= p1 ? <f32>1 : <f32>0) : <f32>0) + (v < p0 ? p2 : <f32>0);
    else if (kind == 1) d = v > 0 ? <f32>1 : p0 * expf1(v);
    else {
      const a = alpha + (<usize>(i % S) << 2);
      d = v > 0 ? <f32>1 : load<f32>(a);
      if (dAlpha) {
        const da = dAlpha + (<usize>(i % S) << 2);
        store<f32>(da, load<f32>(da) + (v < 0 ? g * v : <f32>0));
      }
    }
    if (dx) store<f32>(dx + o, load<f32>(dx + o) + g * d);
  }
}

// Keras Softmax along the middle axis of [outer, L, inner]: masked positions (mask < 0.5) take
// -1e9 before the softmax and output 0 after it.
export function softmax_axis_forward(outer: i32, L: i32, inner: i32, x: usize, mask: usize, y: usize): void {
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < inner; c++) {
      const base = (<usize>o * <usize>L * <usize>inner + <usize>c) << 2;
      const step = <usize>inner << 2;
      let mx: f32 = -Infinity;
      for (let l = 0; l < L; l++) {
        const p = base + <usize>l * step;
        const v = mask && load<f32>(mask + p) <= <f32>0.5 ? <f32>-1e9 : load<f32>(x + p);
        store<f32>(y + p, v);
        mx = max(mx, v);
      }
      let sum: f32 = 0;
      for (let l = 0; l < L; l++) {
        const p = y + base + <usize>l * step;
        const e = expf1(load<f32>(p) - mx);
        store<f32>(p, e);
        sum += e;
      }
      for (let l = 0; l < L; l++) {
        const p = base + <usize>l * step;
        const keep = !mask || load<f32>(mask + p) > <f32>0.5;
        store<f32>(y + p, keep ? load<f32>(y + p) / sum : <f32>0);
      }
    }
  }
}

// Backward of softmax_axis_forward from its output y: dx += y * (dy - sum_l(dy * y)) (masked
// positions have y = 0, so they get none).
export function softmax_axis_backward(outer: i32, L: i32, inner: i32, y: usize, dy: usize, dx: usize): void {
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < inner; c++) {
      const base = (<usize>o * <usize>L * <usize>inner + <usize>c) << 2;
      const step = <usize>inner << 2;
      let dot: f32 = 0;
      for (let l = 0; l < L; l++) dot += load<f32>(y + base + <usize>l * step) * load<f32>(dy + base + <usize>l * step);
      for (let l = 0; l < L; l++) {
        const p = base + <usize>l * step;
        store<f32>(dx + p, load<f32>(dx + p) + load<f32>(y + p) * (load<f32>(dy + p) - dot));
      }
    }
  }
}
