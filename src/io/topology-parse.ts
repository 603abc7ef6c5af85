// Reading a Keras model config (any of: Keras 2.0/2.1 bare-list Sequential, Keras 2.x / tf.keras /
// TF.js functional with initial states as extra inbound tensors, Keras 3 with `__keras_tensor__`
// args and kwargs) into plain specs: each layer's class, name and config, its calls' input and
// initial-state references, and the input layers. topology.ts builds the Model from them.
import { describeValue, WasmRnnError } from "../core/errors.js";
import type { DType } from "../core/tensor.js";
import type { Json, JsonObject, LoadContext } from "../layers/config.js";
import type { LayerEntry } from "../layers/entry.js";
import { Input } from "../layers/input.js";
import type { Shape, SymbolicTensor } from "../layers/layer.js";
import { CODE_LAYERS, entryFor, knownClasses } from "../layers/registry.js";
import { customEntryFor } from "./custom-objects.js";

export const isObj = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** A call's input as the file refers to it: output `index` of node `node` of layer `layer`. */
export interface Ref {
  layer: string;
  node: number;
  index: number;
}

/** One call of a layer as the file lists it. */
export interface NodeSpec {
  inputs: Ref[];
  states: Ref[];
  /** The layer takes a list (Concatenate, Add, ...), even of one tensor. */
  listInput: boolean;
  /** Plain (non-tensor) call arguments, and the names of the inputs after the first (entry.tensorArgs). */
  call?: { options: JsonObject; names: string[] };
  /** Called as a Keras op of two tensors (x + y), not as a layer. */
  operands?: boolean;
}

/** A layer entry of the config: class, name, config and its calls (inbound nodes) unparsed. */
export interface LayerSpec {
  className: string;
  name: string;
  config: JsonObject;
  inbound: Json[];
}

/** Model classes that may appear as a layer of another model (Keras nests them). */
export const NESTED_MODELS = new Set(["Sequential", "Functional", "Model"]);

/** How deep a model file's JSON may nest (real Keras configs reach ~15, even with nested models). */
export const MAX_JSON_DEPTH = 100;

/**
 * Whether `v` nests arrays and objects more than `max` deep, found without recursing (a hostile
 * file may nest 1e5 deep, and every recursive walk, JSON.stringify's too, would overflow the stack).
 */
export function nestsDeeper(v: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop()!;
    if (typeof x !== "object" || x === null) continue;
    if (depth >= max) return true;
    for (const item of Array.isArray(x) ? x : Object.values(x)) {
      if (typeof item === "object" && item !== null) stack.push([item, depth + 1]);
    }
  }
  return false;
}

/** The longest layer name a file may give (Keras has no limit; real names are far shorter). */
const MAX_NAME_LENGTH = 4096;

/** A WasmRnnError naming the file. */
export function fail(ctx: LoadContext, msg: string): never {
  throw new WasmRnnError(`${ctx.file}: ${msg}`);
}

/**
 * The Keras version of a config JSON: its keras_version (Keras 2's to_json writes one), else "3" for
 * Keras 3's to_json (no version, but `module` and `registered_name` beside class_name, which Keras 2
 * never wrote), else "2". It decides what hard_sigmoid means, so a Keras 3 config must not read as 2.
 */
export function configVersion(config: Json): string {
  if (!config || typeof config !== "object" || Array.isArray(config)) return "2";
  if (typeof config.keras_version === "string") return config.keras_version;
  return "module" in config || "registered_name" in config ? "3" : "2";
}

/** Unwraps `{model_config}` / `{modelTopology}` / JSON strings down to `{class_name, config}`. */
export function unwrapTopology(topology: Json, ctx: LoadContext): JsonObject {
  let t: Json = topology;
  for (let i = 0; i < 4; i++) {
    if (typeof t === "string") {
      try {
        t = JSON.parse(t) as Json;
      } catch {
        fail(ctx, "model config is not valid JSON");
      }
    }
    if (isObj(t) && t.model_config !== undefined && t.class_name === undefined) t = t.model_config;
    else break;
  }
  if (nestsDeeper(t, MAX_JSON_DEPTH))
    fail(ctx, `the model config nests more than ${MAX_JSON_DEPTH} levels deep (no Keras config does)`);
  if (!isObj(t) || typeof t.class_name !== "string")
    fail(ctx, `expected a model config {class_name, config}, got ${describeValue(t)}`);
  return t;
}

