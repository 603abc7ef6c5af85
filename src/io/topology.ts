// A Keras model config (any of: Keras 2.0/2.1 bare-list Sequential, Keras 2.x / tf.keras / TF.js
// functional with initial states as extra inbound tensors, Keras 3 with `__keras_tensor__` args and
// kwargs) -> a wasm-rnn Model built from registered layers.
import { WasmRnnError } from "../core/errors.js";
import type { DType } from "../core/tensor.js";
import { ConfigReader, type Json, type JsonObject, type LoadContext } from "../layers/config.js";
import type { LayerEntry } from "../layers/entry.js";
import { registerBuiltinLayers } from "../layers/index.js";
import { Input, InputLayer } from "../layers/input.js";
import { type Layer, type Shape, SymbolicTensor } from "../layers/layer.js";
import { CODE_LAYERS, entryFor, knownClasses } from "../layers/registry.js";
import { Model } from "../model/model.js";

const isObj = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

interface Ref {
  layer: string;
  node: number;
  index: number;
}

interface NodeSpec {
  inputs: Ref[];
  states: Ref[];
  /** The layer takes a list (Concatenate, Add, ...), even of one tensor. */
  listInput: boolean;
}

interface LayerSpec {
  className: string;
  name: string;
  config: JsonObject;
  inbound: Json[];
}

/** A layer as the file lists it; a nested model has no layer of its own but its own layers. */
export interface ConfigLayer {
  name: string;
  className: string;
  layer: Layer | null;
  children?: ConfigLayer[];
}

/** What the loader keeps besides the Model: layer order as the file lists it (for .keras weights). */
export interface BuiltModel {
  model: Model;
  /** Layers in config order, with their Keras class names (InputLayer included). */
  configLayers: ConfigLayer[];
}

/**
 * The layer tree of each model built from a file, so weights loaded into it later
 * (model.loadWeights) can follow the file's nesting (a nested model's weights sit in its own tree).
 */
export const fileLayerTrees = new WeakMap<Model, ConfigLayer[]>();

/** Model classes that may appear as a layer of another model (Keras nests them). */
const NESTED_MODELS = new Set(["Sequential", "Functional", "Model"]);
/** How deep models may nest in a file (a guard against hostile files, far above real use). */
const MAX_NESTING = 8;

/** The leaf layers of config layers, nested models flattened, in file order. */
export function flatConfigLayers(layers: readonly ConfigLayer[]): ConfigLayer[] {
  return layers.flatMap((l) => (l.children ? flatConfigLayers(l.children) : [l]));
}

/**
 * Builds a nested model's layers and returns a function that calls it on outer tensors: its
 * graph is replayed there (Model.apply), so the outer model holds the inner layers themselves.
 */
function buildNested(spec: LayerSpec, ctx: LoadContext, depth: number): BuiltModel {
  if (depth >= MAX_NESTING) fail(ctx, `layer '${spec.name}': models nested more than ${MAX_NESTING} deep`);
  return buildModel({ class_name: spec.className, config: spec.config }, ctx, depth + 1);
}

function fail(ctx: LoadContext, msg: string): never {
  throw new WasmRnnError(`${ctx.file}: ${msg}`);
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
  if (!isObj(t) || typeof t.class_name !== "string")
    fail(ctx, `expected a model config {class_name, config}, got ${JSON.stringify(t)?.slice(0, 120)}`);
  return t;
}

function dtypeOf(v: Json | undefined, ctx: LoadContext, who: string): DType {
  let name: Json | undefined = v;
  if (isObj(name)) name = isObj(name.config) ? name.config.name : name.name;
  if (name === undefined || name === null) return "float32";
  if (typeof name !== "string") fail(ctx, `${who}: expected dtype to be a string, got ${JSON.stringify(v)}`);
  if (/^(float16|float32|float64|bfloat16|mixed_float16|mixed_bfloat16)$/.test(name)) return "float32";
  if (/^u?int(8|16|32|64)$/.test(name)) return "int32";
  fail(ctx, `${who}: unsupported dtype ${JSON.stringify(name)}`);
}

