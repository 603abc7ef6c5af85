// loadModel / loadWeights: format detection and the three readers (TF.js, legacy .h5, .keras).
import { WasmRnnError } from "../core/errors.js";
import { ready } from "../core/wasm.js";
import type { Json, LoadContext } from "../layers/config.js";
import type { Model } from "../model/model.js";
import { checkQuantizeMode } from "../quant/quantize.js";
import { attachCustomObjects } from "./custom-objects.js";
import { type H5Group, isHdf5, openHdf5 } from "./hdf5.js";
import { isZip, objectTreeGroups, readKerasH5, readKerasZip, type TreeLayer } from "./keras-files.js";
import { describeSource, isUrl, readBytes, readInside } from "./source.js";
import { isTfjsModelJson, readTfjsWeights, tfjsVersion } from "./tfjs.js";
import { type BuiltModel, buildModel, type ConfigLayer, fileLayerTrees, flatConfigLayers } from "./topology.js";
import { configVersion } from "./topology-parse.js";
import { applyTrainingConfig, recompileWithOptimizer } from "./training-config.js";
import type {
  ByteSource,
  LoadOptions,
  ShardBytes,
  ShardProvider,
  ShardSource,
  TfjsArtifacts,
  TfjsModelJson,
} from "./types.js";
import { assignWeights, type WeightGroup } from "./weights.js";

const DEFAULT_MAX_PARAMS = 2 ** 28;
const DEFAULT_MAX_BYTES = 2 ** 30;

function context(file: string, format: LoadContext["format"], kerasVersion: string, opts: LoadOptions): LoadContext {
  const major = Number(/^(\d+)/.exec(kerasVersion)?.[1] ?? NaN);
  const auto = format === "tfjs" ? true : format === "keras" ? false : !(major >= 3);
  const mode = opts.hardSigmoid ?? "auto";
  if (!["auto", "keras3", "legacy"].includes(mode))
    throw new WasmRnnError(
      `loadModel: expected hardSigmoid to be "auto", "keras3" or "legacy", got ${JSON.stringify(mode)}`,
    );
  const maxParams = opts.maxParams ?? DEFAULT_MAX_PARAMS;
  if (!Number.isInteger(maxParams) || maxParams < 1)
    throw new WasmRnnError(
      `loadModel: expected maxParams to be a positive integer, got ${JSON.stringify(opts.maxParams)}`,
    );
  const ctx: LoadContext = {
    file,
    format,
    kerasVersion,
    legacyHardSigmoid: mode === "auto" ? auto : mode === "legacy",
    maxParams,
    params: 0,
  };
  attachCustomObjects(ctx, opts.customObjects);
  return ctx;
}

function limits(opts: LoadOptions) {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < 1)
    throw new WasmRnnError(
      `loadModel: expected maxBytes to be a positive integer, got ${JSON.stringify(opts.maxBytes)}`,
    );
  return { maxBytes, ...(opts.fetch ? { fetch: opts.fetch } : {}) };
}

const isBytes = (v: unknown): v is Uint8Array | ArrayBuffer => v instanceof Uint8Array || v instanceof ArrayBuffer;
const isByteSource = (v: unknown): v is ByteSource => typeof v === "string" || v instanceof URL || isBytes(v);

/** Where a TF.js model's shards come from; paths read from disk or URLs stay in the model's folder. */
function shardProvider(
  src: ShardSource | ByteSource | undefined,
  base: ByteSource | null,
  opts: LoadOptions,
  file: string,
): ShardProvider | null {
  if (typeof src === "function") return src;
  if (src instanceof Map)
    return (p) =>
      src.get(p) ??
      Promise.reject(
        new WasmRnnError(
          `loadModel: no weight shard named '${p}' in the given map (has ${[...src.keys()].join(", ")})`,
        ),
      );
  if (src && typeof src === "object" && !isByteSource(src)) {
    const rec = src as Record<string, ShardBytes>;
    return (p) =>
      Object.hasOwn(rec, p)
        ? rec[p]!
        : Promise.reject(new WasmRnnError(`loadModel: no weight shard named '${p}' in the given object`));
  }
  if (src !== undefined) {
    const dir = src as ByteSource;
    if (isBytes(dir)) return () => dir;
    const folder = typeof dir === "string" && !isUrl(dir) && !dir.endsWith("/") ? `${dir}/` : (dir as string | URL);
    return (p) => readInside(folder, p, file, limits(opts));
  }
  if (base !== null && !isBytes(base)) return (p) => readInside(base as string | URL, p, file, limits(opts));
  return null;
}

