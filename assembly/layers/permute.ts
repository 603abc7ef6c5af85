// Keras Permute (a transpose of the axes after the batch), forward and backward.
//   src [d0, ..., d(R-1)] f32 read with any strides;  dst the same count, written in order
//   info i32 [3 R]: dst's shape [R], src's stride (floats) along each dst axis [R], a counter [R]
// The backward is the inverse permutation of dy added into dx (info describing dx's axes in dy).

// dst (+)= src permuted: dst[i0, ..., i(R-1)] = src[sum_a i_a stride_a] (accumulate 1: adds)
export function permute_copy(rank: i32, info: usize, src: usize, dst: usize, accumulate: i32): void {
  let total = 1;
  for (let a = 0; a < rank; a++) {
    total *= load<i32>(info + (<usize>a << 2));
    store<i32>(info + (<usize>(2 * rank + a) << 2), 0);
  }
  if (total == 0) return;
  const inner = load<i32>(info + (<usize>(rank - 1) << 2));
  const step = load<i32>(info + (<usize>(2 * rank - 1) << 2));
  let off = 0;
  for (let i = 0; i < total; i += inner) {
    for (let j = 0; j < inner; j++) {
      const v = load<f32>(src + (<usize>(off + j * step) << 2)), d = dst + (<usize>(i + j) << 2);
      store<f32>(d, accumulate ? load<f32>(d) + v : v);
    }
    for (let a = rank - 2; a >= 0; a--) {
      const cnt = info + (<usize>(2 * rank + a) << 2), n = load<i32>(info + (<usize>a << 2));
      const s = load<i32>(info + (<usize>(rank + a) << 2)), c = load<i32>(cnt) + 1;
      if (c < n) {
        store<i32>(cnt, c);
        off += s;
        break;
      }
      store<i32>(cnt, 0);
      off -= s * (n - 1);
    }
  }
}

// dx += dy with dy's axes put back (info: dx's shape and dy's stride along each of dx's axes).
export function permute_backward(rank: i32, info: usize, dy: usize, dx: usize): void {
  permute_copy(rank, info, dy, dx, 1);
}
