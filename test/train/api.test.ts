// The training API around the numbers (which train-gradients / train-fit check against Keras):
// Dropout while training, fit's options and History, validation, callbacks, errors that leave the
// model unchanged, optimizer state across setWeights, and flat memory over long runs.
import { beforeAll, describe, expect, it } from "vitest";
import { arena } from "../../src/core/arena.js";
import {
  Dense,
  Dropout,
  Input,
  LSTM,
  Model,
  memoryBytes,
  ready,
  Sequential,
  setRandomSeed,
  type Tensor,
  tensor,
} from "../../src/index.js";
import { settleGarbage } from "../helpers/memory.js";

beforeAll(async () => {
  await ready();
});

const seq = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));

function regression(units = 4) {
  setRandomSeed(11);
  const x = Input({ shape: [5, 3] });
  const model = new Model({ inputs: x, outputs: new Dense({ units: 1 }).apply(new LSTM({ units }).apply(x)) });
  const N = 12;
  const xs = tensor(
    seq(N * 15, (i) => Math.sin(i * 0.37)),
    [N, 5, 3],
  );
  const ys = tensor(
    seq(N, (n) => Math.cos(n)),
    [N, 1],
  );
  return { model, xs, ys, N };
}

describe("Dropout while training", () => {
  const F = 4000,
    rate = 0.3;
  function probe() {
    const x = Input({ shape: [F] });
    const dense = new Dense({ units: 1, useBias: false, kernelInitializer: "ones" });
    const model = new Model({ inputs: x, outputs: dense.apply(new Dropout({ rate }).apply(x)) });
    model.compile({ optimizer: { className: "SGD", config: { learningRate: 1 } }, loss: "mse" });
    return { model, dense, x: tensor(new Float32Array(F).fill(1), [1, F]), y: tensor([[0]]) };
  }

  it("drops about `rate` of the values and scales the rest by 1 / (1 - rate); inference is the identity", async () => {
    // a fixed mask: the float32 sums behind the 1e-5 checks round differently for each mask
    setRandomSeed(2026);
    const { model, dense, x, y } = probe();
    expect(await model.evaluate(x, y)).toBe(F * F); // no dropout: y = sum of ones
    const loss = await model.trainOnBatch(x, y);
    // mse gradient on the kernel: 2 * pred * x_dropped, x_dropped = keep / (1 - rate)
    const w = dense.getWeights()[0]!.data;
    const g = Array.from(w, (v) => 1 - v);
    const kept = g.filter((v) => v !== 0);
    expect(Math.abs(kept.length / F - (1 - rate))).toBeLessThan(0.03);
    const pred = kept.length / (1 - rate);
    expect(Math.abs(loss - pred * pred) / (pred * pred)).toBeLessThan(1e-5);
    for (const v of kept) expect(Math.abs(v - (2 * pred) / (1 - rate)) / v).toBeLessThan(1e-5);
  });

  it("a seed repeats the masks; different seeds give different masks", async () => {
    const masks: string[] = [];
    for (const seed of [5, 5, 6]) {
      const { model, dense, x, y } = probe();
      await model.fit(x, y, { epochs: 1, batchSize: 1, seed });
      masks.push(Array.from(dense.getWeights()[0]!.data, (v) => (v === 1 ? "0" : "1")).join(""));
    }
    expect(masks[0]).toBe(masks[1]);
    expect(masks[2]).not.toBe(masks[0]);
  });
});