function parseJson(bytes: Uint8Array, file: string): Json {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as Json;
  } catch (err) {
    throw new WasmRnnError(`${file}: not valid JSON (${String((err as Error)?.message ?? err).slice(0, 120)})`);
  }
}

function disposeOnError<T>(built: BuiltModel, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    built.model.dispose();
    throw err;
  }
}

async function loadTfjs(
  json: TfjsModelJson,
  shards: ShardProvider | null,
  file: string,
  opts: LoadOptions,
  weightData?: ShardBytes,
): Promise<Model> {
  if (json.format !== undefined && json.format !== "layers-model") {
    const why = json.format === "graph-model" ? " (graph models are TensorFlow graphs, not Keras layers)" : "";
    throw new WasmRnnError(
      `${file}: expected a TF.js layers model (format "layers-model"), got format ${JSON.stringify(json.format)}${why}`,
    );
  }
  const ctx = context(file, "tfjs", tfjsVersion(json), opts);
  const built = buildModel(json.modelTopology, ctx);
  try {
    const groups = await readTfjsWeights(
      json,
      shards,
      ctx,
      flatConfigLayers(built.configLayers).map((l) => l.name),
      weightData,
    );
    assignWeights(file, built.model, groups);
  } catch (err) {
    built.model.dispose();
    throw err;
  }
  const topology = json.modelTopology as { training_config?: Json } | null;
  if (opts.compile !== false && topology && typeof topology === "object")
    applyTrainingConfig(built.model, topology.training_config);
  return built.model;
}

async function loadH5(bytes: Uint8Array, file: string, opts: LoadOptions): Promise<Model> {
  const maxParams = opts.maxParams ?? DEFAULT_MAX_PARAMS;
  const root = await openHdf5(bytes, file, maxParams, limits(opts).maxBytes);
  const h5 = readKerasH5(root, file);
  if (!h5.modelConfig) {
    throw new WasmRnnError(
      `${file}: this HDF5 file holds weights only (no model_config); ` +
        "build the model in code and use loadWeights(model, source), or pass the config JSON with { weights }",
    );
  }
  const ctx = context(file, "h5", h5.kerasVersion, opts);
  const built = buildModel(h5.modelConfig, ctx);
  disposeOnError(built, () => assignWeights(file, built.model, groupsOf(h5, built.configLayers, file)));
  if (opts.compile !== false) applyTrainingConfig(built.model, root.str("training_config") ?? undefined);
  return built.model;
}

function groupsOf(
  h5: ReturnType<typeof readKerasH5>,
  layers: readonly ConfigLayer[] | readonly TreeLayer[],
  file: string,
): WeightGroup[] {
  if (h5.groups) return splitNestedGroups(h5.groups, layers, file);
  return objectTreeGroups(h5.objectTree!, file, layers);
}

/**
 * Legacy .h5 files keep one group per top-level layer; a nested model's group lists all its
 * weights in its layers' order (Keras's `model.weights`). Split it among those layers.
 */
function splitNestedGroups(
  groups: WeightGroup[],
  layers: readonly (ConfigLayer | TreeLayer)[],
  file: string,
): WeightGroup[] {
  const nested = layers.filter((l) => l.children) as ConfigLayer[];
  if (!nested.length) return groups;
  const out = groups.filter((g) => !nested.some((n) => n.name === g.layerName));
  for (const n of nested) {
    const g = groups.find((x) => x.layerName === n.name);
    if (!g) continue;
    let at = 0;
    for (const leaf of flatConfigLayers(n.children!)) {
      const count = leaf.layer?.weightSpecs().length ?? 0;
      if (!count) continue;
      out.push({ layerName: leaf.name, weights: g.weights.slice(at, at + count) });
      at += count;
    }
    if (at !== g.weights.length) {
      throw new WasmRnnError(
        `${file}: nested model '${n.name}' has ${g.weights.length} weights in the file, its layers take ${at}`,
      );
    }
  }
  return out;
}

