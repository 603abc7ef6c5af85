// saveModel writes TF.js layers format; @tensorflow/tfjs 4.22 (a devDependency, used only here)
// and our own loadModel must read it back and predict the same numbers.
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dense, Input, LSTM, Model, loadModel, ready, saveModel, setRandomSeed, tensor, WasmRnnError, type Tensor } from "../src/index.js";
import { expectClose, FIXTURES, hasFixtures } from "./helpers.js";
import { goldenTensor, readGolden } from "./io-helpers.js";

const work = mkdtempSync(join(tmpdir(), "wasm-rnn-save-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  await ready();
  await tf.setBackend("cpu");
});

const list = (o: Tensor | Tensor[]) => (Array.isArray(o) ? o : [o]);

function tfjsPredict(tm: tf.LayersModel, inputs: Tensor[]): Tensor[] {
  const xs = inputs.map((t) => tf.tensor(Array.from(t.data), [...t.shape]));
  const out = tm.predict(xs.length === 1 ? xs[0]! : xs);
  const outs = Array.isArray(out) ? out : [out];
  return outs.map((o) => tensor(o.dataSync() as Float32Array, o.shape as number[]));
}

async function loadInTfjs(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
  const bin = readFileSync(join(dir, "weights.bin"));
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
  }));
}

const TOL = { atol: 1e-5, rtol: 1e-4 };

describe("saveModel (TF.js layers format)", () => {
  it("an encoder-decoder built in code: tfjs and loadModel predict what we predict", async () => {
    setRandomSeed(7);
    const encIn = Input({ shape: [null, 3] });
    const [, h, c] = new LSTM({ units: 5, returnState: true, recurrentActivation: "hard_sigmoid_legacy" }).apply(encIn);
    const decIn = Input({ shape: [null, 4] });
    const [seq] = new LSTM({ units: 5, returnSequences: true, returnState: true, goBackwards: true }).apply(decIn, { initialState: [h, c] });
    const out = new Dense({ units: 4, activation: "softmax" }).apply(seq);
    const model = new Model({ inputs: [encIn, decIn], outputs: [out, h] });
    const x = [tensor(Float32Array.from({ length: 2 * 6 * 3 }, (_, i) => Math.sin(i)), [2, 6, 3]), tensor(Float32Array.from({ length: 2 * 4 * 4 }, (_, i) => Math.cos(i)), [2, 4, 4])];
    const want = list(model.predict(x));
    const dir = join(work, "encdec");
    const art = await saveModel(model, dir);
    expect(art.files).toEqual([join(dir, "model.json"), join(dir, "weights.bin")]);
    expect(existsSync(join(dir, "weights.bin"))).toBe(true);
    const tm = await loadInTfjs(dir);
    const got = tfjsPredict(tm, x);
    expect(got.length).toBe(2);
    got.forEach((g, i) => expectClose(g, want[i]!, `tfjs output ${i}`, TOL));
    const ours = await loadModel(join(dir, "model.json"));
    list(ours.predict(x)).forEach((g, i) => expect([...g.data], `reloaded output ${i}`).toEqual([...want[i]!.data]));
    // in memory, without a path
    const mem = await saveModel(model);
    const again = await loadModel({ modelJson: mem.modelJson, weightData: mem.weightData });
    list(again.predict(x)).forEach((g, i) => expect([...g.data]).toEqual([...want[i]!.data]));
    tm.dispose();
    for (const m of [model, ours, again]) m.dispose();
  });

  it("refuses Keras 3 hard_sigmoid in TF.js format (TF.js would compute 0.2x+0.5)", async () => {
    const x = Input({ shape: [2, 1] });
    const model = new Model({ inputs: x, outputs: new LSTM({ units: 1, recurrentActivation: "hard_sigmoid" }).apply(x) });
    await expect(saveModel(model)).rejects.toThrow(WasmRnnError);
    await expect(saveModel(model)).rejects.toThrow(/hard_sigmoid/);
    await expect(saveModel(model, join(work, "x.keras"))).rejects.toThrow(WasmRnnError);
  });
});

describe.runIf(hasFixtures)("saveModel on the trained seq2seq model", () => {
  it("re-saved, it loads in tfjs 4.22 and in loadModel with the golden's numbers", async () => {
    const g = readGolden("tfjs-translation-seq2seq", "full_model_teacher_forced_go.json");
    const model = await loadModel(join(FIXTURES, "tfjs-translation-seq2seq", "model.json"));
    const dir = join(work, "seq2seq");
    await saveModel(model, dir);
    const x = g.inputs.map((a) => goldenTensor(a));
    const want = goldenTensor(g.outputs[0]!);
    const tm = await loadInTfjs(dir);
    expectClose(tfjsPredict(tm, x)[0]!, want, "tfjs on our saved file", g.tolerance);
    const ours = await loadModel(join(dir, "model.json"));
    expectClose(list(ours.predict(x))[0]!, want, "loadModel on our saved file", g.tolerance);
    tm.dispose();
    model.dispose();
    ours.dispose();
  });
});
