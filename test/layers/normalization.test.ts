// BatchNormalization, LayerNormalization and UnitNormalization against real Keras 3
// (tools/gen_keras_layers_norm.py): each case's forward through the API and the three files, one
// SGD(1) step (gradients, and the moving statistics' update), model.fit over three epochs against
// Keras's History and final weights; our saved files loaded by us and by Keras 3; the refusals.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BatchNormalization,
  Dense,
  Input,
  LayerNormalization,
  loadModel,
  Model,
  type OptimizerSpecName,
  ready,
  type Tensor,
  tensor,
  UnitNormalization,
  WasmRnnError,
} from "../../src/index.js";
import { asList, decode, type EncodedArray, expectClose, KERAS_PYTHON, loadCases, TOL } from "../helpers/cases.js";
import { buildCase, type ModelSpec } from "../helpers/family.js";
import { describeLayerCases } from "../helpers/layer-cases.js";

const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-norm-"));
beforeAll(() => ready());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeLayerCases("layers_norm.json", /^bn_/);
describeLayerCases("layers_norm.json", /^ln_/);
describeLayerCases("layers_norm.json", /^un_/);
describeLayerCases("layers_norm.json", /^norm_stack$/);

interface FitCase {
  model: ModelSpec;
  x: EncodedArray;
  y: EncodedArray;
  batchSize: number;
  epochs: number;
  optimizer: { className: OptimizerSpecName; config: Record<string, number> };
  loss: number[];
  weightNames: string[];
  weights: EncodedArray[];
  predict: EncodedArray;
}

describe("BatchNormalization in model.fit (Keras 3's History and final weights)", () => {
  const file = loadCases<unknown>("layers_norm.json") as unknown as { fit: FitCase };
  const c = file.fit;
  it("three epochs of Adam, batches of 4 of 10 rows: losses, weights and moving statistics as Keras's", async () => {
    const { model } = buildCase(c.model);
    model.compile({ optimizer: c.optimizer, loss: "mse" });
    const hist = await model.fit(decode(c.x), decode(c.y), {
      batchSize: c.batchSize,
      epochs: c.epochs,
      shuffle: false,
      verbose: 0,
    });
    const losses = hist.history.loss as number[];
    c.loss.forEach((want, i) =>
      expect(Math.abs(losses[i]! - want), `epoch ${i} loss ${losses[i]} vs ${want}`).toBeLessThan(1e-4),
    );
    const got = model.getWeights();
    c.weights.forEach((w, i) =>
      expectClose(got[i]!, decode(w), `fit: ${c.weightNames[i]}`, { atol: 1e-4, rtol: 1e-3 }),
    );
    expectClose(asList(model.predict(decode(c.x)))[0]!, decode(c.predict), "fit: predict after", {
      atol: 1e-4,
      rtol: 1e-3,
    });
    model.dispose();
  });
});

function makeModel(): { model: Model; x: Tensor } {
  const input = Input({ shape: [4, 6] });
  let h = new Dense({ units: 6, name: "d" }).apply(input);
  h = new BatchNormalization({ axis: 1, momentum: 0.7, epsilon: 0.01, name: "bn" }).apply(h);
  h = new LayerNormalization({ axis: [1, 2], center: false, name: "ln" }).apply(h);
  h = new LayerNormalization({ rmsScaling: true, name: "ln_rms" }).apply(h);
  h = new UnitNormalization({ axis: 1, name: "un" }).apply(h);
  const model = new Model({ inputs: input, outputs: h });
  const bn = model.layers.find((l) => l.name === "bn")!;
  const sizes = bn.getWeights().map((w) => w.size);
  bn.setWeights(
    sizes.map((n, i) =>
      tensor(
        Float32Array.from({ length: n }, (_, j) => 0.6 + 0.1 * i + 0.05 * j),
        [n],
      ),
    ),
  );
  const x = tensor(
    Float32Array.from({ length: 3 * 24 }, (_, i) => Math.sin(i * 0.37)),
    [3, 4, 6],
  );
  return { model, x };
}

