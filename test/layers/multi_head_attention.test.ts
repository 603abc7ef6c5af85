// MultiHeadAttention against real Keras 3 (test/cases/layers_attention.json: forward through the API and the
// .keras / .h5 / TF.js files, one SGD step's gradients), its refusals, and eager calls.
import { beforeAll, describe, expect, it } from "vitest";
import { Input, Model, MultiHeadAttention, ready, type Tensor, tensor } from "../../src/index.js";
import { expectError, ramp } from "../helpers/errors.js";
import { describeLayerCases } from "../helpers/layer-cases.js";

beforeAll(async () => {
  await ready();
});

describeLayerCases("layers_attention.json", /^mha_/);

describe("MultiHeadAttention refusals", () => {
  it("refuses bad options, naming the layer", () => {
    expectError(
      () => new MultiHeadAttention({ numHeads: 0, keyDim: 2, name: "m1" }),
      "MultiHeadAttention 'm1'",
      "numHeads",
    );
    expectError(
      () => new MultiHeadAttention({ numHeads: 2, keyDim: 2.5, name: "m2" }),
      "MultiHeadAttention 'm2'",
      "keyDim",
    );
    expectError(
      () => new MultiHeadAttention({ numHeads: 2, keyDim: 2, attentionAxes: [2], name: "m3" }),
      "MultiHeadAttention 'm3'",
      "attentionAxes",
    );
    expectError(
      () => new MultiHeadAttention({ numHeads: 2, keyDim: 2, outputShape: [0], name: "m4" }),
      "MultiHeadAttention 'm4'",
      "outputShape",
    );
    expectError(
      () => new MultiHeadAttention({ numHeads: 2, keyDim: 2, useGate: true } as never),
      "MultiHeadAttention",
      "useGate",
    );
  });

  it("refuses bad inputs, naming the layer", () => {
    const q = Input({ shape: [3, 4] }),
      v = Input({ shape: [5, 4] });
    const m = new MultiHeadAttention({ numHeads: 2, keyDim: 2, name: "m5" });
    expectError(() => m.apply(q, v, Input({ shape: [4, 4] })), "MultiHeadAttention 'm5'", "same number of steps");
    expectError(() => m.apply(q, Input({ shape: [5] })), "MultiHeadAttention 'm5'", "rank 3");
    expectError(
      () => m.apply(q, v, { attentionMask: Input({ shape: [3, 4] }) }),
      "MultiHeadAttention 'm5'",
      "attentionMask",
    );
    expectError(() => m.apply(q, v, { causal: true } as never), "MultiHeadAttention 'm5'", "causal");
  });
});

describe("MultiHeadAttention calls", () => {
  it("an eager call gives the model's values, with the scores [batch, heads, Tq, Tv] summing to 1", () => {
    const q = Input({ shape: [3, 4] }),
      v = Input({ shape: [5, 2] });
    const m = new MultiHeadAttention({ numHeads: 3, keyDim: 2 });
    const [out, scores] = m.apply(q, v, { returnAttentionScores: true });
    const model = new Model({ inputs: [q, v], outputs: [out, scores] });
    const xq = tensor(ramp(24), [2, 3, 4]),
      xv = tensor(ramp(20, 0.21), [2, 5, 2]);
    const want = model.predict([xq, xv]) as Tensor[];
    expect(want[1]!.shape).toEqual([2, 3, 3, 5]);
    const eager = new MultiHeadAttention({ numHeads: 3, keyDim: 2 });
    eager.apply(xq, xv);
    eager.setWeights(m.getWeights());
    const got = eager.apply(xq, xv);
    expect(Array.from(got.data)).toEqual(Array.from(want[0]!.data));
    for (let r = 0; r < 18; r++)
      expect(Array.from(want[1]!.data.slice(r * 5, r * 5 + 5)).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 5);
    model.dispose();
  });
});
