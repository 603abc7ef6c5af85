// Keras's dropout and recurrent_dropout inside LSTM, GRU, SimpleRNN and Bidirectional while training
// (src/layers/recurrent-dropout.ts). Exactly against Keras: test/cases/train_recurrent_dropout.json
// (tools/gen_keras_recurrent_dropout.py) fixes the masks in Keras's cells, and the same masks go into
// ours through the test seam; one SGD(1) step then moves every weight by its gradient. Statistically:
// the drawn masks (keep rate, values, one per sequence and gate), the forward uses the same mask at
// every step, and the average training output is the inference output (Keras's 1 / (1 - rate)).
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  Bidirectional,
  type CompileArgs,
  Dense,
  GRU,
  Input,
  LSTM,
  Model,
  ready,
  SimpleRNN,
  setRandomSeed,
  type Tensor,
  tensor,
} from "../../src/index.js";
import type { Layer } from "../../src/layers/layer.js";
import { RecurrentLayer } from "../../src/layers/recurrent.js";
import { dropoutMaskSeam } from "../../src/layers/recurrent-dropout.js";
import { decode, expectClose, loadCases } from "../helpers/cases.js";
import { buildCase, decodeAny, type Encoded } from "../helpers/family.js";
import type { GradientCase } from "../helpers/gradients.js";

type DropoutCase = GradientCase & { masks: Record<string, { input?: Encoded; recurrent?: Encoded }> };

beforeAll(async () => {
  await ready();
});

afterEach(() => {
  dropoutMaskSeam.inject = null;
  dropoutMaskSeam.observe = null;
});

/** "<id>" for a recurrent layer, "<id>/forward|backward" for Bidirectional's halves. */
function recurrentKeys(layers: Map<string, Layer>): Map<RecurrentLayer, string> {
  const keys = new Map<RecurrentLayer, string>();
  for (const [id, l] of layers) {
    if (l instanceof Bidirectional) {
      keys.set(l.forwardLayer, `${id}/forward`);
      keys.set(l.backwardLayer, `${id}/backward`);
    } else if (l instanceof RecurrentLayer) keys.set(l, id);
  }
  return keys;
}

describe("recurrent dropout gradients match Keras on the same masks (tf.GradientTape)", () => {
  const file = loadCases<DropoutCase>("train_recurrent_dropout.json");
  for (const c of file.cases) {
    it(`${c.name}: ${c.description}`, async () => {
      const { model, layers } = buildCase(c.model);
      const keys = recurrentKeys(layers);
      const used = new Set<string>();
      dropoutMaskSeam.inject = (layer, kind, G, B, F) => {
        const m = c.masks[keys.get(layer)!]![kind]!;
        expect(m.shape, `${c.name}: ${kind} masks of ${keys.get(layer)}`).toEqual([G, B, F]);
        used.add(`${keys.get(layer)}:${kind}`);
        return decode(m).data as Float32Array;
      };
      const x = decodeAny(c.x[0]!),
        y = decodeAny(c.y[0]!);
      const before = model.getWeights();
      model.compile({ optimizer: { className: "SGD", config: { learningRate: 1 } }, loss: c.loss });
      const loss = await model.trainOnBatch(x, y);
      expect(Math.abs(loss - c.lossValue), `${c.name}: loss ${loss}, Keras ${c.lossValue}`).toBeLessThanOrEqual(
        file.tolerance.atol + file.tolerance.rtol * Math.abs(c.lossValue),
      );
      // every mask Keras had was given to ours
      const wanted = Object.entries(c.masks).flatMap(([k, m]) => Object.keys(m).map((kind) => `${k}:${kind}`));
      expect([...used].sort()).toEqual(wanted.sort());
      const after = model.getWeights();
      c.gradients.forEach((g, i) => {
        const got = Float32Array.from(before[i]!.data, (w, j) => w - after[i]!.data[j]!);
        expectClose(
          tensor(got, before[i]!.shape as number[]),
          decode(g),
          `${c.name} gradient of ${c.weightNames[i]}`,
          file.tolerance,
        );
      });
      model.dispose();
    });
  }
});

/** One recurrent layer -> Dense(1) with a fixed seed; `make` builds the recurrent layer. */
function oneLayer(make: () => Layer, T: number, I: number) {
  setRandomSeed(11);
  const x = Input({ shape: [T, I] });
  const r = make();
  const out = new Dense({ units: 1 }).apply((r as LSTM).apply(x) as never);
  return { model: new Model({ inputs: x, outputs: out }), layer: r };
}

