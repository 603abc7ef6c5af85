// Embedding against real Keras 3 (the embed* cases of test/cases/family_masking.json, maskZero or not); its refusals.
import { beforeAll, describe, it } from "vitest";
import { Embedding, GRU, Input, Model, ready, tensor } from "../../src/index.js";
import { expectError } from "../helpers/errors.js";
import { describeFamily } from "../helpers/family.js";

beforeAll(async () => {
  await ready();
});

describeFamily("family_masking.json", "embedding");

describe("masks", () => {
  it("Embedding refuses token ids outside [0, inputDim) by index", () => {
    const x = Input({ shape: [3], dtype: "int32" });
    const emb = new Embedding({ inputDim: 5, outputDim: 2, maskZero: true, name: "tok" });
    const model = new Model({ inputs: x, outputs: new GRU({ units: 2 }).apply(emb.apply(x)) });
    expectError(
      () => model.predict(tensor([1, 2, 5], [1, 3], "int32")),
      "Embedding 'tok'",
      "[0, 5)",
      "got 5",
      "index 2",
    );
    expectError(() => model.predict(tensor([1, -1, 0], [1, 3], "int32")), "got -1");
  });
});