describe("saving the normalization layers", () => {
  it("round-trips through TF.js artifacts and a .keras file with the same predictions", async () => {
    const { model, x } = makeModel();
    const want = model.predict(x) as Tensor;
    const keras = join(dir, "norm.keras");
    await model.save(keras);
    for (const again of [await loadModel(keras)]) {
      expect([...(again.predict(x) as Tensor).data]).toEqual([...want.data]);
      again.dispose();
    }
    // TF.js lacks rms_scaling: that model is refused, the others round-trip
    await expect(model.save()).rejects.toThrow(/rmsScaling.*TF\.js/);
    const input = Input({ shape: [4, 6] });
    const plain = new Model({
      inputs: input,
      outputs: new UnitNormalization({}).apply(
        new LayerNormalization({}).apply(new BatchNormalization({}).apply(input)),
      ),
    });
    const back = await loadModel(await plain.save());
    expect([...(back.predict(x) as Tensor).data]).toEqual([...(plain.predict(x) as Tensor).data]);
    if (!existsSync(KERAS_PYTHON)) {
      console.warn(`skipped the Keras 3 half: no ${KERAS_PYTHON}`);
      return;
    }
    const input_ = join(dir, "x.json");
    writeFileSync(input_, JSON.stringify({ shape: x.shape, data: [...x.data] }));
    const script = `
import os, sys, json
os.environ["CUDA_VISIBLE_DEVICES"] = ""; os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import warnings; warnings.simplefilter("ignore")
import numpy as np, keras
m = keras.models.load_model(sys.argv[1])
a = json.load(open(sys.argv[2]))
y = m.predict(np.array(a["data"], dtype=np.float32).reshape(a["shape"]), verbose=0)
print(json.dumps({"shape": list(y.shape), "data": [float(v) for v in y.ravel()]}))
`;
    const res = spawnSync(KERAS_PYTHON, ["-c", script, keras, input_], { encoding: "utf8", timeout: 120_000 });
    expect(res.status, res.stderr.slice(-2000)).toBe(0);
    const y = JSON.parse(res.stdout.trim().split("\n").pop()!) as { shape: number[]; data: number[] };
    expectClose(want, tensor(Float32Array.from(y.data), y.shape), "Keras 3 on our .keras", TOL);
    model.dispose();
  }, 180_000);
});

describe("older files and refused steps", () => {
  it("a Keras 2 / TF.js BatchNormalization config (axis as a list, TF 2 keys) loads as Keras 3's axis -1", async () => {
    const config = {
      name: "bn",
      trainable: true,
      axis: [2],
      momentum: 0.9,
      epsilon: 0.01,
      center: true,
      scale: true,
      fused: null,
      renorm: false,
      renorm_clipping: null,
      renorm_momentum: 0.99,
      virtual_batch_size: null,
      adjustment: null,
      beta_initializer: { class_name: "Zeros", config: {} },
    };
    const values = [0.5, 1.5, -1, 2, 0.1, 0.2, 0.3, -0.4, -0.2, 0, 0.25, 1, 0.7, 1.1, 0.9, 1.3];
    const names = ["gamma", "beta", "moving_mean", "moving_variance"];
    const modelJson = {
      format: "layers-model",
      modelTopology: {
        keras_version: "2.15.0",
        backend: "tensorflow",
        model_config: {
          class_name: "Sequential",
          config: {
            name: "s",
            layers: [
              { class_name: "InputLayer", config: { batch_input_shape: [null, 3, 4], name: "in", dtype: "float32" } },
              { class_name: "BatchNormalization", config },
            ],
          },
        },
      },
      weightsManifest: [
        { paths: ["w.bin"], weights: names.map((n) => ({ name: `bn/${n}`, shape: [4], dtype: "float32" })) },
      ],
    };
    const loaded = await loadModel({ modelJson, weightData: Float32Array.from(values).buffer } as never);
    const input = Input({ shape: [3, 4] });
    const bn = new BatchNormalization({ momentum: 0.9, epsilon: 0.01 });
    const ours = new Model({ inputs: input, outputs: bn.apply(input) });
    bn.setWeights(names.map((_, i) => tensor(Float32Array.from(values.slice(4 * i, 4 * i + 4)), [4])));
    const x = tensor(
      Float32Array.from({ length: 24 }, (_, i) => Math.cos(i)),
      [2, 3, 4],
    );
    const got = loaded.layers.find((l) => l.name === "bn") as BatchNormalization;
    expect([got.axis, got.momentum, got.epsilon]).toEqual([2, 0.9, 0.01]);
    expect([...(loaded.predict(x) as Tensor).data]).toEqual([...(ours.predict(x) as Tensor).data]);
  });

  it("a step refused for non-finite gradients leaves the moving statistics as they were", async () => {
    const input = Input({ shape: [3] });
    const d = new Dense({ units: 2, name: "big" });
    const bn = new BatchNormalization({ name: "bn_keep" });
    const model = new Model({ inputs: input, outputs: d.apply(bn.apply(input)) });
    d.setWeights([tensor(new Float32Array(6).fill(1e30), [3, 2]), tensor(new Float32Array(2), [2])]);
    const before = bn.getWeights().map((w) => [...w.data]);
    model.compile({ optimizer: "sgd", loss: "mse" });
    const x = tensor(Float32Array.from([1, 2, 3, -1, 0, 4]), [2, 3]);
    await expect(model.trainOnBatch(x, tensor(new Float32Array(4), [2, 2]))).rejects.toThrow(
      /gradient of the loss became Infinity.*the step was not applied/,
    );
    expect(bn.getWeights().map((w) => [...w.data])).toEqual(before);
    // a finite step does move them
    d.setWeights([tensor(new Float32Array(6).fill(0.5), [3, 2]), tensor(new Float32Array(2), [2])]);
    expect(Number.isFinite(await model.trainOnBatch(x, tensor(new Float32Array(4), [2, 2])))).toBe(true);
    expect([...bn.getWeights()[2]!.data]).not.toEqual(before[2]);
  });
});

