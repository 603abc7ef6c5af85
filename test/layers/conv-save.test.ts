// The 1-D convolutions and padding layers saved by wasm-rnn: TF.js folder and .keras load back with the same
// predictions, and real Keras 3 loads the .keras with the same predictions (configs Keras 3 accepts).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Conv1D,
  Cropping1D,
  DepthwiseConv1D,
  Input,
  LSTM,
  loadModel,
  Model,
  ready,
  SeparableConv1D,
  saveModel,
  setRandomSeed,
  tensor,
  UpSampling1D,
  ZeroPadding1D,
} from "../../src/index.js";
import { asList, expectClose, KERAS_PYTHON } from "../helpers/cases.js";

const work = mkdtempSync(join(tmpdir(), "wasm-rnn-conv-save-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(async () => {
  await ready();
});

const TOL = { atol: 1e-5, rtol: 1e-4 };

function build(): Model {
  setRandomSeed(21);
  const x = Input({ shape: [9, 4] });
  let h = new Conv1D({
    filters: 6,
    kernelSize: 3,
    padding: "causal",
    dilationRate: 2,
    groups: 2,
    activation: "tanh",
  }).apply(x);
  h = new ZeroPadding1D({ padding: [1, 2] }).apply(h);
  h = new SeparableConv1D({ filters: 5, kernelSize: 2, strides: 2, depthMultiplier: 2, biasInitializer: "ones" }).apply(
    h,
  );
  h = new UpSampling1D({ size: 3 }).apply(h);
  h = new Cropping1D({ cropping: [2, 1] }).apply(h);
  h = new DepthwiseConv1D({
    kernelSize: 3,
    padding: "same",
    depthMultiplier: 2,
    activation: "relu",
    biasInitializer: "ones",
  }).apply(h);
  h = new ZeroPadding1D({ padding: 1, dataFormat: "channels_first" }).apply(h);
  h = new Conv1D({ filters: 3, kernelSize: 1, useBias: false, activation: "sigmoid" }).apply(h);
  const out = new LSTM({ units: 3 }).apply(h);
  return new Model({ inputs: x, outputs: [out, h], name: "conv_saved" });
}

describe("saving the 1-D convolutions and padding layers", () => {
  it("TF.js folder and .keras reload with the same predictions; real Keras 3 loads the .keras", async () => {
    const model = build();
    const x = tensor(
      Float32Array.from({ length: 2 * 9 * 4 }, (_, i) => Math.sin(i * 0.61)),
      [2, 9, 4],
    );
    const want = asList(model.predict(x));
    const folder = join(work, "tfjs");
    await saveModel(model, folder);
    const path = join(work, "conv.keras");
    await saveModel(model, path);
    for (const p of [join(folder, "model.json"), path]) {
      const again = await loadModel(p);
      asList(again.predict(x)).forEach((g, i) => expect([...g.data], `${p} output ${i}`).toEqual([...want[i]!.data]));
      again.dispose();
    }
    expect(existsSync(KERAS_PYTHON), `real Keras at ${KERAS_PYTHON}`).toBe(true);
    const script = `
import os, sys, json
os.environ["CUDA_VISIBLE_DEVICES"] = ""; os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, keras
m = keras.models.load_model(sys.argv[1])
x = np.array(json.loads(sys.argv[2]), dtype=np.float32).reshape(2, 9, 4)
ys = m.predict(x, verbose=0)
print(json.dumps([{"shape": list(y.shape), "data": [float(v) for v in y.ravel()]} for y in ys]))
`;
    const res = spawnSync(KERAS_PYTHON, ["-c", script, path, JSON.stringify([...x.data])], {
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(res.status, res.stderr.slice(-2000)).toBe(0);
    const ys = JSON.parse(res.stdout.trim().split("\n").pop()!) as { shape: number[]; data: number[] }[];
    expect(ys.length).toBe(2);
    ys.forEach((y, i) =>
      expectClose(want[i]!, tensor(Float32Array.from(y.data), y.shape), `Keras 3, output ${i}`, TOL),
    );
    model.dispose();
  }, 180_000);
});