function dtypeOf(v: Json | undefined, ctx: LoadContext, who: string): DType {
  let name: Json | undefined = v;
  if (isObj(name)) name = isObj(name.config) ? name.config.name : name.name;
  if (name === undefined || name === null) return "float32";
  if (typeof name !== "string") fail(ctx, `${who}: expected dtype to be a string, got ${describeValue(v)}`);
  if (/^(float16|float32|float64|bfloat16|mixed_float16|mixed_bfloat16)$/.test(name)) return "float32";
  if (/^u?int(8|16|32|64)$/.test(name)) return "int32";
  fail(ctx, `${who}: unsupported dtype ${describeValue(name)}`);
}

function shapeOf(v: Json | undefined, ctx: LoadContext, who: string): Shape {
  if (!Array.isArray(v) || v.length < 1 || v.length > 8)
    fail(ctx, `${who}: expected a batch shape list, got ${describeValue(v)}`);
  return v.map((d) => {
    if (d === null) return null;
    if (typeof d !== "number" || !Number.isInteger(d) || d < 1 || d > ctx.maxParams)
      fail(
        ctx,
        `${who}: expected dimensions that are null or positive integers up to ${ctx.maxParams}, got ${describeValue(v)}`,
      );
    return d;
  });
}

export function layerSpec(entry: Json, ctx: LoadContext, i: number): LayerSpec {
  if (!isObj(entry) || typeof entry.class_name !== "string")
    fail(ctx, `layer #${i}: expected {class_name, config}, got ${describeValue(entry)}`);
  const config = isObj(entry.config)
    ? entry.config
    : fail(ctx, `layer #${i} (${entry.class_name}): expected a config object`);
  const name =
    typeof entry.name === "string"
      ? entry.name
      : typeof config.name === "string"
        ? config.name
        : fail(ctx, `layer #${i} (${entry.class_name}): expected a name`);
  // Keras takes any name (unicode, spaces, any length); control characters and megabyte names
  // only make messages unreadable
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name))
    fail(
      ctx,
      `layer #${i}: expected a layer name of 1 to ${MAX_NAME_LENGTH} characters without control characters, ` +
        `got ${describeValue(name)}`,
    );
  const spec: LayerSpec & { module?: string } = {
    className: entry.class_name,
    name,
    config,
    inbound: Array.isArray(entry.inbound_nodes) ? entry.inbound_nodes : [],
  };
  if (typeof entry.module === "string") spec.module = entry.module;
  if (typeof entry.registered_name === "string")
    (spec as { registeredName?: string }).registeredName = entry.registered_name;
  return spec;
}

export function entryOrFail(spec: LayerSpec, ctx: LoadContext): LayerEntry {
  const custom = customEntryFor(spec, ctx);
  if (custom) return custom;
  const { className, name, config } = spec;
  if (CODE_LAYERS.has(className) || className.includes("Lambda")) {
    fail(
      ctx,
      `layer '${name}' is a ${className}, which holds Python code; refused (wasm-rnn never runs code from a model file)`,
    );
  }
  if (NESTED_MODELS.has(className))
    fail(ctx, `layer '${name}': a nested model (${className}) cannot be built as a layer`);
  const e = entryFor(className);
  const reg = (config as { registered_name?: Json }).registered_name;
  if (!e || (typeof reg === "string" && reg.includes(">"))) {
    fail(
      ctx,
      `layer '${name}' has class '${className}', which wasm-rnn cannot load (custom or not implemented); known classes: ${knownClasses().join(", ")}`,
    );
  }
  return e;
}

