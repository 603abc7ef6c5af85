// saveModel(model, "x.keras"): a Keras 3 `.keras` zip (config.json, metadata.json,
// model.weights.h5 in Keras 3's object-tree layout). Writing HDF5 needs h5wasm, an optional
// package imported only here (Node, Deno, Bun: it writes through the file system).
import { WasmRnnError } from "../core/errors.js";
import type { Json, JsonObject } from "../layers/config.js";
import { kerasify } from "../layers/entry.js";
import { registerBuiltinLayers } from "../layers/index.js";
import { InputLayer } from "../layers/input.js";
import type { Layer, Node, SymbolicTensor } from "../layers/layer.js";
import { entryForLayer, savedConfig } from "../layers/registry.js";
import type { Model } from "../model/model.js";
import type { Optimizer } from "../train/optimizer.js";
import { fflate, kerasSnake } from "./keras-files.js";
import { type H5WriteGroup, writeOptimizerState } from "./optimizer-state.js";
import { nodeFs } from "./source.js";

/** The Keras version whose file format (and hard_sigmoid) the written file follows. */
const KERAS_FORMAT_VERSION = "3.0.0";

/** Keras 3 functional config.json for the model. */
export function kerasConfig(model: Model): JsonObject {
  registerBuiltinLayers();
  const nodes = new Set<Node>([...model.inputs.map((t) => t.node), ...model.nodes]);
  const nodeIndex = (n: Node) => n.layer.inboundNodes.filter((m) => nodes.has(m)).indexOf(n);
  const kt = (t: SymbolicTensor): JsonObject => ({
    class_name: "__keras_tensor__",
    config: {
      shape: [...t.shape],
      dtype: t.dtype,
      keras_history: [t.node.layer.name, nodeIndex(t.node), t.outputIndex],
    },
  });
  const layers = model.layers.map((layer: Layer): JsonObject => {
    if (layer instanceof InputLayer) {
      return {
        module: "keras.layers",
        class_name: "InputLayer",
        registered_name: null,
        name: layer.name,
        inbound_nodes: [],
        config: {
          batch_shape: [...layer.batchShape],
          dtype: layer.dtype,
          sparse: false,
          ragged: false,
          name: layer.name,
        },
      };
    }
    const entry = entryForLayer(layer);
    if (!entry?.toConfig)
      throw new WasmRnnError(`saveModel: layer '${layer.name}' (${layer.className}) cannot be saved yet`);
    const mine = layer.inboundNodes.filter((n) => nodes.has(n));
    const listInput = entry.listInput === true || (mine[0]?.inputs.length ?? 0) > 1;
    // a custom layer keeps the module and registered name its file gave (Keras finds its class by them)
    const custom = layer as { registeredName?: string | null; kerasModule?: string | null };
    return {
      module: custom.registeredName !== undefined ? (custom.kerasModule ?? null) : "keras.layers",
      class_name: layer.className,
      registered_name: custom.registeredName ?? null,
      name: layer.name,
      config: kerasify(savedConfig(entry, layer, "keras")),
      build_config: entry.saveCall?.(layer).buildConfig ?? {
        input_shape: mine[0]
          ? listInput
            ? mine[0].inputs.map((t) => [...t.shape])
            : [...mine[0].inputs[0]!.shape]
          : null,
      },
      inbound_nodes: mine.map((n): JsonObject => {
        const call = entry.saveCall?.(layer);
        if (call) {
          // the call's own arguments: positional tensors after the first, tensor and plain kwargs
          const first = entry.listInput
            ? [n.inputs.map(kt)]
            : [kt(n.inputs[0]!), ...n.inputs.slice(1, 1 + call.positional).map(kt)];
          const kwargs: JsonObject = { ...call.kwargs };
          call.kwargTensors.forEach((name, i) => {
            kwargs[name] = kt(n.inputs[1 + call.positional + i]!);
          });
          return { args: first, kwargs };
        }
        return {
          args: [listInput ? n.inputs.map(kt) : kt(n.inputs[0]!)],
          kwargs: n.initialState.length ? { initial_state: n.initialState.map(kt) } : {},
        };
      }),
    };
  });
  const io = (ts: SymbolicTensor[]): Json => {
    const refs = ts.map((t) => [t.node.layer.name, nodeIndex(t.node), t.outputIndex] as Json[]);
    return refs.length === 1 ? refs[0]! : refs;
  };
  return {
    module: "keras.src.models.functional",
    class_name: "Functional",
    registered_name: "Functional",
    config: {
      name: model.name,
      trainable: model.trainable,
      layers,
      input_layers: io(model.inputs),
      output_layers: io(model.outputs),
    },
    build_config: { input_shape: null },
    compile_config: null,
  };
}

