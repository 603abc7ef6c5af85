// Subtract, Multiply, Average, Maximum, Minimum and Dot against real Keras 3 (test/cases/layers_merge.json,
// tools/gen_keras_layers_merge.py): forward, files and one training step; their refusals.
import { beforeAll, describe, expect, it } from "vitest";
import { Dot, Input, Maximum, Model, Multiply, ready, Subtract, type Tensor, tensor } from "../../src/index.js";
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

describe("Dot with unknown steps (the attention-by-hand seq2seq: variable-length sequences)", () => {
  it("builds on [null, null, F] inputs and predicts as the same model with known steps", () => {
    const make = (T: number | null, S: number | null) => {
      const q = Input({ shape: [T, 4] }),
        v = Input({ shape: [S, 4] });
      const scores = new Dot({ axes: [2, 2] }).apply([q, v]);
      return new Model({ inputs: [q, v], outputs: new Dot({ axes: [2, 1] }).apply([scores, v]) });
    };
    const open = make(null, null);
    const fixed = make(3, 5);
    const q = tensor(
      Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i)),
      [2, 3, 4],
    );
    const v = tensor(
      Float32Array.from({ length: 2 * 5 * 4 }, (_, i) => Math.cos(i)),
      [2, 5, 4],
    );
    const got = open.predict([q, v]) as Tensor;
    expect(got.shape).toEqual([2, 3, 4]);
    expect(Array.from(got.data)).toEqual(Array.from((fixed.predict([q, v]) as Tensor).data));
    const [a, b] = [Input({ shape: [null, 4] }), Input({ shape: [null, 3] })];
    expectError(() => new Dot({ axes: [2, 2] }).apply([a, b]), "Dot", "x.shape[2] equal to y.shape[2]");
    open.dispose();
    fixed.dispose();
  });
});
