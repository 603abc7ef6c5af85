// GaussianDropout: while training, multiplies every value by noise drawn from N(1, rate / (1 - rate))
// (variance; Keras's stddev sqrt(rate / (1 - rate))); the identity at inference. Masks pass on.
import { WasmRnnError } from "../core/errors.js";
import { checkOptions } from "../core/validate.js";
import { checkRate, NoiseLayer } from "./noise.js";

export class GaussianDropout extends NoiseLayer {
  readonly className = "GaussianDropout";
  readonly rate: number;

  constructor(args: { rate: number; name?: string }) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`GaussianDropout: expected an options object { rate }, got ${String(args)}`);
    checkOptions(`GaussianDropout '${args.name ?? "gaussian_dropout"}'`, args, ["rate", "name"]);
    super(args.name, "GaussianDropout");
    this.rate = checkRate(this.who, args.rate);
  }

  /** The noise's standard deviation, sqrt(rate / (1 - rate)). */
  get stddev(): number {
    return Math.sqrt(this.rate / (1 - this.rate));
  }
}
