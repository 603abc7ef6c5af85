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
} as const;

export type ActivationName = keyof typeof ACTIVATION_IDS;

/** camelCase spellings (a Map: "constructor" or "__proto__" alias nothing). */
const ALIASES = new Map<string, ActivationName>([
  ["hardSigmoid", "hard_sigmoid"],
  ["hardSigmoidLegacy", "hard_sigmoid_legacy"],
]);

/**
 * Resolves an activation option to its canonical name. `null`/undefined mean identity only when
 * `fallback` says so (Keras: activation=None is linear).
 */
export function resolveActivation(
  value: string | null | undefined,
  fallback: ActivationName,
  who: string,
  option: string,
  allowed: readonly ActivationName[] = Object.keys(ACTIVATION_IDS) as ActivationName[],
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