interface H5Group {
  create_group(name: string): H5Group;
  create_dataset(args: { name: string; data: Float32Array; shape: number[]; dtype: string }): unknown;
  create_attribute(name: string, data: string): void;
}
interface H5File extends H5Group {
  close(): void;
}
interface H5Wasm {
  ready: Promise<unknown>;
  File: new (name: string, mode: string) => H5File;
}

async function h5wasm(): Promise<H5Wasm> {
  const spec = "h5wasm/node";
  try {
    const mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ spec)) as H5Wasm & { default?: H5Wasm };
    const h5 = mod.File ? mod : mod.default!;
    await h5.ready;
    return h5;
  } catch (err) {
    throw new WasmRnnError(
      `saveModel: writing .keras needs the optional package 'h5wasm' (npm install h5wasm): ${String((err as Error)?.message ?? err).slice(0, 200)}`,
    );
  }
}

/**
 * Keras 3's compile_config for a compiled model (null otherwise), so Keras's load_model returns it
 * compiled: the optimizer and losses as Keras serializes them (get_config), metric names as given.
 */
async function compileConfig(model: Model, opt: Optimizer | null): Promise<JsonObject | null> {
  const args = model.compileArgs;
  if (!args || !opt) return null;
  const { getLoss } = await import("../train/index.js");
  type LossSpec = Parameters<typeof getLoss>[0];
  const serialize = (spec: unknown): Json => {
    if (typeof spec === "string") return spec;
    const loss = getLoss(spec as LossSpec, "saveModel");
    return {
      module: "keras.losses",
      class_name: loss.className,
      config: loss.getConfig() as JsonObject,
      registered_name: null,
    };
  };
  return {
    optimizer: {
      module: "keras.optimizers",
      class_name: opt.className,
      config: opt.getConfig() as JsonObject,
      registered_name: null,
    },
    loss: Array.isArray(args.loss) ? args.loss.map(serialize) : serialize(args.loss),
    loss_weights: null,
    metrics: (args.metrics ?? null) as Json,
    weighted_metrics: (args.weightedMetrics ?? null) as Json,
    run_eagerly: false,
    steps_per_execution: 1,
    jit_compile: false,
  };
}

/** Keys of compile_config numbers that Keras reads as integers; every other number there is a float. */
const INT_KEYS = new Set([
  "decay_steps",
  "first_decay_steps",
  "warmup_steps",
  "boundaries",
  "steps_per_execution",
  "ema_overwrite_frequency",
  "gradient_accumulation_steps",
]);

/**
 * config.json text. JavaScript writes a whole-number float as an integer ("1"), which Python reads
 * as an int: Keras then refuses learning_rate 1, and a schedule starting at 0 or 1 computes in
 * integers. Inside compile_config, float fields are written with a decimal point ("1.0").
 */
function configJson(config: JsonObject): string {
  const mark = (key: string, v: unknown): unknown => {
    if (typeof v === "number" && Number.isInteger(v) && !INT_KEYS.has(key)) return `\u0000float:${v}`;
    if (Array.isArray(v)) return v.map((x) => mark(key, x));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mark(k, x)]));
    return v;
  };
  const marked = { ...config, compile_config: mark("", config.compile_config) };
  return JSON.stringify(marked).replace(/"\\u0000float:(-?\d+)"/g, "$1.0");
}

