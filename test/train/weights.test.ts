// Sample and class weights against Keras: test/cases/train_weights.json (tools/gen_keras_weights.py)
// holds whole fit runs with sample_weight / class_weight (and weighted_metrics), their History,
// evaluate(sample_weight=..., return_dict=True), the weights after fit and, for some cases, one more
// train_on_batch(class_weight=...). Then the refusals, each naming what was expected and what came.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { arena } from "../../src/core/arena.js";
import { loadTrainCore } from "../../src/core/train-kernels.js";
// the training core driven directly, not through fit: its pack comes with the entry, as in an app
import "../../src/entry-train.js";
import { heapF32 } from "../../src/core/wasm.js";
import { Dense, Input, LSTM, Model, type OptimizerSpecName, ready, type Tensor, tensor } from "../../src/index.js";
import { getLoss } from "../../src/train/losses.js";
import { decode, expectClose, loadCases } from "../helpers/cases.js";
import { buildCase, decodeAny, type Encoded, type ModelSpec } from "../helpers/family.js";

type EncodedWeight = Encoded | (Encoded | null)[] | null;

interface WeightsCase {
  name: string;
  description: string;
  model: ModelSpec;
  x: Encoded[];
  y: Encoded[];
  compile: {
    optimizer: Record<string, unknown> & { name: OptimizerSpecName };
    loss: unknown;
    metrics?: never;
    weightedMetrics?: never;
  };
  fit: { epochs: number; batchSize: number; shuffle: false; validationSplit?: number };
  sampleWeight?: EncodedWeight;
  classWeight?: Record<string, number>;
  validation?: { x: Encoded[]; y: Encoded[]; sampleWeight?: EncodedWeight };
  history: Record<string, number[]>;
  evaluate: { sampleWeight: EncodedWeight; result: Record<string, number> };
  classWeightSamples?: Encoded;
  weights: Encoded[];
  trainOnBatch?: { rows: number; classWeight: Record<string, number>; loss: number; weights: Encoded[] };
}

const file = loadCases<WeightsCase>("train_weights.json");
const one = <T>(a: T[]) => (a.length === 1 ? a[0]! : a);
const weightsOf = (w: EncodedWeight | undefined) =>
  w == null ? undefined : Array.isArray(w) ? w.map((a) => (a ? decode(a) : null)) : decode(w);
const rows = (t: Tensor, n: number) =>
  tensor(t.data.slice(0, n * (t.size / t.shape[0]!)) as never, [n, ...t.shape.slice(1)], t.dtype);
const find = (name: string) => file.cases.find((c) => c.name === name)!;

function compiled(c: WeightsCase) {
  const { model } = buildCase(c.model);
  const { name, ...config } = c.compile.optimizer;
  model.compile({
    optimizer: { className: name, config },
    loss: c.compile.loss as never,
    ...(c.compile.metrics ? { metrics: c.compile.metrics } : {}),
    ...(c.compile.weightedMetrics ? { weightedMetrics: c.compile.weightedMetrics } : {}),
  });
  return { model, x: one(c.x.map(decodeAny)), y: one(c.y.map(decodeAny)) };
}

beforeAll(async () => {
  await ready();
  await loadTrainCore();
});

