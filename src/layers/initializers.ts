// Weight initializers with Keras names and semantics (keras/src/initializers). Only freshly built
// layers use them; random streams never match Keras, but the distributions do.
import { describeValue, WasmRnnError } from "../core/errors.js";
import { nextSeed, Rng } from "../core/random.js";

export interface InitializerConfig {
  /** Keras class name or function name: "GlorotUniform", "glorot_uniform", "glorotUniform", ... */
  className: string;
  seed?: number;
  value?: number;
  minval?: number;
  maxval?: number;
  mean?: number;
  stddev?: number;
  gain?: number;
}

export type InitializerSpec = string | InitializerConfig;

type Fill = (shape: readonly number[], rng: Rng) => Float32Array;

function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  let receptive = 1;
  for (let i = 0; i < shape.length - 2; i++) receptive *= shape[i]!;
  return [shape[shape.length - 2]! * receptive, shape[shape.length - 1]! * receptive];
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function filled(shape: readonly number[], f: () => number): Float32Array {
  const out = new Float32Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = f();
  return out;
}

/** Truncated normal as Keras draws it: resample outside two standard deviations. */
function truncated(rng: Rng, mean: number, stddev: number): number {
  for (;;) {
    const v = rng.normal();
    if (Math.abs(v) <= 2) return mean + stddev * v;
  }
}

function varianceScaling(
  scale: number,
  mode: "fan_in" | "fan_out" | "fan_avg",
  distribution: "uniform" | "truncated_normal",
): Fill {
  return (shape, rng) => {
    const [fanIn, fanOut] = fans(shape);
    const n = mode === "fan_in" ? fanIn : mode === "fan_out" ? fanOut : (fanIn + fanOut) / 2;
    const s = scale / Math.max(1, n);
    if (distribution === "uniform") {
      const limit = Math.sqrt(3 * s);
      return filled(shape, () => rng.uniform(-limit, limit));
    }
    // 0.8796... = stddev of a unit normal truncated at 2 (Keras corrects for it)
    const stddev = Math.sqrt(s) / 0.87962566103423978;
    return filled(shape, () => truncated(rng, 0, stddev));
  };
}

/** Keras Orthogonal: QR of a normal matrix, Q's columns signed by diag(R), transposed if wide. */
function orthogonal(gain: number): Fill {
  return (shape, rng) => {
    const rows = shape.length > 1 ? size(shape.slice(0, -1)) : 1;
    const cols = shape[shape.length - 1]!;
    const m = Math.max(rows, cols);
    const n = Math.min(rows, cols);
    // a is m x n, column-major in float64; modified Gram-Schmidt gives Q (m x n) and diag(R)
    const a = new Float64Array(m * n);
    for (let i = 0; i < a.length; i++) a[i] = rng.normal();
    for (let j = 0; j < n; j++) {
      const cj = j * m;
      for (let p = 0; p < j; p++) {
        const cp = p * m;
        let dot = 0;
        for (let i = 0; i < m; i++) dot += a[cp + i]! * a[cj + i]!;
        for (let i = 0; i < m; i++) a[cj + i] -= dot * a[cp + i]!;
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += a[cj + i]! * a[cj + i]!;
      norm = Math.sqrt(norm);
      // diag(R) = norm > 0, so the sign correction is the identity for Gram-Schmidt
      for (let i = 0; i < m; i++) a[cj + i] /= norm;
    }
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        // rows >= cols: out = Q (m x n, m = rows); else out = Q^T (n x m, n = rows)
        const v = rows >= cols ? a[c * m + r]! : a[r * m + c]!;
        out[r * cols + c] = gain * v;
      }
    }
    return out;
  };
}

/** Every accepted spelling -> the snake_case name (a Map: "constructor" or "__proto__" name none). */
const CANONICAL = new Map<string, string>();
for (const [name, keras] of [
  ["zeros", "Zeros"],
  ["ones", "Ones"],
  ["constant", "Constant"],
  ["glorot_uniform", "GlorotUniform"],
  ["glorot_normal", "GlorotNormal"],
  ["he_uniform", "HeUniform"],
  ["he_normal", "HeNormal"],
  ["lecun_uniform", "LecunUniform"],
  ["lecun_normal", "LecunNormal"],
  ["random_uniform", "RandomUniform"],
  ["random_normal", "RandomNormal"],
  ["truncated_normal", "TruncatedNormal"],
  ["orthogonal", "Orthogonal"],
] as const) {
  CANONICAL.set(name, name);
  CANONICAL.set(keras, name);
  CANONICAL.set(
    name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
    name,
  );
}

export class Initializer {
  readonly name: string;
  readonly config: InitializerConfig;
  private readonly seed: number;

  constructor(spec: InitializerSpec, who: string) {
    if (typeof spec !== "string" && (typeof spec !== "object" || spec === null || Array.isArray(spec))) {
      throw new WasmRnnError(`${who}: expected an initializer name or { className, ... }, got ${describeValue(spec)}`);
    }
    const config: InitializerConfig = typeof spec === "string" ? { className: spec } : { ...spec };
    const name = typeof config.className === "string" ? CANONICAL.get(config.className) : undefined;
    if (!name) {
      throw new WasmRnnError(
        `${who}: expected an initializer among ${[...CANONICAL.keys()]
          .filter((k) => k.includes("_") || k === "zeros" || k === "ones" || k === "constant" || k === "orthogonal")
          .join(", ")}, got ${describeValue(config.className)}`,
      );
    }
    this.name = name;
    this.config = config;
    this.seed = config.seed ?? nextSeed();
  }

  /** Draws a fresh array of `shape` (each call restarts from the initializer's seed, as Keras does with a seeded initializer). */
  generate(shape: readonly number[]): Float32Array {
    const rng = new Rng(this.seed);
    const c = this.config;
    switch (this.name) {
      case "zeros":
        return new Float32Array(size(shape));
      case "ones":
        return new Float32Array(size(shape)).fill(1);
      case "constant":
        return new Float32Array(size(shape)).fill(c.value ?? 0);
      case "glorot_uniform":
        return varianceScaling(1, "fan_avg", "uniform")(shape, rng);
      case "glorot_normal":
        return varianceScaling(1, "fan_avg", "truncated_normal")(shape, rng);
      case "he_uniform":
        return varianceScaling(2, "fan_in", "uniform")(shape, rng);
      case "he_normal":
        return varianceScaling(2, "fan_in", "truncated_normal")(shape, rng);
      case "lecun_uniform":
        return varianceScaling(1, "fan_in", "uniform")(shape, rng);
      case "lecun_normal":
        return varianceScaling(1, "fan_in", "truncated_normal")(shape, rng);
      case "random_uniform":
        return filled(shape, () => rng.uniform(c.minval ?? -0.05, c.maxval ?? 0.05));
      case "random_normal":
        return filled(shape, () => (c.mean ?? 0) + (c.stddev ?? 0.05) * rng.normal());
      case "truncated_normal":
        return filled(shape, () => truncated(rng, c.mean ?? 0, c.stddev ?? 0.05));
      case "orthogonal":
        return orthogonal(c.gain ?? 1)(shape, rng);
      default:
        throw new WasmRnnError(`initializer ${this.name}: not implemented`);
    }
  }
}
