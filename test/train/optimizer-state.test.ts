// Optimizer state in .keras files. test/models/optstate_*.keras were trained and saved by real
// Keras 3 (tools/gen_keras_optimizer_state.py), which then continued training; loading a file and
// fitting the same further epochs must reproduce Keras's losses and weights. The other way round,
// a file we save after training is loaded by real Keras, which continues as we do.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  Dense,
  GRU,
  Input,
  LSTM,
  loadModel,
  Model,
  type OptimizerSpecName,
  ready,
  saveModel,
  setRandomSeed,
  type Tensor,
  tensor,
  WasmRnnError,
} from "../../src/index.js";
import { openHdf5 } from "../../src/io/hdf5.js";
import { readOptimizerState, type SavedOptimizerVars, savedOptimizerVars } from "../../src/io/optimizer-state.js";
import { getOptimizer } from "../../src/train/optimizers.js";
import { KERAS_PYTHON, ROOT } from "../helpers/cases.js";
import { type GoldenArray, goldenTensor } from "../helpers/golden.js";

interface Case {
  name: string;
  file: string;
  optimizer: string;
  x: GoldenArray;
  y: GoldenArray;
  batchSize: number;
  epochs: number;
  moreEpochs: number;
  iterations: number;
  savedWeights: GoldenArray[];
  history: Record<string, number[]>;
  weights: GoldenArray[];
  iterationsAfter: number;
}

const MODELS = join(ROOT, "test", "models");
const ref = JSON.parse(readFileSync(join(ROOT, "test", "cases", "optimizer_state.json"), "utf8")) as {
  tolerance: { atol: number; rtol: number };
  cases: Case[];
};
const TOL = ref.tolerance;
const PYTHON = KERAS_PYTHON;
const work = mkdtempSync(join(tmpdir(), "wasm-rnn-optstate-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  await ready();
});

function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, label: string): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  let worst = -Infinity,
    at = -1;
  for (let i = 0; i < want.length; i++) {
    const excess = Math.abs(got[i]! - want[i]!) - (TOL.atol + TOL.rtol * Math.abs(want[i]!));
    if (!(excess <= worst) || Number.isNaN(got[i]!)) [worst, at] = [Number.isNaN(got[i]!) ? Infinity : excess, i];
  }
  expect(
    worst,
    `${label}: worst excess over tolerance at ${at} (got ${got[at]}, want ${want[at]})`,
  ).toBeLessThanOrEqual(0);
}

const fitArgs = (c: Case, epochs: number) => ({ epochs, batchSize: c.batchSize, shuffle: false });

describe("a Keras-trained .keras file continues training as in Keras", () => {
  for (const c of ref.cases) {
    it(`${c.name} (${c.optimizer}): iterations, then ${c.moreEpochs} more epochs give Keras's losses and weights`, async () => {
      const model = await loadModel(join(MODELS, c.file));
      const opt = model.optimizer!;
      expect(opt, `${c.name}: model.optimizer right after loading is the restored one`).toBe(
        model.compileArgs!.optimizer,
      );
      expect(opt.className).toBe(c.optimizer);
      expect(opt.iterations).toBe(c.iterations);
      model
        .getWeights()
        .forEach((w, i) =>
          expectNear(w.data, goldenTensor(c.savedWeights[i]!).data, `${c.name}: weight ${i} as saved`),
        );
      const h = await model.fit(goldenTensor(c.x), goldenTensor(c.y), fitArgs(c, c.moreEpochs));
      expectNear(h.history.loss!, c.history.loss!, `${c.name}: History loss`);
      model
        .getWeights()
        .forEach((w, i) => expectNear(w.data, goldenTensor(c.weights[i]!).data, `${c.name}: weight ${i} after fit`));
      expect(opt.iterations).toBe(c.iterationsAfter); // the same optimizer trained on
      model.dispose();
    });
  }

  it("weights set again between loadModel and fit (fresh wasm blocks) keep their restored state, as Keras's set_weights", async () => {
    for (const c of ref.cases) {
      const model = await loadModel(join(MODELS, c.file));
      model.setWeights(model.getWeights()); // same values; every layer's blocks move
      const h = await model.fit(goldenTensor(c.x), goldenTensor(c.y), fitArgs(c, c.moreEpochs));
      expectNear(h.history.loss!, c.history.loss!, `${c.name}: History loss after setWeights`);
      model
        .getWeights()
        .forEach((w, i) =>
          expectNear(w.data, goldenTensor(c.weights[i]!).data, `${c.name}: weight ${i} after setWeights and fit`),
        );
      model.dispose();
    }
  });

  it("compile: false ignores the state; a fresh optimizer (recompiled) diverges from Keras's continuation", async () => {
    const c = ref.cases.find((k) => k.name === "lstm_adam")!;
    const model = await loadModel(join(MODELS, c.file), { compile: false });
    model.compile({
      optimizer: { className: "Adam", config: { learningRate: 0.01 } },
      loss: "categorical_crossentropy",
    });
    const h = await model.fit(goldenTensor(c.x), goldenTensor(c.y), fitArgs(c, c.moreEpochs));
    // the state matters: without it the last continued loss is off by many tolerances
    const last = c.moreEpochs - 1,
      want = c.history.loss![last]!;
    expect(Math.abs(h.history.loss![last]! - want)).toBeGreaterThan(10 * (TOL.atol + TOL.rtol * Math.abs(want)));
    model.dispose();
  });

  it("packParams / unpackParams lay a slot out exactly as the layer packs its weights", async () => {
    for (const c of ref.cases) {
      const model = await loadModel(join(MODELS, c.file), { compile: false });
      for (const layer of model.layers) {
        const blocks = layer.paramBlocks();
        if (!blocks.length) continue;
        const weights = layer.getWeights().map((t) => t.data as Float32Array);
        const packed = layer.packParams(weights);
        const { heapF32 } = await import("../../src/core/wasm.js");
        const heap = heapF32();
        expect(packed.length).toBe(blocks.length);
        blocks.forEach((b, i) =>
          expect([...packed[i]!], `${c.name} ${layer.name} block ${i}`).toEqual([
            ...heap.slice(b.ptr >> 2, (b.ptr >> 2) + b.length),
          ]),
        );
        layer
          .unpackParams(packed)
          .forEach((w, i) => expect([...w], `${c.name} ${layer.name} weight ${i}`).toEqual([...weights[i]!]));
      }
      model.dispose();
    }
  });
});

