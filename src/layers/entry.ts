// A layer's file entry: how to build it from a Keras config, how to call it in a graph, how to
// write it back, where its weights sit in a Keras 3 file, and its backward for training. Each
// layer's `<name>-entry.ts` exports one; src/layers/index.ts lists them.
import type { ActivationName } from "../core/activations.js";
import { WasmRnnError } from "../core/errors.js";
import type { Backward } from "./backward-base.js";
import type { ConfigReader, JsonObject, LoadContext } from "./config.js";
import type { Layer, Shape, SymbolicTensor } from "./layer.js";

/** Finds the backward of another layer (a wrapper's inner layer). */
export type BackwardOf = (layer: Layer, who: string) => Backward;

export interface LayerEntry<L extends Layer = Layer> {
  /** Keras class names this entry builds ("LSTM", also e.g. "CuDNNLSTM" aliases); none: not in files. */
  classNames: string[];
  /** Our class: `entryForLayer` finds the entry of a layer's nearest class that has one. */
  cls?: abstract new (
    ...args: never[]
  ) => L;
  /** Builds the layer from its Keras config (name already validated). */
  build(cfg: ConfigReader, ctx: LoadContext): Layer;
  /** Number of weight values the layer will allocate for these input shapes (checked before build). */
  params?(cfg: ConfigReader, inputs: readonly Shape[]): number;
  /** The layer takes a list of tensors (Add, Concatenate). */
  listInput?: boolean;
  /** Extra inbound tensors after the first are initial states (Keras 2 / TF.js RNN convention). */
  recurrent?: boolean;
  /**
   * Calls the layer in a graph; default: apply(x, { initialState }) or apply([a, b, ...]). `call`: for an
   * entry with tensorArgs, the node's plain call arguments (snake_case, as in the file) and the names of the
   * inputs after the first.
   */
  call?(
    layer: Layer,
    inputs: SymbolicTensor[],
    initialState: SymbolicTensor[],
    call?: { options: JsonObject; names: string[] },
  ): SymbolicTensor[];
  /** Keras call arguments after the first that may be tensors (MultiHeadAttention: value, key, attention_mask). */
  tensorArgs?: string[];
  /** A saved node's Keras 3 call: its positional tensors after the first (by tensorArgs name) and kwargs. */
  saveCall?(layer: L): { positional: number; kwargs: JsonObject; kwargTensors: string[]; buildConfig?: JsonObject };
  /** The layer as a Keras config (snake_case) for saving; absent: saving refuses this layer. */
  toConfig?(layer: L, target: "tfjs" | "keras"): JsonObject;
  /** Object path of the weights under the layer in a Keras 3 weights file ("cell" for RNN layers). */
  kerasVarsPath?: string[];
  /** Several weight owners (Bidirectional's two halves): paths and how many weights each holds, in order. */
  kerasVarsPaths?(layer: L): { path: string[]; count: number }[];
  /** The layer's backward for training; absent: fit refuses the layer. May throw naming what is unsupported. */
  backward?(layer: L, who: string, backwardOf: BackwardOf): Backward;
}

/** The fields every saved layer config starts with. */
export const baseConfig = (name: string): JsonObject => ({ name, trainable: true, dtype: "float32" });

/** A Keras initializer config, `{class_name, config}`. */
export const initConfig = (className: string, config: JsonObject = {}): JsonObject => ({
  class_name: className,
  config,
});

/** Initializers are irrelevant for loaded weights; "zeros" skips the cost of random init. */
export const ZEROS = "zeros";

/** The last dimension of an input shape, 0 when unknown (for parameter estimates). */
export const lastDim = (s: Shape | undefined): number => {
  const d = s?.[s.length - 1];
  return typeof d === "number" ? d : 0;
};

/** Our activation name -> the Keras/TF.js name, or an error when the target computes it differently. */
export function kerasActivation(layer: Layer, act: ActivationName, target: "tfjs" | "keras"): string {
  if (act === "hard_sigmoid_legacy") {
    if (target === "tfjs") return "hard_sigmoid";
    throw new WasmRnnError(
      `saveModel: ${layer.className} '${layer.name}' uses hard_sigmoid_legacy (0.2x+0.5), which Keras 3 files cannot express; ` +
        "save it in TF.js format instead",
    );
  }
  if (act === "hard_sigmoid" && target === "tfjs") {
    throw new WasmRnnError(
      `saveModel: ${layer.className} '${layer.name}' uses Keras 3 hard_sigmoid (x/6+0.5), which TF.js computes as 0.2x+0.5; ` +
        "save it as .keras instead",
    );
  }
  return act;
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
