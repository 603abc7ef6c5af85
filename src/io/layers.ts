// Registry entries for the layers wasm-rnn has. A new layer joins with one registerLayer call:
// Keras config (snake_case) -> our options (camelCase), a parameter estimate for the size limit,
// and the way back for saving.
import type { ActivationName } from "../core/activations.js";
import { WasmRnnError } from "../core/errors.js";
import { Bidirectional } from "../layers/bidirectional.js";
import { Dense } from "../layers/dense.js";
import { GRU } from "../layers/gru.js";
import type { Layer } from "../layers/layer.js";
import { LSTM } from "../layers/lstm.js";
import { RecurrentLayer } from "../layers/recurrent.js";
import {
  Activation,
  Add,
  Concatenate,
  Dropout,
  Embedding,
  Flatten,
  Masking,
  RepeatVector,
  TimeDistributed,
} from "../layers/simple.js";
import { SimpleRNN } from "../layers/simple_rnn.js";
import type { Shape } from "../model/symbolic.js";
import {
  ConfigReader,
  entryFor,
  entryForLayer,
  type Json,
  type JsonObject,
  type LayerEntry,
  type LoadContext,
  registerLayer,
} from "./registry.js";

const lastDim = (s: Shape | undefined): number => {
  const d = s?.[s.length - 1];
  return typeof d === "number" ? d : 0;
};

/** Our activation name -> the Keras/TF.js name, or an error when the target computes it differently. */
export function kerasActivation(layer: Layer, act: ActivationName, target: "tfjs" | "keras"): string {
  if (act === "hard_sigmoid_legacy") {
    if (target === "tfjs") return "hard_sigmoid";
    throw new WasmRnnError(
      `saveModel: ${layer.className} '${layer.name}' uses hard_sigmoid_legacy (0.2x+0.5), which Keras 3 files cannot express; save it in TF.js format instead`,
    );
  }
  if (act === "hard_sigmoid" && target === "tfjs") {
    throw new WasmRnnError(
      `saveModel: ${layer.className} '${layer.name}' uses Keras 3 hard_sigmoid (x/6+0.5), which TF.js computes as 0.2x+0.5; save it as .keras instead`,
    );
  }
  return act;
}

const init = (className: string, config: JsonObject = {}): JsonObject => ({ class_name: className, config });
/** Initializers are irrelevant for loaded weights; "zeros" skips the cost of random init. */
const ZEROS = "zeros";

/** Options shared by every recurrent layer. */
export function recurrentOptions(cfg: ConfigReader) {
  cfg.requireDefault("time_major", (v) => v === false, "inputs must be [batch, steps, features]");
  cfg.used.add("zero_output_for_mask");
  return {
    name: cfg.name,
    units: cfg.int("units"),
    activation: cfg.activation("activation", "tanh"),
    useBias: cfg.bool("use_bias", true),
    stateful: cfg.bool("stateful", false),
    kernelInitializer: ZEROS,
    recurrentInitializer: ZEROS,
    biasInitializer: ZEROS,
    returnSequences: cfg.bool("return_sequences", false),
    returnState: cfg.bool("return_state", false),
    goBackwards: cfg.bool("go_backwards", false),
  };
}

/** Default recurrent activation of the file's Keras version when the key is missing. */
export function defaultRecurrentActivation(ctx: LoadContext): ActivationName {
  return ctx.legacyHardSigmoid ? "hard_sigmoid_legacy" : "sigmoid";
}

/** Keras config keys every recurrent layer writes. */
function recurrentConfig(l: RecurrentLayer, target: "tfjs" | "keras"): JsonObject {
  return {
    name: l.name,
    trainable: true,
    dtype: "float32",
    return_sequences: l.returnSequences,
    return_state: l.returnState,
    go_backwards: l.goBackwards,
    stateful: l.stateful,
    unroll: false,
    units: l.units,
    activation: kerasActivation(l, l.activation, target),
    use_bias: l.useBias,
    kernel_initializer: init("GlorotUniform", { seed: null }),
    recurrent_initializer: init("Orthogonal", { gain: 1, seed: null }),
    bias_initializer: init("Zeros"),
    kernel_regularizer: null,
    recurrent_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    recurrent_constraint: null,
    bias_constraint: null,
    dropout: 0,
    recurrent_dropout: 0,
    ...(target === "tfjs" ? { implementation: 2 } : { seed: null }),
  };
}