const sgd = (learningRate: number): CompileArgs => ({
  optimizer: { className: "SGD", config: { learningRate } },
  loss: "mse",
});

describe("the masks drawn while training", () => {
  it("keep 1 - rate of the units (binomial bound), valued 0 or 1 / (1 - rate), per gate and per batch", async () => {
    const B = 64,
      T = 3,
      I = 9,
      H = 13;
    const { model } = oneLayer(() => new LSTM({ units: H, dropout: 0.25, recurrentDropout: 0.4 }), T, I);
    model.compile(sgd(0));
    const seen: { kind: string; masks: Float32Array }[] = [];
    dropoutMaskSeam.observe = (_l, kind, masks) => seen.push({ kind, masks });
    const xs = tensor(
      Float32Array.from({ length: B * T * I }, (_, i) => Math.sin(i)),
      [B, T, I],
    );
    await model.fit(xs, tensor(new Float32Array(B), [B, 1]), { epochs: 2, batchSize: 32, shuffle: false });
    // two batches per epoch, two epochs: one draw of each kind per call
    expect(seen.map((s) => s.kind)).toEqual(Array.from({ length: 4 }, () => ["recurrent", "input"]).flat());
    for (const [kind, rate, F] of [
      ["input", 0.25, I],
      ["recurrent", 0.4, H],
    ] as const) {
      const draws = seen.filter((s) => s.kind === kind).map((s) => s.masks);
      let kept = 0,
        n = 0;
      for (const m of draws) {
        expect(m.length, `${kind}: 4 gates x 32 rows x ${F}`).toBe(4 * 32 * F);
        for (const v of m) {
          expect(v === 0 || Math.abs(v - 1 / (1 - rate)) < 1e-6, `${kind} mask value ${v}`).toBe(true);
          if (v) kept++;
          n++;
        }
        // the four gates have masks of their own (Keras's implementation 1)
        const gate = (g: number) => m.subarray(g * 32 * F, (g + 1) * 32 * F).join();
        expect(new Set([0, 1, 2, 3].map(gate)).size).toBe(4);
      }
      // five standard deviations of a binomial(n, 1 - rate)
      const sd = Math.sqrt(n * rate * (1 - rate));
      expect(Math.abs(kept - n * (1 - rate)), `${kind}: ${kept} of ${n} kept`).toBeLessThan(5 * sd);
      // fresh masks per batch
      expect(new Set(draws.map((m) => m.join())).size).toBe(draws.length);
    }
    model.dispose();
  });

  it("are used at every step of the sequence, and predict uses none", async () => {
    // SimpleRNN, linear, W = 0, U = I, b = 1: h_t = r * h_{t-1} + 1, so each unit's output after T steps
    // tells whether its one mask value r was applied at every step
    const T = 6,
      H = 5;
    const x = Input({ shape: [T, 1] });
    const rnn = new SimpleRNN({
      units: H,
      activation: "linear",
      recurrentDropout: 0.5,
    });
    const model = new Model({ inputs: x, outputs: rnn.apply(x) });
    const eye = Float32Array.from({ length: H * H }, (_, i) => (i % (H + 1) === 0 ? 1 : 0));
    rnn.setWeights([
      tensor(new Float32Array(H), [1, H]),
      tensor(eye, [H, H]),
      tensor(new Float32Array(H).fill(1), [H]),
    ]);
    model.compile(sgd(0));
    const xs = tensor(new Float32Array(T), [1, T, 1]);
    const target = tensor(new Float32Array(H), [1, H]);
    // predict: no dropout, h_T = T
    expect(Array.from((model.predict(xs) as Tensor).data)).toEqual(new Array(H).fill(T));
    for (let draw = 0; draw < 5; draw++) {
      let mask: Float32Array = new Float32Array(0);
      dropoutMaskSeam.observe = (_l, _k, m) => {
        mask = m;
      };
      const loss = await model.trainOnBatch(xs, target);
      let want = 0;
      for (const r of mask) {
        let h = 0;
        for (let t = 0; t < T; t++) h = r * h + 1;
        want += h * h;
      }
      expect(loss).toBeCloseTo(want / H, 4);
    }
    expect(Array.from((model.predict(xs) as Tensor).data)).toEqual(new Array(H).fill(T));
    model.dispose();
  });

  it("average to the inference output (Keras's 1 / (1 - rate) scaling)", async () => {
    // linear SimpleRNN over two steps: y = (x1 W + b)(r * U) + x2 W + b is linear in the one mask r, so
    // its mean over draws is the dropout-free output. y is read back from the loss (y - target > 0).
    setRandomSeed(3);
    const x = Input({ shape: [2, 3] });
    const rnn = new SimpleRNN({ units: 4, activation: "linear", recurrentDropout: 0.3, dropout: 0.2 });
    const dense = new Dense({ units: 1, kernelInitializer: "ones", biasInitializer: "zeros" });
    const model = new Model({ inputs: x, outputs: dense.apply(rnn.apply(x)) });
    model.compile(sgd(0));
    const xs = tensor([
      [
        [0.5, -0.2, 0.3],
        [0.1, 0.4, -0.6],
      ],
    ]);
    const clean = (model.predict(xs) as Tensor).data[0]!;
    const target = tensor([[clean - 100]]);
    const n = 4000;
    let sum = 0,
      sq = 0;
    for (let i = 0; i < n; i++) {
      const y = Math.sqrt(await model.trainOnBatch(xs, target)) + clean - 100;
      sum += y;
      sq += y * y;
    }
    const mean = sum / n,
      sd = Math.sqrt(sq / n - mean * mean);
    expect(sd, "the training outputs vary").toBeGreaterThan(1e-3);
    expect(Math.abs(mean - clean), `mean ${mean}, inference ${clean}, sd ${sd}`).toBeLessThan((5 * sd) / Math.sqrt(n));
    model.dispose();
  });
});