async function loadKeras(bytes: Uint8Array, file: string, opts: LoadOptions): Promise<Model> {
  const z = await readKerasZip(bytes, file, limits(opts).maxBytes);
  let version = "3";
  if (z.metadata) {
    const meta = parseJson(new TextEncoder().encode(z.metadata), `${file}:metadata.json`);
    if (meta && typeof meta === "object" && !Array.isArray(meta) && typeof meta.keras_version === "string")
      version = meta.keras_version;
  }
  const ctx = context(file, "keras", version, opts);
  const config = parseJson(new TextEncoder().encode(z.config), `${file}:config.json`);
  const built = buildModel(config, ctx);
  try {
    const root = await openHdf5(z.weights, `${file}:model.weights.h5`, ctx.maxParams, limits(opts).maxBytes);
    const h5 = readKerasH5(root, `${file}:model.weights.h5`);
    assignWeights(file, built.model, groupsOf(h5, built.configLayers, file));
    if (opts.compile !== false && config && typeof config === "object" && !Array.isArray(config)) {
      applyTrainingConfig(built.model, (config as { compile_config?: Json }).compile_config);
      await restoreOptimizer(root, file, built.model, version);
    }
  } catch (err) {
    built.model.dispose();
    throw err;
  }
  return built.model;
}

/**
 * Keras's load_model restores the optimizer's variables (step count, moments, accumulators) with
 * the compiled model: so do we, into an optimizer made from the file's compile_config, which the
 * model is then compiled with. Only Keras 3 files; an optimizer we cannot make is left for fit
 * to report.
 */
async function restoreOptimizer(root: H5Group, file: string, model: Model, kerasVersion: string): Promise<void> {
  const args = model.compileArgs;
  if (!args || !/^3(\.|$)/.test(kerasVersion)) return;
  const { savedOptimizerVars, readOptimizerState } = await import("./optimizer-state.js");
  const saved = savedOptimizerVars(root, file);
  if (!saved) return;
  const { getOptimizer } = await import("../train/index.js");
  let opt;
  try {
    opt = getOptimizer(args.optimizer);
  } catch (err) {
    if (err instanceof WasmRnnError) return;
    throw err;
  }
  if (readOptimizerState(saved, file, model, opt)) recompileWithOptimizer(model, opt);
}

async function loadConfigJson(config: Json, file: string, opts: LoadOptions): Promise<Model> {
  const w = opts.weights;
  if (w === undefined || !isByteSource(w)) {
    throw new WasmRnnError(
      `${file}: a Keras model config holds no weights; pass the weights file too: loadModel(config, { weights: "weights.h5" })`,
    );
  }
  const version = configVersion(config);
  const ctx = context(file, "config", version, opts);
  const built = buildModel(config, ctx);
  try {
    await loadWeightsInto(built.model, w, opts, built.configLayers);
  } catch (err) {
    built.model.dispose();
    throw err;
  }
  return built.model;
}

/**
 * Loads a model saved by Keras or TF.js: a `.keras` file, a legacy `.h5`, a TF.js `model.json`
 * (with its shards beside it), a Keras config JSON (with `{ weights }`), or TF.js artifacts in
 * memory. `source` is a path (Node, Deno, Bun), a URL, bytes, or `{ modelJson, weights | weightData }`.
 * `{ quantize: "int8" | "float16" }` quantizes it once loaded (Model.quantize, whose code it brings: no "wasm-rnn/quant").
 */
export async function loadModel(
  source: ByteSource | TfjsArtifacts | TfjsModelJson,
  options: LoadOptions = {},
): Promise<Model> {
  await ready();
  if (typeof options !== "object" || options === null)
    throw new WasmRnnError(`loadModel: expected options to be an object, got ${String(options)}`);
  const quantize = options.quantize === undefined ? null : checkQuantizeMode("loadModel", options.quantize);
  const model = await readModel(source, options);
  const quantized = quantize && import("../entry-quant.js").then(() => model.quantize(quantize));
  if (quantized) await quantized.catch((err: unknown) => disposeAndThrow(model, err));
  return model;
}

function disposeAndThrow(model: Model, err: unknown): never {
  model.dispose();
  throw err;
}

