// Attention and AdditiveAttention against real Keras 3 (test/cases/layers_attention.json: forward through the API
// and the .keras / .h5 / TF.js files, one SGD step's gradients), their refusals, and a save round trip.
import { beforeAll, describe, expect, it } from "vitest";
import { AdditiveAttention, Attention, Input, Model, ready, tensor } from "../../src/index.js";
import { expectError, ramp } from "../helpers/errors.js";
import { describeLayerCases } from "../helpers/layer-cases.js";

beforeAll(async () => {
  await ready();
});

describeLayerCases("layers_attention.json", /^(attention|additive)_/);

describe("Attention refusals", () => {
  it("refuses bad options, naming the layer", () => {
    expectError(
      () => new Attention({ scoreMode: "cosine" as "dot", name: "att1" }),
      "Attention 'att1'",
      "scoreMode",
      "cosine",
    );
    expectError(() => new Attention({ dropout: 1.5, name: "att2" }), "Attention 'att2'", "dropout", "1.5");
    expectError(() => new Attention({ units: 3 } as never), "Attention", "units");
    expectError(
      () => new AdditiveAttention({ useScale: 1 as never, name: "add1" }),
      "AdditiveAttention 'add1'",
      "useScale",
    );
  });

  it("refuses bad inputs, naming the layer", () => {
    const q = Input({ shape: [3, 4] }),
      v = Input({ shape: [5, 4] });
    const a = new Attention({ name: "att3" });
    expectError(() => a.apply([q] as never), "Attention 'att3'", "[query, value]");
    expectError(() => a.apply([q, Input({ shape: [5, 3] })]), "Attention 'att3'", "same feature size");
    expectError(() => a.apply([q, v, Input({ shape: [4, 4] })]), "Attention 'att3'", "same number of steps");
    expectError(() => a.apply([q, Input({ shape: [5] })]), "Attention 'att3'", "rank 3");
    expectError(() => a.apply([q, v], { useCausal: true } as never), "Attention 'att3'", "useCausal");
  });

  it("refuses a second call with other call options", () => {
    const q = Input({ shape: [3, 4] }),
      v = Input({ shape: [5, 4] });
    const a = new Attention({ name: "att4" });
    a.apply([q, v], { useCausalMask: true });
    expectError(() => a.apply([q, v]), "Attention 'att4'", "first call's options", "useCausalMask true");
  });
});

describe("Attention calls", () => {
  it("an eager call gives the same values as a model and types the scores output", () => {
    const q = Input({ shape: [3, 4] }),
      v = Input({ shape: [5, 4] });
    const a = new Attention({ useScale: true });
    const [out, scores] = a.apply([q, v], { returnAttentionScores: true });
    const model = new Model({ inputs: [q, v], outputs: [out, scores] });
    const xq = tensor(ramp(24), [2, 3, 4]),
      xv = tensor(ramp(40, 0.21), [2, 5, 4]);
    const want = model.predict([xq, xv]) as ReturnType<typeof tensor>[];
    const eager = new Attention({ useScale: true });
    const [eo, es] = eager.apply([xq, xv], { returnAttentionScores: true });
    expect(Array.from(eo.data)).toEqual(Array.from(want[0]!.data));
    expect(Array.from(es.data)).toEqual(Array.from(want[1]!.data));
    // each row of the weights sums to 1
    for (let r = 0; r < 6; r++)
      expect(Array.from(es.data.slice(r * 5, r * 5 + 5)).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 5);
    model.dispose();
  });
});
