// Issue 12, item 8: a disposed model or layer throws a WasmRnnError naming it on any use, and a
// layer shared with another live model stays usable (layers are reference counted by models).
import { beforeAll, describe, expect, it } from "vitest";
import { arena } from "../../src/core/arena.js";
import { Dense, Input, LSTM, Model, ready, type Tensor, tensor, WasmRnnError } from "../../src/index.js";

beforeAll(async () => {
  await ready();
});

const input = () =>
  tensor([
    [
      [0.1, 0.2],
      [0.3, -0.4],
      [0.5, 0.6],
    ],
  ]);

describe("use after dispose", () => {
  it("every call on a disposed model is a WasmRnnError naming it", async () => {
    const x = Input({ shape: [3, 2] });
    const model = new Model({
      inputs: x,
      outputs: new Dense({ units: 1 }).apply(new LSTM({ units: 4 }).apply(x)),
      name: "gone",
    });
    model.compile({ optimizer: "sgd", loss: "mse" });
    const y = tensor([[1]]);
    model.predict(input());
    model.dispose();
    model.dispose(); // a second call does nothing
    const named = /Model 'gone': expected a live model for .*, got a model freed by dispose\(\)/;
    expect(() => model.predict(input())).toThrow(named);
    expect(() => model.getWeights()).toThrow(named);
    expect(() => model.setWeights([])).toThrow(named);
    expect(() => model.summary(() => {})).toThrow(named);
    expect(() => model.compile({ optimizer: "sgd", loss: "mse" })).toThrow(named);
    await expect(model.fit(input(), y)).rejects.toThrow(named);
    await expect(model.trainOnBatch(input(), y)).rejects.toThrow(WasmRnnError);
    await expect(model.evaluate(input(), y)).rejects.toThrow(WasmRnnError);
    await expect(model.save()).rejects.toThrow(WasmRnnError);
  });

  it("a disposed model's layers throw naming the layer", () => {
    const x = Input({ shape: [3, 2] });
    const lstm = new LSTM({ units: 4, name: "freed_lstm" });
    const model = new Model({ inputs: x, outputs: lstm.apply(x) });
    model.dispose();
    expect(() => lstm.getWeights()).toThrow(/LSTM 'freed_lstm': expected a live layer for getWeights/);
    expect(() => lstm.apply(input())).toThrow(WasmRnnError);
    expect(() => lstm.apply(Input({ shape: [3, 2] }))).toThrow(/LSTM 'freed_lstm'/);
    expect(() => new Model({ inputs: x, outputs: lstm.inboundNodes[0]!.outputs[0]! })).toThrow(/for use in Model/);
  });

  it("disposing a model keeps the layers another live model uses; the last one frees them", () => {
    const start = arena.inUse;
    const shared = new LSTM({ units: 8, name: "shared_lstm" });
    const xa = Input({ shape: [3, 2] });
    const a = new Model({ inputs: xa, outputs: new Dense({ units: 2, name: "only_a" }).apply(shared.apply(xa)) });
    const xb = Input({ shape: [3, 2] });
    const b = new Model({ inputs: xb, outputs: shared.apply(xb), name: "holder" });
    const before = Array.from((b.predict(input()) as { data: Float32Array }).data);
    a.predict(input());
    expect(() => shared.dispose()).toThrow(/LSTM 'shared_lstm': expected no live model.*Model 'holder'/);
    a.dispose();
    expect(() => a.getLayer("only_a").getWeights()).toThrow(/Dense 'only_a'/);
    // the shared layer still holds its own weights, not freed memory
    arena.free(arena.alloc(1 << 16)); // reuse of freed blocks would overwrite them
    expect(Array.from((b.predict(input()) as { data: Float32Array }).data)).toEqual(before);
    expect(shared.getWeights().length).toBe(3);
    b.dispose();
    expect(() => shared.getWeights()).toThrow(/shared_lstm/);
    expect(arena.inUse).toBe(start);
  });

  it("a layer no model holds can be disposed directly, once", () => {
    const dense = new Dense({ units: 3, name: "standalone" });
    dense.apply(tensor([[1, 2]]));
    const inUse = arena.inUse;
    dense.dispose();
    dense.dispose();
    expect(arena.inUse).toBeLessThan(inUse);
    expect(() => dense.setWeights([])).toThrow(/Dense 'standalone': expected a live layer for setWeights/);
  });

  it("an Input stays usable after the model that used it is disposed (Keras shares Inputs); its weighted layers do not", () => {
    const x = Input({ shape: [3, 2] });
    const lstm = new LSTM({ units: 2, name: "retired_lstm" });
    const first = new Model({ inputs: x, outputs: lstm.apply(x) });
    first.predict(input());
    first.dispose();
    const second = new Model({ inputs: x, outputs: new Dense({ units: 1 }).apply(x) });
    expect((second.predict(input()) as Tensor).shape).toEqual([1, 3, 1]);
    expect(() => new Model({ inputs: x, outputs: lstm.apply(x) })).toThrow(
      /LSTM 'retired_lstm': expected a live layer/,
    );
    second.dispose();
  });
});
