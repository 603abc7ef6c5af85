// The inference core's exports: re-exports of the forward kernels, one file per op (gemm/: packing
// and products; rnn/: recurrent cells; layers/: the other ops; math/: shared vector math). Memory is
// managed from JavaScript (src/core/arena.ts): no kernel allocates, so the module never grows memory
// on its own. The backward kernels, losses and optimizers are a second module on this memory
// (assembly/train.ts), loaded by the first fit. Their TypeScript types are generated from these
// lists (scripts/kernel-types.mjs).

export { pack_panel16, pack_gates, unpack_panel16, unpack_gates } from "./gemm/pack";
export { gemm_2x16, gemm_2x12, gemm_2x8, gemm_2x4 } from "./gemm/gemm_2x16";
export { activate_rows, activate_vec, exp_vec } from "./math/activations";
export { lstm_forward } from "./rnn/lstm";
export { gru_reset_after_forward, gru_reset_before_forward } from "./rnn/gru";
export { simple_rnn_forward } from "./rnn/simple_rnn";
export { conv_lstm2d_step } from "./rnn/conv_lstm2d";
export { merge_pair } from "./layers/merge";
export { reverse_time } from "./layers/reverse_time";
export { masking_forward, mask_or } from "./layers/masking";
export { embedding_forward } from "./layers/embedding";
export { repeat_rows } from "./layers/repeat_vector";
export { copy_blocks, add_arrays, gather_rows, scatter_rows } from "./layers/blocks";
export { pool1d_forward, masked_mean_steps } from "./layers/pooling1d";
export { permute_copy } from "./layers/permute";
export { norm_affine, norm_groups_forward } from "./layers/normalization";
export { conv1d_im2col, depthwise_conv1d } from "./layers/conv1d";
export { steps_copy } from "./layers/padding1d";
export { attn_dot_scores, attn_additive_scores, attn_softmax, attn_weighted } from "./layers/attention";
export { merge_rows, broadcast_4d } from "./layers/merge";
export { batch_dot, l2_normalize_forward } from "./layers/dot";
export { param_act_forward, softmax_axis_forward } from "./layers/activation_layers";
export { conv2d_im2col } from "./layers/conv2d";
export { pool2d_forward } from "./layers/pooling2d";

// First byte after the static data: the arena starts here.
export function heap_base(): usize {
  return __heap_base;
}

// Used as `--use abort=assembly/index/trap` so the module needs no imports.
export function trap(message: usize, fileName: usize, line: u32, column: u32): void {
  unreachable();
}
