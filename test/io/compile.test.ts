// Files that record how their model was compiled load compiled, as Keras's load_model does:
// test/models/compiled_lstm.{keras,h5} (tools/gen_keras_files.py) come with Keras's own fit of each
// loaded file, which a fit of our loaded model must reproduce; the TF.js seq2seq fixture carries a
// Keras 2 training_config (RMSprop with "lr" and "decay").
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadModel, ready, type Tensor, tensor } from "../../src/index.js";
import { expectClose, FIXTURES, hasFixtures, ROOT, TOL } from "../helpers/cases.js";
import { type GoldenArray, goldenTensor } from "../helpers/golden.js";

interface FitReference {
  x: GoldenArray;
  y: GoldenArray;
  epochs: number;
  batchSize: number;
  runs: Record<"keras" | "h5", { history: Record<string, number[]>; weights: GoldenArray[]; optimizer: string }>;
}

const DIR = join(ROOT, "test", "models");
const golden = JSON.parse(readFileSync(join(DIR, "compiled_lstm.json"), "utf8")) as { fit: FitReference };

beforeAll(async () => {
  await ready();
});

describe("a compiled Keras model loads compiled", () => {
  for (const form of ["keras", "h5"] as const) {
    it(`compiled_lstm.${form}: fit without compile() gives Keras's History (loss, accuracy) and weights`, async () => {
      const model = await loadModel(join(DIR, `compiled_lstm.${form}`));
      const f = golden.fit,
        want = f.runs[form];
      const h = await model.fit(goldenTensor(f.x), goldenTensor(f.y), {
        epochs: f.epochs,
        batchSize: f.batchSize,
        shuffle: false,
      });
      for (const key of Object.keys(want.history)) {
        const got = h.history[key];
        expect(got, `History key ${key}`).toBeDefined();
        want.history[key]!.forEach((v, e) => {
          expect(Math.abs(got![e]! - v), `${key} epoch ${e}: ${got![e]}, Keras ${v}`).toBeLessThanOrEqual(
            TOL.atol + TOL.rtol * Math.abs(v),
          );
        });
      }
      model.getWeights().forEach((w, i) => expectClose(w, goldenTensor(want.weights[i]!), `weight ${i} after fit`));
      model.dispose();
    });
  }

  it("compile: false leaves the model uncompiled", async () => {
    const model = await loadModel(join(DIR, "compiled_lstm.keras"), { compile: false });
    const f = golden.fit;
    await expect(model.fit(goldenTensor(f.x), goldenTensor(f.y))).rejects.toThrow(/expected compile/);
    model.dispose();
  });

  it("a file without a training configuration stays uncompiled", async () => {
    const model = await loadModel(join(DIR, "lstm_sequential.keras"));
    await expect(model.trainOnBatch([[[0, 0, 0]]], [[0]])).rejects.toThrow(/expected compile/);
    model.dispose();
  });
});

describe.runIf(hasFixtures)("a TF.js model's Keras 2 training_config", () => {
  it("tfjs-translation-seq2seq trains as RMSprop(lr 0.001, rho 0.9, epsilon 1e-7) with categorical crossentropy", async () => {
    const file = join(FIXTURES, "tfjs-translation-seq2seq", "model.json");
    const loaded = await loadModel(file);
    const twin = await loadModel(file, { compile: false });
    // the file's values exactly (float32 roundings of 0.001 and 0.9, as Keras 2 wrote them)
    twin.compile({
      optimizer: {
        className: "RMSprop",
        config: { learningRate: 0.0010000000474974513, rho: 0.8999999761581421, epsilon: 1e-7 },
      },
      loss: "categorical_crossentropy",
    });
    const inputs = loaded.inputs.map((t) => {
      const shape = [2, 3, t.shape[2]!];
      const data = new Float32Array(shape[0]! * shape[1]! * shape[2]!);
      for (let i = 0; i < data.length; i += shape[2]! + 1) data[i] = 1;
      return { data, shape };
    });
    const outShape = [2, 3, loaded.outputs[0]!.shape[2]!];
    const target = new Float32Array(outShape[0]! * outShape[1]! * outShape[2]!);
    for (let r = 0; r < 6; r++) target[r * outShape[2]! + (r % outShape[2]!)] = 1;
    const x = inputs.map((a) => tensor(a.data, a.shape));
    const y = tensor(target, outShape);
    const a = await loaded.trainOnBatch(x, y);
    const b = await twin.trainOnBatch(x, y);
    expect(a).toBe(b);
    const wa = loaded.getWeights(),
      wb = twin.getWeights();
    wa.forEach((w: Tensor, i) => expect(Array.from(w.data)).toEqual(Array.from(wb[i]!.data)));
    loaded.dispose();
    twin.dispose();
  });
});
