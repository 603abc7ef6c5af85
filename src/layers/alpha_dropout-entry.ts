// AlphaDropout's file entry (fit refuses its training noise).
// What predict never needs: loaded only by the loader, the saver and fit (through
// src/layers/index.ts), so the default entry stays small.
import { WasmRnnError } from "../core/errors.js";
import { AlphaDropout } from "./alpha_dropout.js";
import { identityBackward } from "./backward-base.js";
import { baseConfig, type LayerEntry } from "./entry.js";

export const alphaDropoutEntry: LayerEntry<AlphaDropout> = {
  classNames: ["AlphaDropout"],
  cls: AlphaDropout,
  build: (cfg) =>
    new AlphaDropout({ name: cfg.name, rate: Math.min(Math.max(cfg.has("rate") ? cfg.num("rate", 0) : 0, 0), 0.999) }),
  toConfig: (l) => ({ ...baseConfig(l.name), rate: l.rate, noise_shape: null, seed: null }),
  // Keras applies the noise only for 0 < rate < 1
  backward(layer, who) {
    if (layer.rate === 0) return identityBackward;
    throw new WasmRnnError(
      `${who}: training ${layer.who} with rate ${layer.rate} is not supported yet (AlphaDropout's training noise is not ` +
        "implemented); expected rate 0, or a Dropout layer instead",
    );
  },
};