/** The .keras file's optimizer variables and a loaded (uncompiled) model to read them for. */
async function savedVars(c: Case) {
  const z = unzipSync(readFileSync(join(MODELS, c.file)));
  const root = await openHdf5(z["model.weights.h5"]!, c.file, 2 ** 28);
  const model = await loadModel(join(MODELS, c.file), { compile: false });
  const config = JSON.parse(strFromU8(z["config.json"]!)) as {
    compile_config: { optimizer: { class_name: OptimizerSpecName; config: object } };
  };
  return { vars: savedOptimizerVars(root, c.file)!, model, spec: config.compile_config.optimizer };
}

describe("bad optimizer state in a .keras file", () => {
  const c = ref.cases.find((k) => k.name === "lstm_adam")!;
  const tamper = (
    vars: SavedOptimizerVars,
    i: number,
    dataset: Partial<SavedOptimizerVars[number]["dataset"]>,
  ): SavedOptimizerVars => vars.map((v, k) => (k === i ? { ...v, dataset: { ...v.dataset, ...dataset } } : v));

  it("another count of variables is warned and skipped, as Keras's load_own_variables does: the optimizer stays fresh", async () => {
    const { vars, model, spec } = await savedVars(c);
    const opt = getOptimizer({ className: spec.class_name, config: spec.config });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      expect(readOptimizerState(vars.slice(0, -1), c.file, model, opt)).toBe(false);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(
        new RegExp(
          /optimizer Adam .*skipping the optimizer's variables: expected 12 variables \(iteration, learning_rate, /
            .source + /then momentum \+ velocity for each of the model's 5 weights\), the file has 11/.source,
        ),
      );
    } finally {
      warn.mockRestore();
    }
    expect(opt.iterations).toBe(0);
    expect(opt.hasState).toBe(false);
    model.dispose();
  });

  it("a wrong shape or value is a WasmRnnError naming the optimizer and the variable; the optimizer stays fresh", async () => {
    const { vars, model, spec } = await savedVars(c);
    const bad: [SavedOptimizerVars, RegExp][] = [
      [
        tamper(vars, 4, { shape: [4, 20] }),
        /optimizer\/vars\/4 \(momentum of layer 'lstm' recurrent_kernel\) of shape \[5, 20\], got \[4, 20\]/,
      ],
      [
        tamper(vars, 3, { read: () => new Float32Array(60).fill(Number.NaN) }),
        /expected finite values in optimizer\/vars\/3 \(velocity of layer 'lstm' kernel\), got NaN/,
      ],
      [
        tamper(vars, 0, { readExact: () => Float64Array.of(-1) }),
        /optimizer\/vars\/0 \(iteration\) to be an integer >= 0, got -1/,
      ],
      [
        tamper(vars, 1, { read: () => Float32Array.of(Number.POSITIVE_INFINITY) }),
        /learning_rate\) to be a finite number >= 0, got Infinity/,
      ],
    ];
    for (const [saved, msg] of bad) {
      const opt = getOptimizer({ className: spec.class_name, config: spec.config });
      let err: unknown;
      try {
        readOptimizerState(saved, c.file, model, opt);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(WasmRnnError);
      expect((err as Error).message).toMatch(msg);
      expect(opt.iterations).toBe(0);
      expect(opt.hasState).toBe(false);
      expect(opt.learningRate).toBeCloseTo(0.01, 7);
    }
    model.dispose();
  });

  it("a file whose optimizer variables do not fit its compile_config loads with a warning and a fresh optimizer, as in Keras", async () => {
    const z = unzipSync(readFileSync(join(MODELS, c.file)));
    const config = JSON.parse(strFromU8(z["config.json"]!));
    config.compile_config.optimizer = {
      module: "keras.optimizers",
      class_name: "RMSprop",
      config: { learning_rate: 0.01 },
      registered_name: null,
    };
    const path = join(work, "mismatch.keras");
    writeFileSync(path, zipSync({ ...z, "config.json": strToU8(JSON.stringify(config)) }));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    let loaded: Model;
    try {
      loaded = await loadModel(path);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(
        new RegExp(
          /optimizer RMSprop .*skipping the optimizer's variables: expected 7 variables \(iteration, learning_rate, /
            .source +
            /then velocity for each of the model's 5 weights\), the file has 12 optimizer variables; training starts with a fresh optimizer/
              .source,
        ),
      );
    } finally {
      warn.mockRestore();
    }
    // compiled from the file, with a fresh RMSprop; the weights load for inference as they are
    expect(loaded!.compileArgs!.optimizer).toMatchObject({ className: "RMSprop" });
    const fresh = await loadModel(join(MODELS, c.file), { compile: false });
    const x = goldenTensor(c.x);
    expect([...(loaded!.predict(x) as Tensor).data]).toEqual([...(fresh.predict(x) as Tensor).data]);
    // Keras 3 on the same file: the same warning, and training starts at step 0
    if (!existsSync(PYTHON)) console.warn(`skipped the Keras 3 half: no ${PYTHON}`);
    else {
      const [keras] = kerasContinue([{ path, x, y: goldenTensor(c.y), batchSize: c.batchSize, epochs: 1 }]);
      expect(keras!.iterations).toBe(0);
      expect(keras!.warnings.join("\n")).toMatch(
        /Skipping variable loading for optimizer '\w+', because it has 7 variables whereas the saved optimizer has 12/,
      );
    }
    loaded!.dispose();
    fresh.dispose();
    // without compiling, the state is not read at all
    const plain = await loadModel(path, { compile: false });
    expect(plain.compileArgs).toBeNull();
    plain.dispose();
  });
});