describe("recurrent dropout leaves the rest as it was", () => {
  it("recurrentDropout 0 trains exactly as before; predict after training with dropout uses none", async () => {
    const T = 4,
      I = 3;
    const xs = tensor(
      Float32Array.from({ length: 2 * T * I }, (_, i) => Math.cos(i)),
      [2, T, I],
    );
    const ys = tensor([[0.3], [-0.2]]);
    const run = async (recurrentDropout: number) => {
      const { model } = oneLayer(() => new GRU({ units: 5, recurrentDropout }), T, I);
      model.compile(sgd(0.1));
      await model.fit(xs, ys, { epochs: 3, batchSize: 2, shuffle: false, seed: 5 });
      const w = model.getWeights().map((t) => Array.from(t.data));
      return { model, w };
    };
    const plain = await run(0);
    const zero = await run(0);
    expect(zero.w).toEqual(plain.w);
    const dropped = await run(0.5);
    expect(dropped.w).not.toEqual(plain.w);
    // inference of the trained layer: the same numbers as a dropout-free copy with its weights
    const { model: copy } = oneLayer(() => new GRU({ units: 5 }), T, I);
    copy.setWeights(dropped.model.getWeights());
    expect(Array.from((dropped.model.predict(xs) as Tensor).data)).toEqual(
      Array.from((copy.predict(xs) as Tensor).data),
    );
    for (const m of [plain.model, zero.model, dropped.model, copy]) m.dispose();
  });

  it("Bidirectional: each direction draws its own masks", async () => {
    const { model } = oneLayer(
      () => new Bidirectional(new LSTM({ units: 3, dropout: 0.5, recurrentDropout: 0.5 }), { mergeMode: "concat" }),
      4,
      2,
    );
    model.compile(sgd(0));
    const seen = new Map<string, string>();
    dropoutMaskSeam.observe = (l, kind, m) => seen.set(`${l.goBackwards ? "bw" : "fw"}:${kind}`, m.join());
    await model.trainOnBatch(
      tensor(new Float32Array(8 * 4 * 2).fill(0.5), [8, 4, 2]),
      tensor(new Float32Array(8), [8, 1]),
    );
    expect([...seen.keys()].sort()).toEqual(["bw:input", "bw:recurrent", "fw:input", "fw:recurrent"]);
    expect(seen.get("fw:input")).not.toEqual(seen.get("bw:input"));
    expect(seen.get("fw:recurrent")).not.toEqual(seen.get("bw:recurrent"));
    model.dispose();
  });
});