function shapeOf(v: Json | undefined, ctx: LoadContext, who: string): Shape {
  if (!Array.isArray(v) || v.length < 1 || v.length > 8)
    fail(ctx, `${who}: expected a batch shape list, got ${JSON.stringify(v)}`);
  return v.map((d) => {
    if (d === null) return null;
    if (typeof d !== "number" || !Number.isInteger(d) || d < 1 || d > ctx.maxParams)
      fail(
        ctx,
        `${who}: expected dimensions that are null or positive integers up to ${ctx.maxParams}, got ${JSON.stringify(v)}`,
      );
    return d;
  });
}

function layerSpec(entry: Json, ctx: LoadContext, i: number): LayerSpec {
  if (!isObj(entry) || typeof entry.class_name !== "string")
    fail(ctx, `layer #${i}: expected {class_name, config}, got ${JSON.stringify(entry)?.slice(0, 120)}`);
  const config = isObj(entry.config)
    ? entry.config
    : fail(ctx, `layer #${i} (${entry.class_name}): expected a config object`);
  const name =
    typeof entry.name === "string"
      ? entry.name
      : typeof config.name === "string"
        ? config.name
        : fail(ctx, `layer #${i} (${entry.class_name}): expected a name`);
  if (!/^[\w.\-/:]{1,200}$/.test(name))
    fail(ctx, `layer #${i}: expected a plain layer name, got ${JSON.stringify(name).slice(0, 80)}`);
  const spec: LayerSpec & { module?: string } = {
    className: entry.class_name,
    name,
    config,
    inbound: Array.isArray(entry.inbound_nodes) ? entry.inbound_nodes : [],
  };
  if (typeof entry.module === "string") spec.module = entry.module;
  return spec;
}

function entryOrFail(spec: LayerSpec, ctx: LoadContext): LayerEntry {
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

function inputLayerFrom(spec: LayerSpec, ctx: LoadContext, relaxBatch: boolean): SymbolicTensor {
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
    fail(ctx, `${who}: malformed __keras_tensor__ ${JSON.stringify(t).slice(0, 120)}`);
  }
  return { layer: h[0], node: h[1], index: h[2] };
}

function refFromList(v: Json, ctx: LoadContext, who: string): Ref {
  if (!Array.isArray(v) || typeof v[0] !== "string" || typeof v[1] !== "number" || typeof v[2] !== "number") {
    fail(ctx, `${who}: expected an inbound tensor [layer, node, index], got ${JSON.stringify(v)?.slice(0, 120)}`);
  }
  return { layer: v[0], node: v[1], index: v[2] };
}

/** Keras 3 serialises implicit masks as ops (Masking -> NotEqual + Any, Embedding -> NotEqual) passed as `mask`. */
const MASK_OPS = new Set(["NotEqual", "Equal", "Any", "All", "Cast", "LogicalAnd", "LogicalOr", "LogicalNot"]);

function isMaskOp(spec: LayerSpec): boolean {
  const module = (spec as LayerSpec & { module?: string }).module;
  return MASK_OPS.has(spec.className) && (module === undefined || module.startsWith("keras.src.ops"));
}

