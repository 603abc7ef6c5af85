// Bidirectional's merge of its forward and backward outputs, forward and backward.
// Shapes: B batch, T steps (1 for last outputs), F features of each half.
//   a, b   [B, T, F] the halves; the merged output is [B, T, 2F] (concat, mode 0) or [B, T, F]
//          (sum 1, mul 2, ave 3). reverseB = 1: b's step T-1-t pairs with a's step t.

// Bidirectional merge of a forward and a backward output.
//   a, b   [B, T, F]   forward and backward outputs (T = 1 for last outputs)
//   dst    [B, T, 2F] for concat (mode 0), else [B, T, F]: sum (1), mul (2), ave (3)
//   reverseB = 1 reads b at step T-1-t: the backward sequence comes out in processing order.
export function merge_pair(B: i32, T: i32, F: i32, a: usize, b: usize, reverseB: i32, mode: i32, dst: usize): void {
  const rowBytes = <usize>F << 2;
  const half = <f32>0.5;
  for (let r = 0; r < B; r++) {
    for (let t = 0; t < T; t++) {
      const tb = reverseB ? T - 1 - t : t;
      const ar = a + <usize>(r * T + t) * rowBytes;
      const br = b + <usize>(r * T + tb) * rowBytes;
      if (mode == 0) {
        const d = dst + <usize>(r * T + t) * (rowBytes << 1);
        memory.copy(d, ar, rowBytes);
        memory.copy(d + rowBytes, br, rowBytes);
        continue;
      }
      const d = dst + <usize>(r * T + t) * rowBytes;
      let j = 0;
      for (; j + 4 <= F; j += 4) {
        const o = <usize>j << 2;
        const va = v128.load(ar + o), vb = v128.load(br + o);
        let v = f32x4.add(va, vb);
        if (mode == 2) v = f32x4.mul(va, vb);
        else if (mode == 3) v = f32x4.mul(v, f32x4.splat(half));
        v128.store(d + o, v);
      }
      for (; j < F; j++) {
        const o = <usize>j << 2;
        const va = load<f32>(ar + o), vb = load<f32>(br + o);
        store<f32>(d + o, mode == 2 ? va * vb : mode == 3 ? (va + vb) * half : va + vb);
      }
    }
  }
}

// Backward of merge_pair (Bidirectional): from the merged gradient dm, the gradients of the two
// halves, written (not added) in the halves' own layouts.
//   dm      [B, T, 2F] (concat, mode 0) or [B, T, F] (sum 1, mul 2, ave 3)
//   a, b    [B, T, F]  the forward outputs (mul needs them; else 0)
//   da, db  [B, T, F]; with reverseB, db[:, T-1-t] belongs to dm[:, t] (the backward half's
//           sequence is in processing order)
export function merge_pair_backward(B: i32, T: i32, F: i32, dm: usize, a: usize, b: usize, reverseB: i32, mode: i32,
                                    da: usize, db: usize): void {
  const outF = mode == 0 ? F << 1 : F;
  for (let r = 0; r < B; r++) {
    for (let t = 0; t < T; t++) {
      const tb = reverseB ? T - 1 - t : t;
      const m = dm + (<usize>(r * T + t) * <usize>outF << 2);
      const ra = <usize>(r * T + t) * <usize>F << 2;
      const rb = <usize>(r * T + tb) * <usize>F << 2;
      for (let j = 0; j < F; j++) {
        const o = <usize>j << 2;
        const g = load<f32>(m + o);
        if (mode == 0) {
          store<f32>(da + ra + o, g);
          store<f32>(db + rb + o, load<f32>(m + (<usize>(F + j) << 2)));
        } else if (mode == 2) {
          store<f32>(da + ra + o, g * load<f32>(b + rb + o));
          store<f32>(db + rb + o, g * load<f32>(a + ra + o));
        } else {
          const v: f32 = mode == 3 ? g * <f32>0.5 : g;
          store<f32>(da + ra + o, v);
          store<f32>(db + rb + o, v);
        }
      }
    }
  }
}

