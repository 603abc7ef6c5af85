// model.save() and model.loadWeights(): the Keras-style methods over saveModel / loadWeights.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dense, Input, LSTM, loadModel, Model, ready, type Tensor, tensor } from "../../src/index.js";
import { ROOT } from "../helpers/cases.js";
import { checkGolden, type Golden } from "../helpers/golden.js";

const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-save-"));
beforeAll(async () => {
  await ready();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const asList = (out: Tensor | Tensor[]) => (Array.isArray(out) ? out : [out]).map((t) => Array.from(t.data));

describe("Model.save and Model.loadWeights", () => {
  let model: Model;
  const input = tensor(
    Float32Array.from({ length: 2 * 4 * 3 }, (_, i) => Math.sin(i)),
    [2, 4, 3],
  );
  beforeAll(() => {
    const x = Input({ shape: [4, 3] });
    const [seq, h, c] = new LSTM({ units: 5, returnSequences: true, returnState: true }).apply(x);
    model = new Model({ inputs: x, outputs: [new Dense({ units: 2, activation: "softmax" }).apply(seq), h, c] });
  });

  it("save() returns TF.js artifacts that load back to the same numbers", async () => {
    const again = await loadModel(await model.save());
    expect(asList(again.predict(input))).toEqual(asList(model.predict(input)));
  });

  it("save(dir) writes model.json and weights that load back", async () => {
    const files = await model.save(join(dir, "tfjs"));
    expect(files).toBeTruthy();
    const again = await loadModel(join(dir, "tfjs", "model.json"));
    expect(asList(again.predict(input))).toEqual(asList(model.predict(input)));
  });

  it("loadWeights reads a Keras 3 .weights.h5 into a model with the file's architecture", async () => {
    const models = join(ROOT, "test", "models");
    const g = JSON.parse(readFileSync(join(models, "lstm_sequential.json"), "utf8")) as Golden & {
      files: { keras: string; weights_h5: string };
    };
    const m = await loadModel(join(models, g.files.keras));
    m.setWeights(m.getWeights().map((w) => tensor(new Float32Array(w.size), [...w.shape])));
    expect(() => checkGolden(m, g, "zeroed")).toThrow();
    await m.loadWeights(join(models, g.files.weights_h5));
    checkGolden(m, g, "model.loadWeights");
  });
});
