// Keras Embedding, forward (a row gather) and backward (a scatter-add into the table's gradient).
//   ids [N] (i32, or f32 when idsFloat), table and its gradient [inputDim, D], y and dy [N, D]

import { readId } from "../math/read";

// Keras Embedding: y[n] = table[ids[n]]; with maskZero, mask[n] = ids[n] != 0.
//   ids    [N] i32, or f32 when idsFloat (truncated toward zero, as a cast to int does)
//   table  [inputDim, D], y [N, D], mask [N] u8 (0 = not wanted)
// Returns -1, or the flat index of the first id outside [0, inputDim) (nothing written then).
export function embedding_forward(N: i32, D: i32, ids: usize, idsFloat: i32, table: usize, inputDim: i32,
                                  y: usize, mask: usize): i32 {
  for (let n = 0; n < N; n++) {
    const id = readId(ids, n, idsFloat);
    if (id < 0 || id >= inputDim) return n;
  }
  const rowBytes = <usize>D << 2;
  for (let n = 0; n < N; n++) {
    const id = readId(ids, n, idsFloat);
    memory.copy(y + <usize>n * rowBytes, table + <usize>id * rowBytes, rowBytes);
    if (mask) store<u8>(mask + <usize>n, id != 0 ? 1 : 0);
  }
  return -1;
}

// Embedding: grad[ids[n]] += dy[n], and squares[ids[n]] += dy[n]^2 (0 = not wanted: the sum of
// squared pieces TensorFlow's sparse gradient gives Adam/RMSprop/Adagrad, assembly/train/optimizers.ts).
//   ids [N] (i32, or f32 when idsFloat; checked by forward), dy [N, D], grad, squares [inputDim, D]
export function embedding_backward(N: i32, D: i32, ids: usize, idsFloat: i32, dy: usize, grad: usize, squares: usize): void {
  const rowBytes = <usize>D << 2;
  for (let n = 0; n < N; n++) {
    const row = <usize>readId(ids, n, idsFloat) * rowBytes;
    const g = grad + row, q = squares + row;
    const d = dy + <usize>n * rowBytes;
    let j = 0;
    for (; j + 4 <= D; j += 4) {
      const o = <usize>j << 2;
      const dv = v128.load(d + o);
      v128.store(g + o, f32x4.add(v128.load(g + o), dv));
      if (squares) v128.store(q + o, f32x4.add(v128.load(q + o), f32x4.mul(dv, dv)));
    }
    for (; j < D; j++) {
      const o = <usize>j << 2;
      const dv = load<f32>(d + o);
      store<f32>(g + o, load<f32>(g + o) + dv);
      if (squares) store<f32>(q + o, load<f32>(q + o) + dv * dv);
    }
  }
}
