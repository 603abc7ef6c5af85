// MaxPooling2D and AveragePooling2D against real Keras 3 (test/cases/layers_td.json, tools/gen_keras_layers_td.py):
// valid and same padding, strides, odd sizes, batch 1, files and gradients through them; and the refusals.
import { beforeAll, describe, expect, it } from "vitest";
import { AveragePooling2D, Input, MaxPooling2D, ready, tensor } from "../../src/index.js";
import { expectError } from "../helpers/errors.js";
import { describeLayerCases } from "../helpers/layer-cases.js";

beforeAll(async () => {
  await ready();
});

describeLayerCases("layers_td.json", /^(maxpool2d|avgpool2d)_/);

describe("pooling 2-D", () => {
  it("refuses bad options and shapes, naming the layer", () => {
    expectError(() => new MaxPooling2D({ poolSize: 0 }), "MaxPooling2D", "poolSize");
    expectError(() => new AveragePooling2D({ strides: [1, 2, 3] as never }), "AveragePooling2D", "strides");
    expectError(() => new MaxPooling2D({ padding: "full" as never }), "MaxPooling2D", "padding");
    expectError(() => new MaxPooling2D({ dataFormat: "channels_first" as never }), "channels_last");
    expectError(() => new MaxPooling2D({ size: 2 } as never), "MaxPooling2D", "size");
    const p = new MaxPooling2D({ poolSize: 3, name: "p3" });
    expectError(() => p.apply(Input({ shape: [4, 4] })), "MaxPooling2D 'p3'", "rank >= 4");
    expectError(() => p.apply(Input({ shape: [2, 5, 1] })), "MaxPooling2D 'p3'", "at least as large as poolSize");
  });

  it("defaults: 2x2 windows, strides = poolSize, valid; same keeps ceil(size / stride)", () => {
    expect(new MaxPooling2D().apply(Input({ shape: [5, 7, 3] })).shape).toEqual([null, 2, 3, 3]);
    expect(new AveragePooling2D({ padding: "same" }).apply(Input({ shape: [5, 7, 3] })).shape).toEqual([null, 3, 4, 3]);
    // a window of the "same" padding averages only the positions inside the input
    const y = new AveragePooling2D({ poolSize: 2, padding: "same" }).apply(tensor([1, 2, 3], [1, 1, 3, 1]));
    expect([...y.data]).toEqual([1.5, 3]);
    const m = new MaxPooling2D({ poolSize: 2, padding: "same" }).apply(tensor([-1, -2, -3], [1, 1, 3, 1]));
    expect([...m.data]).toEqual([-1, -3]);
  });
});
