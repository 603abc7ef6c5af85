// GRU backpropagation (assembly/rnn/gru.ts, src/layers/gru/backward.ts) against central finite
// differences of the model's own loss: one trainOnBatch with SGD at learning rate 1 moves each
// weight by its gradient (w - w'), compared with (L(w + e) - L(w - e)) / 2e from `evaluate`.
// Covers both reset forms, goBackwards, masks (Masking, Embedding maskZero), initial states
// (encoder-decoder), returnState outputs with a loss, other activations, no bias, padded unit
// counts, and the threaded batch split (trace offsets per row slice).
import { beforeAll, describe, expect, it } from "vitest";
import { splitEverything } from "../../../src/core/threads.js";
import {
  Bidirectional,
  Dense,
  Embedding,
  GRU,
  type GRUArgs,
  Input,
  type LossName,
  Masking,
  Model,
  ready,
  type SymbolicTensor,
  type Tensor,
  tensor,
} from "../../../src/index.js";

beforeAll(async () => {
  await ready({ threads: 2 });
});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomTensor(shape: number[], rand: () => number, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(
    Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale),
    shape,
  );
}

/** Small random weights (biases too, so every bias path is exercised). */
function randomizeWeights(model: Model, rand: () => number, scale = 0.6): void {
  model.setWeights(model.getWeights().map((w) => randomTensor(w.shape as number[], rand, scale)));
}

const SGD1 = { optimizer: { className: "SGD", config: { learningRate: 1 } }, loss: "mse" } as const;

/**
 * Compares trainOnBatch's gradient with central differences on up to `perWeight` entries of each
 * weight tensor (all when fewer).
 */
async function checkGradients(
  model: Model,
  xs: Tensor[],
  ys: Tensor[],
  perWeight = 40,
  loss: LossName | LossName[] = "mse",
): Promise<void> {
  model.compile({ optimizer: SGD1.optimizer, loss });
  const x = xs.length === 1 ? xs[0]! : xs,
    y = ys.length === 1 ? ys[0]! : ys;
  const w0 = model.getWeights();
  const eps = 1e-2;
  const checks: { i: number; j: number; fd: number; fdFine: () => Promise<number> }[] = [];
  const pick = rng(99);
  for (let i = 0; i < w0.length; i++) {
    const n = w0[i]!.size;
    const idx = n <= perWeight ? [...Array(n).keys()] : Array.from({ length: perWeight }, () => Math.floor(pick() * n));
    for (const j of idx) {
      const at = async (d: number) => {
        const ws = w0.map((w) => tensor(Float32Array.from(w.data), w.shape as number[]));
        ws[i]!.data[j] = w0[i]!.data[j]! + d;
        model.setWeights(ws);
        return (await model.evaluate(x, y, { batchSize: 1024, returnDict: true })).loss!;
      };
      const lp = await at(eps),
        lm = await at(-eps);
      // a smaller step, for an entry whose step crossed a kink (relu, hard sigmoid)
      const fdFine = async () => ((await at(eps / 4)) - (await at(-eps / 4))) / (eps / 2);
      checks.push({ i, j, fd: (lp - lm) / (2 * eps), fdFine });
    }
  }
  model.setWeights(w0);
  const loss0 = (await model.evaluate(x, y, { batchSize: 1024, returnDict: true })).loss!;
  const lossTrain = await model.trainOnBatch(x, y);
  expect(Math.abs(lossTrain - loss0)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(loss0)));
  const w1 = model.getWeights();
  let scale = 0;
  for (const c of checks) scale = Math.max(scale, Math.abs(c.fd));
  expect(scale, "some gradient is nonzero").toBeGreaterThan(1e-4);
  const bad: string[] = [];
  const off = (g: number, fd: number, noise: number) => Math.abs(g - fd) > 0.03 * Math.abs(fd) + noise * scale + 2e-5;
  for (const { i, j, fd, fdFine } of checks) {
    const g = w0[i]!.data[j]! - w1[i]!.data[j]!;
    if (!off(g, fd, 2e-3)) continue;
    model.setWeights(w0);
    const fine = await fdFine();
    if (off(g, fine, 4e-3)) bad.push(`weight ${i} [${j}]: backward ${g}, finite differences ${fd}, ${fine}`);
  }
  model.setWeights(w1);
  expect(bad, bad.slice(0, 8).join("\n")).toEqual([]);
  // padding got zero gradients: the packed weights after the step predict as a fresh repack
  const p1 = model.predict(x);
  model.setWeights(model.getWeights());
  const p2 = model.predict(x);
  (Array.isArray(p1) ? p1 : [p1]).forEach((t, k) => {
    const u = (Array.isArray(p2) ? p2 : [p2])[k]!;
    for (let m = 0; m < t.size; m++) expect(t.data[m]).toBe(u.data[m]);
  });
  model.dispose();
}

