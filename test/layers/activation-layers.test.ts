// Softmax, ReLU, LeakyReLU, PReLU, ELU and the Activation layer's Keras 3 activations against real Keras 3
// (test/cases/layers_merge.json, tools/gen_keras_layers_merge.py); their refusals.
import { beforeAll, describe, it } from "vitest";
import { Activation, ELU, Embedding, Input, LeakyReLU, PReLU, ReLU, ready, Softmax } from "../../src/index.js";
import { expectError } from "../helpers/errors.js";
import { describeLayerCases } from "../helpers/layer-cases.js";

beforeAll(async () => {
  await ready();
});

describeLayerCases("layers_merge.json", /^(softmax|relu|leaky_relu|elu|prelu|activation)_/);

describe("refusals", () => {
  it("ReLU, LeakyReLU and ELU check their options", () => {
    expectError(() => new ReLU({ maxValue: -1, name: "r1" }), "ReLU 'r1'", "maxValue", "-1");
    expectError(() => new ReLU({ threshold: Number.NaN, name: "r2" }), "ReLU 'r2'", "threshold");
    expectError(() => new LeakyReLU({ negativeSlope: -0.1, name: "l1" }), "LeakyReLU 'l1'", "negativeSlope");
    expectError(() => new ELU({ alpha: "1" as never, name: "e1" }), "ELU 'e1'", "alpha");
    expectError(() => new LeakyReLU({ alpha: 0.2 } as never), "LeakyReLU", "alpha");
  });
  it("Softmax checks its axes and its mask's shape", () => {
    const x = Input({ shape: [4, 5] });
    expectError(() => new Softmax({ axis: 0, name: "s1" }).apply(x), "Softmax 's1'", "after the batch axis");
    expectError(() => new Softmax({ axis: "a" as never, name: "s2" }), "Softmax 's2'", "axis");
    const m = Input({ shape: [3, 5] });
    expectError(
      () => new Softmax({ name: "s3" }).apply(x, { mask: m }),
      "Softmax 's3'",
      "broadcastable",
      "[null, 3, 5]",
    );
  });
  it("Softmax refuses a propagated mask, as Keras 3 does", () => {
    const e = new Embedding({ inputDim: 5, outputDim: 3, maskZero: true }).apply(Input({ shape: [4], dtype: "int32" }));
    expectError(() => new Softmax({ name: "s4" }).apply(e), "Softmax 's4'", "propagated mask", "{ mask }");
  });
  it("PReLU checks sharedAxes", () => {
    expectError(() => new PReLU({ sharedAxes: [0], name: "p1" }), "PReLU 'p1'", "sharedAxes");
    expectError(
      () => new PReLU({ sharedAxes: 3, name: "p2" }).apply(Input({ shape: [4, 5] })),
      "PReLU 'p2'",
      "below rank 3",
    );
  });
  it("Activation names the activations it takes", () => {
    expectError(
      () => new Activation({ activation: "gelu_tanh" as never, name: "a1" }),
      "Activation 'a1'",
      "gelu",
      "mish",
    );
  });
});
