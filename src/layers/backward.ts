// The backward of a layer for training: its entry's (src/layers/index.ts lists them), or an
// error naming what is not trainable yet.
import { WasmRnnError } from "../core/errors.js";
import { type Backward, identityBackward } from "./backward-base.js";
import { registerBuiltinLayers } from "./index.js";
import { InputLayer } from "./input.js";
import type { Layer } from "./layer.js";
import { entryForLayer } from "./registry.js";

export type { Backward, BackwardCall } from "./backward-base.js";

export function backwardFor(layer: Layer, who: string): Backward {
  // a model's inputs are graph nodes too: their values pass through
  if (layer instanceof InputLayer) return identityBackward;
  registerBuiltinLayers();
  const b = entryForLayer(layer)?.backward?.(layer, who, backwardFor);
  if (!b) {
    throw new WasmRnnError(
      `${who}: training is not supported for ${layer.who} yet; expected layers of the kinds LSTM, GRU, SimpleRNN, Bidirectional, ` +
        "Dense, Embedding, TimeDistributed, Activation, Masking, RepeatVector, Concatenate, Add, Flatten, Dropout, GaussianNoise, " +
        `got ${layer.className}`,
    );
  }
  return b;
}