function parseNode(
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
    if (first !== undefined && isKerasTensor(first)) inputs = [refFromHistory(first, ctx, who)];
    else if (Array.isArray(first) && first.length > 0 && first.every(isKerasTensor)) {
      inputs = first.map((t) => refFromHistory(t as JsonObject, ctx, who));
      listInput = true;
    } else fail(ctx, `${who}: expected the first call argument to be a tensor or a list of tensors`);
    if (args.slice(1).some((a) => JSON.stringify(a).includes("__keras_tensor__")))
      fail(ctx, `${who}: tensors as extra positional arguments are not supported`);
    let states: Ref[] = [];
    for (const [k, v] of Object.entries(kwargs)) {
      if (k === "initial_state") {
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
    return { inputs, states, listInput };
  }
  // Keras 1/2, tf.keras, TF.js: a list of [layer, node, index, kwargs]
  if (!Array.isArray(node) || node.length === 0)
    fail(ctx, `${who}: expected an inbound node list, got ${JSON.stringify(node)?.slice(0, 120)}`);
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
  return { inputs, states, listInput: entry.listInput === true || (!entry.recurrent && inputs.length > 1) };
}

/** How a nested model's inbound nodes parse: plain inputs, no initial states. */
const NESTED_ENTRY: LayerEntry = {
  classNames: [],
  build: () => {
    throw new Error("a nested model is not built from an entry");
  },
};

function callLayer(
  entry: LayerEntry,
  layer: Layer,
  inputs: SymbolicTensor[],
  states: SymbolicTensor[],
  listInput: boolean,
): SymbolicTensor[] {
  if (entry.call) return entry.call(layer, inputs, states);
  const l = layer as unknown as { apply(x: unknown, kw?: unknown): SymbolicTensor | SymbolicTensor[] };
  const x = listInput ? inputs : inputs[0];
  const out = states.length ? l.apply(x, { initialState: states }) : l.apply(x);
  return Array.isArray(out) ? out : [out];
}

/** Builds (or fetches) the layer for a spec, counting its weights against the limit first. */
function makeLayer(spec: LayerSpec, entry: LayerEntry, inputs: SymbolicTensor[], ctx: LoadContext): Layer {
  const cfg = new ConfigReader(spec.className, spec.name, spec.config, ctx);
  if (entry.params) {
    const n = entry.params(
      cfg,
      inputs.map((t) => t.shape),
    );
    cfg.addParams(n, `${spec.className} on input ${inputs.map((t) => JSON.stringify(t.shape)).join(", ")}`);
  }
  try {
    return entry.build(cfg, ctx);
  } catch (err) {
    if (err instanceof WasmRnnError && !err.message.startsWith(ctx.file))
      throw new WasmRnnError(`${ctx.file}: ${err.message}`);
    throw err;
  }
}

function anyStateful(layers: LayerSpec[]): boolean {
  return layers.some((l) => l.config.stateful === true);
}

/** Builds the Model a Keras config describes. Weights are left for the caller to set. */
export function buildModel(topology: Json, ctx: LoadContext, depth = 0): BuiltModel {
  registerBuiltinLayers();
  const top = unwrapTopology(topology, ctx);
  const cls = top.class_name as string;
  let built: BuiltModel | null = null;
  if (cls === "Sequential") built = buildSequential(top, ctx, depth);
  else if (cls === "Model" || cls === "Functional") built = buildFunctional(top, ctx, depth);
  if (built) {
    fileLayerTrees.set(built.model, built.configLayers);
    return built;
  }
  fail(ctx, `expected a Sequential or functional (Model/Functional) model config, got class '${cls}'`);
}

function wrapErr<T>(ctx: LoadContext, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof WasmRnnError && !err.message.startsWith(ctx.file))
      throw new WasmRnnError(`${ctx.file}: ${err.message}`);
    throw err;
  }
}

