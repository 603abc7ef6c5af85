// Config spellings of other Keras versions (Keras 2 / TF.js LeakyReLU `alpha`, Keras 3's activation
// objects, `swish`), and file values we cannot honour, refused naming the file's layer.
import { beforeAll, describe, expect, it } from "vitest";
import {
  Activation,
  Dense,
  Dot,
  Input,
  LeakyReLU,
  loadModel,
  Model,
  type Model as ModelT,
  PReLU,
  ready,
  Softmax,
  tensor,
} from "../../src/index.js";
import type { SavedArtifacts } from "../../src/io/types.js";
import { asList } from "../helpers/cases.js";

beforeAll(async () => {
  await ready();
});

type Cfg = Record<string, unknown>;

/** The model's TF.js artifacts with the config of layer `name` changed by `edit`. */
async function edited(model: ModelT, name: string, edit: (cfg: Cfg) => void): Promise<SavedArtifacts> {
  const art = await model.save();
  // our saver writes the model's {class_name, config} as the topology itself (the converter wraps it in model_config)
  const topo = art.modelJson.modelTopology as unknown as Cfg & { model_config?: Cfg };
  const layers = ((topo.model_config ?? topo).config as { layers: Cfg[] }).layers;
  const layer = layers.find((l) => (l.name ?? (l.config as Cfg).name) === name)!;
  edit(layer.config as Cfg);
  return art;
}

const x = tensor(
  Float32Array.from({ length: 12 }, (_, i) => (i - 6) / 2),
  [2, 2, 3],
);

function oneLayer(layer: { apply(t: unknown): unknown }): ModelT {
  const inp = Input({ shape: [2, 3] });
  return new Model({ inputs: [inp], outputs: [layer.apply(new Dense({ units: 3, name: "d" }).apply(inp)) as never] });
}

describe("legacy and Keras 3 spellings", () => {
  it("LeakyReLU's Keras 2 / TF.js `alpha` is its negativeSlope", async () => {
    const m = oneLayer(new LeakyReLU({ negativeSlope: 0.05, name: "lr" }));
    const want = asList(m.predict(x))[0]!;
    const art = await edited(m, "lr", (c) => {
      c.alpha = c.negative_slope;
      delete c.negative_slope;
    });
    const again = await loadModel(art);
    expect(Array.from(asList(again.predict(x))[0]!.data)).toEqual(Array.from(want.data));
    expect((again.layers.find((l) => l.name === "lr") as LeakyReLU).negativeSlope).toBe(0.05);
  });
  it("Activation takes `swish` and Keras 3's {class_name: function} form", async () => {
    const m = oneLayer(new Activation({ activation: "silu", name: "act" }));
    const want = Array.from(asList(m.predict(x))[0]!.data);
    for (const form of ["swish", { module: "keras.activations", class_name: "function", config: "silu" }]) {
      const again = await loadModel(await edited(m, "act", (c) => void (c.activation = form)));
      expect(Array.from(asList(again.predict(x))[0]!.data)).toEqual(want);
    }
  });
});

describe("file values we cannot honour", () => {
  const cases: [string, () => ModelT, string, (c: Cfg) => void, string][] = [
    [
      "Activation",
      () => oneLayer(new Activation({ activation: "gelu", name: "a1" })),
      "a1",
      (c) => void (c.activation = "glu"),
      "glu",
    ],
    ["Softmax", () => oneLayer(new Softmax({ name: "s1" })), "s1", (c) => void (c.axis = "last"), "axis"],
    ["PReLU", () => oneLayer(new PReLU({ name: "p1" })), "p1", (c) => void (c.shared_axes = "all"), "shared_axes"],
  ];
  for (const [cls, model, name, edit, what] of cases) {
    it(`${cls}: ${what}`, async () => {
      const art = await edited(model(), name, edit);
      await expect(loadModel(art)).rejects.toThrow(new RegExp(`layer '${name}' \\(${cls}\\).*${what}`));
    });
  }
  it("Dot: axes", async () => {
    const a = Input({ shape: [4] }),
      b = Input({ shape: [4] });
    const m = new Model({ inputs: [a, b], outputs: [new Dot({ axes: 1, name: "dt" }).apply([a, b])] });
    const art = await edited(m, "dt", (c) => void (c.axes = [1, 1, 1]));
    await expect(loadModel(art)).rejects.toThrow(/layer 'dt' \(Dot\).*axes/);
  });
});
