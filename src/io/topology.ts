// A Keras model config -> a wasm-rnn Model built from registered layers (the config read by
// topology-parse.ts): layers made (their weights counted against the limit first) and called in
// the file's order, nested models built and replayed inside the outer graph.
import { describeValue, WasmRnnError } from "../core/errors.js";
import { ConfigReader, type Json, type JsonObject, type LoadContext } from "../layers/config.js";
import type { LayerEntry } from "../layers/entry.js";
import { registerBuiltinLayers } from "../layers/index.js";
import type { Layer } from "../layers/layer.js";
import { SymbolicTensor } from "../layers/layer.js";
import { buildLayer } from "../layers/registry.js";
import { Model } from "../model/model.js";
import { checkAllSupported } from "./custom-objects.js";
import {
  entryOrFail,
  fail,
  inputLayerFrom,
  isMaskOp,
  isObj,
  type LayerSpec,
  layerSpec,
  NESTED_ENTRY,
  NESTED_MODELS,
  type NodeSpec,
  parseNode,
  type Ref,
  refFromList,
  unwrapTopology,
} from "./topology-parse.js";

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

/** How deep models may nest in a file (a guard against hostile files, far above real use). */
const MAX_NESTING = 8;

/** The leaf layers of config layers, nested models flattened, in file order. */
export function flatConfigLayers(layers: readonly ConfigLayer[]): ConfigLayer[] {
  return layers.flatMap((l) => (l.children ? flatConfigLayers(l.children) : [l]));
}

/**
 * Builds a nested model; its graph is replayed on the outer tensors (Model.apply), so the outer
 * model holds the inner layers themselves.
 */
function buildNested(spec: LayerSpec, ctx: LoadContext, depth: number): BuiltModel {
  if (depth >= MAX_NESTING) fail(ctx, `layer '${spec.name}': models nested more than ${MAX_NESTING} deep`);
  return buildModel({ class_name: spec.className, config: spec.config }, ctx, depth + 1);
}

function callLayer(
  entry: LayerEntry,
  layer: Layer,
  inputs: SymbolicTensor[],
  states: SymbolicTensor[],
  listInput: boolean,
  call?: NodeSpec["call"],
): SymbolicTensor[] {
  if (entry.call) return entry.call(layer, inputs, states, call);
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
    return buildLayer(entry, cfg, ctx);
  } catch (err) {
    if (err instanceof WasmRnnError && !err.message.startsWith(ctx.file))
      throw new WasmRnnError(`${ctx.file}: ${err.message}`);
    throw err;
  }
}

/** A dict (or nested lists and dicts) of [layer, node, index] refs, flattened as tf.nest does: dict keys sorted. */
function flattenRefs(v: Json, ctx: LoadContext, what: string, depth = 0): Json[] {
  if (depth > 8) fail(ctx, `functional model: ${what} nests too deeply`);
  if (Array.isArray(v) && typeof v[0] === "string") return [v];
  if (Array.isArray(v)) return v.flatMap((x) => flattenRefs(x, ctx, what, depth + 1));
  if (isObj(v)) {
    return Object.keys(v)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap((k) => flattenRefs(v[k]!, ctx, what, depth + 1));
  }
  fail(ctx, `functional model: expected ${what} to hold [layer, node, index] lists, got ${describeValue(v)}`);
}

function anyStateful(layers: LayerSpec[]): boolean {
  return layers.some((l) => l.config.stateful === true);
}

/** Builds the Model a Keras config describes. Weights are left for the caller to set. */
export function buildModel(topology: Json, ctx: LoadContext, depth = 0): BuiltModel {
  registerBuiltinLayers();
  const top = unwrapTopology(topology, ctx);
  if (depth === 0) {
    const skip = (s: LayerSpec) => s.className === "InputLayer" || isMaskOp(s) || NESTED_MODELS.has(s.className);
    checkAllSupported(collectSpecs(top, ctx, 0), ctx, skip);
  }
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

/** Every layer spec of a model config, its nested models' included (for the one list of what is missing). */
function collectSpecs(top: JsonObject, ctx: LoadContext, depth: number): LayerSpec[] {
  const cfg = top.config;
  const list = Array.isArray(cfg) ? cfg : isObj(cfg) && Array.isArray(cfg.layers) ? cfg.layers : [];
  const specs = list.map((e, i) => layerSpec(e, ctx, i));
  if (depth >= MAX_NESTING) return specs;
  return specs.flatMap((s) =>
    NESTED_MODELS.has(s.className)
      ? [s, ...collectSpecs({ class_name: s.className, config: s.config }, ctx, depth + 1)]
      : [s],
  );
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
          // Keras ops (x + y) pass no mask on, where the merge layer of the same name would
          const op = n.operands || (p.spec as { module?: string }).module?.startsWith("keras.src.ops");
          if (op && ins.some((t) => t!.masked))
            fail(ctx, `layer '${p.spec.name}': the Keras op ${p.spec.className} on masked tensors is not supported`);
          let layer = layers.get(p.spec.name);
          if (!layer) {
            layer = makeLayer(p.spec, p.entry!, ins as SymbolicTensor[], ctx);
            layers.set(p.spec.name, layer);
          }
          outs = wrapErr(ctx, () =>
            callLayer(p.entry!, layer!, ins as SymbolicTensor[], sts as SymbolicTensor[], n.listInput, n.call),
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
      `layer '${stuck.spec.name}' node ${stuck.next} needs output ${missing.index} of node ${missing.node} ` +
        `of '${missing.layer}', which does not exist (cyclic or malformed graph)`,
    );
  }
  const refs = (v: Json | undefined, what: string): { list: SymbolicTensor[]; single: boolean } => {
    // Keras 2.8+ and Keras 3 write a model built on a dict of inputs/outputs as a dict by name,
    // whose flat order (tf.nest / keras.tree) is the keys sorted
    const dict = isObj(v);
    if (dict) v = flattenRefs(v as Json, ctx, what);
    if (!Array.isArray(v) || v.length === 0) fail(ctx, `functional model: expected ${what} to be a list or a dict`);
    const single = typeof v[0] === "string" && !dict;
    const rs = (typeof v[0] === "string" ? [v] : v).map((r) => refFromList(r, ctx, what));
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
        // Keras's Functional takes the config's flag as its own; its layers keep theirs
        ...(typeof cfg.trainable === "boolean" ? { trainable: cfg.trainable } : {}),
      }),
  );
  return { model, configLayers };
}