describe("eager calls", () => {
  it("an eager call runs inference (moving statistics), as a model's predict; LayerNormalization sorts its axes as Keras", () => {
    const { model, x } = makeModel();
    const bn = model.layers.find((l) => l.name === "bn") as BatchNormalization;
    const dense = model.layers.find((l) => l.name === "d") as Dense;
    const sub = new Model({ inputs: model.inputs[0]!, outputs: bn.apply(dense.apply(model.inputs[0]!)) });
    expect([...(bn.apply(dense.apply(x)) as Tensor).data]).toEqual([...(sub.predict(x) as Tensor).data]);
    const a = new LayerNormalization({ axis: [2, 1] }),
      b = new LayerNormalization({ axis: [-2, -1] });
    expect([...(a.apply(x) as Tensor).data]).toEqual([...(b.apply(x) as Tensor).data]);
    expect(a.getWeights()[0]!.shape).toEqual([4, 6]);
  });
});

describe("refusals name the layer and what was expected", () => {
  it("bad options", () => {
    expect(() => new BatchNormalization({ axis: [1, 2] as unknown as number })).toThrow(
      /BatchNormalization 'batch_normalization': expected axis to be an integer, got \[1,2\]/,
    );
    expect(() => new BatchNormalization({ momentum: 2 })).toThrow(
      /expected momentum to be a number in \[0, 1\], got 2/,
    );
    expect(() => new BatchNormalization({ renorm: true } as never)).toThrow(/unknown option "renorm"/);
    expect(() => new LayerNormalization({ axis: "x" as never })).toThrow(
      /LayerNormalization 'layer_normalization': expected axis to be an integer or a non-empty list of integers/,
    );
    expect(() => new LayerNormalization({ epsilon: -1 })).toThrow(
      /expected epsilon to be a finite number >= 0, got -1/,
    );
    expect(() => new UnitNormalization({ axis: [] })).toThrow(/UnitNormalization 'unit_normalization': expected axis/);
  });

  it("bad axes for the input", () => {
    const input = Input({ shape: [3, 4, 5] });
    expect(() => new BatchNormalization({ axis: 0, name: "b0" }).apply(input)).toThrow(
      /BatchNormalization 'b0': expected axes in \[1, 3\] .*not the batch axis.*got axis 0/,
    );
    expect(() => new BatchNormalization({ axis: 4, name: "b4" }).apply(input)).toThrow(/BatchNormalization 'b4'/);
    expect(() => new LayerNormalization({ axis: [1, 3], name: "l13" }).apply(input)).toThrow(
      /LayerNormalization 'l13': expected contiguous axes/,
    );
    expect(() => new UnitNormalization({ axis: [2, -2], name: "u2" }).apply(input)).toThrow(/expected distinct axes/);
    const bn = new BatchNormalization({ name: "b5" });
    bn.apply(input);
    expect(() => bn.apply(Input({ shape: [3, 4, 6] }))).toThrow(
      /BatchNormalization 'b5': expected input with size \[5\]/,
    );
  });

  it("files with batch renormalization or several BatchNormalization axes", async () => {
    const topo = (config: Record<string, unknown>) => ({
      format: "layers-model",
      modelTopology: {
        keras_version: "2.15.0",
        model_config: {
          class_name: "Sequential",
          config: {
            name: "s",
            layers: [
              { class_name: "InputLayer", config: { batch_input_shape: [null, 3, 4], name: "in" } },
              { class_name: "BatchNormalization", config: { name: "bn", ...config } },
            ],
          },
        },
      },
      weightsManifest: [],
    });
    const load = (c: Record<string, unknown>) => loadModel(topo(c) as never);
    await expect(load({ renorm: true })).rejects.toThrow(
      /layer 'bn' \(BatchNormalization\): renorm=true is not supported/,
    );
    await expect(load({ virtual_batch_size: 2 })).rejects.toThrow(/virtual_batch_size=2 is not supported/);
    await expect(load({ axis: [1, 2] })).rejects.toThrow(/several axes is not supported/);
    await expect(load({ axis: [2], renorm: false })).rejects.toThrow(WasmRnnError); // no weights given: refused later
  });
});
