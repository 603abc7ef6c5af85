// The wasm core's exports: kernels only. Memory is managed from JavaScript (src/core/arena.ts):
// no kernel allocates, so the module never grows memory on its own.

export { pack_panel16, pack_gates, unpack_panel16, unpack_gates, gemm_2x16, gemm_2x12, gemm_2x8, gemm_2x4 } from "./gemm";
export { activate_rows, activate_vec, exp_vec, activation_backward_rows } from "./activations";
export { lstm_forward } from "./lstm";
export { lstm_backward } from "./lstm_backward";
export { dropout_forward, dropout_backward } from "./dropout";
export { gemm_nt_panels, gemm_tn_panels, colsum_acc } from "./gemm_grad";
export { embedding_backward, masking_backward, repeat_rows_backward, add_blocks, merge_pair_backward } from "./sequence_grad";

// First byte after the static data: the arena starts here.
export function heap_base(): usize {
  return __heap_base;
}

// Used as `--use abort=assembly/index/trap` so the module needs no imports.
export function trap(message: usize, fileName: usize, line: u32, column: u32): void {
  unreachable();
}
export { gru_reset_after_forward, gru_reset_before_forward } from "./gru";
export { gru_reset_after_backward, gru_reset_before_backward } from "./gru_backward";
export { simple_rnn_forward, simple_rnn_backward } from "./simple_rnn";
export {
  merge_pair, reverse_time, masking_forward, embedding_forward, repeat_rows, copy_blocks, add_arrays, mask_or,
} from "./sequence";
export { sgd_update, sgd_momentum_update, adam_update, rmsprop_update, adagrad_update, decay_weights, sum_squares, clip_gradients } from "./optimizers";
export {
  loss_mse, loss_mae, loss_huber, loss_msle, loss_kl_divergence, loss_cosine_similarity, loss_binary_crossentropy,
  loss_categorical_crossentropy, loss_sparse_ids_check, loss_sparse_categorical_crossentropy, loss_first_nonfinite,
} from "./losses";
