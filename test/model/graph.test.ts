// A model's layers come in Keras 3's `model.layers` order (src/model/graph.ts kerasLayerOrder), and
// so do getWeights() and the optimizer's variables: cases from tools/gen_keras_layer_order.py.
import { beforeAll, describe, expect, it } from "vitest";
import { Input, type Layer, Model, ready, type SymbolicTensor } from "../../src/index.js";
import { loadCases } from "../helpers/cases.js";
import { type LayerSpec, type ModelSpec, makeLayer } from "../helpers/family.js";

interface OrderCase {
  name: string;
  description: string;
  model: ModelSpec & { layers: (LayerSpec & { shareWith?: string })[] };
  layerOrder: string[];
  weightShapes: number[][];
}

type Callable = { apply(x: unknown, kw?: unknown): SymbolicTensor | SymbolicTensor[] };

/** The case's graph; `shareWith` calls an earlier layer again. Returns the model and each layer's id. */
function build(spec: OrderCase["model"]): { model: Model; ids: Map<Layer, string> } {
  const tensors = new Map<string, SymbolicTensor>();
  const ids = new Map<Layer, string>();
  const inputs = spec.inputs.map((s) => {
    const t = Input({ shape: s.shape! });
    tensors.set(s.id, t);
    ids.set(t.sourceLayer, s.id);
    return t;
  });
  const byId = new Map<string, Layer>();
  for (const l of spec.layers) {
    const layer = l.shareWith ? byId.get(l.shareWith)! : makeLayer(l);
    if (!l.shareWith) {
      byId.set(l.id, layer);
      ids.set(layer, l.id);
    }
    const args = l.inputs.map((r) => tensors.get(r)!);
    const list = l.class === "Concatenate" || l.class === "Add";
    const kw = l.initialState ? { initialState: l.initialState.map((r) => tensors.get(r)!) } : undefined;
    const out = (layer as unknown as Callable).apply(list ? args : args[0], kw);
    (Array.isArray(out) ? out : [out]).forEach((t, i) => tensors.set(`${l.id}:${i}`, t));
  }
  const model = new Model({ inputs, outputs: spec.outputs.map((r) => tensors.get(r)!) });
  return { model, ids };
}

beforeAll(async () => {
  await ready();
});

describe("model.layers order (Keras 3's)", () => {
  for (const c of loadCases<OrderCase>("layer_order.json").cases) {
    it(`${c.name}: ${c.description}`, () => {
      const { model, ids } = build(c.model);
      expect(model.layers.map((l) => ids.get(l))).toEqual(c.layerOrder);
      expect(model.getWeights().map((w) => [...w.shape])).toEqual(c.weightShapes);
      model.dispose();
    });
  }
});
