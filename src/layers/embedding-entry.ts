// Embedding's file entry and backward.
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.
import { trainKernels } from "../core/train-kernels.js";
import { simpleBackward } from "./backward-base.js";
import { Embedding } from "./embedding.js";
import { baseConfig, initConfig, type LayerEntry, ZEROS } from "./entry.js";
import { sizeOf } from "./heap.js";

export const embeddingEntry: LayerEntry<Embedding> = {
  classNames: ["Embedding"],
  cls: Embedding,
  params: (cfg) => cfg.int("input_dim") * cfg.int("output_dim"),
  build(cfg) {
    return new Embedding({
      name: cfg.name,
      inputDim: cfg.int("input_dim"),
      outputDim: cfg.int("output_dim"),
      maskZero: cfg.bool("mask_zero", false),
      embeddingsInitializer: ZEROS,
    });
  },
  toConfig: (e) => ({
    ...baseConfig(e.name),
    input_dim: e.inputDim,
    output_dim: e.outputDim,
    mask_zero: e.maskZero,
    embeddings_initializer: initConfig("RandomUniform", { minval: -0.05, maxval: 0.05, seed: null }),
    embeddings_regularizer: null,
    activity_regularizer: null,
    embeddings_constraint: null,
  }),
  backward: () => ({
    ...simpleBackward(({ step, dy, dParams, dSquares }) => {
      const ids = step.inputs[0]!;
      const layer = step.layer as Embedding;
      trainKernels().embedding_backward(
        sizeOf(ids.shape),
        layer.outputDim,
        ids.ptr,
        ids.dtype === "float32" ? 1 : 0,
        dy,
        dParams[0]!,
        dSquares[0] ?? 0,
      );
    }),
    sparseSquares: true,
  }),
};
