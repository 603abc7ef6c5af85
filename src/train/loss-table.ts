// The Keras losses wasm-rnn has: each one's Keras names, class, default name and which options
// it takes (keras/src/losses/losses.py), looked up by name in a Map.
import { describeValue, WasmRnnError } from "../core/errors.js";
import type { LossReduction } from "./types.js";

export type Kind = "mse" | "mae" | "huber" | "msle" | "kld" | "cosine" | "bce" | "cce" | "scce";

export interface Entry {
  kind: Kind;
  name: string; // Keras function name
  className: string;
  kerasName: string; // the class's default `name`
  aliases: readonly string[];
  crossentropy: boolean;
  smoothing: boolean;
  /** Per-sample value = mean over the last axis of an element-wise loss. */
  elementwiseMean: boolean;
}

export const ENTRIES: readonly Entry[] = [
  {
    kind: "mse",
    name: "mean_squared_error",
    className: "MeanSquaredError",
    kerasName: "mean_squared_error",
    aliases: ["mse", "MSE", "meanSquaredError"],
    crossentropy: false,
    smoothing: false,
    elementwiseMean: true,
  },
  {
    kind: "mae",
    name: "mean_absolute_error",
    className: "MeanAbsoluteError",
    kerasName: "mean_absolute_error",
    aliases: ["mae", "MAE", "meanAbsoluteError"],
    crossentropy: false,
    smoothing: false,
    elementwiseMean: true,
  },
  {
    kind: "huber",
    name: "huber",
    className: "Huber",
    kerasName: "huber_loss",
    aliases: [],
    crossentropy: false,
    smoothing: false,
    elementwiseMean: true,
  },
  {
    kind: "msle",
    name: "mean_squared_logarithmic_error",
    className: "MeanSquaredLogarithmicError",
    kerasName: "mean_squared_logarithmic_error",
    aliases: ["msle", "MSLE", "meanSquaredLogarithmicError"],
    crossentropy: false,
    smoothing: false,
    elementwiseMean: true,
  },
  {
    kind: "kld",
    name: "kl_divergence",
    className: "KLDivergence",
    kerasName: "kl_divergence",
    aliases: ["kld", "KLD", "kullbackLeiblerDivergence"],
    crossentropy: false,
    smoothing: false,
    elementwiseMean: false,
  },
  {
    kind: "cosine",
    name: "cosine_similarity",
    className: "CosineSimilarity",
    kerasName: "cosine_similarity",
    aliases: ["cosineProximity"],
    crossentropy: false,
    smoothing: false,
    elementwiseMean: false,
  },
  {
    kind: "bce",
    name: "binary_crossentropy",
    className: "BinaryCrossentropy",
    kerasName: "binary_crossentropy",
    aliases: ["bce", "binaryCrossentropy"],
    crossentropy: true,
    smoothing: true,
    elementwiseMean: true,
  },
  {
    kind: "cce",
    name: "categorical_crossentropy",
    className: "CategoricalCrossentropy",
    kerasName: "categorical_crossentropy",
    aliases: ["categoricalCrossentropy"],
    crossentropy: true,
    smoothing: true,
    elementwiseMean: false,
  },
  {
    kind: "scce",
    name: "sparse_categorical_crossentropy",
    className: "SparseCategoricalCrossentropy",
    kerasName: "sparse_categorical_crossentropy",
    aliases: ["sparseCategoricalCrossentropy"],
    crossentropy: true,
    smoothing: false,
    elementwiseMean: false,
  },
];

export const BY_NAME = new Map<string, Entry>();
for (const e of ENTRIES) {
  for (const n of [e.name, e.className, ...e.aliases]) BY_NAME.set(n, e);
}
export const KNOWN = ENTRIES.map((e) => [e.name, ...e.aliases].map((n) => JSON.stringify(n)).join("/")).join(", ");
export const REDUCTIONS: readonly string[] = ["sum_over_batch_size", "mean", "mean_with_sample_weight", "sum"];

export interface Settings {
  fromLogits: boolean;
  labelSmoothing: number;
  delta: number;
  reduction: LossReduction;
  name?: string;
}

export function findEntry(name: unknown, who: string): Entry {
  const entry = typeof name === "string" ? BY_NAME.get(name) : undefined;
  if (!entry) {
    throw new WasmRnnError(
      `${who}: unknown loss ${describeValue(name)}; expected one of ${KNOWN} (or a Keras class name)`,
    );
  }
  return entry;
}

/** The config keys each Keras loss class takes (its constructor's arguments). */
export function kerasConfigKeys(entry: Entry): string[] {
  const keys = ["name", "reduction", "dtype"];
  if (entry.smoothing) keys.push("from_logits", "label_smoothing", "axis");
  if (entry.kind === "scce") keys.push("from_logits", "ignore_class");
  if (entry.kind === "huber") keys.push("delta");
  if (entry.kind === "cosine") keys.push("axis");
  return keys;
}

export function defaults(): Settings {
  return { fromLogits: false, labelSmoothing: 0, delta: 1, reduction: "sum_over_batch_size" };
}
