// A model's graph: the layer calls from its symbolic inputs to its outputs, found and checked
// once (connectGraph), replayed on other symbolic tensors when the model is called as a layer,
// and its layers' weights set all at once.
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { Tensor, TensorLike } from "../core/tensor.js";
import { InputLayer } from "../layers/input.js";
import type { Layer } from "../layers/layer.js";
import { type Node, SymbolicTensor } from "../layers/layer.js";

export interface Graph {
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
  /** Whether outputs were given as one tensor (not a list): predict then returns one. */
  singleOutput: boolean;
  /** Layer calls in execution order (input layers excluded). */
  nodes: Node[];
  /** Layers in graph order, input layers first (as Keras lists them). */
  layers: Layer[];
}

/** The graph from inputs to outputs, checked: symbolic tensors, inputs from Input(), nothing disconnected. */
export function connectGraph(
  who: string,
  inputsArg: SymbolicTensor | readonly SymbolicTensor[],
  outputsArg: SymbolicTensor | readonly SymbolicTensor[],
): Graph {
  const list = (v: unknown, what: string): SymbolicTensor[] => {
    const arr = Array.isArray(v) ? v : [v];
    if (arr.length === 0 || !arr.every((t) => t instanceof SymbolicTensor)) {
      const got = arr.map((t) => (t instanceof SymbolicTensor ? "SymbolicTensor" : typeof t)).join(", ") || "none";
      throw new WasmRnnError(
        `${who}: expected ${what} to be symbolic tensors (from Input() or layer.apply), got ${got}`,
      );
    }
    return arr as SymbolicTensor[];
  };
  const inputs = list(inputsArg, "inputs");
  const outputs = list(outputsArg, "outputs");
  for (const t of inputs) {
    if (!(t.sourceLayer instanceof InputLayer)) {
      throw new WasmRnnError(`${who}: expected inputs to come from Input(), got ${t.name} from ${t.sourceLayer.who}`);
    }
  }
  const inputIds = new Set(inputs.map((t) => t.id));
  const nodes: Node[] = [];
  const seen = new Set<Node>();
  const visit = (t: SymbolicTensor): void => {
    if (inputIds.has(t.id)) return;
    const node = t.node;
    if (node.layer instanceof InputLayer) {
      throw new WasmRnnError(
        `${who}: graph disconnected: output needs ${t.name} from Input '${node.layer.name}', which is not among the model's inputs`,
      );
    }
    if (seen.has(node)) return;
    seen.add(node);
    for (const inp of node.allInputs) visit(inp);
    nodes.push(node);
  };
  for (const t of outputs) visit(t);
  const layers: Layer[] = inputs.map((t) => t.sourceLayer);
  for (const n of nodes) if (!layers.includes(n.layer)) layers.push(n.layer);
  return { inputs, outputs, singleOutput: !Array.isArray(outputsArg), nodes, layers };
}

/**
 * The graph's outputs computed from other symbolic tensors (one per model input, of compatible
 * shapes): every layer call is replayed on them, sharing the layers and their weights.
 */
export function replayGraph(
  who: string,
  graph: Pick<Graph, "inputs" | "outputs" | "nodes">,
  list: readonly unknown[],
): SymbolicTensor[] {
  if (list.length !== graph.inputs.length || !list.every((t) => t instanceof SymbolicTensor)) {
    const wanted = graph.inputs.map((t) => fmtShape(t.shape)).join(", ");
    const concrete = list.every((t) => t instanceof SymbolicTensor) ? "" : " with concrete values among them";
    throw new WasmRnnError(
      `${who}: expected ${graph.inputs.length} symbolic input(s) (${wanted}), got ${list.length}${concrete}`,
    );
  }
  const map = new Map<number, SymbolicTensor>();
  graph.inputs.forEach((want, i) => {
    const got = list[i] as SymbolicTensor;
    const ok =
      got.dtype === want.dtype &&
      got.shape.length === want.shape.length &&
      want.shape.every((d, j) => d === null || got.shape[j] === null || got.shape[j] === d);
    if (!ok) {
      throw new WasmRnnError(
        `${who}: expected input ${i} of shape ${fmtShape(want.shape)} (${want.dtype}), got ${fmtShape(got.shape)} (${got.dtype})`,
      );
    }
    map.set(want.id, got);
  });
  for (const node of graph.nodes) {
    const outs = node.layer.replayNode(
      node.inputs.map((t) => map.get(t.id)!),
      node.initialState.map((t) => map.get(t.id)!),
    );
    node.outputs.forEach((t, i) => map.set(t.id, outs[i]!));
  }
  return graph.outputs.map((t) => map.get(t.id)!);
}

/** Sets the weights of these layers in order (Keras `set_weights`): all of them, or on an error none. */
export function setLayerWeights(
  who: string,
  layers: readonly Layer[],
  weights: readonly (Tensor | TensorLike)[],
): void {
  const counts = layers.map((l) => l.weightSpecs().length);
  const total = counts.reduce((a, b) => a + b, 0);
  if (!Array.isArray(weights) || weights.length !== total) {
    throw new WasmRnnError(
      `${who}: expected ${total} weight arrays, got ${Array.isArray(weights) ? weights.length : typeof weights}`,
    );
  }
  const before = layers.map((l) => l.getWeights());
  let offset = 0;
  try {
    layers.forEach((l, i) => {
      l.setWeights(weights.slice(offset, offset + counts[i]!));
      offset += counts[i]!;
    });
  } catch (err) {
    layers.forEach((l, i) => {
      if (before[i]!.length) l.setWeights(before[i]!);
    });
    throw err;
  }
}

/** A layer of `layers` by name, or by index (Model.getLayer), or an error naming what there is. */
export function findLayer(who: string, layers: readonly Layer[], nameOrIndex: string | number): Layer {
  const layer = typeof nameOrIndex === "number" ? layers[nameOrIndex] : layers.find((l) => l.name === nameOrIndex);
  if (!layer) {
    const wanted =
      typeof nameOrIndex === "number"
        ? `index below ${layers.length}`
        : `named one of ${layers.map((l) => l.name).join(", ")}`;
    throw new WasmRnnError(`${who}: expected a layer ${wanted}, got ${JSON.stringify(nameOrIndex)}`);
  }
  return layer;
}
