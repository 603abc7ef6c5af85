// Dropout: while training, zeroes each value with probability `rate` and scales the rest by
// 1 / (1 - rate) (the keep mask is the trace, assembly/layers/dropout.ts); the identity at inference.
import { WasmRnnError } from "../core/errors.js";
import { checkOptions } from "../core/validate.js";
import { checkRate, NoiseLayer } from "./noise.js";

export class Dropout extends NoiseLayer {
  readonly className = "Dropout";
  readonly rate: number;

  constructor(args: { rate: number; name?: string }) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Dropout: expected an options object { rate }, got ${String(args)}`);
    checkOptions(`Dropout '${args.name ?? "dropout"}'`, args, ["rate", "name"]);
    super(args.name, "Dropout");
    this.rate = checkRate(this.who, args.rate);
  }
}
