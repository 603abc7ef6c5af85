// Bad input: every refusal is a WasmRnnError that names the layer (or model), what was expected
// and what came, and leaves nothing half-changed.
import { beforeAll, describe, expect, it } from "vitest";
import { Dense, Input, LSTM, Model, ready, tensor } from "../../src/index.js";
import { expectError } from "../helpers/errors.js";

beforeAll(async () => {
  await ready();
});

function tutorialModel(name: string) {
  const x = Input({ shape: [3, 1] });
  const lstm = new LSTM({ units: 2, returnState: true, name });
  const [y, h, c] = lstm.apply(x);
  return { x, lstm, model: new Model({ inputs: x, outputs: [y, h, c], name: `${name}_model` }) };
}

describe("wrong input shapes", () => {
  it("predict names the model, the input, the expected and the received shape", () => {
    const { model } = tutorialModel("shape_lstm");
    expectError(
      () => model.predict(tensor([1, 2, 3, 4], [1, 4, 1])),
      "Model 'shape_lstm_model'",
      "expected input",
      "[null, 3, 1]",
      "[1, 4, 1]",
    );
    expectError(() => model.predict(tensor([1, 2, 3], [1, 3])), "[null, 3, 1]", "[1, 3]");
    expectError(() => model.predict([[[1], [2]]]), "[1, 2, 1]");
    expectError(
      () =>
        model.predict([
          [[1], [2], [3]],
          [[1], [2]],
        ] as never),
      "ragged",
    );
    expectError(() => model.predict(new Float32Array(3) as never), "tensor(data, shape)");
  });

  it("apply names the layer and the rank it needs", () => {
    const lstm = new LSTM({ units: 3, name: "rank_lstm" });
    expectError(() => lstm.apply(Input({ shape: [5] })), "LSTM 'rank_lstm'", "rank 3", "[null, 5]");
    const dense = new Dense({ units: 2, name: "rank_dense" });
    dense.apply(Input({ shape: [4] }));
    expectError(() => dense.apply(Input({ shape: [5] })), "Dense 'rank_dense'", "last dimension 4", "[null, 5]");
  });

  it("a built layer refuses another feature size, eagerly too", () => {
    const { lstm } = tutorialModel("feat_lstm");
    expectError(() => lstm.apply(Input({ shape: [3, 2] })), "LSTM 'feat_lstm'", "[batch, steps, 1]", "[null, 3, 2]");
    expectError(() => lstm.apply(tensor(new Float32Array(6), [1, 3, 2])), "LSTM 'feat_lstm'", "[null, 3, 2]");
  });

  it("several inputs must all be given, with one batch size", () => {
    const a = Input({ shape: [2, 1] }),
      b = Input({ shape: [2, 1] });
    const enc = new LSTM({ units: 2, returnState: true });
    const [, h, c] = enc.apply(a);
    const dec = new LSTM({ units: 2 }).apply(b, { initialState: [h, c] });
    const model = new Model({ inputs: [a, b], outputs: dec, name: "two_inputs" });
    expectError(
      () => model.predict(tensor(new Float32Array(2), [1, 2, 1])),
      "Model 'two_inputs'",
      "array of 2 inputs",
      "one tensor",
    );
    expectError(
      () => model.predict([tensor(new Float32Array(2), [1, 2, 1]), tensor(new Float32Array(4), [2, 2, 1])]),
      "same batch size",
      "1, 2",
    );
  });
});

describe("initialState", () => {
  it("refuses the wrong count and the wrong shape", () => {
    const x = Input({ shape: [3, 1] });
    const lstm = new LSTM({ units: 4, name: "state_lstm" });
    const h = Input({ shape: [4] }),
      bad = Input({ shape: [5] });
    expectError(() => lstm.apply(x, { initialState: [h] }), "LSTM 'state_lstm'", "2 tensors [h, c]", "got 1");
    expectError(() => lstm.apply(x, { initialState: [h, bad] }), "initialState[1] (c)", "[batch, 4]", "[null, 5]");
    expectError(
      () => lstm.apply(tensor(new Float32Array(3), [1, 3, 1]), { initialState: [tensor(new Float32Array(4), [1, 4])] }),
      "got 1",
    );
    expectError(
      () =>
        lstm.apply(x, {
          initialState: [tensor(new Float32Array(4), [1, 4]), tensor(new Float32Array(4), [1, 4])] as never,
        }),
      "concrete",
    );
  });
});

