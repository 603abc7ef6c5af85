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
  /** Layers in Keras's `model.layers` order (kerasLayerOrder). */
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
  return { inputs, outputs, singleOutput: !Array.isArray(outputsArg), nodes, layers: kerasLayerOrder(inputs, outputs) };
}

/**
 * The layers in Keras 3's `model.layers` order (keras/src/ops/function.py map_graph), which is
 * also the order of `get_weights`, `trainable_variables` and so of a file's optimizer variables:
 * by depth (the longest path to an output) from the deepest, ties broken by when a depth-first
 * walk from the outputs first meets each layer. Input layers take their place by depth too (not
 * always first); an input no output needs gets depth 0 and sorts first among that depth, as in Keras.
 */
function kerasLayerOrder(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): Layer[] {
  const firstSeen = new Map<Layer, number>();
  // nodes from the inputs to the outputs (post-order), as Keras's _build_map
  const ordered: Node[] = [];
  const done = new Set<Node>();
  const walk = (t: SymbolicTensor): void => {
    const node = t.node;
    if (done.has(node)) return;
    if (!firstSeen.has(node.layer)) firstSeen.set(node.layer, firstSeen.size);
    if (!(node.layer instanceof InputLayer)) for (const inp of node.allInputs) walk(inp);
    done.add(node);
    ordered.push(node);
  };
  for (const t of outputs) walk(t);
  const nodeDepth = new Map<Node, number>();
  const layerDepth = new Map<Layer, number>();
  for (let i = ordered.length - 1; i >= 0; i--) {
    const node = ordered[i]!;
    const depth = Math.max(nodeDepth.get(node) ?? 0, layerDepth.get(node.layer) ?? 0);
    layerDepth.set(node.layer, depth);
    nodeDepth.set(node, depth);
    if (node.layer instanceof InputLayer) continue;
    for (const inp of node.allInputs) {
      if (done.has(inp.node)) nodeDepth.set(inp.node, Math.max(depth + 1, nodeDepth.get(inp.node) ?? 0));
    }
  }
  for (const t of inputs) {
    if (!layerDepth.has(t.sourceLayer)) {
      layerDepth.set(t.sourceLayer, 0);
      firstSeen.set(t.sourceLayer, -1);
    }
  }
  return [...layerDepth.keys()].sort(
    (a, b) => layerDepth.get(b)! - layerDepth.get(a)! || firstSeen.get(a)! - firstSeen.get(b)!,
  );
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
