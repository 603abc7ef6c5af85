// Subtract, Multiply, Average, Maximum, Minimum and Dot against real Keras 3 (test/cases/layers_merge.json,
// tools/gen_keras_layers_merge.py): forward, files and one training step; their refusals.
import { beforeAll, describe, it } from "vitest";
import { Dot, Input, Maximum, Multiply, ready, Subtract } from "../../src/index.js";
import { expectError } from "../helpers/errors.js";
import { describeLayerCases } from "../helpers/layer-cases.js";

beforeAll(async () => {
  await ready();
});

describeLayerCases("layers_merge.json", /^(multiply|subtract|average|maximum|minimum)_/);
describeLayerCases("layers_merge.json", /^dot_/);

describe("refusals", () => {
  it("Subtract takes exactly two inputs", () => {
    const a = Input({ shape: [3] });
    expectError(() => new Subtract({ name: "sub1" }).apply([a, a, a]), "Subtract 'sub1'", "exactly 2", "got 3");
  });
  it("merges refuse shapes that do not broadcast", () => {
    const a = Input({ shape: [3, 4] }),
      b = Input({ shape: [2, 4] });
    expectError(() => new Maximum({ name: "max1" }).apply([a, b]), "Maximum 'max1'", "broadcast", "[null, 2, 4]");
  });
  it("merges refuse unknown options", () => {
    expectError(() => new Multiply({ axis: 1 } as never), "Multiply", "axis");
  });
  it("Dot checks its axes and the contracted lengths", () => {
    expectError(() => new Dot({ axes: "x" as never, name: "d1" }), "Dot 'd1'", "axes", '"x"');
    const a = Input({ shape: [3, 4] }),
      b = Input({ shape: [5, 4] });
    expectError(() => new Dot({ axes: 1, name: "d2" }).apply([a, b]), "Dot 'd2'", "x.shape[1] equal to y.shape[1]");
    expectError(() => new Dot({ axes: 0, name: "d3" }).apply([a, b]), "Dot 'd3'", "batch axis");
    const c = Input({ shape: [2, 3, 4] });
    expectError(() => new Dot({ axes: -1, name: "d4" }).apply([c, c]), "Dot 'd4'", "rank 2 or 3");
  });
});