describe("sample and class weights match Keras (History, validation, evaluate, train_on_batch)", () => {
  for (const c of file.cases) {
    it(`${c.name}: ${c.description.slice(0, 160)}`, async () => {
      const { model, x, y } = compiled(c);
      const close = (got: number | undefined, want: number, label: string) => {
        expect(got, `${label}: missing`).toBeDefined();
        expect(Math.abs(got! - want), `${label}: ${got}, Keras ${want}`).toBeLessThanOrEqual(
          file.tolerance.atol + file.tolerance.rtol * Math.abs(want),
        );
      };
      const v = c.validation;
      const validationData = v
        ? ((v.sampleWeight
            ? [one(v.x.map(decodeAny)), one(v.y.map(decodeAny)), weightsOf(v.sampleWeight)]
            : [one(v.x.map(decodeAny)), one(v.y.map(decodeAny))]) as never)
        : undefined;
      const h = await model.fit(x, y, {
        ...c.fit,
        ...(validationData ? { validationData } : {}),
        ...(c.sampleWeight ? { sampleWeight: weightsOf(c.sampleWeight) as never } : {}),
        ...(c.classWeight ? { classWeight: c.classWeight } : {}),
      });
      expect(Object.keys(h.history), "History keys in Keras's order").toEqual(Object.keys(c.history));
      for (const [key, values] of Object.entries(c.history))
        values.forEach((want, e) => close(h.history[key]![e], want, `${c.name} ${key} epoch ${e}`));
      const ev = await model.evaluate(x, y, {
        batchSize: c.fit.batchSize,
        returnDict: true,
        sampleWeight: weightsOf(c.evaluate.sampleWeight) as never,
      });
      expect(Object.keys(ev), "evaluate keys in Keras's order").toEqual(Object.keys(c.evaluate.result));
      for (const [key, want] of Object.entries(c.evaluate.result)) close(ev[key], want, `${c.name} evaluate ${key}`);
      const after = model.getWeights();
      c.weights.forEach((w, i) => expectClose(after[i]!, decode(w), `${c.name} weight ${i} after fit`, file.tolerance));
      if (c.trainOnBatch) {
        const t = c.trainOnBatch;
        const xs = Array.isArray(x) ? x.map((a) => rows(a, t.rows)) : rows(x, t.rows);
        const ys = Array.isArray(y) ? y.map((a) => rows(a, t.rows)) : rows(y, t.rows);
        close(
          await model.trainOnBatch(xs as never, ys as never, { classWeight: t.classWeight }),
          t.loss,
          `${c.name} trainOnBatch loss`,
        );
        const later = model.getWeights();
        t.weights.forEach((w, i) =>
          expectClose(later[i]!, decode(w), `${c.name} weight ${i} after trainOnBatch`, file.tolerance),
        );
      }
      model.dispose();
    });
  }

  it("classWeight is the same as the sample weights Keras derives from it (class_weight_to_sample_weights)", async () => {
    for (const name of ["class_weight_binary", "class_weight_categorical", "class_weight_sparse"]) {
      const c = find(name);
      const split = c.fit.validationSplit
        ? Math.floor(decodeAny(c.x[0]!).shape[0]! * (1 - c.fit.validationSplit))
        : undefined;
      const a = compiled(c),
        b = compiled(c);
      const n = split ?? decodeAny(c.x[0]!).shape[0]!;
      const x = rows(a.x as Tensor, n),
        y = rows(a.y as Tensor, n);
      const la = await a.model.trainOnBatch(x, y, { classWeight: c.classWeight! });
      const lb = await b.model.trainOnBatch(x, y, { sampleWeight: decode(c.classWeightSamples!) });
      expect(la, name).toBe(lb);
      a.model
        .getWeights()
        .forEach((w, i) =>
          expect(Array.from(w.data), `${name} weight ${i}`).toEqual(Array.from(b.model.getWeights()[i]!.data)),
        );
      a.model.dispose();
      b.model.dispose();
    }
  });
});

describe("sample weights: equivalent forms and the unweighted path", () => {
  const c = find("mse_sample_weight");

  it("[N, 1] weights equal [N]; all-ones weights equal no weights, bit for bit", async () => {
    const sw = decode(c.sampleWeight as Encoded);
    const losses: number[] = [];
    for (const w of [sw, tensor(sw.data, [sw.size, 1]), Array.from(sw.data)]) {
      const { model, x, y } = compiled(c);
      losses.push(await model.trainOnBatch(x, y, { sampleWeight: w as never }));
      model.dispose();
    }
    expect(losses[1]).toBe(losses[0]);
    expect(losses[2]).toBe(losses[0]);
    const a = compiled(c),
      b = compiled(c);
    const ones = new Float32Array(sw.size).fill(1);
    expect(await a.model.trainOnBatch(a.x, a.y, { sampleWeight: ones })).toBe(await b.model.trainOnBatch(b.x, b.y));
    a.model
      .getWeights()
      .forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(b.model.getWeights()[i]!.data)));
    a.model.dispose();
    b.model.dispose();
  });

  it("validationSplit splits sampleWeight with the rows (val_ as evaluate on the last rows with their weights)", async () => {
    const { model, x, y } = compiled(c);
    const sw = decode(c.sampleWeight as Encoded);
    const h = await model.fit(x, y, {
      epochs: 1,
      batchSize: 4,
      shuffle: false,
      sampleWeight: sw,
      validationSplit: 0.3,
    });
    const tail = (t: Tensor) => tensor(t.data.slice(7 * (t.size / 10)) as never, [3, ...t.shape.slice(1)], t.dtype);
    const ev = await model.evaluate(tail(x as Tensor), tail(y as Tensor), {
      batchSize: 4,
      returnDict: true,
      sampleWeight: tail(sw),
    });
    expect(h.history.val_loss![0]).toBeCloseTo(ev.loss!, 6);
    expect(h.history.val_weighted_mae![0]).toBeCloseTo(ev.weighted_mae!, 6);
    expect(h.history.val_weighted_mae![0]).not.toBeCloseTo(h.history.val_mae![0]!, 3);
    model.dispose();
  });
});

