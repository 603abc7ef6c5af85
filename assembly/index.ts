// The wasm core's exports: the inference kernels. Memory is managed from JavaScript
// (src/core/arena.ts): no kernel allocates, so the module never grows memory on its own. The
// training kernels are a second module on this memory (assembly/train.ts), loaded by the first fit.

export { pack_panel16, pack_gates, unpack_panel16, unpack_gates, gemm_2x16, gemm_2x12, gemm_2x8, gemm_2x4 } from "./gemm";
export { activate_rows, activate_vec, exp_vec } from "./activations";
export { lstm_forward } from "./lstm";
export { gru_reset_after_forward, gru_reset_before_forward } from "./gru";
export { simple_rnn_forward } from "./simple_rnn";
export {
  merge_pair, reverse_time, masking_forward, embedding_forward, repeat_rows, copy_blocks, add_arrays, mask_or,
} from "./sequence";

// First byte after the static data: the arena starts here.
export function heap_base(): usize {
  return __heap_base;
}

// Used as `--use abort=assembly/index/trap` so the module needs no imports.
export function trap(message: usize, fileName: usize, line: u32, column: u32): void {
  unreachable();
}
