// Normalization, Rescaling and Identity (Keras 3's preprocessing and placeholder layers) beyond
// loading (test/io/zoo.test.ts loads them from Keras's files): one SGD step through them against
// Keras's train_on_batch, saving back (our reload and real Keras 3's), and the refusals.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Identity,
  Input,
  loadModel,
  Model,
  Normalization,
  Rescaling,
  ready,
  saveModel,
  tensor,
} from "../../src/index.js";
import { expectClose, KERAS_PYTHON, ROOT } from "../helpers/cases.js";
import { expectError } from "../helpers/errors.js";
import { checkGolden, type Golden, type GoldenArray, goldenTensor } from "../helpers/golden.js";

const ZOO = join(ROOT, "test", "models", "zoo");
const work = mkdtempSync(join(tmpdir(), "wasm-rnn-preprocessing-"));
const golden = (name: string) => JSON.parse(readFileSync(join(ZOO, `${name}.json`), "utf8")) as Golden;

beforeAll(async () => {
  await ready();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("Normalization and Rescaling", () => {
  it("one SGD step (learning rate 1, mse) through them moves every weight as Keras's train_on_batch", async () => {
    const g = golden("preprocessing_mid") as Golden & { sgdStep: { y: GoldenArray; weights: GoldenArray[] } };
    const model = await loadModel(join(ZOO, "preprocessing_mid.keras"));
    model.compile({ optimizer: { className: "SGD", config: { learningRate: 1 } }, loss: "mse" });
    await model.trainOnBatch(goldenTensor(g.inputs[0]!), goldenTensor(g.sgdStep.y));
    const got = model.getWeights();
    expect(got.length).toBe(g.sgdStep.weights.length);
    got.forEach((w, i) => expectClose(w, goldenTensor(g.sgdStep.weights[i]!, "float32"), `weight ${i}`, g.tolerance));
    model.dispose();
  });

  for (const name of ["normalization_adapted", "preprocessing_mid", "rescaling"]) {
    it(`${name}: saved by us (.keras and TF.js), reloaded by us and by real Keras 3, predicts as Keras`, async () => {
      const g = golden(name);
      const model = await loadModel(join(ZOO, `${name}.keras`));
      const path = join(work, `${name}.keras`);
      await saveModel(model, path);
      const dir = join(work, `${name}-tfjs`);
      await saveModel(model, dir);
      model.dispose();
      for (const file of [path, join(dir, "model.json")]) {
        const again = await loadModel(file);
        checkGolden(again, g, `${name} reloaded from ${file}`);
        again.dispose();
      }
      if (!existsSync(KERAS_PYTHON)) {
        console.warn(`skipped the Keras 3 half: no ${KERAS_PYTHON}`);
        return;
      }
      const script = `
import os, sys, json
os.environ["CUDA_VISIBLE_DEVICES"] = ""; os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, keras
m = keras.models.load_model(sys.argv[1])
a = json.loads(sys.argv[2])
y = m.predict(np.array(a["data"], dtype=np.float32).reshape(a["shape"]), verbose=0)
print(json.dumps({"shape": list(y.shape), "data": [float(v) for v in y.ravel()]}))
`;
      const res = spawnSync(KERAS_PYTHON, ["-c", script, path, JSON.stringify(g.inputs[0])], {
        encoding: "utf8",
        timeout: 120_000,
      });
      expect(res.status, res.stderr.slice(-2000)).toBe(0);
      const y = JSON.parse(res.stdout.trim().split("\n").pop()!) as { shape: number[]; data: number[] };
      expectClose(
        tensor(Float32Array.from(y.data), y.shape),
        goldenTensor(g.outputs[0]!),
        "Keras on ours",
        g.tolerance,
      );
    }, 180_000);
  }

  it("refuses what does not fit, naming the layer", () => {
    expectError(() => new Normalization({ mean: 1, name: "n" }), "Normalization 'n'", "both mean and variance");
    expectError(() => new Normalization({ mean: 0, variance: -1, name: "n" }), "variance >= 0");
    expectError(() => new Normalization({ mean: [0, Number.NaN], variance: [1, 1] }), "expected mean to be a finite");
    expectError(
      () => new Normalization({ mean: [0, 1], variance: [1, 1], name: "n2" }).apply(Input({ shape: [4, 3] })),
      "Normalization 'n2'",
      "expected mean to hold 1 or 3 values",
    );
    expectError(() => new Rescaling({ scale: "x" as never, name: "r" }), "Rescaling 'r'", "scale");
    expectError(
      () => new Rescaling({ scale: [1, 2], name: "r2" }).apply(Input({ shape: [4, 3] })),
      "Rescaling 'r2'",
      "one per channel",
    );
    expectError(() => new Identity({ foo: 1 } as never), "Identity", "foo");
  });

  it("a file's Normalization with axis=None (one scalar statistic) is refused, naming the layer", async () => {
    const cfg = JSON.parse(readFileSync(join(ZOO, "normalization_given.config.json"), "utf8"));
    const layer = cfg.config.layers.find((l: { class_name: string }) => l.class_name === "Normalization");
    layer.config.axis = [];
    const file = join(work, "axis_none.json");
    writeFileSync(file, JSON.stringify(cfg));
    await expect(loadModel(file, { weights: join(ZOO, "normalization_given.weights.h5") })).rejects.toThrow(
      /layer 'normalization_1' \(Normalization\): axis=None/,
    );
  });

  it("built in code: Rescaling per channel and Identity, eager", () => {
    const x = Input({ shape: [2] });
    const y = new Identity().apply(new Rescaling({ scale: [2, -1], offset: [0.5, 0] }).apply(x));
    const model = new Model({ inputs: x, outputs: y });
    // float32 x * scale + offset, element by element
    expect([
      ...(model.predict(tensor(Float32Array.of(1, 2, -3, 0.25), [2, 2])) as { data: Float32Array }).data,
    ]).toEqual([2.5, -2, -5.5, -0.25]);
    model.dispose();
  });
});
