// saveModel: TF.js layers format (model.json + weights.bin) that @tensorflow/tfjs and our own
// loadModel read back. Written as a Keras-2 style functional config (initial states as extra
// inbound tensors), which is what TF.js itself understands.
import { WasmRnnError } from "../core/errors.js";
import { checkOptionsObject } from "../core/validate.js";
import type { Json, JsonObject } from "../layers/config.js";
import { registerBuiltinLayers } from "../layers/index.js";
import { InputLayer } from "../layers/input.js";
import type { Layer, Node, SymbolicTensor } from "../layers/layer.js";
import { entryForLayer, savedConfig } from "../layers/registry.js";
import type { Model } from "../model/model.js";
import { checkFloat16Range, toFloat16Bits } from "../quant/float16.js";
import { saveKeras } from "./save-keras.js";
import { nodeFs } from "./source.js";
import type { SavedArtifacts, SavedFiles, SaveOptions, TfjsModelJson } from "./types.js";

export const GENERATED_BY = "wasm-rnn";

function modelNodes(model: Model): Set<Node> {
  return new Set<Node>([...model.inputs.map((t) => t.node), ...model.nodes]);
}

/** The model's topology as a Keras-2/TF.js functional config. */
export function modelToConfig(model: Model): JsonObject {
  registerBuiltinLayers();
  const nodes = modelNodes(model);
  const nodeIndex = (n: Node): number => n.layer.inboundNodes.filter((m) => nodes.has(m)).indexOf(n);
  const ref = (t: SymbolicTensor): Json[] => [t.node.layer.name, nodeIndex(t.node), t.outputIndex, {}];
  const names = new Set<string>();
  const layers = model.layers.map((layer: Layer): JsonObject => {
    if (names.has(layer.name))
      throw new WasmRnnError(`saveModel: two layers of model '${model.name}' are named '${layer.name}'`);
    names.add(layer.name);
    if (layer instanceof InputLayer) {
      return {
        class_name: "InputLayer",
        name: layer.name,
        inbound_nodes: [],
        config: { batch_input_shape: [...layer.batchShape], dtype: layer.dtype, sparse: false, name: layer.name },
      };
    }
    const entry = entryForLayer(layer);
    if (!entry?.toConfig)
      throw new WasmRnnError(`saveModel: layer '${layer.name}' (${layer.className}) cannot be saved yet`);
    const call = entry.saveCall?.(layer);
    const inbound = layer.inboundNodes
      .filter((n) => nodes.has(n))
      .map((n) => {
        if (!call || entry.listInput)
          return n.allInputs.map((t, i) => (call && i === 0 ? [...ref(t).slice(0, 3), call.kwargs] : ref(t)));
        // Keras 2: the call's other arguments are kwargs of the first tensor, tensors as [layer, node, index]
        const kwargs: JsonObject = { ...call.kwargs };
        const names = [...(entry.tensorArgs ?? []).slice(0, call.positional), ...call.kwargTensors];
        names.forEach((name, i) => {
          kwargs[name] = ref(n.inputs[1 + i]!).slice(0, 3);
        });
        return [[...ref(n.inputs[0]!).slice(0, 3), kwargs]];
      });
    return {
      class_name: layer.className,
      name: layer.name,
      config: savedConfig(entry, layer, "tfjs"),
      inbound_nodes: inbound,
    };
  });
  const io = (ts: SymbolicTensor[]) => ts.map((t) => ref(t).slice(0, 3));
  return {
    class_name: "Model",
    config: {
      name: model.name,
      ...(model.trainable ? {} : { trainable: false }),
      layers,
      input_layers: io(model.inputs),
      output_layers: io(model.outputs),
    },
  };
}

/** Checked save options: weightsDtype "float32" (default) or "float16". */
function saveDtype(options: SaveOptions | undefined): "float32" | "float16" {
  const opts = checkOptionsObject("saveModel", options, ["weightsDtype"]);
  const dtype = opts.weightsDtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float16")
    throw new WasmRnnError(`saveModel: expected weightsDtype "float32" or "float16", got ${JSON.stringify(dtype)}`);
  return dtype;
}

