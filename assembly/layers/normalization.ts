// BatchNormalization, LayerNormalization and UnitNormalization, on a tensor seen as [O, N, I]:
// O the axes before the normalized ones (batch included), N the normalized axes (BatchNormalization's
// channel axis, LayerNormalization's / UnitNormalization's axes; contiguous), I the axes after them.
//   x, y, dy, dx  [O, N, I] f32
//   a, b          [N] f32       per-channel scale and shift (BatchNormalization: gamma * rsqrt(var + eps), beta - mean * a)
//   gamma, beta   [N] f32       0 when the layer has none
//   mask          u8, one per position of all but the last axis (flat index / last), 0: no mask
// Backward kernels ADD into dx, dgamma and dbeta.

// y[o, n, i] = x[o, n, i] * a[n] + b[n] (BatchNormalization's inference, and its training forward
// with the batch's moments folded into a and b).
export function norm_affine(O: i32, N: i32, I: i32, x: usize, a: usize, b: usize, y: usize): void {
  for (let o = 0; o < O; o++) {
    for (let n = 0; n < N; n++) {
      const an = load<f32>(a + (<usize>n << 2)), bn = load<f32>(b + (<usize>n << 2));
      const row = (<usize>(o * N + n) * <usize>I) << 2;
      let i = 0;
      if (I >= 4) {
        const av = f32x4.splat(an), bv = f32x4.splat(bn);
        for (; i + 4 <= I; i += 4) {
          const p = row + (<usize>i << 2);
          v128.store(y + p, f32x4.add(f32x4.mul(v128.load(x + p), av), bv));
        }
      }
      for (; i < I; i++) {
        const p = row + (<usize>i << 2);
        store<f32>(y + p, load<f32>(x + p) * an + bn);
      }
    }
  }
}

// Per group (o, i), over n. mode 0: LayerNormalization, y = x * inv + (beta - mean * inv) with
// inv = rsqrt(var + eps) * gamma (Keras's ops.layer_normalization); mode 1: its rms_scaling, y = x *
// rsqrt(var + eps) * gamma (Keras scales by the variance there); mode 2: UnitNormalization, y = x *
// min(rsqrt(sum x^2), 1e12) (Keras's ops.normalize with epsilon 1e-12).
export function norm_groups_forward(O: i32, N: i32, I: i32, x: usize, gamma: usize, beta: usize, eps: f32, mode: i32, y: usize): void {
  const s = <usize>I << 2;
  for (let o = 0; o < O; o++) {
    for (let i = 0; i < I; i++) {
      const base = ((<usize>o * <usize>N * <usize>I + <usize>i) << 2);
      let sum: f32 = 0;
      for (let n = 0; n < N; n++) {
        const v = load<f32>(x + base + <usize>n * s);
        sum += mode == 2 ? v * v : v;
      }
      let inv: f32, mean: f32 = 0;
      if (mode == 2) {
        inv = min<f32>(<f32>1 / Mathf.sqrt(sum), <f32>1e12);
      } else {
        mean = sum / <f32>N;
        let q: f32 = 0;
        for (let n = 0; n < N; n++) {
          const d = load<f32>(x + base + <usize>n * s) - mean;
          q += d * d;
        }
        inv = <f32>1 / Mathf.sqrt(q / <f32>N + eps);
      }
      for (let n = 0; n < N; n++) {
        const p = base + <usize>n * s, nb = <usize>n << 2;
        const g: f32 = gamma ? load<f32>(gamma + nb) : 1;
        const v = load<f32>(x + p);
        let out: f32;
        if (mode == 0) {
          const a = inv * g;
          out = v * a + (beta ? -mean * a + load<f32>(beta + nb) : -mean * a);
        } else out = mode == 1 ? v * inv * g : v * inv;
        store<f32>(y + p, out);
      }
    }
  }
}

// BatchNormalization's batch moments per channel n, over (o, i): mean, biased variance and the count
// they divide by (Keras: N * ... without a mask; the kept positions + 1e-7 with one).
//   mean, vari, cnt  [N] f32 out
export function batch_norm_moments(O: i32, N: i32, I: i32, x: usize, mask: usize, last: i32, mean: usize, vari: usize, cnt: usize): void {
  for (let n = 0; n < N; n++) {
    let sum: f32 = 0, c: f32 = 0;
    for (let o = 0; o < O; o++) {
      const f = (o * N + n) * I;
      for (let i = 0; i < I; i++) {
        if (mask && load<u8>(mask + <usize>((f + i) / last)) == 0) continue;
        sum += load<f32>(x + (<usize>(f + i) << 2));
        c += 1;
      }
    }
    const div: f32 = mask ? c + <f32>1e-7 : <f32>(O * I);
    const m = sum / div;
    let q: f32 = 0;
    for (let o = 0; o < O; o++) {
      const f = (o * N + n) * I;
      for (let i = 0; i < I; i++) {
        if (mask && load<u8>(mask + <usize>((f + i) / last)) == 0) continue;
        const d = load<f32>(x + (<usize>(f + i) << 2)) - m;
        q += d * d;
      }
    }
    const nb = <usize>n << 2;
    store<f32>(mean + nb, m);
    store<f32>(vari + nb, q / div);
    store<f32>(cnt + nb, div);
  }
}

