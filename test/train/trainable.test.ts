// Keras's `trainable` flag against real Keras 3 (tools/gen_keras_trainable.py): models with frozen
// layers that Keras trained and saved as .keras (with its optimizer state), .h5 and TF.js. Each file
// loads with Keras's predictions and flags; our fit from the same initial weights ends at Keras's
// weights (what Keras left unchanged stays exactly unchanged); our fit continued from the .keras file
// is Keras's continued fit; saving keeps the flags; summary() counts as Keras.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  BatchNormalization,
  Bidirectional,
  Dense,
  Embedding,
  GRU,
  Input,
  InputLayer,
  type Layer,
  LSTM,
  loadModel,
  Model,
  ready,
  Sequential,
  saveModel,
  type Tensor,
  TimeDistributed,
  tensor,
  WasmRnnError,
} from "../../src/index.js";
import { decode, type EncodedArray, KERAS_PYTHON, loadCases, ROOT } from "../helpers/cases.js";

interface Flags {
  name: string;
  trainable: boolean;
  halves?: [boolean, boolean];
}

interface Case {
  name: string;
  files: { keras: string; h5: string; tfjs: string };
  x: EncodedArray & { dtype?: string };
  y: EncodedArray;
  batchSize: number;
  epochs: number;
  moreEpochs: number;
  learningRate: number;
  modelTrainable: boolean;
  layers: Flags[];
  params: { trainable: number; nonTrainable: number };
  optimizerVariables: number;
  iterations: number;
  initialWeights: EncodedArray[];
  history: { loss: number[] };
  weightsAfterFit: EncodedArray[];
  predictions: EncodedArray[];
  continued: { history: { loss: number[] }; weights: EncodedArray[]; iterations: number };
}

const file = loadCases<Case>("trainable.json") as ReturnType<typeof loadCases<Case>> & {
  constructorArguments: { flags: boolean[]; params: { trainable: number; nonTrainable: number } };
};
const TOL = file.tolerance;

/** A case array; int32 ones (token ids) keep their dtype. */
function decodeAny(a: EncodedArray & { dtype?: string }): Tensor {
  if (a.dtype !== "int32") return decode(a);
  const bytes = Buffer.from(a.b64, "base64");
  return tensor(
    new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
    a.shape,
    "int32",
  );
}

function near(got: ArrayLike<number>, want: ArrayLike<number>, label: string): void {
  expect(got.length, `${label}: size`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const bound = TOL.atol + TOL.rtol * Math.abs(want[i]!);
    if (!(Math.abs(got[i]! - want[i]!) <= bound))
      expect.fail(`${label}: element ${i} is ${got[i]}, Keras gives ${want[i]} (tolerance ${bound})`);
  }
}

/** Our model's flags in the case's form: layers in order (no input layers), a Bidirectional's halves. */
function flagsOf(model: Model): Flags[] {
  return model.layers
    .filter((l) => !(l instanceof InputLayer))
    .map((l: Layer) => {
      const f: Flags = { name: l.name, trainable: l.trainable };
      if (l instanceof Bidirectional) f.halves = [l.forwardLayer.trainable, l.backwardLayer.trainable];
      return f;
    });
}

const fitArgs = (c: Case, epochs: number) => ({ batchSize: c.batchSize, epochs, shuffle: false, verbose: 0 as const });
const compileArgs = (c: Case) => ({
  optimizer: { className: "Adam" as const, config: { learning_rate: c.learningRate } },
  loss: "mse" as const,
});
const pathOf = (rel: string) => join(ROOT, rel);

