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