describe("setWeights", () => {
  it("refuses wrong counts, shapes and non-finite values, and changes nothing", () => {
    const { lstm, model } = tutorialModel("w_lstm");
    const x = tensor([0.1, 0.2, 0.3], [1, 3, 1]);
    const before = lstm.getWeights();
    const outBefore = (model.predict(x) as { data: Float32Array }[]).map((t) => Array.from(t.data));
    expectError(
      () => lstm.setWeights(before.slice(0, 2)),
      "LSTM 'w_lstm'",
      "expected 3 weight arrays",
      "kernel [1, 8]",
      "got 2",
    );
    expectError(
      () => lstm.setWeights([tensor(new Float32Array(8), [8, 1]), before[1]!, before[2]!]),
      "kernel of shape [1, 8]",
      "got [8, 1]",
    );
    const nan = new Float32Array(16);
    nan[5] = NaN;
    expectError(
      () => lstm.setWeights([before[0]!, tensor(nan, [2, 8]), before[2]!]),
      "finite",
      "recurrent_kernel",
      "NaN",
      "index 5",
    );
    const inf = new Float32Array(8).fill(Infinity);
    expectError(() => lstm.setWeights([before[0]!, before[1]!, tensor(inf, [8])]), "finite", "bias", "Infinity");
    const after = lstm.getWeights();
    after.forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(before[i]!.data)));
    const outAfter = (model.predict(x) as { data: Float32Array }[]).map((t) => Array.from(t.data));
    expect(outAfter).toEqual(outBefore);
  });

  it("Model.setWeights restores every layer when a later layer's share is bad", () => {
    const x = Input({ shape: [2, 3] });
    const lstm = new LSTM({ units: 2 });
    const dense = new Dense({ units: 1 });
    const model = new Model({ inputs: x, outputs: dense.apply(lstm.apply(x)), name: "restore" });
    const before = model.getWeights();
    const replaced = before.map((w) => tensor(new Float32Array(w.size).fill(0.5), [...w.shape]));
    replaced[3] = tensor(new Float32Array(3), [3, 1]); // dense kernel must be [2, 1]
    expectError(() => model.setWeights(replaced), "Dense", "[2, 1]", "[3, 1]");
    model.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(before[i]!.data)));
  });
});

describe("options", () => {
  it("refuses unknown options, bad units and unknown activations by name", () => {
    expectError(() => new LSTM({ units: 2, retrunSequences: true } as never), 'unknown option "retrunSequences"');
    expectError(() => new LSTM({ units: 0 }), "units", "positive integer", "got 0");
    expectError(
      () => new LSTM({ units: 2, name: "act_lstm", activation: "swish" as never }),
      "LSTM 'act_lstm'",
      "activation",
      '"swish"',
    );
    expectError(
      () => new LSTM({ units: 2, recurrentActivation: "softmax" as never }),
      "recurrentActivation",
      '"softmax"',
    );
    expectError(() => new Dense({ units: 2, kernelInitializer: "glorot_uniformm" }), "initializer", "glorot_uniformm");
    expectError(() => Input({ shape: [0, 2] }), "positive integers");
  });

  it("names a disconnected graph", () => {
    const a = Input({ shape: [2, 1], name: "used" });
    const b = Input({ shape: [2, 1], name: "forgotten" });
    const enc = new LSTM({ units: 2, returnState: true });
    const [, h, c] = enc.apply(b);
    const y = new LSTM({ units: 2 }).apply(a, { initialState: [h, c] });
    expectError(() => new Model({ inputs: a, outputs: y }), "graph disconnected", "forgotten");
  });
});
