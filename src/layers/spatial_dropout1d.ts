// SpatialDropout1D: while training, drops whole channels: for each sample, each channel is zeroed
// at every step with probability `rate` and kept scaled by 1 / (1 - rate) otherwise (Keras's noise
// shape [batch, 1, channels]); the identity at inference. Masks pass on, as Keras.
import { fmtShape, WasmRnnError } from "../core/errors.js";
import { checkOptions } from "../core/validate.js";
import type { Shape } from "./layer.js";
import { checkRate, NoiseLayer } from "./noise.js";

export class SpatialDropout1D extends NoiseLayer {
  readonly className = "SpatialDropout1D";
  readonly rate: number;

  constructor(args: { rate: number; name?: string }) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`SpatialDropout1D: expected an options object { rate }, got ${String(args)}`);
    checkOptions(`SpatialDropout1D '${args.name ?? "spatial_dropout1d"}'`, args, ["rate", "name"]);
    super(args.name, "SpatialDropout1D");
    this.rate = checkRate(this.who, args.rate);
  }

  /** Its noise is per sample and channel, not per vector: TimeDistributed cannot fold its steps in. */
  override get perVector(): boolean {
    return false;
  }
  override checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 3);
    if (x.length !== 3)
      throw new WasmRnnError(
        `${this.who}: expected input of rank 3 [batch, steps, channels], got shape ${fmtShape(x)}`,
      );
  }
}
