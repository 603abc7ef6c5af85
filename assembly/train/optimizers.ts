// Optimizer steps (Keras 3, keras/src/optimizers/*.py), elementwise over one parameter block.
//
// Every kernel takes n (float count) and byte pointers to f32 arrays of n floats: the weights w,
// their gradient g, and the optimizer's slots (same length). Blocks may carry zero padding lanes:
// a lane with w = 0, g = 0 and zero slots stays exactly 0 (every update below is a product with
// g or with a slot that g feeds), so the kernels run over whole packed blocks. They allocate
// nothing; scalars are f32, computed once per step by the caller (src/train/optimizers.ts) the
// way Keras computes them (e.g. `1 - beta_1` in double precision, then cast to float32).
// Each formula keeps Keras's operation order, so every step rounds as TensorFlow's float32 does.
//
//   sgd_update            w -= g * lr
//   sgd_momentum_update   u = u * momentum - g * lr;  w += nesterov ? u * momentum - g * lr : u
//   adam_update           m += (g - m) * (1 - beta_1);  v += (g^2 - v) * (1 - beta_2)
//                         amsgrad (vhat != 0): vhat = max(vhat, v), and vhat replaces v below
//                         w -= (m * alpha) / (sqrt(v) + epsilon)
//                         alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t), t = iterations + 1
//   rmsprop_update        s = rho * s + (1 - rho) * g^2
//                         centered (avg != 0): a = rho * a + (1 - rho) * g;  d = s - a^2 + epsilon
//                         otherwise d = s + epsilon
//                         inc = (lr * g) / sqrt(d)
//                         momentum buffer (mom != 0): p = momentum * p + inc;  w -= p
//                         otherwise w -= inc
//   adagrad_update        acc += g^2;  w -= (lr * g) / sqrt(acc + epsilon)
//   decay_weights         w -= w * wd * lr                     (Keras weight_decay, before the step)
//   sum_squares           returns sum(g^2) (squares in f32, summed in f64): clipnorm, global_clipnorm
//   clip_gradients        dst = clamp((g * mul) / div, -clip, clip)   (dst may alias g)
//                         clipnorm: mul = clipnorm, div = max(||g||, clipnorm), clip = +inf
//                         global_clipnorm: mul = scale, div = 1;  clipvalue: mul = div = 1, clip = v
//
// g2 (Adam, RMSprop, Adagrad; 0 = none) replaces g^2 by a per-element sum of squared gradient
// pieces: TensorFlow keeps an Embedding's gradient as one slice per token occurrence
// (IndexedSlices), and Keras's `square(gradient)` squares each slice before the duplicates are
// summed, so a token seen k times contributes sum(g_i^2), not (sum g_i)^2.
//
// f32x4 over groups of four with a scalar tail. Plain multiply and add only (no fused madd), so
// the plain and relaxed-SIMD builds give the same bits.

export function sgd_update(n: i32, w: usize, g: usize, lr: f32): void {
  const vlr = f32x4.splat(lr);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.mul(v128.load(g + o), vlr)));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(w + o, load<f32>(w + o) - load<f32>(g + o) * lr);
  }
}

export function sgd_momentum_update(n: i32, w: usize, g: usize, velocity: usize, lr: f32, momentum: f32, nesterov: i32): void {
  const vlr = f32x4.splat(lr), vmo = f32x4.splat(momentum);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const gl = f32x4.mul(v128.load(g + o), vlr);
    const u = f32x4.sub(f32x4.mul(v128.load(velocity + o), vmo), gl);
    v128.store(velocity + o, u);
    const step = nesterov ? f32x4.sub(f32x4.mul(u, vmo), gl) : u;
    v128.store(w + o, f32x4.add(v128.load(w + o), step));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const gl = load<f32>(g + o) * lr;
    const u = load<f32>(velocity + o) * momentum - gl;
    store<f32>(velocity + o, u);
    store<f32>(w + o, load<f32>(w + o) + (nesterov ? u * momentum - gl : u));
  }
}

export function adam_update(n: i32, w: usize, g: usize, g2: usize, m: usize, v: usize, vhat: usize,
  alpha: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, epsilon: f32): void {
  const va = f32x4.splat(alpha), vb1 = f32x4.splat(oneMinusBeta1), vb2 = f32x4.splat(oneMinusBeta2);
  const ve = f32x4.splat(epsilon);
  const ams = vhat != 0;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const gv = v128.load(g + o);
    let mv = v128.load(m + o), vv = v128.load(v + o);
    mv = f32x4.add(mv, f32x4.mul(f32x4.sub(gv, mv), vb1));
    vv = f32x4.add(vv, f32x4.mul(f32x4.sub(g2 ? v128.load(g2 + o) : f32x4.mul(gv, gv), vv), vb2));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    if (ams) {
      vv = f32x4.max(v128.load(vhat + o), vv);
      v128.store(vhat + o, vv);
    }
    const upd = f32x4.div(f32x4.mul(mv, va), f32x4.add(f32x4.sqrt(vv), ve));
    v128.store(w + o, f32x4.sub(v128.load(w + o), upd));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const gs = load<f32>(g + o);
    let ms = load<f32>(m + o), vs = load<f32>(v + o);
    ms = ms + (gs - ms) * oneMinusBeta1;
    vs = vs + ((g2 ? load<f32>(g2 + o) : gs * gs) - vs) * oneMinusBeta2;
    store<f32>(m + o, ms);
    store<f32>(v + o, vs);
    if (ams) {
      vs = max(load<f32>(vhat + o), vs);
      store<f32>(vhat + o, vs);
    }
    store<f32>(w + o, load<f32>(w + o) - (ms * alpha) / (sqrt<f32>(vs) + epsilon));
  }
}