function buildSequential(top: JsonObject, ctx: LoadContext, depth: number): BuiltModel {
  const cfg = top.config;
  const list = Array.isArray(cfg)
    ? cfg
    : isObj(cfg) && Array.isArray(cfg.layers)
      ? cfg.layers
      : fail(ctx, "Sequential: expected a list of layers");
  const name = isObj(cfg) && typeof cfg.name === "string" ? cfg.name : undefined;
  const specs = list.map((e, i) => layerSpec(e, ctx, i));
  if (specs.length === 0) fail(ctx, "Sequential: expected at least one layer");
  const relax = !anyStateful(specs);
  const configLayers: BuiltModel["configLayers"] = [];
  let x: SymbolicTensor;
  let rest = specs;
  if (specs[0]!.className === "InputLayer") {
    x = wrapErr(ctx, () => inputLayerFrom(specs[0]!, ctx, relax));
    rest = specs.slice(1);
  } else {
    const first = specs[0]!;
    const c = first.config;
    const shapeSrc =
      c.batch_input_shape ??
      c.batch_shape ??
      (isObj(cfg) ? cfg.build_input_shape : undefined) ??
      (isObj(first.config.build_config) ? first.config.build_config.input_shape : undefined);
    if (shapeSrc === undefined || shapeSrc === null)
      fail(ctx, `Sequential: the first layer '${first.name}' has no batch_input_shape; cannot know the input shape`);
    x = wrapErr(ctx, () =>
      inputLayerFrom(
        {
          className: "InputLayer",
          name: `${first.name}_input`,
          config: { batch_input_shape: shapeSrc, dtype: c.dtype ?? "float32" },
          inbound: [],
        },
        ctx,
        relax,
      ),
    );
  }
  const input = x;
  configLayers.push({ name: input.sourceLayer.name, className: "InputLayer", layer: input.sourceLayer });
  for (const spec of rest) {
    if (spec.className === "InputLayer")
      fail(ctx, `Sequential: unexpected InputLayer '${spec.name}' after the first layer`);
    if (NESTED_MODELS.has(spec.className)) {
      const inner = buildNested(spec, ctx, depth);
      const out = wrapErr(ctx, () => inner.model.apply(x));
      if (!(out instanceof SymbolicTensor))
        fail(
          ctx,
          `Sequential: nested model '${spec.name}' returns several tensors; a Sequential layer must return one`,
        );
      x = out;
      configLayers.push({ name: spec.name, className: spec.className, layer: null, children: inner.configLayers });
      continue;
    }
    const entry = entryOrFail(spec, ctx);
    const layer = makeLayer(spec, entry, [x], ctx);
    const outs = wrapErr(ctx, () => callLayer(entry, layer, [x], [], false));
    if (outs.length !== 1)
      fail(ctx, `Sequential: layer '${spec.name}' returns ${outs.length} tensors; a Sequential layer must return one`);
    x = outs[0]!;
    configLayers.push({ name: spec.name, className: spec.className, layer });
  }
  const model = wrapErr(ctx, () => new Model({ inputs: input, outputs: x, ...(name ? { name } : {}) }));
  return { model, configLayers };
}

