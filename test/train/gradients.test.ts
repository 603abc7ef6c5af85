// Backpropagation against Keras: for each case of test/cases/train_gradients.json (tools/
// gen_keras_train.py), one trainOnBatch with SGD at learning rate 1 moves every weight by exactly
// its gradient (w' = w - g), so the gradient is read back as w - w' through getWeights, in Keras's
// layout, and compared with tf.GradientTape's. The batch's loss is compared too.
import { beforeAll, describe, expect, it } from "vitest";
import { ready, type Tensor, tensor } from "../../src/index.js";
import { decode, expectClose, loadCases } from "../helpers/cases.js";
import { buildCase, decodeAny, type Encoded, type ModelSpec } from "../helpers/family.js";

interface GradientCase {
  name: string;
  description: string;
  model: ModelSpec;
  loss: { name: string; fromLogits: boolean };
  x: Encoded[];
  y: Encoded[];
  outputs: Encoded[];
  lossValue: number;
  weightNames: string[];
  gradients: Encoded[];
}

const file = loadCases<GradientCase>("train_gradients.json");

beforeAll(async () => {
  await ready();
});

describe("training gradients match Keras (tf.GradientTape)", () => {
  for (const c of file.cases) {
    it(`${c.name}: ${c.description}`, async () => {
      const { model } = buildCase(c.model);
      const xs = c.x.map(decodeAny);
      const ys = c.y.map(decodeAny);
      // the forward the gradients are taken at
      const outs = model.predict(xs.length === 1 ? xs[0]! : xs);
      (Array.isArray(outs) ? outs : [outs]).forEach((o, i) =>
        expectClose(o, decode(c.outputs[i]!), `${c.name} output ${i}`, file.tolerance),
      );
      const before = model.getWeights();
      expect(
        before.map((w) => w.shape),
        `${c.name}: weight shapes in Keras order`,
      ).toEqual(c.gradients.map((g) => g.shape));
      model.compile({ optimizer: { className: "SGD", config: { learningRate: 1 } }, loss: c.loss });
      const loss = await model.trainOnBatch(xs.length === 1 ? xs[0]! : xs, ys.length === 1 ? ys[0]! : ys);
      expect(Math.abs(loss - c.lossValue), `${c.name}: loss ${loss}, Keras ${c.lossValue}`).toBeLessThanOrEqual(
        file.tolerance.atol + file.tolerance.rtol * Math.abs(c.lossValue),
      );
      const after = model.getWeights();
      c.gradients.forEach((g, i) => {
        const got = Float32Array.from(before[i]!.data, (w, j) => w - after[i]!.data[j]!);
        expectClose(
          tensor(got, before[i]!.shape as number[]) as Tensor,
          decode(g),
          `${c.name} gradient of ${c.weightNames[i]}`,
          file.tolerance,
        );
      });
      model.dispose();
    });
  }
});
