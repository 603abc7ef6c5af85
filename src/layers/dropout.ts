// Dropout: while training, zeroes each value with probability `rate` and scales the rest by
// 1 / (1 - rate) (the keep mask is the trace, assembly/dropout.ts); the identity at inference.
import { WasmRnnError } from "../core/errors.js";
import { trainKernels } from "../core/train-kernels.js";
import { checkOptions } from "../core/validate.js";
import { type Backward, identityBackward } from "./backward-base.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { sizeOf } from "./heap.js";
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

const dropoutBackward: Backward = {
  traceBytes: (s) => sizeOf(s.inputs[0]!.shape),
  scratchBytes: () => 0,
  trainingForward: (s, trace, seed) => {
    const rate = (s.layer as Dropout).rate;
    trainKernels().dropout_forward(sizeOf(s.inputs[0]!.shape), s.inputs[0]!.ptr, s.outputs[0]!.ptr, trace, rate, seed);
  },
  run: ({ step, dOut, dIn, trace }) => {
    if (dOut[0] && dIn[0])
      trainKernels().dropout_backward(
        sizeOf(step.outputs[0]!.shape),
        dOut[0],
        trace,
        (step.layer as Dropout).rate,
        dIn[0],
      );
  },
};

export const dropoutEntry: LayerEntry<Dropout> = {
  // SpatialDropout1D and GaussianDropout are the identity at inference too (their own training
  // noise is not implemented: they train as Dropout of the same rate)
  classNames: ["Dropout", "SpatialDropout1D", "GaussianDropout"],
  cls: Dropout,
  // the rate is kept for the summary and saving
  build: (cfg) =>
    new Dropout({ name: cfg.name, rate: Math.min(Math.max(cfg.has("rate") ? cfg.num("rate", 0) : 0, 0), 0.999) }),
  toConfig: (l) => ({ ...baseConfig(l.name), rate: l.rate, noise_shape: null, seed: null }),
  backward: (l) => (l.rate === 0 ? identityBackward : dropoutBackward),
};
