// Models inside models: Model.apply in code, and Keras files whose layers include a Sequential or
// a functional model (checked against the outputs real Keras gave for tools/gen_keras_files.py's
// "nested" model).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  Dense,
  GRU,
  Input,
  LSTM,
  loadModel,
  Model,
  ready,
  Sequential,
  SimpleRNN,
  type SymbolicTensor,
  WasmRnnError,
} from "../../src/index.js";
import { ROOT } from "../helpers/cases.js";
import { checkGolden, type Golden } from "../helpers/golden.js";

const DIR = join(ROOT, "test", "models");
const golden = JSON.parse(readFileSync(join(DIR, "nested.json"), "utf8")) as Golden & { files: { keras: string } };

beforeAll(async () => {
  await ready();
});

describe("Model.apply", () => {
  it("composes a Sequential and a functional model into a third, as Keras's nested model computes", async () => {
    const inner = new Sequential({ layers: [Input({ shape: [5, 3] }), new LSTM({ units: 4, returnSequences: true })] });
    const eIn = Input({ shape: [5, 4] });
    const encoder = new Model({
      inputs: eIn,
      outputs: new Dense({ units: 3, activation: "tanh" }).apply(
        new GRU({ units: 6, returnSequences: true }).apply(eIn),
      ),
    });
    const x = Input({ shape: [5, 3] });
    const outer = new Model({
      inputs: x,
      outputs: new SimpleRNN({ units: 2 }).apply(encoder.apply(inner.apply(x) as SymbolicTensor) as SymbolicTensor),
    });
    // the outer model holds the inner layers themselves, in the order Keras's weights list them
    expect(outer.layers.map((l) => l.className)).toEqual(["InputLayer", "LSTM", "GRU", "Dense", "SimpleRNN"]);
    const loaded = await loadModel(join(DIR, golden.files.keras));
    outer.setWeights(loaded.getWeights());
    checkGolden(outer, golden, "composed in code");
    // the inner models share those weights: they run on their own with the same numbers
    expect(inner.getWeights().map((w) => Array.from(w.data))).toEqual(
      outer
        .getLayer(1)
        .getWeights()
        .map((w) => Array.from(w.data)),
    );
  });

  it("on concrete tensors it predicts, and it refuses inputs of the wrong shape", () => {
    const x = Input({ shape: [4, 2] });
    const m = new Model({ inputs: x, outputs: new LSTM({ units: 3 }).apply(x), name: "small" });
    const data = [
      [
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ],
    ];
    expect(Array.from((m.apply(data) as { data: Float32Array }).data)).toEqual(
      Array.from((m.predict(data) as { data: Float32Array }).data),
    );
    expect(() => m.apply(Input({ shape: [4, 3] }))).toThrow(WasmRnnError);
    expect(() => m.apply(Input({ shape: [4, 3] }))).toThrow(
      /Model 'small': expected input 0 of shape \[null, 4, 2\] \(float32\), got \[null, 4, 3\]/,
    );
  });
});

describe("nested models in Keras files", () => {
  for (const f of ["keras", "h5"] as const) {
    it(`${f}: the inner models' layers and weights load, and the outputs match Keras`, async () => {
      const m = await loadModel(join(DIR, `nested.${f}`));
      expect(m.layers.map((l) => l.className)).toEqual(["InputLayer", "LSTM", "GRU", "Dense", "SimpleRNN"]);
      checkGolden(m, golden, `nested.${f}`);
    });
  }
});