interface KerasRun {
  iterations: number;
  warnings: string[];
  history: Record<string, number[]>;
  weights: { shape: number[]; data: number[] }[];
}

/** Real Keras 3 loads each file and fits `epochs` more epochs on its data. */
function kerasContinue(jobs: { path: string; x: Tensor; y: Tensor; batchSize: number; epochs: number }[]): KerasRun[] {
  const script = `
import os, sys, json, warnings
os.environ["CUDA_VISIBLE_DEVICES"] = ""; os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, keras
out = []
for job in json.load(open(sys.argv[1])):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = keras.saving.load_model(job["path"])
    it = int(m.optimizer.iterations.numpy())
    arr = lambda a: np.array(a["data"], dtype=np.float32).reshape(a["shape"])
    h = m.fit(arr(job["x"]), arr(job["y"]), batch_size=job["batchSize"], epochs=job["epochs"], shuffle=False, verbose=0)
    out.append({"iterations": it, "warnings": [str(w.message) for w in caught],
                "history": {k: [float(v) for v in vs] for k, vs in h.history.items()},
                "weights": [{"shape": list(w.shape), "data": [float(v) for v in w.ravel()]} for w in m.get_weights()]})
print(json.dumps(out))
`;
  const jobsFile = join(work, "jobs.json");
  writeFileSync(
    jobsFile,
    JSON.stringify(
      jobs.map((j) => ({
        ...j,
        x: { shape: j.x.shape, data: [...j.x.data] },
        y: { shape: j.y.shape, data: [...j.y.data] },
      })),
    ),
  );
  const res = spawnSync(PYTHON, ["-c", script, jobsFile], { encoding: "utf8", timeout: 300_000 });
  expect(res.status, res.stderr.slice(-3000)).toBe(0);
  return JSON.parse(res.stdout.trim().split("\n").pop()!) as KerasRun[];
}

