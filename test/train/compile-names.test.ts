// compile() takes what TF.js users write: TF.js's loss and metric spellings and optimizer objects
// (new Adam({ learningRate }), as tf.train.adam(0.01)); each trains exactly as its Keras spelling.
import { beforeAll, describe, expect, it } from "vitest";
import {
  Adam,
  Dense,
  Input,
  type LossName,
  type MetricName,
  Model,
  type OptimizerSpec,
  ready,
  SGD,
  setRandomSeed,
  tensor,
} from "../../src/index.js";

beforeAll(async () => {
  await ready();
});

const x = tensor(
  Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)),
  [8, 3],
);
const oneHot = tensor(
  Float32Array.from({ length: 16 }, (_, i) => (i % 2 === Math.floor(i / 2) % 2 ? 1 : 0)),
  [8, 2],
);

async function history(optimizer: OptimizerSpec, loss: LossName, metric: MetricName) {
  setRandomSeed(5);
  const input = Input({ shape: [3] });
  const model = new Model({ inputs: input, outputs: new Dense({ units: 2, activation: "softmax" }).apply(input) });
  model.compile({ optimizer, loss, metrics: [metric] });
  const h = await model.fit(x, oneHot, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
  model.dispose();
  return h.history;
}

describe("compile: TF.js spellings and optimizer objects", () => {
  it("categoricalCrossentropy / categoricalAccuracy / new Adam({ learningRate }) train as their Keras names", async () => {
    const keras = await history(
      { className: "Adam", config: { learningRate: 0.05 } },
      "categorical_crossentropy",
      "categorical_accuracy",
    );
    const tfjs = await history(new Adam({ learningRate: 0.05 }), "categoricalCrossentropy", "categoricalAccuracy");
    expect(tfjs.loss).toEqual(keras.loss);
    expect(tfjs.categoricalAccuracy).toEqual(keras.categorical_accuracy);
    expect(keras.loss!.at(-1)!).toBeLessThan(keras.loss![0]!);
  });

  it("meanSquaredError / meanAbsoluteError and an SGD object", async () => {
    const keras = await history({ className: "SGD", config: { learningRate: 0.1 } }, "mse", "mae");
    const tfjs = await history(new SGD({ learningRate: 0.1 }), "meanSquaredError", "meanAbsoluteError");
    expect(tfjs.loss).toEqual(keras.loss);
    expect(tfjs.meanAbsoluteError).toEqual(keras.mae);
  });

  it("names what is wrong at compile, naming the model", () => {
    const input = Input({ shape: [3] });
    const model = new Model({ name: "m", inputs: input, outputs: new Dense({ units: 1 }).apply(input) });
    expect(() => model.compile({ optimizer: "adamm" as never, loss: "mse" })).toThrow(/Model 'm'.*optimizer.*"adamm"/);
    expect(() => model.compile({ optimizer: "adam", loss: "meanSquaredErr" as never })).toThrow(
      /Model 'm'.*unknown loss "meanSquaredErr"/,
    );
    expect(() => model.compile({ optimizer: "adam", loss: "mse", metrics: ["acuracy" as never] })).toThrow(
      /Model 'm'.*unknown metric "acuracy"/,
    );
    model.dispose();
  });
});