describe("fit", () => {
  it("returns Keras's History: per-epoch losses, epoch numbers, params", async () => {
    const { model, xs, ys } = regression();
    model.compile({ optimizer: "adam", loss: "mse" });
    const h = await model.fit(xs, ys, { epochs: 4, batchSize: 5, shuffle: false });
    expect(h.epoch).toEqual([0, 1, 2, 3]);
    expect(h.history.loss).toHaveLength(4);
    expect(h.history.loss[3]!).toBeLessThan(h.history.loss[0]!);
    expect(h.params).toEqual({ epochs: 4, steps: 3, batchSize: 5 });
  });

  it("validation loss equals evaluate on the validation data after the epoch", async () => {
    const { model, xs, ys } = regression();
    model.compile({ optimizer: "sgd", loss: "mse" });
    const h = await model.fit(xs, ys, { epochs: 2, batchSize: 4, shuffle: false, validationData: [xs, ys] });
    expect(h.history.val_loss).toHaveLength(2);
    expect(h.history.val_loss![1]).toBeCloseTo((await model.evaluate(xs, ys, { batchSize: 4 })) as number, 6);
  });

  it("a seed makes shuffled training repeatable; callbacks see every batch and can stop", async () => {
    const runs: number[][] = [];
    for (let r = 0; r < 2; r++) {
      const { model, xs, ys } = regression();
      model.compile({ optimizer: "adam", loss: "mse" });
      const batches: number[] = [];
      const h = await model.fit(xs, ys, {
        epochs: 5,
        batchSize: 4,
        seed: 42,
        callbacks: { onBatchEnd: (b) => void batches.push(b), onEpochEnd: (e) => e < 2 },
      });
      expect(h.epoch).toEqual([0, 1, 2]);
      expect(batches).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
      runs.push(h.history.loss);
    }
    expect(runs[1]).toEqual(runs[0]);
  });

  it("Sequential models train too", async () => {
    setRandomSeed(2);
    const model = new Sequential({
      layers: [Input({ shape: [4, 2] }), new LSTM({ units: 3 }), new Dense({ units: 1, activation: "sigmoid" })],
    });
    model.compile({ optimizer: "rmsprop", loss: "binary_crossentropy" });
    const x = tensor(
      seq(8 * 8, (i) => Math.sin(i)),
      [8, 4, 2],
    );
    const y = tensor(
      seq(8, (n) => n % 2),
      [8, 1],
    );
    const h = await model.fit(x, y, { epochs: 3, batchSize: 8 });
    expect(h.history.loss[2]!).toBeLessThan(h.history.loss[0]!);
  });
});

describe("training errors name the model, what was expected and what came", () => {
  it("refuses training before compile, bad options and bad targets, changing nothing", async () => {
    const { model, xs, ys } = regression();
    await expect(model.fit(xs, ys)).rejects.toThrow(/expected compile\(\{ optimizer, loss \}\) before training/);
    model.compile({ optimizer: "adam", loss: "mse" });
    const before = model.getWeights();
    await expect(model.fit(xs, ys, { epochz: 2 } as never)).rejects.toThrow(/unknown option "epochz"/);
    await expect(model.fit(xs, ys, { batchSize: 0 })).rejects.toThrow(
      /expected batchSize to be a positive integer, got 0/,
    );
    await expect(model.fit(xs, tensor(new Float32Array(5), [5, 1]))).rejects.toThrow(
      /expected targets for output 0 with 12 rows/,
    );
    await expect(model.fit(xs, tensor(new Float32Array(12).fill(Number.NaN), [12, 1]))).rejects.toThrow(
      /expected finite targets/,
    );
    await expect(model.fit(xs, tensor(new Float32Array(24), [12, 2]))).rejects.toThrow(/Model '.*'.*target/);
    model.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(before[i]!.data)));
  });

  it("refuses unknown losses and optimizers at compile (issue 12: no longer at the first fit)", () => {
    const { model } = regression();
    expect(() => model.compile({ optimizer: "adam", loss: "msee" as never })).toThrow(/msee/);
    expect(() => model.compile({ optimizer: "adamw" as never, loss: "mse" })).toThrow(/adamw/);
  });

  it("trains with recurrent dropout (issue 14; test/train/recurrent-dropout.test.ts checks it against Keras)", async () => {
    const x = Input({ shape: [3, 2] });
    const model = new Model({ inputs: x, outputs: new LSTM({ units: 2, recurrentDropout: 0.2 }).apply(x) });
    model.compile({ optimizer: "sgd", loss: "mse" });
    const loss = await model.trainOnBatch(tensor(new Float32Array(12), [2, 3, 2]), tensor(new Float32Array(4), [2, 2]));
    expect(Number.isFinite(loss)).toBe(true);
  });

  it("stops with an error when the loss stops being finite", async () => {
    const { model, xs, ys } = regression();
    model.compile({ optimizer: { className: "SGD", config: { learningRate: 1e30 } }, loss: "mse" });
    await expect(model.fit(xs, ys, { epochs: 5, batchSize: 12 })).rejects.toThrow(/the loss became (NaN|Infinity)/);
  });
});

