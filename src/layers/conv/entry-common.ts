// What the convolutions' file entries share: the window options read from a Keras config (Keras 3
// lists or Keras 2 / TF.js ints, Keras 1 names), and the Keras 3 config written back.
import { describeValue } from "../../core/errors.js";
import type { ConfigReader, Json, JsonObject } from "../config.js";
import { baseConfig, initConfig, kerasActivation } from "../entry.js";
import type { ConvBase, ConvCommonArgs } from "./conv-base.js";
import { type ConvPadding, windowConfig } from "./geometry.js";

/** An int or a list of one int under the first present key of `keys` (Keras 1 names last). */
export function intOrList(cfg: ConfigReader, keys: readonly string[], fallback?: number): number {
  for (const key of keys) {
    cfg.used.add(key);
    const v = cfg.raw[key];
    if (v === undefined || v === null) continue;
    const x = Array.isArray(v) && v.length === 1 ? v[0] : v;
    if (typeof x !== "number" || !Number.isInteger(x) || x <= 0)
      cfg.fail(`expected ${key} to be a positive integer or a list of one, got ${describeValue(v as Json)}`);
    return x as number;
  }
  if (fallback === undefined) cfg.fail(`expected ${keys[0]} in the config`);
  return fallback;
}

/** The options every convolution reads: window, activation, use_bias (Keras 1: bias). */
export function commonArgs(cfg: ConfigReader): ConvCommonArgs {
  const padding = cfg.str(cfg.has("padding") ? "padding" : "border_mode", "valid").toLowerCase();
  if (padding !== "valid" && padding !== "same" && padding !== "causal")
    cfg.fail(`expected padding to be "valid", "same" or "causal", got ${describeValue(padding)}`);
  return {
    name: cfg.name,
    kernelSize: intOrList(cfg, ["kernel_size", "filter_length"]),
    strides: intOrList(cfg, ["strides", "subsample_length"], 1),
    padding: padding as ConvPadding,
    dataFormat: cfg.str("data_format", "channels_last") as "channels_last",
    dilationRate: intOrList(cfg, ["dilation_rate"], 1),
    activation: cfg.activation("activation", "linear"),
    useBias: cfg.bool(cfg.has("use_bias") ? "use_bias" : "bias", true),
    biasInitializer: "zeros",
  };
}

const GLOROT = initConfig("GlorotUniform", { seed: null });

/** The Keras 3 config of a convolution; `initializers` names its kernel initializer keys. */
export function convConfig(
  l: ConvBase,
  target: "tfjs" | "keras",
  extra: JsonObject,
  initializers: string[],
): JsonObject {
  const out: JsonObject = {
    ...baseConfig(l.name),
    ...extra,
    ...windowConfig(l.window),
    activation: kerasActivation(l, l.activation, target),
    use_bias: l.useBias,
  };
  for (const key of initializers) out[`${key}_initializer`] = GLOROT;
  out.bias_initializer = initConfig("Zeros");
  for (const key of [...initializers, "bias", "activity"]) out[`${key}_regularizer`] = null;
  for (const key of [...initializers, "bias"]) out[`${key}_constraint`] = null;
  return out;
}
