// Conv1D, SeparableConv1D, DepthwiseConv1D: Keras-generated cases (tools/gen_keras_layers_conv.py) through
// the API, the .keras / .h5 / TF.js files and one SGD(1) step; the option, shape and file errors.
import { beforeAll, describe, expect, it } from "vitest";
import {
  Conv1D,
  DepthwiseConv1D,
  Input,
  loadModel,
  Masking,
  Model,
  ready,
  SeparableConv1D,
  saveModel,
  type Tensor,
  tensor,
} from "../../src/index.js";
import { expectError, ramp } from "../helpers/errors.js";
import { describeLayerCases } from "../helpers/layer-cases.js";

beforeAll(async () => {
  await ready();
});

describeLayerCases("layers_conv.json", /^(conv1d_|conv_stack)/);
describeLayerCases("layers_conv.json", /^separable_conv1d_/);
describeLayerCases("layers_conv.json", /^depthwise_conv1d_/);

describe("Conv1D options and shapes", () => {
  it("refuses bad options, naming the layer, the option and what came", () => {
    expectError(() => new Conv1D({ kernelSize: 3 } as never), "Conv1D", "filters", "undefined");
    expectError(() => new Conv1D({ filters: 0, kernelSize: 3 }), "Conv1D", "filters", "0");
    expectError(() => new Conv1D({ filters: 2, kernelSize: 0 }), "kernelSize", "0");
    expectError(() => new Conv1D({ filters: 2, kernelSize: [2, 2] }), "kernelSize", "list of one");
    expectError(() => new Conv1D({ filters: 2, kernelSize: 3, padding: "full" as never }), "padding", '"full"');
    expectError(
      () => new Conv1D({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 }),
      "strides=2, dilationRate=2",
    );
    expectError(
      () => new Conv1D({ filters: 2, kernelSize: 3, dataFormat: "channels_first" }),
      "channels_last",
      "channels_first",
    );
    expectError(
      () => new Conv1D({ filters: 3, kernelSize: 3, groups: 2 }),
      "filters divisible by groups",
      "filters=3, groups=2",
    );
    expectError(() => new Conv1D({ filters: 3, kernelSize: 3, activation: "celu" as never }), "activation", '"celu"');
    expectError(
      () => new Conv1D({ filters: 3, kernelSize: 3, kernelRegularizer: "l2" } as never),
      "unknown option",
      "kernelRegularizer",
    );
    expectError(
      () => new DepthwiseConv1D({ kernelSize: 3, depthMultiplier: 0 }),
      "DepthwiseConv1D",
      "depthMultiplier",
      "0",
    );
    expectError(() => new SeparableConv1D({ kernelSize: 3 } as never), "SeparableConv1D", "filters");
  });

  it("refuses inputs it cannot take: rank, groups, too few steps", () => {
    expectError(() => new Conv1D({ filters: 2, kernelSize: 3 }).apply(Input({ shape: [4] })), "rank >= 3", "[null, 4]");
    expectError(
      () => new Conv1D({ filters: 4, kernelSize: 1, groups: 2 }).apply(Input({ shape: [5, 3] })),
      "divisible by groups=2",
      "3 channels",
    );
    expectError(
      () => new Conv1D({ filters: 2, kernelSize: 3, dilationRate: 2 }).apply(Input({ shape: [4, 2] })),
      "at least 5 steps",
      "got 4",
    );
    const x = Input({ shape: [null, 2] });
    const m = new Model({ inputs: x, outputs: new Conv1D({ filters: 2, kernelSize: 3 }).apply(x) });
    expectError(() => m.predict(tensor(new Float32Array(4), [1, 2, 2])), "at least 3 steps", "got 2");
    expect((m.predict(tensor(new Float32Array(6), [1, 3, 2])) as Tensor).shape).toEqual([1, 1, 2]);
    m.dispose();
  });

  it("drops an incoming mask, as Keras 3 (Conv1D does not support masking)", () => {
    const x = new Masking().apply(Input({ shape: [5, 2] }));
    expect(x.masked).toBe(true);
    const y = new Conv1D({ filters: 2, kernelSize: 2, padding: "same" }).apply(x);
    expect(y.masked).toBe(false);
  });

  it("refuses a file's channels_first and unknown padding, naming the file and the layer", async () => {
    const x = Input({ shape: [6, 2] });
    const m = new Model({ inputs: x, outputs: new Conv1D({ filters: 3, kernelSize: 2, name: "c1" }).apply(x) });
    const art = await saveModel(m);
    const patched = (key: string, v: string) => {
      const mj = JSON.parse(JSON.stringify(art.modelJson));
      const layer = mj.modelTopology.config.layers.find((l: { name: string }) => l.name === "c1");
      layer.config[key] = v;
      return { modelJson: mj, weightData: art.weightData };
    };
    await expect(loadModel(patched("data_format", "channels_first"))).rejects.toThrow(/c1.*channels_first/);
    await expect(loadModel(patched("padding", "full"))).rejects.toThrow(/c1.*padding.*full/);
    await expect(loadModel(patched("activation", "celu"))).rejects.toThrow(/c1.*activation.*celu/);
    m.dispose();
  });

  it("reads Keras 2 int options and Keras 1 names (Convolution1D: nb_filter, filter_length, subsample_length, border_mode)", async () => {
    const x = Input({ shape: [7, 2] });
    const c = new Conv1D({ filters: 3, kernelSize: 3, strides: 2, padding: "same", name: "c1" });
    const m = new Model({ inputs: x, outputs: c.apply(x) });
    const input = tensor(
      Float32Array.from({ length: 14 }, (_, i) => Math.sin(i)),
      [1, 7, 2],
    );
    const want = m.predict(input);
    const art = await saveModel(m);
    const mj = JSON.parse(JSON.stringify(art.modelJson));
    const layer = mj.modelTopology.config.layers.find((l: { name: string }) => l.name === "c1");
    layer.class_name = "Convolution1D";
    const { activation, name, trainable } = layer.config;
    layer.config = {
      name,
      trainable,
      activation,
      nb_filter: 3,
      filter_length: 3,
      subsample_length: 2,
      border_mode: "same",
      bias: true,
    };
    const legacy = await loadModel({ modelJson: mj, weightData: art.weightData });
    expect([...(legacy.predict(input) as Tensor).data]).toEqual([...(want as Tensor).data]);
    legacy.dispose();
    m.dispose();
  });

  it("keeps a grouped kernel's across-group zeros while training: the trained model equals one rebuilt from getWeights", async () => {
    const makes = [
      () => new Conv1D({ filters: 6, kernelSize: 3, groups: 3, padding: "same", activation: "tanh", name: "g" }),
      () => new SeparableConv1D({ filters: 4, kernelSize: 2, depthMultiplier: 2, name: "g" }),
      () => new DepthwiseConv1D({ kernelSize: 3, strides: 2, depthMultiplier: 2, name: "g" }),
    ];
    for (const make of makes) {
      const build = () => {
        const x = Input({ shape: [7, 6] });
        return new Model({ inputs: x, outputs: make().apply(x) });
      };
      const m = build();
      const xs = tensor(ramp(2 * 7 * 6), [2, 7, 6]);
      const out = (m.predict(xs) as Tensor).shape;
      const ys = tensor(
        ramp(
          out.reduce((a, b) => a * b, 1),
          0.9,
        ),
        [...out],
      );
      m.compile({ optimizer: { className: "Adam", config: { learningRate: 0.1 } }, loss: "mse" });
      const before = (m.predict(xs) as Tensor).data.slice();
      await m.fit(xs, ys, { epochs: 3, batchSize: 2, shuffle: false });
      const trained = (m.predict(xs) as Tensor).data;
      expect(trained, "training changed the outputs").not.toEqual(before);
      const copy = build();
      copy.setWeights(m.getWeights());
      expect([...(copy.predict(xs) as Tensor).data]).toEqual([...trained]);
      m.dispose();
      copy.dispose();
    }
  });
});
