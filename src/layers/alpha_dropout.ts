// AlphaDropout (for SELU networks): the identity at inference. Its training-time noise (dropped
// values set to SELU's saturation, then an affine correction) is not implemented, so fit refuses
// it rather than train it as something else.
import { WasmRnnError } from "../core/errors.js";
import { checkOptions } from "../core/validate.js";
import { identityBackward } from "./backward-base.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { checkRate, NoiseLayer } from "./noise.js";

export class AlphaDropout extends NoiseLayer {
  readonly className = "AlphaDropout";
  readonly rate: number;

  constructor(args: { rate: number; name?: string }) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`AlphaDropout: expected an options object { rate }, got ${String(args)}`);
    checkOptions(`AlphaDropout '${args.name ?? "alpha_dropout"}'`, args, ["rate", "name"]);
    super(args.name, "AlphaDropout");
    this.rate = checkRate(this.who, args.rate);
  }
}

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
