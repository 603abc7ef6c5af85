// Weight, gradient and state blocks in wasm memory for the tests that drive optimizers directly.
import { arena } from "../../src/core/arena.js";
import { heapF32 } from "../../src/core/wasm.js";
import type { ParamBlock } from "../../src/train/optimizers.js";

/** Blocks of `length` floats (plus `pad` zero floats) in wasm memory, written from `values`. */
export function put(values: Float32Array, pad = 0): ParamBlock {
  const length = values.length + pad;
  const ptr = arena.alloc(length * 4);
  const heap = heapF32(); // after alloc
  heap.fill(0, ptr >> 2, (ptr >> 2) + length);
  heap.set(values, ptr >> 2);
  return { ptr, length };
}

export function write(b: ParamBlock, values: Float32Array): void {
  heapF32().set(values, b.ptr >> 2);
}

export function read(b: ParamBlock, n = b.length): Float32Array {
  return heapF32().slice(b.ptr >> 2, (b.ptr >> 2) + n);
}

export function free(blocks: ParamBlock[]): void {
  for (const b of blocks) arena.free(b.ptr);
}
