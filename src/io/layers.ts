// Registry entries for the layers wasm-rnn has. A new layer joins with one registerLayer call:
// Keras config (snake_case) -> our options (camelCase), a parameter estimate for the size limit,
// and the way back for saving.
import type { ActivationName } from "../core/activations.js";
import { WasmRnnError } from "../core/errors.js";
import { Dense } from "../layers/dense.js";
import type { Layer } from "../layers/layer.js";
import { LSTM } from "../layers/lstm.js";
import type { Shape } from "../model/symbolic.js";
import { registerLayer, type ConfigReader, type JsonObject, type LoadContext } from "./registry.js";

const lastDim = (s: Shape | undefined): number => {
  const d = s?.[s.length - 1];
  return typeof d === "number" ? d : 0;
};

/** Our activation name -> the Keras/TF.js name, or an error when the target computes it differently. */
export function kerasActivation(layer: Layer, act: ActivationName, target: "tfjs" | "keras"): string {
  if (act === "hard_sigmoid_legacy") {
    if (target === "tfjs") return "hard_sigmoid";
    throw new WasmRnnError(`saveModel: ${layer.className} '${layer.name}' uses hard_sigmoid_legacy (0.2x+0.5), which Keras 3 files cannot express; save it in TF.js format instead`);
  }
  if (act === "hard_sigmoid" && target === "tfjs") {
    throw new WasmRnnError(`saveModel: ${layer.className} '${layer.name}' uses Keras 3 hard_sigmoid (x/6+0.5), which TF.js computes as 0.2x+0.5; save it as .keras instead`);
  }
  return act;
}

const init = (className: string, config: JsonObject = {}): JsonObject => ({ class_name: className, config });
/** Initializers are irrelevant for loaded weights; "zeros" skips the cost of random init. */
const ZEROS = "zeros";

/** Options shared by every recurrent layer. */
export function recurrentOptions(cfg: ConfigReader) {
  cfg.requireDefault("time_major", (v) => v === false, "inputs must be [batch, steps, features]");
  cfg.requireDefault("stateful", (v) => v === false, "stateful recurrent layers are not available yet");
  cfg.used.add("zero_output_for_mask");
  return {
    returnSequences: cfg.bool("return_sequences", false),
    returnState: cfg.bool("return_state", false),
    goBackwards: cfg.bool("go_backwards", false),
  };
}

/** Default recurrent activation of the file's Keras version when the key is missing. */
export function defaultRecurrentActivation(ctx: LoadContext): ActivationName {
  return ctx.legacyHardSigmoid ? "hard_sigmoid_legacy" : "sigmoid";
}

let registered = false;

/**
 * Registers the built-in layers (called by the loader and saver; explicit, not an import side
 * effect, because the package is marked side-effect free for bundlers).
 */
export function registerBuiltinLayers(): void {
  if (registered) return;
  registered = true;
  registerLayer({
    classNames: ["LSTM"],
    cls: LSTM,
    recurrent: true,
    params(cfg, inputs) {
      const u = cfg.int("units"), i = lastDim(inputs[0]);
      return 4 * u * (i + u + 1);
    },
    build(cfg, ctx) {
      return new LSTM<boolean>({
        name: cfg.name,
        units: cfg.int("units"),
        activation: cfg.activation("activation", "tanh"),
        recurrentActivation: cfg.activation("recurrent_activation", defaultRecurrentActivation(ctx)),
        useBias: cfg.bool("use_bias", true),
        unitForgetBias: cfg.bool("unit_forget_bias", true),
        ...recurrentOptions(cfg),
        kernelInitializer: ZEROS, recurrentInitializer: ZEROS, biasInitializer: ZEROS,
      });
    },
    toConfig(layer, target) {
      const l = layer as LSTM<boolean>;
      return {
        name: l.name, trainable: true, dtype: "float32",
        return_sequences: l.returnSequences, return_state: l.returnState, go_backwards: l.goBackwards,
        stateful: false, unroll: false, units: l.units,
        activation: kerasActivation(l, l.activation, target),
        recurrent_activation: kerasActivation(l, l.recurrentActivation, target),
        use_bias: l.useBias, unit_forget_bias: l.unitForgetBias,
        kernel_initializer: init("GlorotUniform", { seed: null }),
        recurrent_initializer: init("Orthogonal", { gain: 1, seed: null }),
        bias_initializer: init("Zeros"),
        kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null,
        kernel_constraint: null, recurrent_constraint: null, bias_constraint: null,
        dropout: 0, recurrent_dropout: 0,
        ...(target === "tfjs" ? { implementation: 2 } : { seed: null }),
      };
    },
  });

  registerLayer({
    classNames: ["Dense"],
    cls: Dense,
    params(cfg, inputs) {
      return cfg.int("units") * (lastDim(inputs[0]) + 1);
    },
    build(cfg) {
      return new Dense({
        name: cfg.name,
        units: cfg.int("units"),
        activation: cfg.activation("activation", "linear"),
        useBias: cfg.bool("use_bias", true),
        kernelInitializer: ZEROS, biasInitializer: ZEROS,
      });
    },
    toConfig(layer, target) {
      const l = layer as Dense;
      return {
        name: l.name, trainable: true, dtype: "float32", units: l.units,
        activation: kerasActivation(l, l.activation, target), use_bias: l.useBias,
        kernel_initializer: init("GlorotUniform", { seed: null }), bias_initializer: init("Zeros"),
        kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null,
        kernel_constraint: null, bias_constraint: null,
      };
    },
  });
}
