// Per-step helpers of the recurrent kernels (assembly/rnn/*.ts): a masked step's output, and the
// backward's joining of an output gradient into the state gradient.
//   last    [B, Hp] the latest output per row (Hp = H rounded up to 4)
//   outRow  [H] one row of the output sequence y [B, T, H]
//   trace   one processed step's row of the training trace, traceBytes long

import { storeLanes } from "../math/simd";

// A masked step of a recurrent kernel: the row's output is its latest output `last` [Hp]
// (Keras zero_output_for_mask = false) or zeros (zeroOutput = 1, and then `last` becomes zero
// too, as Keras's carried output does). outRow [H] may be 0 (no output sequence wanted).
// traceRow (0 = no trace) is the step's row of a training trace, traceBytes long: zeroed, so the
// backward's whole-sequence products over the trace read zeros, not stale memory, there.
// @ts-ignore: decorator
@inline export function maskedStepOutput(outRow: usize, last: usize, H: i32, zeroOutput: i32, traceRow: usize, traceBytes: usize): void {
  if (traceRow) memory.fill(traceRow, 0, traceBytes);
  const Hp = (H + 3) & ~3;
  if (zeroOutput) memory.fill(last, 0, <usize>Hp << 2);
  if (outRow) {
    for (let g = 0; g < (Hp >> 2); g++) storeLanes(outRow + (<usize>g << 4), v128.load(last + (<usize>g << 4)), H - (g << 2));
  }
}

// Backward: a step's output gradient dyRow [H] joins the gradient of the state h it output.
// @ts-ignore: decorator
@inline export function addOutputGrad(dhRow: usize, dyRow: usize, H: i32): void {
  for (let k = 0; k < H; k++) {
    const o = <usize>k << 2;
    store<f32>(dhRow + o, load<f32>(dhRow + o) + load<f32>(dyRow + o));
  }
}