// BatchNormalization's backward through the batch moments (training): with r = rsqrt(var + eps),
// xh = (x - mean) r and w the mask (1 without one),
//   dx += gamma r (dy - w / cnt (sum dy + xh sum dy xh)),  dgamma += sum dy xh,  dbeta += sum dy.
export function batch_norm_backward(
  O: i32, N: i32, I: i32, x: usize, dy: usize, mask: usize, last: i32, mean: usize, vari: usize, cnt: usize,
  gamma: usize, eps: f32, dx: usize, dgamma: usize, dbeta: usize,
): void {
  for (let n = 0; n < N; n++) {
    const nb = <usize>n << 2;
    const m = load<f32>(mean + nb), c = load<f32>(cnt + nb);
    const r: f32 = <f32>1 / Mathf.sqrt(load<f32>(vari + nb) + eps);
    let sdy: f32 = 0, sdyx: f32 = 0;
    for (let o = 0; o < O; o++) {
      const f = (o * N + n) * I;
      for (let i = 0; i < I; i++) {
        const p = <usize>(f + i) << 2;
        const g = load<f32>(dy + p);
        sdy += g;
        sdyx += g * (load<f32>(x + p) - m) * r;
      }
    }
    if (dgamma) store<f32>(dgamma + nb, load<f32>(dgamma + nb) + sdyx);
    if (dbeta) store<f32>(dbeta + nb, load<f32>(dbeta + nb) + sdy);
    if (!dx) continue;
    const gr: f32 = (gamma ? load<f32>(gamma + nb) : 1) * r;
    for (let o = 0; o < O; o++) {
      const f = (o * N + n) * I;
      for (let i = 0; i < I; i++) {
        const p = <usize>(f + i) << 2;
        const kept = !mask || load<u8>(mask + <usize>((f + i) / last)) != 0;
        let g = load<f32>(dy + p);
        if (kept) g -= (sdy + (load<f32>(x + p) - m) * r * sdyx) / c;
        store<f32>(dx + p, load<f32>(dx + p) + gr * g);
      }
    }
  }
}

// norm_groups_forward's backward, per group (o, i) over n (modes as there).
export function norm_groups_backward(
  O: i32, N: i32, I: i32, x: usize, dy: usize, gamma: usize, eps: f32, mode: i32, dx: usize, dgamma: usize, dbeta: usize,
): void {
  const s = <usize>I << 2;
  const fN = <f32>N;
  for (let o = 0; o < O; o++) {
    for (let i = 0; i < I; i++) {
      const base = ((<usize>o * <usize>N * <usize>I + <usize>i) << 2);
      let sum: f32 = 0;
      for (let n = 0; n < N; n++) {
        const v = load<f32>(x + base + <usize>n * s);
        sum += mode == 2 ? v * v : v;
      }
      let r: f32, mean: f32 = 0, capped = false;
      if (mode == 2) {
        r = <f32>1 / Mathf.sqrt(sum);
        if (!(r < <f32>1e12)) { r = <f32>1e12; capped = true; }
      } else {
        mean = sum / fN;
        let q: f32 = 0;
        for (let n = 0; n < N; n++) {
          const d = load<f32>(x + base + <usize>n * s) - mean;
          q += d * d;
        }
        r = <f32>1 / Mathf.sqrt(q / fN + eps);
      }
      // the sums the input gradient needs: mode 0 mean(dxh), mean(dxh xh) with dxh = dy gamma;
      // mode 1 sum(dy gamma x); mode 2 sum(dy x)
      let s1: f32 = 0, s2: f32 = 0;
      for (let n = 0; n < N; n++) {
        const p = base + <usize>n * s, nb = <usize>n << 2;
        const g: f32 = gamma ? load<f32>(gamma + nb) : 1;
        const d = load<f32>(dy + p), v = load<f32>(x + p);
        if (mode == 0) {
          const xh = (v - mean) * r;
          s1 += d * g;
          s2 += d * g * xh;
          if (dgamma) store<f32>(dgamma + nb, load<f32>(dgamma + nb) + d * xh);
          if (dbeta) store<f32>(dbeta + nb, load<f32>(dbeta + nb) + d);
        } else if (mode == 1) {
          s1 += d * g * v;
          if (dgamma) store<f32>(dgamma + nb, load<f32>(dgamma + nb) + d * v * r);
        } else s1 += d * v;
      }
      for (let n = 0; n < N; n++) {
        const p = base + <usize>n * s, nb = <usize>n << 2;
        const g: f32 = gamma ? load<f32>(gamma + nb) : 1;
        const d = load<f32>(dy + p), v = load<f32>(x + p);
        let out: f32;
        if (mode == 0) out = r * (d * g - s1 / fN - (v - mean) * r * s2 / fN);
        else if (mode == 1) out = r * g * d - r * r * r * (v - mean) * s1 / fN;
        else out = capped ? r * d : r * d - r * r * r * v * s1;
        store<f32>(dx + p, load<f32>(dx + p) + out);
      }
    }
  }
}
