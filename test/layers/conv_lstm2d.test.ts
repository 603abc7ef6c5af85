// ConvLSTM2D against real Keras 3 (test/cases/layers_td.json, tools/gen_keras_layers_td.py): padding, strides,
// dilation, returnSequences, returnState, goBackwards, unitForgetBias, useBias, batch 1, through the API and the
// .keras, .h5 and TF.js files, one SGD step (gradients through time and both convolutions); its refusals.
import { beforeAll, describe, expect, it } from "vitest";
import { ConvLSTM2D, Input, Model, ready, tensor } from "../../src/index.js";
import { expectError, ramp } from "../helpers/errors.js";
import { describeLayerCases } from "../helpers/layer-cases.js";

beforeAll(async () => {
  await ready();
});

describeLayerCases("layers_td.json", /^convlstm2d_/);

describe("ConvLSTM2D", () => {
  it("refuses bad options and shapes, naming the layer", () => {
    expectError(() => new ConvLSTM2D({ filters: 0, kernelSize: 3 }), "ConvLSTM2D", "filters");
    expectError(() => new ConvLSTM2D({ filters: 2 } as never), "ConvLSTM2D", "kernelSize");
    expectError(
      () => new ConvLSTM2D({ filters: 2, kernelSize: 3, padding: "causal" as never }),
      "ConvLSTM2D",
      "padding",
    );
    expectError(
      () => new ConvLSTM2D({ filters: 2, kernelSize: 3, activation: "softmax" as never }),
      "ConvLSTM2D",
      "activation",
    );
    expectError(
      () => new ConvLSTM2D({ filters: 2, kernelSize: 3, recurrentActivation: "log_softmax" as never }),
      "ConvLSTM2D",
      "recurrentActivation",
    );
    expectError(
      () => new ConvLSTM2D({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 }),
      "ConvLSTM2D",
      "strides",
    );
    expectError(() => new ConvLSTM2D({ filters: 2, kernelSize: 3, stateful: true } as never), "ConvLSTM2D", "stateful");
    const l = new ConvLSTM2D({ filters: 2, kernelSize: 3, name: "cl" });
    expectError(() => l.apply(Input({ shape: [3, 5, 5] })), "ConvLSTM2D 'cl'", "rank");
    expectError(() => l.apply(Input({ shape: [3, 2, 5, 1] })), "ConvLSTM2D 'cl'", "at least as large as the kernel");
  });

  it("shapes: the last output or the sequence, and h and c with returnState; weights in Keras order", () => {
    const x = Input({ shape: [null, 6, 5, 2] });
    const seq = new ConvLSTM2D({ filters: 3, kernelSize: 3, padding: "same", returnSequences: true });
    expect((seq.apply(x) as { shape: unknown }).shape).toEqual([null, null, 6, 5, 3]);
    expect(seq.getWeights().map((w) => w.shape)).toEqual([[3, 3, 2, 12], [3, 3, 3, 12], [12]]);
    const st = new ConvLSTM2D({ filters: 4, kernelSize: 2, returnState: true }).apply(x) as { shape: unknown }[];
    expect(st.map((t) => t.shape)).toEqual([
      [null, 5, 4, 4],
      [null, 5, 4, 4],
      [null, 5, 4, 4],
    ]);
    // unitForgetBias: the forget gate's bias starts at one
    const b = seq.getWeights()[2]!.data;
    expect([...b]).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  });

  it("runs eagerly on a 5-D tensor", () => {
    const l = new ConvLSTM2D({ filters: 2, kernelSize: 2, name: "cl2" });
    const y = l.apply(tensor(ramp(2 * 3 * 4 * 4 * 1), [2, 3, 4, 4, 1])) as unknown as { shape: number[] };
    expect(y.shape).toEqual([2, 3, 3, 2]);
  });

  it("fit refuses dropout / recurrentDropout (inference ignores them), naming the layer", async () => {
    const x = Input({ shape: [3, 4, 4, 1] });
    const l = new ConvLSTM2D({ filters: 2, kernelSize: 2, dropout: 0.2, name: "cld" });
    const m = new Model({ inputs: x, outputs: l.apply(x) as never });
    m.compile({ optimizer: "sgd", loss: "mse" });
    const xs = tensor(ramp(2 * 3 * 4 * 4), [2, 3, 4, 4, 1]);
    await expect(m.trainOnBatch(xs, tensor(new Float32Array(2 * 3 * 3 * 2), [2, 3, 3, 2]))).rejects.toThrow(
      /ConvLSTM2D 'cld' with dropout 0.2/,
    );
  });
});