async function readModel(source: ByteSource | TfjsArtifacts | TfjsModelJson, options: LoadOptions): Promise<Model> {
  if (!isByteSource(source)) {
    if (typeof source !== "object" || source === null)
      throw new WasmRnnError(
        `loadModel: expected a path, URL, bytes or TF.js artifacts, got ${source === null ? "null" : typeof source}`,
      );
    if ("modelJson" in source) {
      const art = source as TfjsArtifacts;
      const mj =
        typeof art.modelJson === "string"
          ? parseJson(new TextEncoder().encode(art.modelJson), "<modelJson>")
          : art.modelJson;
      if (!isTfjsModelJson(mj))
        throw new WasmRnnError("<modelJson>: expected a TF.js model.json object with modelTopology");
      if (art.weightData !== undefined && !isBytes(art.weightData))
        throw new WasmRnnError("<modelJson>: expected weightData to be a Uint8Array or ArrayBuffer");
      return loadTfjs(
        mj,
        shardProvider(art.weights ?? options.weights, null, options, "<modelJson>"),
        "<modelJson>",
        options,
        art.weightData,
      );
    }
    if (isTfjsModelJson(source))
      return loadTfjs(
        source,
        shardProvider(options.weights, null, options, "<model.json object>"),
        "<model.json object>",
        options,
      );
    if ("class_name" in source) return loadConfigJson(source as Json, "<config object>", options);
    throw new WasmRnnError(
      "loadModel: expected a path, URL, bytes, a TF.js model.json object or { modelJson, weights }",
    );
  }
  const file = describeSource(source);
  const bytes = await readBytes(source, limits(options));
  if (isHdf5(bytes)) return loadH5(bytes, file, options);
  if (isZip(bytes)) return loadKeras(bytes, file, options);
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] === 0x7b) {
    const json = parseJson(bytes.subarray(i), file);
    if (isTfjsModelJson(json)) {
      const shards = shardProvider(options.weights, isBytes(source) ? null : source, options, file);
      return loadTfjs(json, shards, file, options);
    }
    if (json && typeof json === "object" && !Array.isArray(json) && "class_name" in json)
      return loadConfigJson(json, file, options);
    throw new WasmRnnError(
      `${file}: JSON that is neither a TF.js model.json (modelTopology) nor a Keras model config (class_name)`,
    );
  }
  if (bytes.length === 0) throw new WasmRnnError(`${file}: empty file`);
  const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  throw new WasmRnnError(
    `${file}: unrecognised model format (first bytes ${head}); expected a .keras zip, an HDF5 .h5 or a TF.js model.json`,
  );
}

async function loadWeightsInto(
  model: Model,
  source: ByteSource,
  opts: LoadOptions,
  layers?: { name: string; className: string }[],
): Promise<void> {
  const file = describeSource(source);
  const bytes = await readBytes(source, limits(opts));
  const maxParams = opts.maxParams ?? DEFAULT_MAX_PARAMS;
  const order =
    layers ?? fileLayerTrees.get(model) ?? model.layers.map((l) => ({ name: l.name, className: l.className }));
  if (isHdf5(bytes) || isZip(bytes)) {
    const h5bytes = isZip(bytes) ? (await readKerasZip(bytes, file, limits(opts).maxBytes)).weights : bytes;
    const root = await openHdf5(h5bytes, file, maxParams, limits(opts).maxBytes);
    const h5 = readKerasH5(root, file);
    assignWeights(file, model, groupsOf(h5, order, file), true);
    return;
  }
  throw new WasmRnnError(`${file}: expected Keras weights (.h5, .weights.h5 or .keras), got another format`);
}

/**
 * Loads weights into a model built in code (Keras `model.load_weights`): a Keras 2 `save_weights`
 * .h5, a full-model .h5, a Keras 3 `.weights.h5` or a `.keras`. Layers are matched by name, or in
 * order when the names differ; shapes must match.
 */
export async function loadWeights(model: Model, source: ByteSource, options: LoadOptions = {}): Promise<void> {
  await ready();
  if (!model || typeof (model as Model).getLayer !== "function")
    throw new WasmRnnError(`loadWeights: expected a Model, got ${typeof model}`);
  if (!isByteSource(source))
    throw new WasmRnnError(
      `loadWeights: expected a path, URL or bytes, got ${source === null ? "null" : typeof source}`,
    );
  await loadWeightsInto(model, source, options);
}
