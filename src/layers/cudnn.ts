// Legacy CuDNNLSTM / CuDNNGRU (Keras 2 `.h5` files, GPU-only layers): loaded as the standard LSTM
// and GRU(resetAfter) they compute, with their weights converted from the cuDNN layout as Keras 2's
// own loader did (keras/engine/saving.py `_convert_rnn_weights`): each gate's input kernel block was
// stored as cuDNN reads it ((I, H) values read as an (H, I) matrix, so it is reshaped and
// transposed back), each recurrent kernel block transposed, and the bias holds an input and a
// recurrent half (8H for the LSTM, summed; 6H for the GRU, which keeps both as reset_after's
// [2, 3H]). The gate order is Keras's own in both (i, f, c, o and z, r, h): no reordering.
// The loaded layers are plain LSTM / GRU: they save, train and summarise as those.
import type { LayerEntry } from "./entry.js";
import { lastDim } from "./entry.js";
import { GRU } from "./gru/gru.js";
import { LSTM } from "./lstm.js";
import { recurrentOptions } from "./recurrent-config.js";

/** CuDNNLSTM: tanh and sigmoid (cuDNN's fixed activations), unit_forget_bias as saved. */
export const cudnnLstmEntry: LayerEntry = {
  classNames: ["CuDNNLSTM"],
  recurrent: true,
  params(cfg, inputs) {
    const u = cfg.int("units"),
      i = lastDim(inputs[0]);
    return 4 * u * (i + u + 1);
  },
  build(cfg) {
    return new LSTM<boolean>({
      ...recurrentOptions(cfg),
      activation: "tanh",
      recurrentActivation: "sigmoid",
      unitForgetBias: cfg.bool("unit_forget_bias", true),
    });
  },
};

/** CuDNNGRU: GRU(reset_after=True) with tanh and sigmoid. */
export const cudnnGruEntry: LayerEntry = {
  classNames: ["CuDNNGRU"],
  recurrent: true,
  params(cfg, inputs) {
    const u = cfg.int("units"),
      i = lastDim(inputs[0]);
    return 3 * u * (i + u + 2);
  },
  build(cfg) {
    return new GRU({ ...recurrentOptions(cfg), activation: "tanh", recurrentActivation: "sigmoid", resetAfter: true });
  },
};

/**
 * One recurrent layer's [kernel (I, G·H), recurrent kernel (H, G·H), bias (2·G·H)] in cuDNN layout
 * -> Keras's (G gates: 4 LSTM, 3 GRU). LSTM: the two bias halves summed (G·H); GRU: kept (2·G·H,
 * read as [2, G·H]).
 */
export function fromCudnn(
  gates: 3 | 4,
  kernel: Float32Array,
  recurrent: Float32Array,
  bias: Float32Array,
  I: number,
  H: number,
): [Float32Array, Float32Array, Float32Array] {
  const W = gates * H;
  const k = new Float32Array(I * W);
  const r = new Float32Array(H * W);
  for (let g = 0; g < gates; g++) {
    // the block flattened row-major is an (H, I) matrix in cuDNN's eyes: K[p][q] = flat[q * I + p]
    for (let p = 0; p < I; p++) {
      for (let q = 0; q < H; q++) {
        const f = q * I + p;
        k[p * W + g * H + q] = kernel[Math.floor(f / H) * W + g * H + (f % H)]!;
      }
    }
    for (let p = 0; p < H; p++) for (let q = 0; q < H; q++) r[p * W + g * H + q] = recurrent[q * W + g * H + p]!;
  }
  let b: Float32Array;
  if (gates === 4) {
    b = new Float32Array(W);
    for (let j = 0; j < W; j++) b[j] = bias[j]! + bias[W + j]!;
  } else b = Float32Array.from(bias);
  return [k, r, b];
}
