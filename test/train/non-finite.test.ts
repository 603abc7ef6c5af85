// Issue 12, item 9: non-finite inputs are refused before any step, and a step whose loss or
// gradient is not finite changes nothing (weights and optimizer state untouched).
import { beforeAll, describe, expect, it } from "vitest";
import { Dense, Input, LSTM, Model, ready, tensor, WasmRnnError } from "../../src/index.js";

beforeAll(async () => {
  await ready();
});

function linear(kernel: number) {
  const x = Input({ shape: [1] });
  const model = new Model({ inputs: x, outputs: new Dense({ units: 1, useBias: false }).apply(x) });
  model.setWeights([tensor([[kernel]])]);
  model.compile({ optimizer: "adam", loss: "mse" });
  return model;
}
const weightsOf = (m: Model) => m.getWeights().map((w) => Array.from(w.data));

describe("non-finite training data and steps", () => {
  it("NaN or Infinity in the inputs is refused by fit, trainOnBatch and evaluate before any step", async () => {
    const model = linear(0.5);
    const before = weightsOf(model);
    const x = tensor([[1], [Number.NaN]]);
    const y = tensor([[1], [2]]);
    await expect(model.fit(x, y, { epochs: 1, batchSize: 1 })).rejects.toThrow(/finite inputs.*NaN at flat index 1/);
    await expect(model.trainOnBatch(tensor([[Infinity]]), tensor([[1]]))).rejects.toThrow(WasmRnnError);
    await expect(model.evaluate(x, y)).rejects.toThrow(/finite inputs/);
    expect(weightsOf(model)).toEqual(before);
    expect(model.optimizer!.iterations).toBe(0);
  });

  it("a step with a non-finite loss leaves weights and optimizer state as they were", async () => {
    const model = linear(10);
    const before = weightsOf(model);
    // 10 * 1e38 overflows float32: the output, and so the loss, is not finite
    const loss = await model.trainOnBatch(tensor([[1e38]]), tensor([[0]]));
    expect(Number.isFinite(loss)).toBe(false);
    expect(weightsOf(model)).toEqual(before);
    expect(model.optimizer!.iterations).toBe(0);
    await expect(model.fit(tensor([[1e38]]), tensor([[0]]), { epochs: 1 })).rejects.toThrow(/loss became/);
    expect(weightsOf(model)).toEqual(before);
    // the next good step is the first one: the same as a fresh model's
    const fresh = linear(10);
    await model.trainOnBatch(tensor([[1]]), tensor([[3]]));
    await fresh.trainOnBatch(tensor([[1]]), tensor([[3]]));
    expect(weightsOf(model)).toEqual(weightsOf(fresh));
  });

  it("a step with a finite loss but a non-finite gradient is refused and changes nothing", async () => {
    const model = linear(1);
    const before = weightsOf(model);
    // out = 1.5e19, loss = 2.25e38 (finite), dLoss/dW = 2 * out * x = 4.5e38 (overflows)
    await expect(model.trainOnBatch(tensor([[1.5e19]]), tensor([[0]]))).rejects.toThrow(
      /gradient of the loss became Infinity in Dense/,
    );
    expect(weightsOf(model)).toEqual(before);
    expect(model.optimizer!.iterations).toBe(0);
  });

  it("a refused step leaves a stateful layer's states and the weights as they were", async () => {
    const x = Input({ batchShape: [1, 2, 1] });
    const lstm = new LSTM({ units: 2, stateful: true });
    const model = new Model({ inputs: x, outputs: new Dense({ units: 1, useBias: false }).apply(lstm.apply(x)) });
    model.compile({ optimizer: "sgd", loss: "mse", metrics: ["mae"] });
    const good = tensor([[[0.5], [-0.25]]]);
    await model.trainOnBatch(good, tensor([[1]]));
    const states = lstm.getStates().map((t) => Array.from(t.data));
    // a huge input drives the loss (or its gradient) out of float32: the step is refused
    const bad = tensor([[[3e38], [3e38]]]);
    const dense = model.layers.at(-1)!;
    dense.setWeights([tensor([[3e38], [3e38]])]);
    const weights = model.getWeights().map((w) => Array.from(w.data));
    try {
      const loss = await model.trainOnBatch(bad, tensor([[1e38]]));
      expect(Number.isFinite(loss)).toBe(false);
    } catch (e) {
      expect(e).toBeInstanceOf(WasmRnnError);
    }
    expect(lstm.getStates().map((t) => Array.from(t.data))).toEqual(states);
    expect(model.getWeights().map((w) => Array.from(w.data))).toEqual(weights);
  });
});