export function rmsprop_update(n: i32, w: usize, g: usize, g2: usize, velocity: usize, mom: usize, avg: usize,
  lr: f32, rho: f32, oneMinusRho: f32, momentum: f32, epsilon: f32): void {
  const vlr = f32x4.splat(lr), vrho = f32x4.splat(rho), vomr = f32x4.splat(oneMinusRho);
  const vmo = f32x4.splat(momentum), ve = f32x4.splat(epsilon);
  const centered = avg != 0, withMomentum = mom != 0;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const gv = v128.load(g + o);
    const s = f32x4.add(f32x4.mul(vrho, v128.load(velocity + o)), f32x4.mul(vomr, g2 ? v128.load(g2 + o) : f32x4.mul(gv, gv)));
    v128.store(velocity + o, s);
    let d: v128;
    if (centered) {
      const a = f32x4.add(f32x4.mul(vrho, v128.load(avg + o)), f32x4.mul(vomr, gv));
      v128.store(avg + o, a);
      d = f32x4.add(f32x4.sub(s, f32x4.mul(a, a)), ve);
    } else {
      d = f32x4.add(s, ve);
    }
    let inc = f32x4.div(f32x4.mul(vlr, gv), f32x4.sqrt(d));
    if (withMomentum) {
      inc = f32x4.add(f32x4.mul(vmo, v128.load(mom + o)), inc);
      v128.store(mom + o, inc);
    }
    v128.store(w + o, f32x4.sub(v128.load(w + o), inc));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const gs = load<f32>(g + o);
    const s = rho * load<f32>(velocity + o) + oneMinusRho * (g2 ? load<f32>(g2 + o) : gs * gs);
    store<f32>(velocity + o, s);
    let d: f32;
    if (centered) {
      const a = rho * load<f32>(avg + o) + oneMinusRho * gs;
      store<f32>(avg + o, a);
      d = (s - a * a) + epsilon;
    } else {
      d = s + epsilon;
    }
    let inc = (lr * gs) / sqrt<f32>(d);
    if (withMomentum) {
      inc = momentum * load<f32>(mom + o) + inc;
      store<f32>(mom + o, inc);
    }
    store<f32>(w + o, load<f32>(w + o) - inc);
  }
}

export function adagrad_update(n: i32, w: usize, g: usize, g2: usize, acc: usize, lr: f32, epsilon: f32): void {
  const vlr = f32x4.splat(lr), ve = f32x4.splat(epsilon);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const gv = v128.load(g + o);
    const a = f32x4.add(v128.load(acc + o), g2 ? v128.load(g2 + o) : f32x4.mul(gv, gv));
    v128.store(acc + o, a);
    v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.div(f32x4.mul(vlr, gv), f32x4.sqrt(f32x4.add(a, ve)))));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const gs = load<f32>(g + o);
    const a = load<f32>(acc + o) + (g2 ? load<f32>(g2 + o) : gs * gs);
    store<f32>(acc + o, a);
    store<f32>(w + o, load<f32>(w + o) - (lr * gs) / sqrt<f32>(a + epsilon));
  }
}

export function decay_weights(n: i32, w: usize, wd: f32, lr: f32): void {
  const vwd = f32x4.splat(wd), vlr = f32x4.splat(lr);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const wv = v128.load(w + o);
    v128.store(w + o, f32x4.sub(wv, f32x4.mul(f32x4.mul(wv, vwd), vlr)));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const ws = load<f32>(w + o);
    store<f32>(w + o, ws - ws * wd * lr);
  }
}

export function sum_squares(n: i32, g: usize): f64 {
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const gv = v128.load(g + (<usize>j << 2));
    const sq = f32x4.mul(gv, gv);
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(sq));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(sq, sq, 2, 3, 0, 1)));
  }
  const both = f64x2.add(lo, hi);
  let total = f64x2.extract_lane(both, 0) + f64x2.extract_lane(both, 1);
  for (; j < n; j++) {
    const gs = load<f32>(g + (<usize>j << 2));
    total += <f64>(gs * gs);
  }
  return total;
}

export function clip_gradients(n: i32, g: usize, dst: usize, mul: f32, div: f32, clip: f32): void {
  const vm = f32x4.splat(mul), vd = f32x4.splat(div), vhi = f32x4.splat(clip), vlo = f32x4.splat(-clip);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const c = f32x4.div(f32x4.mul(v128.load(g + o), vm), vd);
    v128.store(dst + o, f32x4.min(f32x4.max(c, vlo), vhi));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const c = (load<f32>(g + o) * mul) / div;
    store<f32>(dst + o, min(max(c, -clip), clip));
  }
}
