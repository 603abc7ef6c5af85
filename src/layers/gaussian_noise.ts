// GaussianNoise: while training, adds N(0, stddev) noise to every value (Keras), so the gradient
// passes through unchanged; the identity at inference.
import { WasmRnnError } from "../core/errors.js";
import { checkOptions } from "../core/validate.js";
import { NoiseLayer } from "./noise.js";

export class GaussianNoise extends NoiseLayer {
  readonly className = "GaussianNoise";
  readonly stddev: number;

  constructor(args: { stddev: number; name?: string }) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`GaussianNoise: expected an options object { stddev }, got ${String(args)}`);
    checkOptions(`GaussianNoise '${args.name ?? "gaussian_noise"}'`, args, ["stddev", "name"]);
    super(args.name, "GaussianNoise");
    if (typeof args.stddev !== "number" || !(args.stddev >= 0) || !Number.isFinite(args.stddev)) {
      throw new WasmRnnError(
        `${this.who}: expected stddev to be a finite number >= 0, got ${JSON.stringify(args.stddev)}`,
      );
    }
    this.stddev = args.stddev;
  }
}
