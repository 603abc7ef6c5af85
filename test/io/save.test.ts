// saveModel writes TF.js layers format; @tensorflow/tfjs 4.22 (a devDependency, used only here)
// and our own loadModel must read it back and predict the same numbers.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Dense,
  Input,
  LSTM,
  loadModel,
  Model,
  ready,
  saveModel,
  setRandomSeed,
  type Tensor,
  tensor,
  WasmRnnError,
} from "../../src/index.js";
import { expectClose, FIXTURES, hasFixtures, KERAS_PYTHON, ROOT } from "../helpers/cases.js";
import { goldenTensor, readGolden } from "../helpers/golden.js";

const work = mkdtempSync(join(tmpdir(), "wasm-rnn-save-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  await ready();
  // TF.js's documented production mode: in 4.22 it only turns off its console warnings, such as the
  // cpu backend's "install our node backend" banner on first use in Node (log.warn checks the PROD flag)
  tf.enableProdMode();
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
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  );
}

const TOL = { atol: 1e-5, rtol: 1e-4 };

describe("saveModel (TF.js layers format)", () => {
  it("an encoder-decoder built in code: tfjs and loadModel predict what we predict", async () => {
    setRandomSeed(7);
    const encIn = Input({ shape: [null, 3] });
    const [, h, c] = new LSTM({ units: 5, returnState: true, recurrentActivation: "hard_sigmoid_legacy" }).apply(encIn);
    const decIn = Input({ shape: [null, 4] });
    const [seq] = new LSTM({ units: 5, returnSequences: true, returnState: true, goBackwards: true }).apply(decIn, {
      initialState: [h, c],
    });
    const out = new Dense({ units: 4, activation: "softmax" }).apply(seq);
    const model = new Model({ inputs: [encIn, decIn], outputs: [out, h] });
    const x = [
      tensor(
        Float32Array.from({ length: 2 * 6 * 3 }, (_, i) => Math.sin(i)),
        [2, 6, 3],
      ),
      tensor(
        Float32Array.from({ length: 2 * 4 * 4 }, (_, i) => Math.cos(i)),
        [2, 4, 4],
      ),
    ];
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
    const model = new Model({
      inputs: x,
      outputs: new LSTM({ units: 1, recurrentActivation: "hard_sigmoid" }).apply(x),
    });
    await expect(saveModel(model)).rejects.toThrow(WasmRnnError);
    await expect(saveModel(model)).rejects.toThrow(/hard_sigmoid/);
    await expect(saveModel(model, join(work, "x.h5"))).rejects.toThrow(/legacy \.h5 is not supported/);
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

const PYTHON = KERAS_PYTHON;

describe("saveModel to .keras (Keras 3 format)", () => {
  it("loads back in loadModel and in real Keras 3 with the same predictions", async () => {
    setRandomSeed(11);
    const encIn = Input({ shape: [null, 3] });
    const [, h, c] = new LSTM({ units: 4, returnState: true, recurrentActivation: "hard_sigmoid" }).apply(encIn);
    const decIn = Input({ shape: [null, 2] });
    const seq = new LSTM({ units: 4, returnSequences: true, activation: "relu" }).apply(decIn, {
      initialState: [h, c],
    });
    const out = new Dense({ units: 3, activation: "softmax" }).apply(seq);
    const model = new Model({ inputs: [encIn, decIn], outputs: [out, c], name: "saved_by_us" });
    const x = [
      tensor(
        Float32Array.from({ length: 2 * 5 * 3 }, (_, i) => Math.sin(i * 0.7)),
        [2, 5, 3],
      ),
      tensor(
        Float32Array.from({ length: 2 * 3 * 2 }, (_, i) => Math.cos(i)),
        [2, 3, 2],
      ),
    ];
    const want = list(model.predict(x));
    const path = join(work, "ours.keras");
    expect(await saveModel(model, path)).toEqual({ format: "keras", files: [path] });
    const ours = await loadModel(path);
    expect(ours.name).toBe("saved_by_us");
    list(ours.predict(x)).forEach((g, i) => expect([...g.data], `reloaded output ${i}`).toEqual([...want[i]!.data]));
    ours.dispose();
    if (!existsSync(PYTHON)) {
      console.warn(`skipped the Keras 3 half: no ${PYTHON}`);
      return;
    }
    const script = `
import os, sys, json
os.environ["CUDA_VISIBLE_DEVICES"] = ""; os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, keras
m = keras.models.load_model(sys.argv[1])
xs = [np.array(a["data"], dtype=np.float32).reshape(a["shape"]) for a in json.loads(sys.argv[2])]
ys = m.predict(xs, verbose=0)
print(json.dumps([{"shape": list(y.shape), "data": [float(v) for v in y.ravel()]} for y in ys]))
`;
    const res = spawnSync(
      PYTHON,
      ["-c", script, path, JSON.stringify(x.map((t) => ({ shape: t.shape, data: [...t.data] })))],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(res.status, res.stderr.slice(-2000)).toBe(0);
    const ys = JSON.parse(res.stdout.trim().split("\n").pop()!) as { shape: number[]; data: number[] }[];
    expect(ys.length).toBe(2);
    ys.forEach((y, i) =>
      expectClose(want[i]!, tensor(Float32Array.from(y.data), y.shape), `Keras 3 on our .keras, output ${i}`, TOL),
    );
    model.dispose();
  }, 180_000);
});

describe("a compiled model saved to .keras keeps its compile settings", () => {
  it("loadModel and real Keras 3 load it compiled (same optimizer, loss, metrics); our reload trains bit-identically", async () => {
    setRandomSeed(5);
    const x = Input({ shape: [4, 3] });
    const model = new Model({
      inputs: x,
      outputs: new Dense({ units: 3, activation: "softmax" }).apply(new LSTM({ units: 5 }).apply(x)),
    });
    model.compile({
      optimizer: { className: "Adam", config: { learningRate: 0.02, beta1: 0.8 } },
      loss: { name: "categorical_crossentropy", labelSmoothing: 0.1 },
      metrics: ["accuracy"],
      weightedMetrics: ["mae"],
    });
    const xs = tensor(
      Float32Array.from({ length: 6 * 12 }, (_, i) => Math.sin(i * 0.9)),
      [6, 4, 3],
    );
    const ys = tensor(
      Float32Array.from({ length: 18 }, (_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0)),
      [6, 3],
    );
    const path = join(work, "compiled.keras");
    await saveModel(model, path);
    const ours = await loadModel(path);
    expect(ours.compileArgs?.weightedMetrics).toEqual(["mae"]);
    const [a, b] = [
      await model.fit(xs, ys, { epochs: 2, batchSize: 4, shuffle: false }),
      await ours.fit(xs, ys, { epochs: 2, batchSize: 4, shuffle: false }),
    ];
    expect(b.history).toEqual(a.history);
    model.getWeights().forEach((w, i) => expect([...ours.getWeights()[i]!.data]).toEqual([...w.data]));
    ours.dispose();
    if (!existsSync(PYTHON)) {
      console.warn(`skipped the Keras 3 half: no ${PYTHON}`);
      model.dispose();
      return;
    }
    const script = `
import os, sys, json
os.environ["CUDA_VISIBLE_DEVICES"] = ""; os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras
m = keras.models.load_model(sys.argv[1])
o = m.optimizer
c = m.get_compile_config()
print(json.dumps({"optimizer": type(o).__name__, "lr": float(o.learning_rate), "beta_1": o.beta_1,
                  "loss": m.loss.get_config() if hasattr(m.loss, "get_config") else str(m.loss),
                  "metrics": c["metrics"], "weighted": c["weighted_metrics"]}))
`;
    const res = spawnSync(PYTHON, ["-c", script, path], { encoding: "utf8", timeout: 120_000 });
    expect(res.status, res.stderr.slice(-2000)).toBe(0);
    const got = JSON.parse(res.stdout.trim().split("\n").pop()!) as {
      optimizer: string;
      lr: number;
      beta_1: number;
      loss: Record<string, unknown>;
      metrics: string[];
      weighted: string[];
    };
    expect(got.optimizer).toBe("Adam");
    expect(got.lr).toBeCloseTo(0.02, 7);
    expect(got.beta_1).toBeCloseTo(0.8, 7);
    expect(got.loss.label_smoothing).toBeCloseTo(0.1, 7);
    expect(got.metrics).toEqual(["accuracy"]);
    expect(got.weighted).toEqual(["mae"]);
    model.dispose();
  }, 180_000);
});

describe("whole-number floats in a saved compile_config", () => {
  it("reach Keras as floats: SGD at learning rate 1, and a warmup schedule starting at 0", async () => {
    if (!existsSync(PYTHON)) {
      console.warn(`skipped: no ${PYTHON}`);
      return;
    }
    const x = Input({ shape: [2, 2] });
    const paths: string[] = [];
    for (const [k, optimizer] of [
      ["sgd", { className: "SGD", config: { learningRate: 1 } }],
      [
        "warmup",
        {
          className: "Adam",
          config: {
            learningRate: {
              className: "CosineDecay",
              config: { initialLearningRate: 0, decaySteps: 10, warmupTarget: 1, warmupSteps: 4 },
            },
          },
        },
      ],
    ] as const) {
      const model = new Model({ inputs: x, outputs: new LSTM({ units: 2 }).apply(x) });
      model.compile({ optimizer, loss: "mse" });
      const path = join(work, `float-${k}.keras`);
      await saveModel(model, path);
      paths.push(path);
      model.dispose();
    }
    const script = `
import os, sys, json
os.environ["CUDA_VISIBLE_DEVICES"] = ""; os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras
out = []
for p in sys.argv[1:]:
    o = keras.models.load_model(p).optimizer
    # the learning rate now and after two steps' worth of iterations (a schedule is evaluated)
    lr = o.learning_rate
    o.iterations.assign(2)
    out.append([float(lr), float(o.learning_rate)])
# the same warmup schedule made in Python with float arguments, at step 2: what the file must give
direct = keras.optimizers.schedules.CosineDecay(0.0, 10, warmup_target=1.0, warmup_steps=4)
out.append([float(direct(0)), float(direct(2))])
print(json.dumps(out))
`;
    const res = spawnSync(PYTHON, ["-c", script, ...paths], { encoding: "utf8", timeout: 120_000 });
    expect(res.status, res.stderr.slice(-2000)).toBe(0);
    const [sgd, warmup, direct] = JSON.parse(res.stdout.trim().split("\n").pop()!) as number[][];
    expect(sgd).toEqual([1, 1]); // the learning rate we set, as a float
    expect(warmup).toEqual(direct);
  }, 180_000);
});

describe("every generated Keras 3 model, re-saved", () => {
  const DIR = join(ROOT, "test", "models");
  const names = (JSON.parse(readFileSync(join(DIR, "index.json"), "utf8")) as { models: string[] }).models;
  for (const name of names) {
    it(`${name}: TF.js format in tfjs 4.22 (or a clear refusal) and .keras in loadModel match Keras`, async () => {
      const g = JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8")) as import("../helpers/golden.js").Golden;
      const model = await loadModel(join(DIR, `${name}.keras`));
      const x = g.inputs.map((a, i) => goldenTensor(a, model.inputs[i]!.dtype));
      const want = g.outputs.map((o) => goldenTensor(o, "float32"));
      let art;
      try {
        art = await saveModel(model);
      } catch (err) {
        // TF.js cannot run GRU(reset_after=True) nor Keras 3's hard_sigmoid: refused, never written wrong
        expect(err).toBeInstanceOf(WasmRnnError);
        expect((err as Error).message).toMatch(/resetAfter true, which TF\.js cannot run|hard_sigmoid/);
      }
      if (art) {
        const dir = join(work, `tfjs-${name}`);
        await saveModel(model, dir);
        const tm = await loadInTfjs(dir);
        tfjsPredict(tm, x).forEach((got, i) => expectClose(got, want[i]!, `${name}: tfjs output ${i}`, g.tolerance));
        tm.dispose();
        const back = await loadModel({ modelJson: art.modelJson, weightData: art.weightData });
        list(back.predict(x.length === 1 ? x[0]! : x)).forEach((got, i) =>
          expectClose(got, want[i]!, `${name}: reloaded TF.js output ${i}`, g.tolerance),
        );
        back.dispose();
      }
      const path = join(work, `${name}.keras`);
      await saveModel(model, path);
      const again = await loadModel(path);
      list(again.predict(x.length === 1 ? x[0]! : x)).forEach((got, i) =>
        expectClose(got, want[i]!, `${name}: reloaded .keras output ${i}`, g.tolerance),
      );
      again.dispose();
      model.dispose();
    });
  }
  it("real Keras 3 loads every .keras we wrote above and predicts the goldens", () => {
    if (!existsSync(PYTHON)) {
      console.warn(`skipped: no ${PYTHON} (real Keras 3)`);
      return;
    }
    const script = `
import os, sys, json
os.environ["CUDA_VISIBLE_DEVICES"] = ""; os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, keras
out = {}
for name in sys.argv[3:]:
    g = json.load(open(os.path.join(sys.argv[2], name + ".json")))
    m = keras.models.load_model(os.path.join(sys.argv[1], name + ".keras"))
    xs = [np.array(a["data"], dtype=np.int32 if a["dtype"] == "int32" else np.float32).reshape(a["shape"]) for a in g["inputs"]]
    ys = m.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    ys = ys if isinstance(ys, list) else [ys]
    worst = 0.0
    for y, o in zip(ys, g["outputs"]):
        w = np.array(o["data"], dtype=np.float64).reshape(o["shape"])
        worst = max(worst, float(np.max(np.abs(y - w) - (1e-5 + 1e-4 * np.abs(w)))))
    out[name] = worst
print(json.dumps(out))
`;
    const res = spawnSync(PYTHON, ["-c", script, work, DIR, ...names], { encoding: "utf8", timeout: 300_000 });
    expect(res.status, res.stderr.slice(-3000)).toBe(0);
    const worst = JSON.parse(res.stdout.trim().split("\n").pop()!) as Record<string, number>;
    expect(Object.keys(worst).sort()).toEqual([...names].sort());
    for (const [n, excess] of Object.entries(worst))
      expect(excess, `${n}: Keras 3 on our .keras, worst excess over tolerance`).toBeLessThanOrEqual(0);
  }, 300_000);
});
