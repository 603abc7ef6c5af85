// The int8 core's exports (opt-in inference: model.quantize("int8"), src/quant/): weight packing,
// activation quantization, the q8 products and the recurrent cells on them. A third wasm module,
// loaded on the first quantize (src/core/quant-kernels.ts), on the inference core's memory
// (imported), so a model that is not quantized never downloads it. It allocates nothing; its few
// constants sit below the inference core's data and above the training core's (asconfig.quant.json).
// Their TypeScript types are generated from this list (scripts/kernel-types.mjs): QuantExports.
export { q8_pack, q8_rows, q8_select_dot } from "./quant/q8";
export { q8_gemm_16 } from "./quant/q8_gemm";
export { q8_lstm_forward } from "./quant/q8_lstm";
export { q8_gru_reset_after_forward, q8_gru_reset_before_forward } from "./quant/q8_gru";
export { q8_simple_rnn_forward } from "./quant/q8_simple_rnn";

// Used as `--use abort=assembly/quant/trap` so the module needs no imports.
export function trap(message: usize, fileName: usize, line: u32, column: u32): void {
  unreachable();
}
