// Strided block copies and sums (Concatenate, forward and backward), row gathers and scatters by
// address (StreamPool's states), and the element-wise Add.
//   a block is `chunk` dense floats; block o sits at o * stride floats (strides in floats)
//   gather_rows / scatter_rows: rows [n, chunk] dense; addrs [n] i32 byte addresses, row r's
//   other end at addrs[r] + offset bytes
// Backward kernels ADD into their input gradient, so a tensor read by several layers sums them.

// Strided block copy (Concatenate): for o < outer, dst[o * dstStride + 0:chunk] = src[o * chunk + 0:chunk]
// (floats; src blocks are dense).
export function copy_blocks(outer: i32, chunk: i32, src: usize, dst: usize, dstStride: i32): void {
  const bytes = <usize>chunk << 2;
  for (let o = 0; o < outer; o++) memory.copy(dst + (<usize>o * <usize>dstStride << 2), src + <usize>o * bytes, bytes);
}

// Gather: dst[r * chunk + 0:chunk] = floats at addrs[r] + offset, for r < n.
export function gather_rows(n: i32, chunk: i32, addrs: usize, offset: i32, dst: usize): void {
  const bytes = <usize>chunk << 2;
  for (let r = 0; r < n; r++)
    memory.copy(dst + <usize>r * bytes, <usize>load<i32>(addrs + (<usize>r << 2)) + <usize>offset, bytes);
}

// Scatter, the inverse: floats at addrs[r] + offset = src[r * chunk + 0:chunk], for r < n.
export function scatter_rows(n: i32, chunk: i32, src: usize, addrs: usize, offset: i32): void {
  const bytes = <usize>chunk << 2;
  for (let r = 0; r < n; r++)
    memory.copy(<usize>load<i32>(addrs + (<usize>r << 2)) + <usize>offset, src + <usize>r * bytes, bytes);
}

// Strided block sum: dst[o * dstStride + 0:chunk] += src[o * srcStride + 0:chunk] for o < outer.
// Concatenate's backward (the inverse of copy_blocks: dstStride = chunk), and moving rows between
// dense [M, U] and padded [M, Up] layouts.
export function add_blocks(outer: i32, chunk: i32, src: usize, srcStride: i32, dst: usize, dstStride: i32): void {
  for (let o = 0; o < outer; o++) {
    const s = src + (<usize>o * <usize>srcStride << 2);
    const d = dst + (<usize>o * <usize>dstStride << 2);
    for (let j = 0; j < chunk; j++) {
      const p = d + (<usize>j << 2);
      store<f32>(p, load<f32>(p) + load<f32>(s + (<usize>j << 2)));
    }
  }
}

// Add: dst[0:n] = a[0:n] + b[0:n] (dst may alias a).
export function add_arrays(n: i32, a: usize, b: usize, dst: usize): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(dst + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(dst + o, load<f32>(a + o) + load<f32>(b + o));
  }
}
