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