/**
 * The model as TF.js artifacts: model.json content and one weights buffer, float32 or (dtype
 * "float16") TF.js's float16 quantization: 2 bytes a weight, read back as float32.
 */
export function toTfjsArtifacts(model: Model, dtype: "float32" | "float16" = "float32"): SavedArtifacts {
  const config = modelToConfig(model);
  const weights: JsonObject[] = [];
  const arrays: Float32Array[] = [];
  const half = dtype === "float16";
  for (const layer of model.layers) {
    const specs = layer.weightSpecs();
    const values = layer.getWeights();
    specs.forEach((s, i) => {
      const entry: JsonObject = { name: `${layer.name}/${s.name}`, shape: [...s.shape], dtype: "float32" };
      if (half) entry.quantization = { dtype: "float16", original_dtype: "float32" };
      weights.push(entry);
      arrays.push(values[i]!.data as Float32Array);
      if (half) checkFloat16Range(`saveModel: layer '${layer.name}'`, `weight ${s.name}`, arrays[arrays.length - 1]!);
    });
  }
  const total = arrays.reduce((a, b) => a + b.length, 0);
  const weightData = new Uint8Array(total * (half ? 2 : 4));
  const dv = new DataView(weightData.buffer);
  let off = 0;
  for (const a of arrays) {
    if (half) for (let i = 0; i < a.length; i++, off += 2) dv.setUint16(off, toFloat16Bits(a[i]!), true);
    else for (let i = 0; i < a.length; i++, off += 4) dv.setFloat32(off, a[i]!, true);
  }
  const modelJson: TfjsModelJson = {
    format: "layers-model",
    generatedBy: GENERATED_BY,
    convertedBy: null,
    modelTopology: { ...config, keras_version: `tfjs-layers (${GENERATED_BY})`, backend: "tensor_flow.js" },
    weightsManifest: [{ paths: ["weights.bin"], weights }],
  };
  return { modelJson, weightData };
}

/**
 * Saves a model. Without a path: returns the TF.js artifacts `{ modelJson, weightData }`.
 * With a directory path (Node, Deno, Bun): TF.js layers format, `model.json` and `weights.bin`
 * there. With a path ending in `.keras`: a Keras 3 file (writing HDF5 needs the optional h5wasm).
 * `{ weightsDtype: "float16" }` (TF.js format) stores the weights in half the bytes.
 */
export async function saveModel(model: Model, target?: undefined, options?: SaveOptions): Promise<SavedArtifacts>;
export async function saveModel(model: Model, target: string, options?: SaveOptions): Promise<SavedFiles>;
export async function saveModel(
  model: Model,
  target?: string,
  options?: SaveOptions,
): Promise<SavedArtifacts | SavedFiles> {
  if (!model || !Array.isArray((model as Model).layers))
    throw new WasmRnnError(`saveModel: expected a Model, got ${typeof model}`);
  const dtype = saveDtype(options);
  if (target === undefined) return toTfjsArtifacts(model, dtype);
  if (typeof target !== "string" || target.length === 0)
    throw new WasmRnnError(`saveModel: expected a directory or .keras path, got ${JSON.stringify(target)}`);
  if (/\.keras$/i.test(target)) {
    if (dtype === "float16")
      throw new WasmRnnError(
        `saveModel: ${target}: weightsDtype "float16" is written in the TF.js format (a directory or no path); .keras keeps float32`,
      );
    return { format: "keras", files: await saveKeras(model, target) };
  }
  if (/\.h5$/i.test(target))
    throw new WasmRnnError(
      `saveModel: ${target}: saving legacy .h5 is not supported; use a .keras path or a directory (TF.js format)`,
    );
  const art = toTfjsArtifacts(model, dtype);
  const fs = await nodeFs("saveModel");
  const dir = target.replace(/[\\/]+$/, "");
  try {
    await fs.mkdir(dir, { recursive: true });
    const mj = `${dir}/model.json`,
      wb = `${dir}/weights.bin`;
    await fs.writeFile(mj, JSON.stringify(art.modelJson));
    await fs.writeFile(wb, art.weightData);
    return { format: "tfjs", files: [mj, wb] };
  } catch (err) {
    throw new WasmRnnError(`saveModel: could not write to ${dir}: ${String((err as Error)?.message ?? err)}`);
  }
}
