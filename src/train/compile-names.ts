// The names compile() checks at once (Keras's compile refuses an unknown optimizer, loss or
// metric itself), in a module small enough for the default entry: the losses, metrics and
// optimizers themselves load with training. Lists and Maps, so "constructor" or "__proto__" name
// nothing.
import { describeValue, WasmRnnError } from "../core/errors.js";

/** Every name loss-table.ts resolves (its functions, classes and aliases; a test keeps them equal). */
export const LOSS_NAMES = [
  "mean_squared_error",
  "MeanSquaredError",
  "mse",
  "MSE",
  "mean_absolute_error",
  "MeanAbsoluteError",
  "mae",
  "MAE",
  "huber",
  "Huber",
  "mean_squared_logarithmic_error",
  "MeanSquaredLogarithmicError",
  "msle",
  "MSLE",
  "kl_divergence",
  "KLDivergence",
  "kld",
  "KLD",
  "cosine_similarity",
  "CosineSimilarity",
  "binary_crossentropy",
  "BinaryCrossentropy",
  "bce",
  "categorical_crossentropy",
  "CategoricalCrossentropy",
  "sparse_categorical_crossentropy",
  "SparseCategoricalCrossentropy",
  // TF.js's spellings (tf.LayersModel.compile)
  "meanSquaredError",
  "meanAbsoluteError",
  "meanSquaredLogarithmicError",
  "kullbackLeiblerDivergence",
  "cosineProximity",
  "binaryCrossentropy",
  "categoricalCrossentropy",
  "sparseCategoricalCrossentropy",
] as const;
/** A loss name compile() takes: Keras's functions, classes and short forms, and TF.js's spellings. */
export type LossName = (typeof LOSS_NAMES)[number];

/** Whether a loss spec names a loss wasm-rnn has, as getLoss reads it (its options are checked later). */
export function lossSpecName(spec: unknown): unknown {
  if (typeof spec !== "object" || spec === null) return spec;
  const o = spec as Record<string, unknown>;
  const cls = o.className ?? o.class_name;
  if (cls === undefined) return o.name;
  return cls === "function" && typeof o.config === "string" ? o.config : cls;
}

/** The metrics metrics.ts computes, by Keras function name ("accuracy" picks one of the three by shapes). */
const KINDS = [
  "accuracy",
  "binary_accuracy",
  "categorical_accuracy",
  "sparse_categorical_accuracy",
  "top_k_categorical_accuracy",
  "mean_squared_error",
  "mean_absolute_error",
] as const;
export type MetricKind = (typeof KINDS)[number];

/** Other Keras spellings (a Map: "constructor" or "__proto__" name no metric). */
const ALIAS_PAIRS = [
  ["acc", "accuracy"],
  ["mse", "mean_squared_error"],
  ["mae", "mean_absolute_error"],
  ["MeanSquaredError", "mean_squared_error"],
  ["MeanAbsoluteError", "mean_absolute_error"],
  ["BinaryAccuracy", "binary_accuracy"],
  ["CategoricalAccuracy", "categorical_accuracy"],
  ["SparseCategoricalAccuracy", "sparse_categorical_accuracy"],
  ["TopKCategoricalAccuracy", "top_k_categorical_accuracy"],
  // TF.js's spellings
  ["binaryAccuracy", "binary_accuracy"],
  ["categoricalAccuracy", "categorical_accuracy"],
  ["sparseCategoricalAccuracy", "sparse_categorical_accuracy"],
  ["topKCategoricalAccuracy", "top_k_categorical_accuracy"],
  ["meanSquaredError", "mean_squared_error"],
  ["meanAbsoluteError", "mean_absolute_error"],
  ["MSE", "mean_squared_error"],
  ["MAE", "mean_absolute_error"],
] as const satisfies readonly (readonly [string, MetricKind])[];
const ALIASES = new Map<string, MetricKind>(ALIAS_PAIRS);
/** A metric name compile() takes: the kinds and their other Keras and TF.js spellings. */
export type MetricName = MetricKind | (typeof ALIAS_PAIRS)[number][0];

/** The metric a name gives (compile checks names with it, before the training code loads). */
export function metricKind(spec: unknown, who: string): MetricKind {
  if (typeof spec !== "string") throw new WasmRnnError(`${who}: expected a metric name, got ${describeValue(spec)}`);
  const kind = ALIASES.get(spec) ?? (KINDS as readonly string[]).find((k) => k === spec);
  if (kind === undefined) {
    const known = ["accuracy", "acc", ...KINDS.slice(1), "mse", "mae"];
    throw new WasmRnnError(`${who}: unknown metric ${describeValue(spec)}; expected one of ${known.join(", ")}`);
  }
  return kind as MetricKind;
}

/** Keras's `_direction` of a metric by name: the accuracy family improves upwards, the errors downwards. */
export function metricDirection(spec: string): "up" | "down" {
  return (ALIASES.get(spec) ?? spec).endsWith("accuracy") ? "up" : "down";
}