let work: string;
beforeAll(async () => {
  await ready();
  work = mkdtempSync(join(tmpdir(), "wasm-rnn-trainable-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("models Keras 3 trained with frozen layers", () => {
  it("covers each kind the generator writes", () => {
    expect(file.cases.map((c) => c.name)).toEqual([
      "frozen_embedding",
      "frozen_lstm_stack",
      "frozen_bidirectional",
      "frozen_batchnorm",
      "frozen_nested",
      "frozen_model",
    ]);
  });

  for (const c of file.cases) {
    describe(c.name, () => {
      for (const form of ["keras", "h5", "tfjs"] as const) {
        it(`${form}: loads with Keras's predictions and trainable flags`, async () => {
          const model = await loadModel(pathOf(c.files[form]), { compile: false });
          expect(flagsOf(model)).toEqual(c.layers);
          // Keras 3 restores a functional model's own flag (its legacy .h5 and TF.js forms carry it too)
          expect(model.trainable, "model.trainable").toBe(c.modelTrainable);
          const out = model.predict(decodeAny(c.x)) as Tensor;
          near(out.data, decode(c.predictions[0]!).data, `${form} predict`);
          model.dispose();
        });
      }

      it("fit from the initial weights ends at Keras's weights; what Keras left unchanged stays exactly so", async () => {
        const model = await loadModel(pathOf(c.files.keras), { compile: false });
        model.setWeights(c.initialWeights.map(decode));
        model.compile(compileArgs(c));
        const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
        let h: Awaited<ReturnType<Model["fit"]>>;
        try {
          h = await model.fit(decodeAny(c.x), decode(c.y), fitArgs(c, c.epochs));
          // Keras warns when nothing is trainable, and so do we
          expect(warn.mock.calls.length > 0, "warned of no trainable weights").toBe(c.params.trainable === 0);
        } finally {
          warn.mockRestore();
        }
        near(h!.history.loss!, c.history.loss, "History loss");
        const got = model.getWeights();
        c.weightsAfterFit.forEach((w, i) => {
          const want = decode(w),
            before = decode(c.initialWeights[i]!);
          near(got[i]!.data, want.data, `weight ${i} after fit`);
          if (want.data.every((v, j) => v === before.data[j]))
            expect([...got[i]!.data], `weight ${i}: frozen, unchanged`).toEqual([...before.data]);
        });
        expect(model.optimizer!.iterations).toBe(c.iterations);
        model.dispose();
      });

      it("continuing fit from the .keras file (its optimizer state) matches Keras continuing", async () => {
        const model = await loadModel(pathOf(c.files.keras));
        expect(model.optimizer!.iterations, "iterations restored").toBe(c.iterations);
        const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
        let h: Awaited<ReturnType<Model["fit"]>>;
        try {
          h = await model.fit(decodeAny(c.x), decode(c.y), fitArgs(c, c.moreEpochs));
        } finally {
          warn.mockRestore();
        }
        near(h!.history.loss!, c.continued.history.loss, "continued History loss");
        const got = model.getWeights();
        c.continued.weights.forEach((w, i) =>
          near(got[i]!.data, decode(w).data, `weight ${i} after the continued fit`),
        );
        expect(model.optimizer!.iterations).toBe(c.continued.iterations);
        model.dispose();
      });

      it("summary() counts Trainable and Non-trainable params as Keras", async () => {
        const model = await loadModel(pathOf(c.files.keras), { compile: false });
        const text = model.summary(() => {});
        const count = (what: string) =>
          Number(new RegExp(` ${what} params: ([\\d,]+)`).exec(text)![1]!.replace(/,/g, ""));
        expect(count("Trainable")).toBe(c.params.trainable);
        expect(count("Non-trainable")).toBe(c.params.nonTrainable);
        model.dispose();
      });

      it("saving (.keras and TF.js) keeps every flag", async () => {
        const model = await loadModel(pathOf(c.files.keras));
        const path = join(work, `${c.name}.keras`);
        await saveModel(model, path);
        const { modelJson, weightData } = await saveModel(model);
        for (const [form, back] of [
          ["keras", await loadModel(path, { compile: false })],
          ["tfjs", await loadModel({ modelJson, weightData })],
        ] as const) {
          expect(flagsOf(back), form).toEqual(c.layers);
          expect(back.trainable, `${form}: model.trainable`).toBe(c.modelTrainable);
          back.dispose();
        }
        model.dispose();
      });
    });
  }

  it("Keras 3 loads our saved .keras files with the same flags and the optimizer state they hold", () => {
    if (!existsSync(KERAS_PYTHON)) {
      console.warn(`skipped: no ${KERAS_PYTHON}`);
      return;
    }
    const script = `
import os, sys, json
os.environ["CUDA_VISIBLE_DEVICES"] = ""; os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras
def flags(model):
    out = []
    for l in model.layers:
        if isinstance(l, keras.layers.InputLayer): continue
        if isinstance(l, keras.Model): out.extend(flags(l)); continue
        e = {"name": l.name, "trainable": bool(l.trainable)}
        if isinstance(l, keras.layers.Bidirectional): e["halves"] = [bool(l.forward_layer.trainable), bool(l.backward_layer.trainable)]
        out.append(e)
    return out
res = []
for p in sys.argv[1:]:
    m = keras.saving.load_model(p)
    res.append({"flags": flags(m), "iterations": int(m.optimizer.iterations.numpy()), "vars": len(m.optimizer.variables)})
print(json.dumps(res))
`;
    const paths = file.cases.map((c) => join(work, `${c.name}.keras`));
    const r = spawnSync(KERAS_PYTHON, ["-c", script, ...paths], { encoding: "utf8", timeout: 300_000 });
    expect(r.status, r.stderr?.slice(-3000)).toBe(0);
    const got = JSON.parse(r.stdout.trim().split("\n").pop()!) as {
      flags: Flags[];
      iterations: number;
      vars: number;
    }[];
    file.cases.forEach((c, i) => {
      // the nested model is saved flattened: its layers keep their flags in place
      expect(got[i]!.flags, c.name).toEqual(c.layers);
      expect(got[i]!.iterations, `${c.name}: iterations`).toBe(c.iterations);
      expect(got[i]!.vars, `${c.name}: optimizer variables`).toBe(c.optimizerVariables);
    });
  });
});

describe("the trainable flag in the API", () => {
  it("is a public flag of every layer and model; a wrapper or a model sets what it contains, as Keras's setter", () => {
    const x = Input({ shape: [4, 3] });
    const bi = new Bidirectional(new LSTM({ units: 2, returnSequences: true }));
    const td = new TimeDistributed(new BatchNormalization());
    const head = new Dense({ units: 1 });
    const model = new Model({ inputs: x, outputs: head.apply(td.apply(bi.apply(x))) });
    expect([bi.trainable, td.trainable, head.trainable, model.trainable]).toEqual([true, true, true, true]);
    bi.trainable = false;
    expect([bi.forwardLayer.trainable, bi.backwardLayer.trainable]).toEqual([false, false]);
    td.trainable = false;
    expect(td.layer.trainable).toBe(false);
    model.trainable = true;
    expect([bi.trainable, bi.forwardLayer.trainable, td.layer.trainable, head.trainable]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    model.trainable = false;
    expect(model.layers.every((l) => !l.trainable)).toBe(true);
    expect(() => {
      head.trainable = "no" as unknown as boolean;
    }).toThrow(/Dense '.*': expected trainable to be a boolean, got "no"/);
    expect(() => new Model({ inputs: x, outputs: head.apply(x), trainable: 1 as unknown as boolean })).toThrow(
      WasmRnnError,
    );
    // a wrapped layer's own flag is its weights' (Keras: the variables' flags)
    model.trainable = true;
    bi.backwardLayer.trainable = false;
    const trainable = model.countParams() - bi.backwardLayer.countParams() - td.layer.countParams() / 2;
    expect(model.summary(() => {})).toMatch(new RegExp(` Trainable params: ${trainable} `));
    model.dispose();
  });

  it("a Sequential sets its layers, connected or not; its constructor option is its own flag", () => {
    const dense = new Dense({ units: 2 });
    const seq = new Sequential({ layers: [dense] });
    seq.trainable = false;
    expect(dense.trainable).toBe(false);
    expect(new Sequential({ layers: [new Dense({ units: 1 })], trainable: false }).trainable).toBe(false);
    expect(() => new Sequential({ trainable: "no" as unknown as boolean })).toThrow(WasmRnnError);
    seq.dispose();
  });

  it("as a constructor option it is the layer's own flag, as Keras's argument: a wrapper's layers stay trainable", () => {
    const want = file.constructorArguments;
    const x = Input({ shape: [4, 3] });
    const bi = new Bidirectional(new LSTM({ units: 2, returnSequences: true }), { trainable: false });
    const td = new TimeDistributed(new Dense({ units: 2 }), { trainable: false });
    const model = new Model({
      inputs: x,
      outputs: new Dense({ units: 1, trainable: false }).apply(td.apply(bi.apply(x))),
    });
    expect([bi.trainable, bi.forwardLayer.trainable, td.trainable, td.layer.trainable]).toEqual(want.flags);
    const text = model.summary(() => {});
    expect(text).toContain(` Trainable params: ${want.params.trainable} `);
    expect(text).toContain(` Non-trainable params: ${want.params.nonTrainable} `);
    expect(new Embedding({ inputDim: 3, outputDim: 2, trainable: false }).trainable).toBe(false);
    expect(new GRU({ units: 2, trainable: false }).trainable).toBe(false);
    expect(() => new Dense({ units: 1, trainable: "yes" as unknown as boolean })).toThrow(
      /expected trainable to be a boolean, got "yes"/,
    );
    model.dispose();
  });

  it("a change after training started is refused until compile() again (Keras ignores it until then)", async () => {
    const x = Input({ shape: [4, 3] });
    const gru = new GRU({ units: 3 });
    const model = new Model({ inputs: x, outputs: new Dense({ units: 1 }).apply(gru.apply(x)) });
    model.compile({ optimizer: "sgd", loss: "mse" });
    const xs = tensor(
        new Float32Array(24).map((_, i) => Math.sin(i)),
        [2, 4, 3],
      ),
      ys = tensor([0.5, -0.5], [2, 1]);
    gru.trainable = false; // before the first step: takes effect, as in Keras
    const before = gru.getWeights().map((w) => [...w.data]);
    await model.trainOnBatch(xs, ys);
    expect(gru.getWeights().map((w) => [...w.data])).toEqual(before);
    gru.trainable = true;
    await expect(model.trainOnBatch(xs, ys)).rejects.toThrow(
      /trainable of GRU '.*' changed after training started; .*call compile\(\) again/,
    );
    expect(gru.getWeights().map((w) => [...w.data])).toEqual(before);
    model.compile({ optimizer: "sgd", loss: "mse" });
    await model.trainOnBatch(xs, ys);
    expect(gru.getWeights().map((w) => [...w.data])).not.toEqual(before);
    model.dispose();
  });

  it("reads the committed files only through the paths the case file names", () => {
    for (const c of file.cases) for (const p of Object.values(c.files)) expect(existsSync(pathOf(p)), p).toBe(true);
    expect(readFileSync(pathOf(file.cases[0]!.files.tfjs), "utf8")).toMatch(/"trainable": false/);
  });
});
