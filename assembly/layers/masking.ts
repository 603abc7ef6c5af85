// Keras Masking, forward and backward, and the mask union merge layers need.
//   x, y, dy, dx [M, F] (M = B * T rows of F features);  mask [M] u8, 1 = keep

// Keras Masking: mask[m] = any(x[m, :] != maskValue); y[m] = mask[m] ? x[m] : 0.
//   x, y [M, F] (M = B * T), mask [M] u8
export function masking_forward(M: i32, F: i32, x: usize, maskValue: f32, y: usize, mask: usize): void {
  const rowBytes = <usize>F << 2;
  for (let m = 0; m < M; m++) {
    const xr = x + <usize>m * rowBytes;
    let keep = false;
    for (let j = 0; j < F; j++) {
      if (load<f32>(xr + (<usize>j << 2)) != maskValue) { keep = true; break; }
    }
    store<u8>(mask + <usize>m, keep ? 1 : 0);
    const yr = y + <usize>m * rowBytes;
    if (keep) memory.copy(yr, xr, rowBytes);
    else memory.fill(yr, 0, rowBytes);
  }
}

// Masking: dx[m] += dy[m] where the step is kept (mask[m] = 1); masked steps output zeros.
//   mask [M] u8, dy and dx [M, F]
export function masking_backward(M: i32, F: i32, mask: usize, dy: usize, dx: usize): void {
  for (let m = 0; m < M; m++) {
    if (load<u8>(mask + <usize>m) == 0) continue;
    for (let j = 0; j < F; j++) {
      const o = (<usize>m * <usize>F + <usize>j) << 2;
      store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o));
    }
  }
}

// Merge-layer masks: dst[0:n] = a[0:n] | b[0:n] (u8; dst may alias a).
export function mask_or(n: i32, a: usize, b: usize, dst: usize): void {
  for (let j = 0; j < n; j++) store<u8>(dst + <usize>j, load<u8>(a + <usize>j) | load<u8>(b + <usize>j));
}