describe("sample and class weights: refusals name the model, what was expected and what came", () => {
  const mse = find("mse_sample_weight");
  const seq = find("seq_sparse_temporal");

  it("sampleWeight: wrong row count, wrong shape, non-finite values; unknown options", async () => {
    const { model, x, y } = compiled(mse);
    await expect(model.fit(x, y, { sampleWeight: new Float32Array(9) })).rejects.toThrow(
      /Model '.*': fit: expected sampleWeight with 10 rows \(as the inputs\), got shape \[9\]/,
    );
    await expect(model.fit(x, y, { sampleWeight: tensor(new Float32Array(20), [10, 2]) })).rejects.toThrow(
      /expected sampleWeight of shape \[10\], got \[10, 2\]/,
    );
    const bad = new Float32Array(10).fill(1);
    bad[4] = NaN;
    await expect(model.fit(x, y, { sampleWeight: bad })).rejects.toThrow(
      /expected finite sampleWeight, got NaN at flat index 4/,
    );
    bad[4] = Infinity;
    await expect(model.evaluate(x, y, { sampleWeight: bad })).rejects.toThrow(
      /evaluate: expected finite sampleWeight, got Infinity at flat index 4/,
    );
    await expect(model.evaluate(x, y, { sampleWeights: bad } as never)).rejects.toThrow(
      /evaluate: unknown option "sampleWeights"; expected one of batchSize, returnDict, sampleWeight/,
    );
    await expect(model.trainOnBatch(x, y, { sampleWeight: new Float32Array(3) })).rejects.toThrow(
      /trainOnBatch: expected sampleWeight with 10 rows/,
    );
    await expect(model.fit(x, y, { validationData: [x, y, new Float32Array(2)] as never })).rejects.toThrow(
      /fit validationData: expected sampleWeight with 10 rows/,
    );
    model.dispose();
  });

  it("a sequence output takes [N, T] weights, not [N] (Keras 3 refuses them too)", async () => {
    const { model, x, y } = compiled(seq);
    await expect(model.fit(x, y, { sampleWeight: new Float32Array(10).fill(1) })).rejects.toThrow(
      /expected sampleWeight of shape \[10, 4\] \(one weight per sample and step.*refuses \[N\].*\), got \[10\]/,
    );
    await expect(model.fit(x, y, { classWeight: { 0: 2 } })).rejects.toThrow(
      /expected classWeight with an output of shape \[N, units\], got output shape \[null, 4, 5\].*sampleWeight of shape \[N, T\]/,
    );
    model.dispose();
  });

  it("classWeight: not with sampleWeight, one output only, integer keys and finite values", async () => {
    const { model, x, y } = compiled(find("class_weight_binary"));
    await expect(model.fit(x, y, { classWeight: { 0: 1 }, sampleWeight: new Float32Array(12) })).rejects.toThrow(
      /expected sampleWeight or classWeight, got both/,
    );
    await expect(
      model.trainOnBatch(x, y, { classWeight: { 0: 1 }, sampleWeight: new Float32Array(12) }),
    ).rejects.toThrow(/trainOnBatch: expected sampleWeight or classWeight, got both/);
    await expect(model.fit(x, y, { classWeight: { a: 1 } as never })).rejects.toThrow(
      /expected classWeight keys to be class indices \(integers\), got "a"/,
    );
    await expect(model.fit(x, y, { classWeight: { 1: NaN } })).rejects.toThrow(
      /expected classWeight values to be finite numbers, got null for class 1/,
    );
    model.dispose();
    const two = compiled(find("two_outputs_sample_weight"));
    await expect(two.model.fit(two.x, two.y, { classWeight: { 0: 2 } })).rejects.toThrow(
      /expected classWeight only with a single-output model \(as Keras\), got 2 outputs/,
    );
    await expect(two.model.fit(two.x, two.y, { sampleWeight: tensor(new Float32Array(20), [10, 2]) })).rejects.toThrow(
      new RegExp(
        /expected sampleWeight for 2 outputs as a list of 2 arrays \(one per output, null for none\) or one array of shape /
          .source + /\[10\] for all of them, got one array of shape \[10, 2\]/.source,
      ),
    );
    await expect(two.model.fit(two.x, two.y, { sampleWeight: [null, new Float32Array(4)] })).rejects.toThrow(
      /expected sampleWeight for output 1 \('out_b'\) with 10 rows/,
    );
    two.model.dispose();
  });

  it("weightedMetrics: the same forms and checks as metrics", async () => {
    const x = Input({ shape: [3, 2] });
    const model = new Model({ inputs: x, outputs: new Dense({ units: 1 }).apply(new LSTM({ units: 2 }).apply(x)) });
    // refused at compile (issue 12), before any training
    expect(() => model.compile({ optimizer: "sgd", loss: "mse", weightedMetrics: ["f1" as never] })).toThrow(
      /unknown metric "f1"/,
    );
    model.compile({ optimizer: "sgd", loss: "mse", metrics: ["mae", "mae"], weightedMetrics: ["mae", "mae"] });
    const ev = await model.evaluate(
      [
        [
          [0, 1],
          [1, 0],
          [0, 0],
        ],
      ],
      [[0.5]],
      { returnDict: true, sampleWeight: [2] },
    );
    expect(Object.keys(ev).sort()).toEqual(["loss", "mae", "mae_1", "weighted_mae", "weighted_mae_1"]);
    model.dispose();
  });
});