describe("saveModel to .keras writes the optimizer state; real Keras 3 continues from it", () => {
  it("every Keras-trained file, loaded, fitted one epoch and saved by us: Keras's next epoch is ours", async () => {
    const ours: { c: Case; path: string; iterations: number; history: number[]; weights: Tensor[] }[] = [];
    for (const c of ref.cases) {
      const model = await loadModel(join(MODELS, c.file));
      const x = goldenTensor(c.x),
        y = goldenTensor(c.y);
      await model.fit(x, y, fitArgs(c, 1));
      const path = join(work, `resaved_${c.name}.keras`);
      await saveModel(model, path);
      const iterations = c.iterations + Math.ceil(c.x.shape[0]! / c.batchSize);
      // our own loader reads back what we wrote
      const back = await loadModel(path);
      expect((back.compileArgs!.optimizer as { iterations: number }).iterations, `${c.name}: iterations reloaded`).toBe(
        iterations,
      );
      back.dispose();
      const h = await model.fit(x, y, fitArgs(c, 1));
      // the two single epochs are Keras's two continued epochs
      expectNear([...h.history.loss!], [c.history.loss![1]!], `${c.name}: second continued epoch vs Keras`);
      ours.push({ c, path, iterations, history: h.history.loss!, weights: model.getWeights() });
      model.dispose();
    }
    if (!existsSync(PYTHON)) {
      console.warn(`skipped the Keras 3 half: no ${PYTHON}`);
      return;
    }
    const runs = kerasContinue(
      ours.map((o) => ({
        path: o.path,
        x: goldenTensor(o.c.x),
        y: goldenTensor(o.c.y),
        batchSize: o.c.batchSize,
        epochs: 1,
      })),
    );
    runs.forEach((r, k) => {
      const o = ours[k]!;
      expect(r.warnings, `${o.c.name}: Keras's warnings on load`).toEqual([]);
      expect(r.iterations, `${o.c.name}: Keras's iterations after load`).toBe(o.iterations);
      expectNear(o.history, r.history.loss!, `${o.c.name}: our epoch vs Keras on our file`);
      o.weights.forEach((w, i) =>
        expectNear(w.data, r.weights[i]!.data, `${o.c.name}: weight ${i} vs Keras on our file`),
      );
    });
  }, 300_000);

  it("a model built, compiled and trained in JS (optimizers by name) continues in Keras as in JS", async () => {
    const specs = [
      ["adam", "lstm"],
      ["rmsprop", "gru"],
      [{ className: "SGD", config: { learningRate: 0.05, momentum: 0.8 } }, "gru"],
      [{ className: "Adagrad", config: { learningRate: 0.03 } }, "lstm"],
    ] as const;
    const jobs: { path: string; x: Tensor; y: Tensor; batchSize: number; epochs: number }[] = [];
    const ours: { history: number[]; weights: Tensor[]; iterations: number }[] = [];
    const x = tensor(
      Float32Array.from({ length: 7 * 4 * 3 }, (_, i) => Math.sin(i * 0.37)),
      [7, 4, 3],
    );
    const y = tensor(
      Float32Array.from({ length: 7 * 2 }, (_, i) => Math.cos(i * 0.5)),
      [7, 2],
    );
    for (const [k, [optimizer, cell]] of specs.entries()) {
      setRandomSeed(40 + k);
      const inp = Input({ shape: [4, 3] });
      const rnn = cell === "lstm" ? new LSTM({ units: 5 }) : new GRU({ units: 5 });
      const model = new Model({ inputs: inp, outputs: new Dense({ units: 2 }).apply(rnn.apply(inp)), name: `js_${k}` });
      model.compile({ optimizer, loss: "mse" });
      await model.fit(x, y, { epochs: 2, batchSize: 3, shuffle: false });
      const path = join(work, `js_${k}.keras`);
      await saveModel(model, path);
      const h = await model.fit(x, y, { epochs: 1, batchSize: 3, shuffle: false });
      ours.push({ history: h.history.loss!, weights: model.getWeights(), iterations: 2 * Math.ceil(7 / 3) }); // steps of the 2 epochs before saving
      jobs.push({ path, x, y, batchSize: 3, epochs: 1 });
      model.dispose();
    }
    if (!existsSync(PYTHON)) {
      console.warn(`skipped the Keras 3 half: no ${PYTHON}`);
      return;
    }
    kerasContinue(jobs).forEach((r, k) => {
      const o = ours[k]!;
      expect(r.warnings, `job ${k}: Keras's warnings on load`).toEqual([]);
      expect(r.iterations, `job ${k}: Keras's iterations`).toBe(o.iterations);
      expectNear(o.history, r.history.loss!, `job ${k}: our epoch vs Keras on our file`);
      o.weights.forEach((w, i) => expectNear(w.data, r.weights[i]!.data, `job ${k}: weight ${i} vs Keras on our file`));
    });
  }, 300_000);
});