// Keras's merge layers (Subtract, Multiply, Average, Maximum, Minimum; Add has add_arrays): one
// input x folded into the running output, row by row, with Keras 3's masks.
//   out, x, dst [R, F] (dst may alias out);  om, xm [R] u8 masks (1 = keep) or 0 (none)
//   op 0 add: out + x;  1 sub: out - x;  2 mul: x where kept, else 1, times out;  3 max, 4 min: a masked x takes the
//   running value and a masked running value takes x (Keras's _apply_merge_op_and_or_mask);
//   5: out where xm keeps the row, else 0 (Multiply's last pass);  6: out * s (Average)
export function merge_rows(R: i32, F: i32, out: usize, om: usize, x: usize, xm: usize, op: i32, s: f32, dst: usize): void {
  for (let r = 0; r < R; r++) {
    const xk = !xm || load<u8>(xm + <usize>r) != 0;
    const ok = !om || load<u8>(om + <usize>r) != 0;
    for (let j = 0; j < F; j++) {
      const p = (<usize>r * <usize>F + <usize>j) << 2;
      const o = load<f32>(out + p);
      let v = load<f32>(x + p);
      let res: f32;
      if (op == 0) res = o + v;
      else if (op == 1) res = o - v;
      else if (op == 2) res = o * (xk ? v : <f32>1);
      else if (op == 5) res = xk ? o : <f32>0;
      else if (op == 6) res = o * s;
      else {
        if (!xk) v = o;
        const a = ok ? o : v;
        res = op == 3 ? max(a, v) : min(a, v);
      }
      store<f32>(dst + p, res);
    }
  }
}

// Backward of one merge_rows fold (out and x as the forward read them): gOut = the gradient of
// `out` (written), dx += the gradient of x; g the gradient of the fold's result. Max and min send
// it where TensorFlow's maximum/minimum do (to the running value on ties).
export function merge_rows_backward(R: i32, F: i32, out: usize, om: usize, x: usize, xm: usize, op: i32, s: f32, g: usize,
                                    gOut: usize, dx: usize): void {
  for (let r = 0; r < R; r++) {
    const xk = !xm || load<u8>(xm + <usize>r) != 0;
    const ok = !om || load<u8>(om + <usize>r) != 0;
    for (let j = 0; j < F; j++) {
      const p = (<usize>r * <usize>F + <usize>j) << 2;
      const o = load<f32>(out + p), gv = load<f32>(g + p);
      let v = load<f32>(x + p);
      let go: f32 = 0, gx: f32 = 0;
      if (op < 2) { go = gv; gx = op == 1 ? -gv : gv; }
      else if (op == 2) { go = gv * (xk ? v : <f32>1); gx = xk ? gv * o : <f32>0; }
      else if (op == 5) go = xk ? gv : <f32>0;
      else if (op == 6) go = gv * s;
      else {
        if (!xk) v = o;
        const a = ok ? o : v;
        const toA = op == 3 ? a >= v : a <= v;
        let ga: f32 = toA ? gv : 0, gvx: f32 = toA ? 0 : gv;
        if (ok) go = ga; else gvx += ga;
        if (xk) gx = gvx; else go += gvx;
      }
      store<f32>(gOut + p, go);
      if (dx) store<f32>(dx + p, load<f32>(dx + p) + gx);
    }
  }
}

// Broadcasting (Keras's merges of shapes with 1s, PReLU's shared axes): dst [d0, d1, d2, d3] dense
// from src at i0 s0 + i1 s1 + i2 s2 + i3 s3 (strides in floats, 0 along a broadcast axis).
export function broadcast_4d(d0: i32, d1: i32, d2: i32, d3: i32, s0: i32, s1: i32, s2: i32, s3: i32, src: usize,
                             dst: usize): void {
  let k: usize = 0;
  for (let a = 0; a < d0; a++) for (let b = 0; b < d1; b++) for (let c = 0; c < d2; c++) {
    const base = a * s0 + b * s1 + c * s2;
    for (let e = 0; e < d3; e++) {
      store<f32>(dst + (k << 2), load<f32>(src + (<usize>(base + e * s3) << 2)));
      k++;
    }
  }
}

// Backward of broadcast_4d: dx[i0 s0 + i1 s1 + i2 s2 + i3 s3] += dy (dense [d0, d1, d2, d3]).
export function broadcast_4d_backward(d0: i32, d1: i32, d2: i32, d3: i32, s0: i32, s1: i32, s2: i32, s3: i32, dy: usize,
                                      dx: usize): void {
  let k: usize = 0;
  for (let a = 0; a < d0; a++) for (let b = 0; b < d1; b++) for (let c = 0; c < d2; c++) {
    const base = a * s0 + b * s1 + c * s2;
    for (let e = 0; e < d3; e++) {
      const p = dx + (<usize>(base + e * s3) << 2);
      store<f32>(p, load<f32>(p) + load<f32>(dy + (k << 2)));
      k++;
    }
  }
}
