// GaussianNoise: while training, adds N(0, stddev) noise to every value (Keras), so the gradient
// passes through unchanged; the identity at inference.
import { WasmRnnError } from "../core/errors.js";
import { Rng } from "../core/random.js";
import { checkOptions } from "../core/validate.js";
import { heapF32 } from "../core/wasm.js";
import { identityBackward } from "./backward-base.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { sizeOf } from "./heap.js";
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

export const gaussianNoiseEntry: LayerEntry<GaussianNoise> = {
  classNames: ["GaussianNoise"],
  cls: GaussianNoise,
  build: (cfg) => new GaussianNoise({ name: cfg.name, stddev: Math.max(cfg.num("stddev", 0), 0) }),
  toConfig: (l) => ({ ...baseConfig(l.name), stddev: l.stddev, seed: null }),
  backward: (layer) =>
    layer.stddev === 0
      ? identityBackward
      : {
          ...identityBackward,
          trainingForward: (s, _trace, seed) => {
            const n = sizeOf(s.inputs[0]!.shape);
            const rng = new Rng(seed);
            const f32 = heapF32();
            const x = s.inputs[0]!.ptr >> 2,
              y = s.outputs[0]!.ptr >> 2;
            for (let i = 0; i < n; i++) f32[y + i] = f32[x + i]! + layer.stddev * rng.normal();
          },
        },
};