describe("optimizer state and memory", () => {
  it("Adam's state follows weights replaced by setWeights (as Keras keeps it per variable)", async () => {
    const a = regression(),
      b = regression();
    for (const m of [a.model, b.model]) m.compile({ optimizer: "adam", loss: "mse" });
    await a.model.trainOnBatch(a.xs, a.ys);
    await b.model.trainOnBatch(b.xs, b.ys);
    b.model.setWeights(b.model.getWeights()); // new blocks, same values
    await a.model.trainOnBatch(a.xs, a.ys);
    await b.model.trainOnBatch(b.xs, b.ys);
    const wa = a.model.getWeights(),
      wb = b.model.getWeights();
    wa.forEach((w, i) => expect(Array.from(wb[i]!.data)).toEqual(Array.from(w.data)));
  });

  it("long training keeps wasm memory and the arena flat", async () => {
    const { model, xs, ys } = regression(8);
    model.compile({ optimizer: "adam", loss: "mse" });
    await model.fit(xs, ys, { epochs: 2, batchSize: 5 }); // plans for batches of 5 and the last 2
    await settleGarbage(() => arena.inUse);
    const bytes = memoryBytes(),
      inUse = arena.inUse;
    await model.fit(xs, ys, { epochs: 50, batchSize: 5 });
    await settleGarbage(() => arena.inUse);
    expect(memoryBytes()).toBe(bytes);
    expect(arena.inUse).toBe(inUse);
    model.dispose();
  });

  it("predict after training uses the trained weights", async () => {
    const { model, xs, ys } = regression();
    model.compile({ optimizer: "adam", loss: "mse" });
    const before = (model.predict(xs) as Tensor).data.slice();
    await model.fit(xs, ys, { epochs: 3, batchSize: 4 });
    const after = (model.predict(xs) as Tensor).data;
    expect(Array.from(after)).not.toEqual(Array.from(before));
    let mse = 0;
    after.forEach((v, i) => {
      mse += (v - ys.data[i]!) ** 2;
    });
    mse /= after.length;
    expect(mse).toBeCloseTo((await model.evaluate(xs, ys)) as number, 5);
  });
});

describe("validationSplit", () => {
  it("holds out the last rows, as Keras: the same History as validationData on those rows", async () => {
    const a = regression(),
      b = regression();
    for (const m of [a.model, b.model]) m.compile({ optimizer: "adam", loss: "mse", metrics: ["mae"] });
    const ha = await a.model.fit(a.xs, a.ys, { epochs: 2, batchSize: 4, shuffle: false, validationSplit: 0.25 });
    const rows = (t: Tensor, from: number, to: number) => {
      const row = t.size / t.shape[0]!;
      return tensor(t.data.slice(from * row, to * row) as Float32Array, [to - from, ...t.shape.slice(1)] as number[]);
    };
    const hb = await b.model.fit(rows(b.xs, 0, 9), rows(b.ys, 0, 9), {
      epochs: 2,
      batchSize: 4,
      shuffle: false,
      validationData: [rows(b.xs, 9, 12), rows(b.ys, 9, 12)],
    });
    expect(ha.history).toEqual(hb.history);
    expect(Object.keys(ha.history).sort()).toEqual(["loss", "mae", "val_loss", "val_mae"]);
    await expect(a.model.fit(a.xs, a.ys, { validationSplit: 1 })).rejects.toThrow(
      /expected validationSplit to be a number in \[0, 1\), got 1/,
    );
  });
});

describe("a recurrent layer's input dropout while training", () => {
  function probe(dropout: number, recurrentDropout = 0) {
    setRandomSeed(4);
    const x = Input({ shape: [3, 400] });
    const lstm = new LSTM({
      units: 1,
      dropout,
      recurrentDropout,
      kernelInitializer: "ones",
      recurrentInitializer: "zeros",
    });
    const model = new Model({ inputs: x, outputs: lstm.apply(x) });
    model.compile({ optimizer: { className: "SGD", config: { learningRate: 1 } }, loss: "mse" });
    const xs = tensor(
      Float32Array.from({ length: 3 * 400 }, (_, i) => 0.001 * (1 + (i % 7))),
      [1, 3, 400],
    );
    return { model, lstm, xs, y: tensor([[1]]) };
  }

  it("drops the same input features at every step, about `rate` of them, and inference ignores it", async () => {
    const { model, lstm, xs, y } = probe(0.3);
    const before = lstm.getWeights()[0]!.data.slice();
    const predicted = (model.predict(xs) as Tensor).data[0]!;
    const trainLoss = await model.trainOnBatch(xs, y);
    // kernel [400, 4]: a dropped feature gets no gradient at any step, a kept one at every step
    const after = lstm.getWeights()[0]!.data;
    let zeroRows = 0;
    for (let k = 0; k < 400; k++) {
      const moved = [0, 1, 2, 3].map((g) => after[k * 4 + g]! !== before[k * 4 + g]!);
      if (!moved.some(Boolean)) zeroRows++;
      else expect(moved.every(Boolean), `feature ${k}: all four gates move together`).toBe(true);
    }
    expect(Math.abs(zeroRows / 400 - 0.3)).toBeLessThan(0.07);
    // the training forward saw masked inputs (a different loss than predict's)
    expect(Math.abs(trainLoss - (predicted - 1) ** 2)).toBeGreaterThan(1e-6);
    model.dispose();
  });

  it("recurrentDropout trains (issue 14); a rate of 1 drops nothing, as in Keras", async () => {
    const r = probe(0, 0.2);
    expect(Number.isFinite(await r.model.trainOnBatch(r.xs, r.y))).toBe(true);
    const one = probe(1);
    const loss = await one.model.trainOnBatch(one.xs, one.y);
    const predicted = (probe(1).model.predict(one.xs) as Tensor).data[0]!;
    expect(loss).toBeCloseTo((predicted - 1) ** 2, 6);
  });
});