describe("Loss.compute with sample weights (keras/src/losses/loss.py reduce_weighted_values, apply_mask)", () => {
  const held: number[] = [];
  afterEach(() => {
    for (const p of held.splice(0)) arena.free(p);
  });
  const put = (a: ArrayLike<number>, u8 = false) => {
    const p = arena.alloc(Math.max(4, a.length * 4));
    held.push(p);
    if (u8) new Uint8Array(heapF32().buffer, p, a.length).set(Array.from(a));
    else heapF32().set(Array.from(a), p >> 2);
    return p;
  };
  // mse over 4 values [M = 4, F = 2]
  const pred = [0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 0.7, 0.8];
  const target = [0, 0.5, 0.25, -1, 1, 0, 0.5, 0.5];
  const w = [2, 0, 0.5, -1];
  const mask = [1, 1, 0, 1];
  const l = [0, 1, 2, 3].map(
    (m) => ((pred[2 * m]! - target[2 * m]!) ** 2 + (pred[2 * m + 1]! - target[2 * m + 1]!) ** 2) / 2,
  );
  const sum = (f: (m: number) => number) => [0, 1, 2, 3].reduce((a, m) => a + f(m), 0);
  const cases: [string, boolean, number][] = [
    ["sum_over_batch_size", false, sum((m) => w[m]! * l[m]!) / 4],
    ["sum_over_batch_size", true, sum((m) => w[m]! * mask[m]! * l[m]!) / 3],
    ["mean_with_sample_weight", false, sum((m) => w[m]! * l[m]!) / sum((m) => w[m]!)],
    ["mean_with_sample_weight", true, sum((m) => w[m]! * mask[m]! * l[m]!) / sum((m) => w[m]! * mask[m]!)],
    ["sum", true, sum((m) => w[m]! * mask[m]! * l[m]!)],
  ];
  for (const [reduction, masked, want] of cases) {
    it(`${reduction}${masked ? " with a mask" : ""}: value and gradient`, () => {
      const loss = getLoss({ name: "mse", reduction: reduction as never });
      const grad = put(new Array(8).fill(0)),
        gradU = put(new Array(8).fill(0));
      const p = put(pred),
        t = put(target),
        m = masked ? put(mask, true) : 0;
      const value = loss.compute(p, [4, 2], t, "float32", grad, m, put(w));
      expect(value).toBeCloseTo(want, 6);
      // the gradient is the weighted one: w * (the unweighted gradient at the same divisor)
      const unweighted = getLoss({ name: "mse", reduction: "sum" }).compute(p, [4, 2], t, "float32", gradU, m);
      expect(unweighted).toBeCloseTo(
        sum((m2) => (masked ? mask[m2]! : 1) * l[m2]!),
        6,
      );
      const divisor =
        reduction === "sum"
          ? 1
          : reduction === "mean_with_sample_weight"
            ? sum((k) => w[k]! * (masked ? mask[k]! : 1))
            : masked
              ? 3
              : 4;
      const g = heapF32().slice(grad >> 2, (grad >> 2) + 8),
        gu = heapF32().slice(gradU >> 2, (gradU >> 2) + 8);
      for (let j = 0; j < 8; j++) expect(g[j]!, `grad ${j}`).toBeCloseTo((gu[j]! * w[j >> 1]!) / divisor, 6);
    });
  }

  it("refuses non-finite weights before writing anything", () => {
    const grad = put(new Array(8).fill(7));
    expect(() =>
      getLoss("mse").compute(put(pred), [4, 2], put(target), "float32", grad, 0, put([1, NaN, 1, 1])),
    ).toThrow(/expected finite sample weights, got NaN at flat index 1/);
    expect(heapF32()[grad >> 2]).toBe(7);
  });
});
