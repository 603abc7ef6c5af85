// Activation names accepted by layers, and their ids in the wasm core (assembly/math/activations.ts).
import { describeValue, WasmRnnError } from "./errors.js";

export const ACTIVATION_IDS = {
  linear: 0,
  relu: 1,
  tanh: 2,
  sigmoid: 3,
  /** Keras 3: clip(x / 6 + 0.5, 0, 1). */
  hard_sigmoid: 4,
  /** Keras 2 and TF.js: clip(0.2 x + 0.5, 0, 1). Model loading picks it for files older than Keras 3. */
  hard_sigmoid_legacy: 5,
  /** Normalises the last axis (Dense only). */
  softmax: 6,
  // Keras 3's other activations: the Activation layer's (scalar kernels, backward from the input)
  /** Exact: 0.5 x (1 + erf(x / sqrt 2)), as Keras's default approximate=False. */
  gelu: 7,
  /** x sigmoid(x); Keras's "swish" is the same function. */
  silu: 8,
  softplus: 9,
  softsign: 10,
  selu: 11,
  /** alpha 1. */
  elu: 12,
  exponential: 13,
  /** Keras 3's default negative slope 0.2. */
  leaky_relu: 14,
  relu6: 15,
  /** x relu6(x + 3) / 6; Keras's "hard_swish" is the same function. */
  hard_silu: 16,
  mish: 17,
  /** x - logsumexp(x) over the last axis. */
  log_softmax: 18,
  hard_tanh: 19,
  log_sigmoid: 20,
  tanh_shrink: 21,
} as const;

export type ActivationName = keyof typeof ACTIVATION_IDS;

/** The activations every layer with an activation option takes (Dense's backward reads its output). */
export const CLASSIC_ACTIVATIONS: readonly ActivationName[] = [
  "linear",
  "relu",
  "tanh",
  "sigmoid",
  "hard_sigmoid",
  "hard_sigmoid_legacy",
  "softmax",
];

/** Every activation the kernels compute (Dense and the convolutions take them all, as the Activation layer). */
export const ALL_ACTIVATIONS = Object.keys(ACTIVATION_IDS) as ActivationName[];

/** Whether the kernels compute this activation's gradient from the input (the scalar kinds). */
export const gradFromInput = (a: ActivationName): boolean => ACTIVATION_IDS[a] >= ACTIVATION_IDS.gelu;

/** camelCase spellings and Keras's other names (a Map: "constructor" or "__proto__" alias nothing). */
const ALIASES = new Map<string, ActivationName>([
  ["hardSigmoid", "hard_sigmoid"],
  ["hardSigmoidLegacy", "hard_sigmoid_legacy"],
  ["swish", "silu"],
  ["hard_swish", "hard_silu"],
  ["leakyRelu", "leaky_relu"],
  ["hardSilu", "hard_silu"],
  ["hardSwish", "hard_silu"],
  ["logSoftmax", "log_softmax"],
  ["hardTanh", "hard_tanh"],
  ["logSigmoid", "log_sigmoid"],
  ["tanhShrink", "tanh_shrink"],
]);

/**
 * A Keras file's activation name -> ours, or undefined when we have none. `legacyHardSigmoid`: the
 * file is older than Keras 3 (its hard_sigmoid is 0.2x+0.5).
 */
export function fileActivation(name: string, legacyHardSigmoid: boolean): ActivationName | undefined {
  if (name === "hard_sigmoid" || name === "hardSigmoid")
    return legacyHardSigmoid ? "hard_sigmoid_legacy" : "hard_sigmoid";
  if (name === "hard_sigmoid_legacy") return undefined;
  const n = ALIASES.get(name) ?? name;
  return Object.hasOwn(ACTIVATION_IDS, n) ? (n as ActivationName) : undefined;
}

/**
 * Resolves an activation option to its canonical name. `null`/undefined mean identity only when
 * `fallback` says so (Keras: activation=None is linear).
 */
export function resolveActivation(
  value: string | null | undefined,
  fallback: ActivationName,
  who: string,
  option: string,
  allowed: readonly ActivationName[] = CLASSIC_ACTIVATIONS,
): ActivationName {
  if (value === undefined) return fallback;
  if (value === null) return "linear";
  const name = (typeof value === "string" ? (ALIASES.get(value) ?? value) : value) as ActivationName;
  if (typeof name !== "string" || !allowed.includes(name)) {
    throw new WasmRnnError(
      `${who}: expected ${option} to be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${describeValue(value)}`,
    );
  }
  return name;
}
