// The training core's exports: backward kernels, losses and optimizers. A second wasm module,
// loaded on the first fit (src/train/kernels.ts), on the inference core's memory (imported): so
// inference never downloads it. It allocates nothing and has no static data beyond a few
// constants, placed below the inference core's data (asconfig.train.json, memoryBase).
export { activation_backward_rows } from "./activations";
export { gemm_tn_panels, colsum_acc, pack_transpose_panels, gemm_nt_packed } from "./gemm_grad";
export { lstm_backward } from "./lstm_backward";
export { simple_rnn_backward } from "./simple_rnn";
export { gru_reset_after_backward, gru_reset_before_backward } from "./gru_backward";
export { embedding_backward, masking_backward, repeat_rows_backward, add_blocks, merge_pair_backward } from "./sequence_grad";
export { dropout_forward, dropout_backward, dropout_mask, scale_steps } from "./dropout";
export {
  loss_mse, loss_mae, loss_huber, loss_msle, loss_kl_divergence, loss_cosine_similarity, loss_binary_crossentropy,
  loss_categorical_crossentropy, loss_sparse_ids_check, loss_sparse_categorical_crossentropy, loss_first_nonfinite,
} from "./losses";
export {
  sgd_update, sgd_momentum_update, adam_update, rmsprop_update, adagrad_update, decay_weights, sum_squares, clip_gradients,
} from "./optimizers";

// Used as `--use abort=assembly/train/trap` so the module needs no imports but its memory.
export function trap(message: usize, fileName: usize, line: u32, column: u32): void {
  unreachable();
}