function gruDense(args: GRUArgs, T: number, I: number, out = 2): Model {
  const inp = Input({ shape: [T, I] });
  const h = new GRU(args).apply(inp) as SymbolicTensor;
  return new Model({ inputs: inp, outputs: new Dense({ units: out }).apply(h) });
}

/** x [B, T, I] with some steps zeroed (masked by Masking), never a whole row. */
function maskedInput(B: number, T: number, I: number, rand: () => number): Tensor {
  const x = randomTensor([B, T, I], rand);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      if ((b + t) % 3 === 1 || (b === 2 && t >= T - 2)) x.data.fill(0, (b * T + t) * I, (b * T + t + 1) * I);
    }
  }
  return x;
}

describe("GRU gradients match finite differences", () => {
  for (const resetAfter of [true, false]) {
    const form = resetAfter ? "reset_after" : "reset_before";

    it(`${form}: last output, padded units`, async () => {
      const rand = rng(resetAfter ? 1 : 2);
      for (const units of [5, 4, 17]) {
        const model = gruDense({ units, resetAfter }, 4, 3);
        randomizeWeights(model, rand, units > 8 ? 0.35 : 0.6);
        await checkGradients(model, [randomTensor([3, 4, 3], rand)], [randomTensor([3, 2], rand)], units > 8 ? 25 : 40);
      }
    });

    it(`${form}: sequences, goBackwards`, async () => {
      const rand = rng(resetAfter ? 3 : 4);
      const model = gruDense({ units: 6, resetAfter, returnSequences: true, goBackwards: true }, 5, 3);
      randomizeWeights(model, rand);
      await checkGradients(model, [randomTensor([3, 5, 3], rand)], [randomTensor([3, 5, 2], rand)]);
    });

    it(`${form}: relu, hard_sigmoid, no bias; sigmoid candidate`, async () => {
      const rand = rng(resetAfter ? 5 : 6);
      let model = gruDense(
        {
          units: 5,
          resetAfter,
          activation: "relu",
          recurrentActivation: "hard_sigmoid",
          useBias: false,
          returnSequences: true,
        },
        4,
        3,
      );
      randomizeWeights(model, rand);
      await checkGradients(model, [randomTensor([3, 4, 3], rand)], [randomTensor([3, 4, 2], rand)]);
      model = gruDense(
        { units: 5, resetAfter, activation: "sigmoid", recurrentActivation: "hard_sigmoid_legacy", goBackwards: true },
        4,
        3,
      );
      randomizeWeights(model, rand);
      await checkGradients(model, [randomTensor([3, 4, 3], rand)], [randomTensor([3, 2], rand)]);
    });

    it(`${form}: Masking, last output and sequences (forward and goBackwards)`, async () => {
      const rand = rng(resetAfter ? 7 : 8);
      for (const [returnSequences, goBackwards] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const inp = Input({ shape: [6, 3] });
        const m = new Masking({ maskValue: 0 }).apply(inp) as SymbolicTensor;
        const h = new GRU({ units: 5, resetAfter, returnSequences, goBackwards }).apply(m) as SymbolicTensor;
        const model = new Model({ inputs: inp, outputs: new Dense({ units: 2 }).apply(h) });
        randomizeWeights(model, rand);
        await checkGradients(
          model,
          [maskedInput(4, 6, 3, rand)],
          [randomTensor(returnSequences ? [4, 6, 2] : [4, 2], rand)],
          30,
        );
      }
    });

    it(`${form}: Embedding maskZero`, async () => {
      const rand = rng(resetAfter ? 9 : 10);
      const inp = Input({ shape: [5] });
      const e = new Embedding({ inputDim: 7, outputDim: 3, maskZero: true }).apply(inp) as SymbolicTensor;
      const h = new GRU({ units: 4, resetAfter }).apply(e) as SymbolicTensor;
      const model = new Model({ inputs: inp, outputs: new Dense({ units: 1 }).apply(h) });
      randomizeWeights(model, rand);
      const ids = tensor(Int32Array.from([1, 2, 0, 3, 0, 4, 5, 6, 0, 0, 0, 0, 2, 2, 1]), [3, 5]);
      await checkGradients(model, [ids], [randomTensor([3, 1], rand)], 30);
    });

    it(`${form} encoder into the other form's decoder (initial state), returnState with a loss`, async () => {
      const rand = rng(resetAfter ? 11 : 12);
      const xe = Input({ shape: [4, 3] }),
        xd = Input({ shape: [3, 2] });
      const [, hEnc] = new GRU({ units: 5, resetAfter, returnState: true }).apply(xe) as SymbolicTensor[];
      const [seq, hDec] = new GRU({
        units: 5,
        resetAfter: !resetAfter,
        returnSequences: true,
        returnState: true,
        goBackwards: !resetAfter,
      }).apply(xd, { initialState: [hEnc!] }) as SymbolicTensor[];
      const model = new Model({
        inputs: [xe, xd],
        outputs: [new Dense({ units: 2 }).apply(seq!) as SymbolicTensor, hDec!],
      });
      randomizeWeights(model, rand);
      await checkGradients(
        model,
        [randomTensor([3, 4, 3], rand), randomTensor([3, 3, 2], rand)],
        [randomTensor([3, 3, 2], rand), randomTensor([3, 5], rand)],
        30,
        ["mse", "mse"],
      );
    });

    it(`${form}: Bidirectional (ave, concat) under a mask`, async () => {
      const rand = rng(resetAfter ? 15 : 16);
      for (const [mergeMode, returnSequences] of [
        ["ave", true],
        ["concat", false],
      ] as const) {
        const inp = Input({ shape: [5, 3] });
        const m = new Masking({ maskValue: 0 }).apply(inp) as SymbolicTensor;
        const h = new Bidirectional(new GRU({ units: 5, resetAfter, returnSequences }), { mergeMode }).apply(
          m,
        ) as SymbolicTensor;
        const model = new Model({ inputs: inp, outputs: new Dense({ units: 2 }).apply(h) });
        randomizeWeights(model, rand);
        await checkGradients(
          model,
          [maskedInput(4, 5, 3, rand)],
          [randomTensor(returnSequences ? [4, 5, 2] : [4, 2], rand)],
          25,
        );
      }
    });

    it(`${form}: the threaded batch split gives the same step as one thread`, async () => {
      const rand = rng(resetAfter ? 13 : 14);
      const make = () => {
        const inp = Input({ shape: [5, 3] });
        const m = new Masking({ maskValue: 0 }).apply(inp) as SymbolicTensor;
        const h = new GRU({ units: 6, resetAfter, returnSequences: true }).apply(m) as SymbolicTensor;
        return new Model({ inputs: inp, outputs: new Dense({ units: 2 }).apply(h) });
      };
      const a = make(),
        b = make();
      randomizeWeights(a, rand);
      b.setWeights(a.getWeights());
      const x = maskedInput(6, 5, 3, rand),
        y = randomTensor([6, 5, 2], rand);
      a.compile(SGD1);
      b.compile(SGD1);
      await a.trainOnBatch(x, y);
      splitEverything(true);
      try {
        await b.trainOnBatch(x, y);
      } finally {
        splitEverything(false);
      }
      const wa = a.getWeights(),
        wb = b.getWeights();
      wa.forEach((w, i) => expect(Array.from(wb[i]!.data)).toEqual(Array.from(w.data)));
      a.dispose();
      b.dispose();
    });
  }
});
