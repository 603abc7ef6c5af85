// AlphaDropout (for SELU networks): the identity at inference. Its training-time noise (dropped
// values set to SELU's saturation, then an affine correction) is not implemented, so fit refuses
// it rather than train it as something else.
import { WasmRnnError } from "../core/errors.js";
import { checkOptions } from "../core/validate.js";
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
