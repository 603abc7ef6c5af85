// ZeroPadding1D, Cropping1D, UpSampling1D: Keras-generated cases (tools/gen_keras_layers_conv.py) and the
// option and shape errors.
import { beforeAll, describe, expect, it } from "vitest";
import { Cropping1D, Input, Masking, ready, UpSampling1D, ZeroPadding1D } from "../../src/index.js";
import { expectError } from "../helpers/errors.js";
import { describeLayerCases } from "../helpers/layer-cases.js";

beforeAll(async () => {
  await ready();
});

describeLayerCases("layers_conv.json", /^zero_padding1d_/);
describeLayerCases("layers_conv.json", /^cropping1d_/);
describeLayerCases("layers_conv.json", /^up_sampling1d_/);

describe("1-D padding layers: options and shapes", () => {
  it("refuses bad options, naming the layer", () => {
    expectError(() => new ZeroPadding1D({ padding: -1 }), "ZeroPadding1D", "padding", "-1");
    expectError(() => new ZeroPadding1D({ padding: [1, 2, 3] as never }), "ZeroPadding1D", "pair");
    expectError(() => new ZeroPadding1D({ dataFormat: "nhwc" as never }), "ZeroPadding1D", "dataFormat", '"nhwc"');
    expectError(() => new Cropping1D({ cropping: 1.5 }), "Cropping1D", "cropping", "1.5");
    expectError(() => new UpSampling1D({ size: 0 }), "UpSampling1D", "size", "0");
    expectError(() => new UpSampling1D({ factor: 2 } as never), "UpSampling1D", "unknown option", "factor");
  });

  it("refuses inputs they cannot take and computes Keras's shapes", () => {
    expectError(
      () => new Cropping1D({ cropping: [2, 2] }).apply(Input({ shape: [4, 3] })),
      "Cropping1D",
      "more than 4 steps",
    );
    expectError(() => new UpSampling1D().apply(Input({ shape: [4] })), "UpSampling1D", "rank >= 3");
    expectError(() => new ZeroPadding1D().apply(Input({ shape: [4, 2, 2] })), "ZeroPadding1D", "rank 3");
    expect(new ZeroPadding1D({ padding: [1, 3] }).apply(Input({ shape: [null, 2] })).shape).toEqual([null, null, 2]);
    expect(
      new ZeroPadding1D({ padding: 2, dataFormat: "channels_first" }).apply(Input({ shape: [3, 5] })).shape,
    ).toEqual([null, 3, 9]);
    expect(new Cropping1D({ cropping: [0, 2] }).apply(Input({ shape: [6, 2] })).shape).toEqual([null, 4, 2]);
    expect(new UpSampling1D({ size: 3 }).apply(Input({ shape: [4, 2] })).shape).toEqual([null, 12, 2]);
  });

  it("drop an incoming mask, as Keras 3", () => {
    const x = new Masking().apply(Input({ shape: [4, 2] }));
    expect(x.masked).toBe(true);
    for (const l of [new ZeroPadding1D(), new Cropping1D(), new UpSampling1D()]) expect(l.apply(x).masked).toBe(false);
  });
});
