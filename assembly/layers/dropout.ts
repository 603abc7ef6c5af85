// Dropout while training (Keras `Dropout(rate)` with training=True): inverted dropout, so a kept
// value is scaled by 1 / (1 - rate) and inference is the identity.
//
//   x, y   [n] f32        input and output (may alias)
//   keep   [n] u8         out (forward) / in (backward): 1 where the value was kept
// The keep decisions come from a counter-based hash of (seed, i) (the 32-bit finaliser of
// MurmurHash3), so a call needs no random state and the same seed gives the same mask anywhere.
// It is not Keras's random stream: dropped positions differ from Keras's, their statistics do not.

// @ts-ignore: decorator
@inline function hash32(seed: u32, i: u32): u32 {
  let h = seed ^ (i * 0x9e3779b9);
  h ^= h >> 16; h *= 0x85ebca6b;
  h ^= h >> 13; h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

export function dropout_forward(n: i32, x: usize, y: usize, keep: usize, rate: f32, seed: u32): void {
  // keep when the hash is at or above rate * 2^32 (u64 so rate near 1 cannot wrap)
  const cut = <u64>(<f64>rate * 4294967296.0);
  const scale: f32 = <f32>1.0 / (<f32>1.0 - rate);
  for (let i = 0; i < n; i++) {
    const k = <u64>hash32(seed, <u32>i) >= cut;
    store<u8>(keep + <usize>i, k ? 1 : 0);
    const o = <usize>i << 2;
    store<f32>(y + o, k ? load<f32>(x + o) * scale : 0);
  }
}

// dx += keep ? dy / (1 - rate) : 0
export function dropout_backward(n: i32, dy: usize, keep: usize, rate: f32, dx: usize): void {
  const scale: f32 = <f32>1.0 / (<f32>1.0 - rate);
  for (let i = 0; i < n; i++) {
    if (load<u8>(keep + <usize>i) == 0) continue;
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) * scale);
  }
}

// A recurrent layer's input dropout (Keras `dropout` with recurrent_dropout 0): one mask per row,
// the same at every step.  mask [B, F] f32 out: 1 / (1 - rate) where kept, else 0.
export function dropout_mask(n: i32, mask: usize, rate: f32, seed: u32): void {
  const cut = <u64>(<f64>rate * 4294967296.0);
  const scale: f32 = <f32>1.0 / (<f32>1.0 - rate);
  for (let i = 0; i < n; i++) store<f32>(mask + (<usize>i << 2), <u64>hash32(seed, <u32>i) >= cut ? scale : 0);
}

// y[b, t, :] (+)= x[b, t, :] * mask[b, :]      x, y [B, T, F], mask [B, F]; accumulate adds into y
export function scale_steps(B: i32, T: i32, F: i32, x: usize, mask: usize, y: usize, accumulate: i32): void {
  for (let b = 0; b < B; b++) {
    const m = mask + (<usize>b * <usize>F << 2);
    for (let t = 0; t < T; t++) {
      const row = <usize>(b * T + t) * <usize>F << 2;
      for (let j = 0; j < F; j++) {
        const o = <usize>j << 2;
        const v = load<f32>(x + row + o) * load<f32>(m + o);
        store<f32>(y + row + o, accumulate ? load<f32>(y + row + o) + v : v);
      }
    }
  }
}
