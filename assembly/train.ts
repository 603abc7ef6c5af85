// The training core's exports: re-exports of the backward kernels, losses and optimizers. A second
// wasm module, loaded on the first fit (src/core/train-kernels.ts), on the inference core's memory
// (imported): so inference never downloads it. It allocates nothing and has no static data beyond
// a few constants, placed below the inference core's data (asconfig.train.json, memoryBase).
// Their TypeScript types are generated from these lists (scripts/kernel-types.mjs): exports from
// ./train/losses and ./train/optimizers make LossKernels and OptimizerKernels, the rest TrainExports.
export { activation_backward_rows } from "./math/activations";
export { gemm_tn_panels, gemm_tn_blocked, tn_blocked_scratch_bytes, colsum_acc, gemm_nt_packed } from "./gemm/gemm_grad";
export { pack_transpose_panels } from "./gemm/pack";
export { lstm_backward } from "./rnn/lstm";
export { conv_lstm2d_step_backward } from "./rnn/conv_lstm2d";
export { simple_rnn_backward } from "./rnn/simple_rnn";
export { gru_reset_after_backward, gru_reset_before_backward } from "./rnn/gru";
export { gated_gemm, gated_tn, gated_nt } from "./rnn/gated";
export { lstm_dropout_forward, gru_after_dropout_forward, gru_before_dropout_forward, simple_rnn_dropout_forward } from "./rnn/dropout_cells";
export { merge_pair_backward } from "./layers/merge";
export { masking_backward } from "./layers/masking";
export { embedding_backward } from "./layers/embedding";
export { repeat_rows_backward } from "./layers/repeat_vector";
export { add_blocks } from "./layers/blocks";
export { batch_norm_moments, batch_norm_backward, norm_groups_backward } from "./layers/normalization";
export { conv1d_col2im_backward, depthwise_conv1d_backward } from "./layers/conv1d";
export { attn_softmax_backward, attn_weighted_t, attn_additive_backward } from "./layers/attention";
export { activation_backward_x } from "./math/activations_grad";
export { merge_rows, merge_rows_backward, broadcast_4d, broadcast_4d_backward } from "./layers/merge";
export { batch_dot, l2_normalize_forward, l2_normalize_backward } from "./layers/dot";
export { param_act_backward, softmax_axis_backward } from "./layers/activation_layers";
export { conv2d_col2im } from "./layers/conv2d";
export { pool2d_backward } from "./layers/pooling2d";
export { dropout_forward, dropout_backward, dropout_mask, scale_steps } from "./layers/dropout";
export { pool1d_backward, masked_mean_steps_backward } from "./layers/pooling1d";
export { permute_backward } from "./layers/permute";
export {
  loss_mse, loss_mae, loss_huber, loss_msle, loss_kl_divergence, loss_cosine_similarity, loss_binary_crossentropy,
  loss_categorical_crossentropy, loss_sparse_ids_check, loss_sparse_categorical_crossentropy, loss_first_nonfinite,
} from "./train/losses";
export {
  sgd_update, sgd_momentum_update, adam_update, rmsprop_update, adagrad_update, decay_weights, sum_squares, clip_gradients,
} from "./train/optimizers";

// Used as `--use abort=assembly/train/trap` so the module needs no imports but its memory.
export function trap(message: usize, fileName: usize, line: u32, column: u32): void {
  unreachable();
}
