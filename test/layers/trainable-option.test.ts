// `trainable` as a constructor option (Keras's argument) on the layers with weights that take it
// beyond the recurrent layers, Dense, Embedding, the Conv1D family, BatchNormalization and the
// wrappers (test/train/trainable.test.ts checks those against Keras).
import { beforeAll, describe, expect, it } from "vitest";
import {
  AdditiveAttention,
  Attention,
  Conv2D,
  ConvLSTM2D,
  Dense,
  Input,
  type Layer,
  LayerNormalization,
  Model,
  MultiHeadAttention,
  PReLU,
  ready,
  tensor,
} from "../../src/index.js";
import { expectError } from "../helpers/errors.js";

beforeAll(async () => {
  await ready();
});

const MAKERS: [string, (trainable: unknown) => Layer][] = [
  ["Attention", (trainable) => new Attention({ useScale: true, trainable } as never)],
  ["AdditiveAttention", (trainable) => new AdditiveAttention({ trainable } as never)],
  ["MultiHeadAttention", (trainable) => new MultiHeadAttention({ numHeads: 2, keyDim: 2, trainable } as never)],
  ["LayerNormalization", (trainable) => new LayerNormalization({ trainable } as never)],
  ["PReLU", (trainable) => new PReLU({ trainable } as never)],
  ["Conv2D", (trainable) => new Conv2D({ filters: 2, kernelSize: 1, trainable } as never)],
  ["ConvLSTM2D", (trainable) => new ConvLSTM2D({ filters: 2, kernelSize: 1, trainable } as never)],
];

describe("trainable as a constructor option", () => {
  for (const [cls, make] of MAKERS) {
    it(`${cls}: false and true are its flag, anything else is refused naming the layer`, () => {
      expect(make(false).trainable).toBe(false);
      expect(make(true).trainable).toBe(true);
      expect(make(undefined).trainable).toBe(true);
      expectError(() => make("no"), cls, "trainable", "boolean");
    });
  }

  it("fit leaves a layer made with trainable: false as it was and trains the rest", async () => {
    const x = Input({ shape: [3] });
    const norm = new LayerNormalization({ trainable: false });
    const dense = new Dense({ units: 1 });
    const model = new Model({ inputs: x, outputs: dense.apply(norm.apply(x)) });
    model.compile({ optimizer: "sgd", loss: "mse" });
    const normBefore = norm.getWeights().map((w) => Array.from(w.data));
    const denseBefore = dense.getWeights().map((w) => Array.from(w.data));
    const xs = tensor([0.1, 0.5, -0.3, 1, 0.2, 0.4], [2, 3]);
    await model.fit(xs, tensor([0.7, -0.2], [2, 1]), { epochs: 2, batchSize: 2 });
    expect(norm.getWeights().map((w) => Array.from(w.data))).toEqual(normBefore);
    expect(dense.getWeights().map((w) => Array.from(w.data))).not.toEqual(denseBefore);
    model.dispose();
  });
});
