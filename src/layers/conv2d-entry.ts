// Conv2D's file entry and backward.
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.
import { ACTIVATION_IDS } from "../core/activations.js";
import { trainKernels } from "../core/train-kernels.js";
import { heapF32 } from "../core/wasm.js";
import { type Backward, none } from "./backward-base.js";
import type { ConfigReader } from "./config.js";
import { Conv2D, writeGeometry } from "./conv2d.js";
import { readPadding, readPair, requireChannelsLast } from "./conv2d-geometry.js";
import { baseConfig, initConfig, kerasActivation, type LayerEntry, lastDim, ZEROS } from "./entry.js";
import { carve, round16 } from "./heap.js";
import type { Step } from "./layer.js";

/** Backward scratch: geometry, im2col rows and their gradient [R, K], dz [R, Fp], kernel^T [16-rounded K, Fp]. */
function conv2dBackwardLayout(base: number, s: Step) {
  const l = s.layer as Conv2D;
  const x = s.inputs[0]!.shape;
  const g = l.geometry(x);
  const R = l.chunkRows(x[0]! * g.OH * g.OW);
  const K = l.depth,
    Fp = l.paddedFilters;
  const cols = l.direct ? 0 : R * K * 4;
  return carve(base, { geo: 64, cols, dcols: cols, dz: R * Fp * 4, kernelT: round16(K) * Fp * 4 });
}

const conv2dBackward: Backward = {
  traceBytes: none,
  scratchBytes: (s) => conv2dBackwardLayout(0, s).total,
  run: ({ step, dOut, dIn, dParams, scratch }) => {
    const dy = dOut[0]!;
    if (!dy) return;
    const layer = step.layer as Conv2D;
    const k = trainKernels();
    const x = step.inputs[0]!,
      y = step.outputs[0]!;
    const g = layer.geometry(x.shape);
    const L = conv2dBackwardLayout(scratch, step);
    const M = x.shape[0]! * g.OH * g.OW;
    const R = layer.chunkRows(M);
    const K = layer.depth,
      F = layer.filters,
      Fp = layer.paddedFilters;
    const [kernel] = layer.paramBlocks();
    const act = ACTIVATION_IDS[layer.activation];
    writeGeometry(L.geo, g);
    const dx = dIn[0] ?? 0;
    if (dx) k.pack_transpose_panels(4, kernel!.ptr, K, Fp, K, L.kernelT);
    for (let m0 = 0; m0 < M; m0 += R) {
      const r = Math.min(R, M - m0);
      k.activation_backward_rows(r, F, y.ptr + m0 * F * 4, dy + m0 * F * 4, L.dz, Fp, act);
      let a = x.ptr + m0 * K * 4;
      if (!layer.direct) {
        k.conv2d_im2col(x.ptr, L.geo, m0, r, L.cols);
        a = L.cols;
      }
      k.gemm_tn_panels(4, 1, r, K, a, K, 0, L.dz, Fp, Fp, dParams[0]!, K);
      if (layer.useBias) k.colsum_acc(r, Fp, L.dz, Fp, dParams[1]!);
      if (!dx) continue;
      if (layer.direct) k.gemm_nt_packed(r, K, Fp, L.dz, Fp, L.kernelT, dx + m0 * K * 4, K, 1);
      else {
        k.gemm_nt_packed(r, K, Fp, L.dz, Fp, L.kernelT, L.dcols, K, 0);
        k.conv2d_col2im(L.dcols, L.geo, m0, r, dx);
      }
    }
    if (layer.groups > 1) zeroAcrossGroups(layer, dParams[0]!);
  },
};

/** The packed kernel's entries across groups are no weights: their gradient is zero, so they stay zero. */
function zeroAcrossGroups(layer: Conv2D, grad: number): void {
  const f32 = heapF32();
  const K = layer.depth;
  for (let f = 0; f < layer.filters; f++) {
    const base = (grad >>> 2) + (f >> 4) * K * 16 + (f & 15);
    for (let r = 0; r < K; r++) if (layer.kernelIndex(r, f) < 0) f32[base + r * 16] = 0;
  }
}

/** Keras 1 `Convolution2D(nb_filter, nb_row, nb_col, subsample=..., border_mode=...)` keys read as Keras 2's. */
function readConv2D(cfg: ConfigReader): Conv2D {
  requireChannelsLast(cfg);
  const filters = cfg.has("filters") || !cfg.has("nb_filter") ? cfg.int("filters") : cfg.int("nb_filter");
  return new Conv2D({
    name: cfg.name,
    filters,
    kernelSize: readPair(cfg, "kernel_size", [1, 1], ["nb_row", "nb_col"]),
    strides: readPair(cfg, cfg.has("strides") || !cfg.has("subsample") ? "strides" : "subsample", [1, 1]),
    padding: readPadding(cfg),
    dilationRate: readPair(
      cfg,
      cfg.has("dilation_rate") || !cfg.has("atrous_rate") ? "dilation_rate" : "atrous_rate",
      [1, 1],
    ),
    groups: cfg.int("groups", { fallback: 1 }),
    activation: cfg.activation("activation", "linear"),
    useBias: cfg.bool(cfg.has("use_bias") || !cfg.has("bias") ? "use_bias" : "bias", true),
    kernelInitializer: ZEROS,
    biasInitializer: ZEROS,
  });
}

export const conv2dEntry: LayerEntry<Conv2D> = {
  classNames: ["Conv2D", "Convolution2D"],
  cls: Conv2D,
  params(cfg, inputs) {
    const [kh, kw] = readPair(cfg, "kernel_size", [1, 1], ["nb_row", "nb_col"]);
    const filters = cfg.has("filters") || !cfg.has("nb_filter") ? cfg.int("filters") : cfg.int("nb_filter");
    return filters * (kh * kw * lastDim(inputs[0]) + 1);
  },
  build: (cfg) => readConv2D(cfg),
  toConfig: (l, target) => ({
    ...baseConfig(l.name),
    filters: l.filters,
    kernel_size: [...l.kernelSize],
    strides: [...l.strides],
    padding: l.padding,
    data_format: "channels_last",
    dilation_rate: [...l.dilationRate],
    groups: l.groups,
    activation: kerasActivation(l, l.activation, target),
    use_bias: l.useBias,
    kernel_initializer: initConfig("GlorotUniform", { seed: null }),
    bias_initializer: initConfig("Zeros"),
    kernel_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
  }),
  backward: () => conv2dBackward,
};
