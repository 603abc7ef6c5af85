// Identity (Keras 3): the output is the input; masks pass on. A placeholder layer real models
// keep (e.g. a switchable stage), loaded so their files run.
import { WasmRnnError } from "../core/errors.js";
import { checkOptions } from "../core/validate.js";
import { NoiseLayer } from "./noise.js";

export class Identity extends NoiseLayer {
  readonly className = "Identity";
  constructor(args: { name?: string } = {}) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Identity: expected an options object, got ${String(args)}`);
    checkOptions(`Identity '${args.name ?? "identity"}'`, args, ["name"]);
    super(args.name, "Identity");
  }
}