const weightless = (className: string): JsonObject => ({ name: className, trainable: true, dtype: "float32" });

/** A wrapped layer's `{class_name, config}` (Bidirectional, TimeDistributed) as a reader. */
function innerReader(cfg: ConfigReader, ctx: LoadContext): { entry: LayerEntry; reader: ConfigReader } {
  cfg.used.add("layer");
  const inner = cfg.raw.layer as Json;
  if (
    !inner ||
    typeof inner !== "object" ||
    Array.isArray(inner) ||
    typeof inner.class_name !== "string" ||
    !inner.config ||
    typeof inner.config !== "object" ||
    Array.isArray(inner.config)
  ) {
    cfg.fail("expected layer to be a {class_name, config} of the wrapped layer");
  }
  const entry = entryFor(inner.class_name);
  if (!entry) cfg.fail(`wraps a '${inner.class_name}', which wasm-rnn cannot load`);
  const innerName = typeof inner.config.name === "string" ? inner.config.name : `${cfg.name}_inner`;
  return { entry, reader: new ConfigReader(inner.class_name, innerName, inner.config, ctx) };
}

/** Keras 3 form of a config: module-qualified initializers and a DTypePolicy dtype. */
export function kerasify(cfg: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (k.endsWith("_initializer") && v && typeof v === "object" && !Array.isArray(v))
      out[k] = { module: "keras.initializers", ...v, registered_name: null };
    else out[k] = v;
  }
  out.dtype = { module: "keras", class_name: "DTypePolicy", config: { name: "float32" }, registered_name: null };
  return out;
}