export function inputLayerFrom(spec: LayerSpec, ctx: LoadContext, relaxBatch: boolean): SymbolicTensor {
  const c = spec.config;
  const who = `input '${spec.name}'`;
  let shape: Shape;
  if (c.batch_shape !== undefined && c.batch_shape !== null) shape = shapeOf(c.batch_shape, ctx, who);
  else if (c.batch_input_shape !== undefined && c.batch_input_shape !== null)
    shape = shapeOf(c.batch_input_shape, ctx, who);
  else if (Array.isArray(c.input_shape)) shape = shapeOf([null, ...c.input_shape], ctx, who);
  else if (Array.isArray(c.shape)) shape = shapeOf([null, ...c.shape], ctx, who);
  else fail(ctx, `${who}: expected batch_shape or batch_input_shape`);
  if (relaxBatch) shape = [null, ...shape.slice(1)];
  if (c.sparse === true || c.ragged === true) fail(ctx, `${who}: sparse and ragged inputs are not supported`);
  return Input({ batchShape: shape, dtype: dtypeOf(c.dtype, ctx, who), name: spec.name });
}

const isKerasTensor = (v: Json): v is JsonObject => isObj(v) && v.class_name === "__keras_tensor__";

function refFromHistory(t: JsonObject, ctx: LoadContext, who: string): Ref {
  const h = isObj(t.config) ? t.config.keras_history : undefined;
  if (!Array.isArray(h) || typeof h[0] !== "string" || typeof h[1] !== "number" || typeof h[2] !== "number") {
    fail(ctx, `${who}: malformed __keras_tensor__ ${describeValue(t)}`);
  }
  return { layer: h[0], node: h[1], index: h[2] };
}

export function refFromList(v: Json, ctx: LoadContext, who: string): Ref {
  if (!Array.isArray(v) || typeof v[0] !== "string" || typeof v[1] !== "number" || typeof v[2] !== "number") {
    fail(ctx, `${who}: expected an inbound tensor [layer, node, index], got ${describeValue(v)}`);
  }
  return { layer: v[0], node: v[1], index: v[2] };
}

/**
 * Keras 3 serialises implicit masks as ops (Masking -> NotEqual + Any, Embedding -> NotEqual; Attention
 * passes its query mask on through ConvertToTensor) passed as `mask`.
 */
const MASK_OPS = new Set([
  "NotEqual",
  "Equal",
  "Any",
  "All",
  "Cast",
  "LogicalAnd",
  "LogicalOr",
  "LogicalNot",
  "ConvertToTensor",
]);

export function isMaskOp(spec: LayerSpec): boolean {
  const module = (spec as LayerSpec & { module?: string }).module;
  return MASK_OPS.has(spec.className) && (module === undefined || module.startsWith("keras.src.ops"));
}