function buildFunctional(top: JsonObject, ctx: LoadContext, depth: number): BuiltModel {
  const cfg = isObj(top.config) ? top.config : fail(ctx, "functional model: expected a config object");
  const list = Array.isArray(cfg.layers)
    ? cfg.layers
    : fail(ctx, "functional model: expected config.layers to be a list");
  const specs = list.map((e, i) => layerSpec(e, ctx, i));
  const names = new Set<string>();
  for (const s of specs) {
    if (names.has(s.name)) fail(ctx, `two layers are named '${s.name}'`);
    names.add(s.name);
  }
  const relax = !anyStateful(specs);
  const produced = new Map<string, SymbolicTensor[][]>(); // layer -> node -> outputs
  const layers = new Map<string, Layer>();
  const configLayers: BuiltModel["configLayers"] = [];
  const pending: {
    spec: LayerSpec;
    entry: LayerEntry | null;
    nested: BuiltModel | null;
    nodes: NodeSpec[];
    next: number;
  }[] = [];
  const maskOps = new Map(specs.filter(isMaskOp).map((s) => [s.name, s.className]));
  for (const spec of specs) {
    if (maskOps.has(spec.name)) continue;
    if (spec.className === "InputLayer") {
      const t = wrapErr(ctx, () => inputLayerFrom(spec, ctx, relax));
      produced.set(spec.name, [[t]]);
      layers.set(spec.name, t.sourceLayer);
      continue;
    }
    const nested = NESTED_MODELS.has(spec.className) ? buildNested(spec, ctx, depth) : null;
    const entry = nested ? null : entryOrFail(spec, ctx);
    const nodes = spec.inbound.map((n, k) =>
      parseNode(n, entry ?? NESTED_ENTRY, ctx, `layer '${spec.name}' node ${k}`, new Set(maskOps.keys())),
    );
    produced.set(spec.name, []);
    pending.push({ spec, entry, nested, nodes, next: 0 });
  }
  const resolve = (r: Ref): SymbolicTensor | undefined => {
    if (maskOps.has(r.layer))
      fail(
        ctx,
        `'${r.layer}' (${maskOps.get(r.layer)}) is a Keras op used as data; only the mask computations Keras 3 writes for Masking/Embedding are supported`,
      );
    if (!produced.has(r.layer)) fail(ctx, `a node refers to layer '${r.layer}', which the config does not define`);
    return produced.get(r.layer)![r.node]?.[r.index];
  };
  let progress = true;
  while (progress) {
    progress = false;
    for (const p of pending) {
      while (p.next < p.nodes.length) {
        const n = p.nodes[p.next]!;
        const ins = n.inputs.map(resolve),
          sts = n.states.map(resolve);
        if (ins.some((t) => !t) || sts.some((t) => !t)) break;
        let outs: SymbolicTensor[];
        if (p.nested) {
          const inner = p.nested.model;
          const got = wrapErr(ctx, () => inner.apply(ins.length === 1 ? ins[0]! : (ins as SymbolicTensor[])));
          outs = Array.isArray(got) ? got : [got];
        } else {
          let layer = layers.get(p.spec.name);
          if (!layer) {
            layer = makeLayer(p.spec, p.entry!, ins as SymbolicTensor[], ctx);
            layers.set(p.spec.name, layer);
          }
          outs = wrapErr(ctx, () =>
            callLayer(p.entry!, layer!, ins as SymbolicTensor[], sts as SymbolicTensor[], n.listInput),
          );
        }
        produced.get(p.spec.name)!.push(outs);
        p.next++;
        progress = true;
      }
    }
  }
  const stuck = pending.find((p) => p.next < p.nodes.length);
  if (stuck) {
    const n = stuck.nodes[stuck.next]!;
    const missing = [...n.inputs, ...n.states].find((r) => !resolve(r))!;
    fail(
      ctx,
      `layer '${stuck.spec.name}' node ${stuck.next} needs output ${missing.index} of node ${missing.node} of '${missing.layer}', which does not exist (cyclic or malformed graph)`,
    );
  }
  const refs = (v: Json | undefined, what: string): { list: SymbolicTensor[]; single: boolean } => {
    if (!Array.isArray(v) || v.length === 0) fail(ctx, `functional model: expected ${what} to be a list`);
    const single = typeof v[0] === "string";
    const rs = (single ? [v] : v).map((r) => refFromList(r, ctx, what));
    const list = rs.map(
      (r) => resolve(r) ?? fail(ctx, `${what}: layer '${r.layer}' has no output ${r.index} at node ${r.node}`),
    );
    return { list, single: single || list.length === 1 };
  };
  const ins = refs(cfg.input_layers, "input_layers");
  const outs = refs(cfg.output_layers, "output_layers");
  const nestedByName = new Map(pending.filter((p) => p.nested).map((p) => [p.spec.name, p.nested!]));
  for (const spec of specs) {
    const layer = layers.get(spec.name);
    const nested = nestedByName.get(spec.name);
    if (layer) configLayers.push({ name: spec.name, className: spec.className, layer });
    else if (nested)
      configLayers.push({ name: spec.name, className: spec.className, layer: null, children: nested.configLayers });
  }
  const model = wrapErr(
    ctx,
    () =>
      new Model({
        inputs: ins.single ? ins.list[0]! : ins.list,
        outputs: outs.single ? outs.list[0]! : outs.list,
        ...(typeof cfg.name === "string" ? { name: cfg.name } : {}),
      }),
  );
  return { model, configLayers };
}

export { InputLayer };
