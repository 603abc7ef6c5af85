// Conv2D by im2col: the windows of a chunk of output positions are copied into rows, which the
// forward GEMM (gemm/gemm_2x16.ts) multiplies by the kernel packed in panels (gemm/pack.ts).
//   x     [B, H, W, C] channels_last
//   cols  [R, KH*KW*C]: row r is output position m0 + r of [B, OH, OW], laid out (kh, kw, c) as
//         the Keras kernel [KH, KW, C, F] flattens; positions in the padding are zero
//   g     the window geometry, 13 i32 at g: H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL
// conv2d_col2im is im2col's transpose (the backward): dx += the windows of rows dcols.

// @ts-ignore: decorator
@inline function geo(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}

export function conv2d_im2col(x: usize, g: usize, m0: i32, R: i32, cols: usize): void {
  walk(false, x, g, m0, R, cols);
}

export function conv2d_col2im(dcols: usize, g: usize, m0: i32, R: i32, dx: usize): void {
  walk(true, dx, g, m0, R, dcols);
}

// @ts-ignore: decorator
@inline function walk(back: bool, x: usize, g: usize, m0: i32, R: i32, cols: usize): void {
  const H = geo(g, 0), W = geo(g, 1), C = geo(g, 2), OH = geo(g, 3), OW = geo(g, 4);
  const KH = geo(g, 5), KW = geo(g, 6), SH = geo(g, 7), SW = geo(g, 8), DH = geo(g, 9), DW = geo(g, 10);
  const PT = geo(g, 11), PL = geo(g, 12);
  const cBytes = <usize>C << 2;
  let dst = cols;
  for (let r = 0; r < R; r++) {
    const m = m0 + r;
    const ow = m % OW, q = m / OW;
    const oh = q % OH, b = q / OH;
    const img = x + <usize>b * <usize>H * <usize>W * cBytes;
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * SH - PT + kh * DH;
      for (let kw = 0; kw < KW; kw++) {
        const iw = ow * SW - PL + kw * DW;
        if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
          const src = img + (<usize>ih * <usize>W + <usize>iw) * cBytes;
          if (back) add(dst, src, C);
          else memory.copy(dst, src, cBytes);
        } else if (!back) {
          memory.fill(dst, 0, cBytes);
        }
        dst += cBytes;
      }
    }
  }
}

// dst[0:n] += src[0:n]
// @ts-ignore: decorator
@inline function add(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}
