// Keras 3 files written by tools/gen_keras_files.py (real Keras 3.15): each model through .keras,
// the legacy .h5 writer and a .weights.h5 loaded into the model with loadWeights.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type LSTM, loadModel, loadWeights, ready, tensor } from "../../src/index.js";
import { ROOT } from "../helpers/cases.js";
import { checkGolden, type Golden } from "../helpers/golden.js";

const DIR = join(ROOT, "test", "models");
interface FileGolden extends Golden {
  model_name: string;
  layers: string[];
  files: { keras: string; h5: string; weights_h5: string };
}
const names = (JSON.parse(readFileSync(join(DIR, "index.json"), "utf8")) as { models: string[] }).models;

beforeAll(async () => {
  await ready();
});

describe("Keras 3 files from tools/gen_keras_files.py", () => {
  it("covers every model the generator lists", () => {
    expect(names.length).toBeGreaterThanOrEqual(10);
  });
  for (const name of names) {
    const g = JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8")) as FileGolden;
    it(`${name}.keras`, async () => {
      const model = await loadModel(join(DIR, g.files.keras));
      expect(model.name).toBe(g.model_name);
      checkGolden(model, g, `${name}.keras`);
      model.dispose();
    });
    it(`${name}.h5 (Keras 3 legacy writer)`, async () => {
      const model = await loadModel(readFileSync(join(DIR, g.files.h5)));
      checkGolden(model, g, `${name}.h5`);
      model.dispose();
    });
    it(`${name}.weights.h5 into the model, via loadWeights`, async () => {
      const model = await loadModel(join(DIR, g.files.keras));
      model.setWeights(model.getWeights().map((w) => tensor(new Float32Array(w.size), [...w.shape])));
      expect(() => checkGolden(model, g, "zeroed")).toThrow();
      await loadWeights(model, join(DIR, g.files.weights_h5));
      checkGolden(model, g, `${name}.weights.h5`);
      model.dispose();
    });
  }
  it("Keras 3 'hard_sigmoid' is Keras 3's x/6+0.5 in Keras 3 files", async () => {
    const model = await loadModel(join(DIR, "lstm_options.keras"));
    expect((model.layers[1] as LSTM<true>).recurrentActivation).toBe("hard_sigmoid");
    model.dispose();
  });
});