export function parseNode(
  node: Json,
  entry: LayerEntry,
  ctx: LoadContext,
  who: string,
  maskOps: ReadonlySet<string> = new Set(),
): NodeSpec {
  if (isObj(node)) {
    // Keras 3: {args: [...], kwargs: {...}}
    const args = Array.isArray(node.args) ? node.args : [];
    const kwargs = isObj(node.kwargs) ? node.kwargs : {};
    const first = args[0];
    let inputs: Ref[];
    let listInput = false;
    // a Keras op of two tensors (x + res: Add, Subtract, Multiply, ...) runs as the merge layer of that name
    const operands = entry.listInput && args.length === 2 && args.every((a) => isKerasTensor(a));
    if (operands) {
      inputs = args.map((t) => refFromHistory(t as JsonObject, ctx, who));
      listInput = true;
    } else if (first !== undefined && isKerasTensor(first)) inputs = [refFromHistory(first, ctx, who)];
    else if (Array.isArray(first) && first.length > 0 && first.every(isKerasTensor)) {
      inputs = first.map((t) => refFromHistory(t as JsonObject, ctx, who));
      listInput = true;
    } else fail(ctx, `${who}: expected the first call argument to be a tensor or a list of tensors`);
    const tensorArgs = entry.tensorArgs ?? [];
    const named = new Map<string, Ref>();
    const options: JsonObject = {};
    args.slice(operands ? 2 : 1).forEach((a, i) => {
      if (i < tensorArgs.length && isKerasTensor(a)) named.set(tensorArgs[i]!, refFromHistory(a, ctx, who));
      else if (JSON.stringify(a).includes("__keras_tensor__"))
        fail(ctx, `${who}: tensors as extra positional arguments are not supported`);
      // a Keras op's operand (x * 0.5 in a legacy .h5, which names no op module) must not be dropped
      else if (a !== null && typeof a !== "boolean")
        fail(
          ctx,
          `${who}: extra positional argument ${describeValue(a)} is not supported (a Keras op such as x * 0.5?)`,
        );
    });
    let states: Ref[] = [];
    for (const [k, v] of Object.entries(kwargs)) {
      if (tensorArgs.includes(k) && (v === null || isKerasTensor(v))) {
        if (v !== null) named.set(k, refFromHistory(v, ctx, who));
      } else if (entry.tensorArgs && !JSON.stringify(v ?? null).includes("__keras_tensor__")) {
        options[k] = v;
      } else if (k === "initial_state") {
        if (v === null) continue;
        const list = Array.isArray(v) ? v : [v];
        if (!list.every(isKerasTensor))
          fail(ctx, `${who}: expected initial_state to be symbolic tensors (concrete initial states cannot be saved)`);
        states = list.map((t) => refFromHistory(t as JsonObject, ctx, who));
      } else if (k === "mask" && isKerasTensor(v) && maskOps.has(refFromHistory(v, ctx, who).layer)) {
        // the mask Keras computed from a Masking/Embedding layer: our layers propagate it themselves
      } else if (JSON.stringify(v ?? null).includes("__keras_tensor__")) {
        fail(ctx, `${who}: tensor keyword argument '${k}' is not supported`);
      }
    }
    if (states.length && !entry.recurrent) fail(ctx, `${who}: initial_state given to a layer that is not recurrent`);
    if (!entry.tensorArgs) return { inputs, states, listInput, ...(operands ? { operands } : {}) };
    const names = tensorArgs.filter((n) => named.has(n));
    return { inputs: [...inputs, ...names.map((n) => named.get(n)!)], states, listInput, call: { options, names } };
  }
  // Keras 1/2, tf.keras, TF.js: a list of [layer, node, index, kwargs]
  if (!Array.isArray(node) || node.length === 0)
    fail(ctx, `${who}: expected an inbound node list, got ${describeValue(node)}`);
  const refs = node.map((r) => refFromList(r, ctx, who));
  let states: Ref[] = [];
  let inputs = refs;
  const kw = (node[0] as Json[])[3];
  if (isObj(kw) && Array.isArray(kw.initial_state)) {
    const st = kw.initial_state;
    states = (st.length > 0 && typeof st[0] === "string" ? [st] : st).map((r) => refFromList(r, ctx, who));
  }
  if (entry.recurrent && refs.length > 1) {
    inputs = refs.slice(0, 1);
    states = [...refs.slice(1), ...states];
  }
  if (states.length && !entry.recurrent) fail(ctx, `${who}: initial_state given to a layer that is not recurrent`);
  const listInput = entry.listInput === true || (!entry.recurrent && inputs.length > 1);
  if (!entry.tensorArgs) return { inputs, states, listInput };
  // Keras 2 / TF.js: every call argument after the first is in the kwargs of the first tensor, tensors as refs
  const options: JsonObject = {};
  const named = new Map<string, Ref>();
  for (const [k, v] of Object.entries(isObj(kw) ? kw : {})) {
    if (entry.tensorArgs.includes(k)) {
      if (v !== null) named.set(k, refFromList(v, ctx, `${who} ${k}`));
    } else options[k] = v;
  }
  const names = entry.tensorArgs.filter((n) => named.has(n));
  return { inputs: [...inputs, ...names.map((n) => named.get(n)!)], states, listInput, call: { options, names } };
}

/** How a nested model's inbound nodes parse: plain inputs, no initial states. */
export const NESTED_ENTRY: LayerEntry = {
  classNames: [],
  build: () => {
    throw new Error("a nested model is not built from an entry");
  },
};
