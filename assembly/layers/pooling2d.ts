// MaxPooling2D and AveragePooling2D over [B, H, W, C] channels_last, 4 channels per vector.
//   x   [B, H, W, C]     y, dy [B, OH, OW, C]     dx [B, H, W, C] (the backward adds to it)
//   g   the window geometry, 13 i32 as assembly/layers/conv2d.ts (dilations 1)
//   kind 0 = max (padding never wins), 1 = average over the window's positions inside the input
//        (TensorFlow's avg_pool: padding is not counted)
// pool2d_backward: max sends dy to the first position (row-major) holding the window's maximum.

// @ts-ignore: decorator
@inline function geo(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}

export function pool2d_forward(kind: i32, B: i32, x: usize, g: usize, y: usize): void {
  const H = geo(g, 0), W = geo(g, 1), C = geo(g, 2), OH = geo(g, 3), OW = geo(g, 4);
  const KH = geo(g, 5), KW = geo(g, 6), SH = geo(g, 7), SW = geo(g, 8), PT = geo(g, 11), PL = geo(g, 12);
  const cB = <usize>C << 2;
  let out = y;
  for (let b = 0; b < B; b++) {
    const img = x + <usize>b * <usize>H * <usize>W * cB;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = max(oh * SH - PT, 0), h1 = min(oh * SH - PT + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = max(ow * SW - PL, 0), w1 = min(ow * SW - PL + KW, W);
        const inv = f32x4.splat(<f32>1 / <f32>((h1 - h0) * (w1 - w0)));
        let c = 0;
        for (; c + 4 <= C; c += 4) {
          const at = img + (<usize>c << 2);
          let acc = kind == 0 ? f32x4.splat(-Infinity) : f32x4.splat(0);
          for (let h = h0; h < h1; h++) {
            for (let w = w0; w < w1; w++) {
              const v = v128.load(at + (<usize>h * <usize>W + <usize>w) * cB);
              acc = kind == 0 ? f32x4.max(acc, v) : f32x4.add(acc, v);
            }
          }
          v128.store(out + (<usize>c << 2), kind == 0 ? acc : f32x4.mul(acc, inv));
        }
        for (; c < C; c++) {
          const at = img + (<usize>c << 2);
          let acc: f32 = kind == 0 ? -Infinity : 0;
          for (let h = h0; h < h1; h++) {
            for (let w = w0; w < w1; w++) {
              const v = load<f32>(at + (<usize>h * <usize>W + <usize>w) * cB);
              acc = kind == 0 ? max(acc, v) : acc + v;
            }
          }
          store<f32>(out + (<usize>c << 2), kind == 0 ? acc : acc * f32x4.extract_lane(inv, 0));
        }
        out += cB;
      }
    }
  }
}

export function pool2d_backward(kind: i32, B: i32, x: usize, g: usize, dy: usize, dx: usize): void {
  const H = geo(g, 0), W = geo(g, 1), C = geo(g, 2), OH = geo(g, 3), OW = geo(g, 4);
  const KH = geo(g, 5), KW = geo(g, 6), SH = geo(g, 7), SW = geo(g, 8), PT = geo(g, 11), PL = geo(g, 12);
  const cB = <usize>C << 2;
  let d = dy;
  for (let b = 0; b < B; b++) {
    const off = <usize>b * <usize>H * <usize>W * cB;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = max(oh * SH - PT, 0), h1 = min(oh * SH - PT + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = max(ow * SW - PL, 0), w1 = min(ow * SW - PL + KW, W);
        const inv = <f32>1 / <f32>((h1 - h0) * (w1 - w0));
        for (let c = 0; c < C; c++) {
          const at = off + (<usize>c << 2);
          const g1 = load<f32>(d + (<usize>c << 2));
          if (kind == 0) {
            let best: f32 = -Infinity, arg: usize = 0;
            for (let h = h0; h < h1; h++) {
              for (let w = w0; w < w1; w++) {
                const p = at + (<usize>h * <usize>W + <usize>w) * cB;
                const v = load<f32>(x + p);
                if (v > best || arg == 0) { best = v; arg = p + 1; }
              }
            }
            store<f32>(dx + arg - 1, load<f32>(dx + arg - 1) + g1);
          } else {
            const v = g1 * inv;
            for (let h = h0; h < h1; h++) {
              for (let w = w0; w < w1; w++) {
                const p = dx + at + (<usize>h * <usize>W + <usize>w) * cB;
                store<f32>(p, load<f32>(p) + v);
              }
            }
          }
        }
        d += cB;
      }
    }
  }
}