function innerConfig(layer: Layer, target: "tfjs" | "keras", name?: string): JsonObject {
  const e = entryForLayer(layer);
  if (!e?.toConfig) throw new WasmRnnError(`saveModel: ${layer.who} cannot be saved yet`);
  const config = e.toConfig(layer, target);
  if (name) config.name = name;
  if (target === "tfjs") return { class_name: layer.className, config };
  return { module: "keras.layers", class_name: layer.className, config: kerasify(config), registered_name: null };
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
    kerasVarsPath: ["cell"],
    recurrent: true,
    params(cfg, inputs) {
      const u = cfg.int("units"),
        i = lastDim(inputs[0]);
      return 4 * u * (i + u + 1);
    },
    build(cfg, ctx) {
      return new LSTM<boolean>({
        ...recurrentOptions(cfg),
        recurrentActivation: cfg.activation("recurrent_activation", defaultRecurrentActivation(ctx)),
        unitForgetBias: cfg.bool("unit_forget_bias", true),
      });
    },
    toConfig(layer, target) {
      const l = layer as LSTM<boolean>;
      if (l.returnCellSequences)
        throw new WasmRnnError(`saveModel: ${l.who} uses returnCellSequences, which Keras and TF.js do not have`);
      return {
        ...recurrentConfig(l, target),
        recurrent_activation: kerasActivation(l, l.recurrentActivation, target),
        unit_forget_bias: l.unitForgetBias,
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
        kernelInitializer: ZEROS,
        biasInitializer: ZEROS,
      });
    },
    toConfig(layer, target) {
      const l = layer as Dense;
      return {
        name: l.name,
        trainable: true,
        dtype: "float32",
        units: l.units,
        activation: kerasActivation(l, l.activation, target),
        use_bias: l.useBias,
        kernel_initializer: init("GlorotUniform", { seed: null }),
        bias_initializer: init("Zeros"),
        kernel_regularizer: null,
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
      };
    },
  });

  registerLayer({
    classNames: ["GRU"],
    cls: GRU,
    recurrent: true,
    kerasVarsPath: ["cell"],
    params(cfg, inputs) {
      const u = cfg.int("units"),
        i = lastDim(inputs[0]);
      const resetAfter = cfg.bool("reset_after", false);
      return 3 * u * (i + u + (resetAfter ? 2 : 1));
    },
    build(cfg, ctx) {
      // a config without reset_after (Keras < 2.1.3, TF.js) is the classic GRU
      return new GRU<boolean>({
        ...recurrentOptions(cfg),
        recurrentActivation: cfg.activation("recurrent_activation", defaultRecurrentActivation(ctx)),
        resetAfter: cfg.bool("reset_after", false),
      });
    },
    toConfig(layer, target) {
      const l = layer as GRU<boolean>;
      if (target === "tfjs" && l.resetAfter)
        throw new WasmRnnError(
          `saveModel: ${l.who} has resetAfter true, which TF.js cannot run; save it as .keras instead`,
        );
      return {
        ...recurrentConfig(l, target),
        recurrent_activation: kerasActivation(l, l.recurrentActivation, target),
        reset_after: l.resetAfter,
      };
    },
  });

  registerLayer({
    classNames: ["SimpleRNN"],
    cls: SimpleRNN,
    recurrent: true,
    kerasVarsPath: ["cell"],
    params(cfg, inputs) {
      const u = cfg.int("units");
      return u * (lastDim(inputs[0]) + u + 1);
    },
    build(cfg) {
      return new SimpleRNN<boolean>(recurrentOptions(cfg));
    },
    toConfig(layer, target) {
      return recurrentConfig(layer as SimpleRNN<boolean>, target);
    },
  });

  registerLayer({
    classNames: ["Bidirectional"],
    cls: Bidirectional,
    recurrent: true,
    kerasVarsPaths(layer) {
      const b = layer as Bidirectional;
      return [
        { path: ["forward_layer", "cell"], count: b.forwardLayer.weightSpecs().length },
        { path: ["backward_layer", "cell"], count: b.backwardLayer.weightSpecs().length },
      ];
    },
    params(cfg, inputs) {
      const { entry, reader } = innerReader(cfg, cfg.ctx);
      return 2 * (entry.params?.(reader, inputs) ?? 0);
    },
    build(cfg, ctx) {
      const { entry, reader } = innerReader(cfg, ctx);
      // Keras 3 always writes backward_layer; accept it when it is the usual reversed copy
      cfg.requireDefault(
        "backward_layer",
        (v) => {
          if (!v || typeof v !== "object" || Array.isArray(v) || v.class_name !== reader.className) return false;
          const bc = v.config;
          if (!bc || typeof bc !== "object" || Array.isArray(bc)) return false;
          const same = [
            "units",
            "activation",
            "recurrent_activation",
            "use_bias",
            "return_sequences",
            "return_state",
            "reset_after",
            "unit_forget_bias",
            "stateful",
          ];
          return (
            same.every((k) => JSON.stringify(bc[k] ?? null) === JSON.stringify(reader.raw[k] ?? null)) &&
            bc.go_backwards === !(reader.raw.go_backwards ?? false)
          );
        },
        "a custom backward layer different from the reversed copy of the forward one",
      );
      const inner = entry.build(reader, ctx);
      if (!(inner instanceof RecurrentLayer))
        cfg.fail(`expected a recurrent layer (LSTM, GRU, SimpleRNN) inside, got ${inner.className}`);
      const m = cfg.raw.merge_mode;
      if (m !== null && m !== undefined && !["concat", "sum", "mul", "ave"].includes(m as string))
        cfg.fail(`expected merge_mode concat, sum, mul, ave or null, got ${JSON.stringify(m)}`);
      return new Bidirectional(inner as RecurrentLayer, {
        name: cfg.name,
        mergeMode: m === undefined ? "concat" : (m as "concat"),
      });
    },
    toConfig(layer, target) {
      const b = layer as Bidirectional;
      const innerName = b.forwardLayer.name.replace(/^forward_/, "");
      return {
        ...weightless(b.name),
        name: b.name,
        layer: innerConfig(b.forwardLayer, target, innerName),
        merge_mode: b.mergeMode,
      };
    },
  });

  registerLayer({
    classNames: ["TimeDistributed"],
    cls: TimeDistributed,
    kerasVarsPath: ["layer"],
    params(cfg, inputs) {
      const { entry, reader } = innerReader(cfg, cfg.ctx);
      return entry.params?.(reader, inputs) ?? 0;
    },
    build(cfg, ctx) {
      const { entry, reader } = innerReader(cfg, ctx);
      return new TimeDistributed(entry.build(reader, ctx), { name: cfg.name });
    },
    toConfig(layer, target) {
      const t = layer as TimeDistributed;
      return { ...weightless(t.name), name: t.name, layer: innerConfig(t.layer, target) };
    },
  });

  registerLayer({
    classNames: ["Masking"],
    cls: Masking,
    build: (cfg) => new Masking({ name: cfg.name, maskValue: cfg.num("mask_value", 0) }),
    toConfig: (l) => ({ ...weightless(l.name), name: l.name, mask_value: (l as Masking).maskValue }),
  });

  registerLayer({
    classNames: ["Embedding"],
    cls: Embedding,
    params: (cfg) => cfg.int("input_dim") * cfg.int("output_dim"),
    build(cfg) {
      return new Embedding({
        name: cfg.name,
        inputDim: cfg.int("input_dim"),
        outputDim: cfg.int("output_dim"),
        maskZero: cfg.bool("mask_zero", false),
        embeddingsInitializer: ZEROS,
      });
    },
    toConfig(layer) {
      const e = layer as Embedding;
      return {
        ...weightless(e.name),
        name: e.name,
        input_dim: e.inputDim,
        output_dim: e.outputDim,
        mask_zero: e.maskZero,
        embeddings_initializer: init("RandomUniform", { minval: -0.05, maxval: 0.05, seed: null }),
        embeddings_regularizer: null,
        activity_regularizer: null,
        embeddings_constraint: null,
      };
    },
  });

  registerLayer({
    classNames: ["RepeatVector"],
    cls: RepeatVector,
    build: (cfg) => new RepeatVector({ name: cfg.name, n: cfg.int("n") }),
    toConfig: (l) => ({ ...weightless(l.name), name: l.name, n: (l as RepeatVector).n }),
  });

  registerLayer({
    classNames: ["Concatenate"],
    cls: Concatenate,
    listInput: true,
    build: (cfg) => new Concatenate({ name: cfg.name, axis: cfg.int("axis", { min: -8, fallback: -1 }) }),
    toConfig: (l) => ({ ...weightless(l.name), name: l.name, axis: (l as Concatenate).axis }),
  });

  registerLayer({
    classNames: ["Add"],
    cls: Add,
    listInput: true,
    build: (cfg) => new Add({ name: cfg.name }),
    toConfig: (l) => ({ ...weightless(l.name), name: l.name }),
  });

  registerLayer({
    classNames: ["Activation"],
    cls: Activation,
    build: (cfg) => new Activation({ name: cfg.name, activation: cfg.activation("activation", "linear") }),
    toConfig: (l, target) => ({
      ...weightless(l.name),
      name: l.name,
      activation: kerasActivation(l, (l as Activation).activation, target),
    }),
  });

  registerLayer({
    classNames: ["Dropout", "SpatialDropout1D", "GaussianDropout", "GaussianNoise", "AlphaDropout"],
    cls: Dropout,
    // all of these are the identity at inference; the rate is kept for the summary and saving
    build: (cfg) =>
      new Dropout({ name: cfg.name, rate: Math.min(Math.max(cfg.has("rate") ? cfg.num("rate", 0) : 0, 0), 0.999) }),
    toConfig: (l) => ({
      ...weightless(l.name),
      name: l.name,
      rate: (l as Dropout).rate,
      noise_shape: null,
      seed: null,
    }),
  });

  registerLayer({
    classNames: ["Flatten"],
    cls: Flatten,
    build(cfg) {
      cfg.requireDefault("data_format", (v) => v === "channels_last", "only channels_last");
      return new Flatten({ name: cfg.name });
    },
    toConfig: (l) => ({ ...weightless(l.name), name: l.name, data_format: "channels_last" }),
  });
}
