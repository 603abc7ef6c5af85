// Backpropagation against Keras: for each case of test/cases/train_gradients.json (tools/
// gen_keras_train.py), one trainOnBatch with SGD at learning rate 1 moves every weight by exactly
// its gradient (w' = w - g), so the gradient is read back as w - w' through getWeights, in Keras's
// layout, and compared with tf.GradientTape's. The batch's loss is compared too. The cases are split
// by the layer they train among test/train/gradients/*.test.ts.
import { describe, expect, it } from "vitest";
import { type LossName, type Tensor, tensor } from "../../src/index.js";
import { decode, expectClose, loadCases, partOfCases } from "./cases.js";
import { buildCase, decodeAny, type Encoded, type ModelSpec } from "./family.js";

export interface GradientCase {
  name: string;
  description: string;
  model: ModelSpec;
  loss: { name: LossName; fromLogits: boolean };
  x: Encoded[];
  y: Encoded[];
  outputs: Encoded[];
  lossValue: number;
  weightNames: string[];
  gradients: Encoded[];
}

/** Which test file of test/train/gradients/ replays which case (the first pattern that matches). */
const PARTS: [part: string, name: RegExp][] = [
  ["bidirectional", /^bidirectional_/],
  ["masking", /^(embedding_mask_zero|masking_layer)_/],
  ["gru", /^gru_/],
  ["simple_rnn", /^simple_rnn_/],
  ["dense", /^(dense_|timedistributed_|activation_layer_)/],
  ["lstm", /./],
];

/** Replays one part's gradient cases: the forward, the weight layout, the loss and every gradient. */
export function describeGradients(part: string): void {
  const file = loadCases<GradientCase>("train_gradients.json");
  const cases = partOfCases("train_gradients.json", file.cases, PARTS, part);
  describe("training gradients match Keras (tf.GradientTape)", () => {
    for (const c of cases) {
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
}