describe("input dropout's gradients (finite differences on the same masks)", () => {
  it("match central differences of the training loss, through the mask into the layer below", async () => {
    setRandomSeed(9);
    const x = Input({ shape: [3, 4] });
    const below = new Dense({ units: 5, activation: "tanh" });
    const out = new Dense({ units: 1 }).apply(new LSTM({ units: 3, dropout: 0.4 }).apply(below.apply(x)));
    const model = new Model({ inputs: x, outputs: out });
    const xs = tensor(
      Float32Array.from({ length: 2 * 12 }, (_, i) => Math.sin(i * 1.3)),
      [2, 3, 4],
    );
    const ys = tensor([[0.5], [-0.3]]);
    const fit = { epochs: 1, batchSize: 2, shuffle: false, seed: 77 } as const;
    const w0 = model.getWeights();
    // training loss with the seed's masks and no update (learning rate 0)
    model.compile({ optimizer: { className: "SGD", config: { learningRate: 0 } }, loss: "mse" });
    const lossAt = async (ws: Tensor[]) => {
      model.setWeights(ws);
      return (await model.fit(xs, ys, fit)).history.loss[0]!;
    };
    const base = await lossAt(w0);
    model.compile({ optimizer: { className: "SGD", config: { learningRate: 1 } }, loss: "mse" });
    model.setWeights(w0);
    const h = await model.fit(xs, ys, fit);
    expect(h.history.loss[0]).toBeCloseTo(base, 6);
    const w1 = model.getWeights();
    model.compile({ optimizer: { className: "SGD", config: { learningRate: 0 } }, loss: "mse" });
    const eps = 1e-2;
    for (const [i, j] of [
      [0, 0],
      [0, 7],
      [0, 13],
      [2, 1],
      [2, 20],
      [3, 5],
    ] as const) {
      const g = w0[i]!.data[j]! - w1[i]!.data[j]!;
      const shifted = (d: number) =>
        w0.map((w, k) => {
          const data = Float32Array.from(w.data);
          if (k === i) data[j] = data[j]! + d;
          return tensor(data, w.shape as number[]);
        });
      const fd = ((await lossAt(shifted(eps))) - (await lossAt(shifted(-eps)))) / (2 * eps);
      expect(Math.abs(fd - g), `weight ${i}[${j}]: gradient ${g}, finite difference ${fd}`).toBeLessThan(
        2e-3 * Math.max(1, Math.abs(g)),
      );
    }
    void below;
    model.dispose();
  });
});

describe("integer targets of a non-sparse loss", () => {
  it("train exactly as the same targets in float32 (Keras casts them)", async () => {
    const runs: number[][] = [];
    for (const dtype of ["int32", "float32"] as const) {
      const { model, xs } = regression();
      model.compile({ optimizer: "adam", loss: "mse" });
      const ys = tensor(
        dtype === "int32"
          ? Int32Array.from({ length: 12 }, (_, i) => i % 3)
          : Float32Array.from({ length: 12 }, (_, i) => i % 3),
        [12, 1],
        dtype,
      );
      const h = await model.fit(xs, ys, { epochs: 2, batchSize: 5, shuffle: false });
      runs.push([...h.history.loss, ...model.getWeights()[0]!.data]);
    }
    expect(runs[0]).toEqual(runs[1]);
  });
});