/**
 * The optimizer training uses: the model's, once training has made it (it holds the state), else
 * the one compile() was given (an Optimizer, possibly with state loaded from a file) or made
 * from the compile spec.
 */
async function modelOptimizer(model: Model): Promise<Optimizer | null> {
  const args = model.compileArgs;
  if (!args) return null;
  if (model.optimizer) return model.optimizer;
  const { getOptimizer } = await import("../train/index.js");
  return getOptimizer(args.optimizer);
}

/** Writes `model` as a Keras 3 .keras file at `path`. */
export async function saveKeras(model: Model, path: string): Promise<string[]> {
  const config = kerasConfig(model);
  const opt = await modelOptimizer(model);
  config.compile_config = await compileConfig(model, opt);
  const fs = await nodeFs("saveModel");
  const h5 = await h5wasm();
  const tmp = `${path}.weights-${Date.now()}-${Math.floor(Math.random() * 1e9)}.h5`;
  try {
    const f = new h5.File(tmp, "w");
    try {
      const layersGroup = f.create_group("layers");
      const used = new Map<string, number>();
      for (const layer of model.layers) {
        const base = kerasSnake(layer.className);
        const n = used.get(base);
        used.set(base, n === undefined ? 0 : n + 1);
        const g = layersGroup.create_group(n === undefined ? base : `${base}_${n + 1}`);
        const entry = layer instanceof InputLayer ? undefined : entryForLayer(layer);
        const specs = layer.weightSpecs();
        const parts = entry?.kerasVarsPaths?.(layer) ?? [{ path: entry?.kerasVarsPath ?? [], count: specs.length }];
        const weights = layer.getWeights();
        const groups = new Map<string, H5Group>([["", g]]);
        const groupAt = (path: string[]): H5Group => {
          let cur = g;
          for (let k = 1; k <= path.length; k++) {
            const key = path.slice(0, k).join("/");
            if (!groups.has(key)) groups.set(key, cur.create_group(path[k - 1]!));
            cur = groups.get(key)!;
          }
          return cur;
        };
        if (!parts.some((p) => p.path.length === 0)) groupAt(["vars"]).create_attribute("name", layer.name);
        let offset = 0;
        for (const part of parts) {
          const vars = groupAt([...part.path, "vars"]);
          if (part.path.length === 0) vars.create_attribute("name", layer.name);
          for (let i = 0; i < part.count; i++, offset++) {
            vars.create_dataset({
              name: String(i),
              data: weights[offset]!.data as Float32Array,
              shape: [...specs[offset]!.shape],
              dtype: "<f",
            });
          }
        }
      }
      f.create_group("vars").create_attribute("name", model.name);
      // Keras's load_model restores the optimizer's variables from here; written once there is
      // state (a fresh optimizer's Keras rebuilds itself)
      if (opt?.hasState) writeOptimizerState(f as unknown as H5WriteGroup, model, opt);
    } finally {
      f.close();
    }
    const weights = await fs.readFile(tmp);
    const { zipSync, strToU8 } = await fflate();
    const meta = {
      keras_version: KERAS_FORMAT_VERSION,
      date_saved: new Date().toISOString().replace("T", "@").slice(0, 19),
      saved_by: "wasm-rnn",
    };
    const zip = zipSync(
      {
        "metadata.json": strToU8(JSON.stringify(meta)),
        "config.json": strToU8(configJson(config)),
        "model.weights.h5": new Uint8Array(weights),
      },
      { level: 0 },
    );
    await fs.writeFile(path, zip);
    return [path];
  } catch (err) {
    if (err instanceof WasmRnnError) throw err;
    throw new WasmRnnError(`saveModel: could not write ${path}: ${String((err as Error)?.message ?? err)}`);
  } finally {
    await fs.rm(tmp, { force: true }).catch(() => {});
  }
}
