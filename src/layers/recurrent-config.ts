// The Keras config keys every recurrent layer reads and writes (LSTM, GRU, SimpleRNN entries).
import type { ActivationName } from "../core/activations.js";
import type { ConfigReader, JsonObject, LoadContext } from "./config.js";
import { baseConfig, initConfig, kerasActivation, ZEROS } from "./entry.js";
import type { RecurrentLayer } from "./recurrent.js";
import type { CellActivationName } from "./recurrent-options.js";

/** A dropout rate from a config: Keras clips it to [0, 1]; absent or null is 0. */
function rate(cfg: ConfigReader, key: string): number {
  return Math.min(Math.max(cfg.num(key, 0), 0), 1);
}

/**
 * A cell's activation from a config, as the types of the options name it: the layer's constructor
 * refuses the others (softmax, gelu, ...) as it does for options given in code.
 */
export function cellActivation(cfg: ConfigReader, key: string, fallback: ActivationName): CellActivationName | null {
  return cfg.activation(key, fallback) as CellActivationName | null;
}

/** Options shared by every recurrent layer. */
export function recurrentOptions(cfg: ConfigReader) {
  cfg.requireDefault("time_major", (v) => v === false, "inputs must be [batch, steps, features]");
  cfg.used.add("zero_output_for_mask");
  return {
    name: cfg.name,
    units: cfg.int("units"),
    activation: cellActivation(cfg, "activation", "tanh"),
    useBias: cfg.bool("use_bias", true),
    stateful: cfg.bool("stateful", false),
    kernelInitializer: ZEROS,
    recurrentInitializer: ZEROS,
    biasInitializer: ZEROS,
    returnSequences: cfg.bool("return_sequences", false),
    returnState: cfg.bool("return_state", false),
    goBackwards: cfg.bool("go_backwards", false),
    dropout: rate(cfg, "dropout"),
    recurrentDropout: rate(cfg, "recurrent_dropout"),
  };
}

/** Default recurrent activation of the file's Keras version when the key is missing. */
export function defaultRecurrentActivation(ctx: LoadContext): ActivationName {
  return ctx.legacyHardSigmoid ? "hard_sigmoid_legacy" : "sigmoid";
}

/** Keras config keys every recurrent layer writes. */
export function recurrentConfig(l: RecurrentLayer, target: "tfjs" | "keras"): JsonObject {
  return {
    ...baseConfig(l.name),
    return_sequences: l.returnSequences,
    return_state: l.returnState,
    go_backwards: l.goBackwards,
    stateful: l.stateful,
    unroll: false,
    units: l.units,
    activation: kerasActivation(l, l.activation, target),
    use_bias: l.useBias,
    kernel_initializer: initConfig("GlorotUniform", { seed: null }),
    recurrent_initializer: initConfig("Orthogonal", { gain: 1, seed: null }),
    bias_initializer: initConfig("Zeros"),
    kernel_regularizer: null,
    recurrent_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    recurrent_constraint: null,
    bias_constraint: null,
    dropout: l.dropout,
    recurrent_dropout: l.recurrentDropout,
    ...(target === "tfjs" ? { implementation: 2 } : { seed: null }),
  };
}
