// Whole `fit` runs against Keras: test/cases/train_fit.json (tools/gen_keras_train.py) holds the
// initial weights, data, compile and fit arguments, Keras's History and the weights after fit.
import { beforeAll, describe, expect, it } from "vitest";
import { type LossName, type OptimizerSpecName, ready, type Tensor } from "../../src/index.js";
import { decode, expectClose, loadCases } from "../helpers/cases.js";
import { buildCase, decodeAny, type Encoded, type ModelSpec } from "../helpers/family.js";

interface FitCase {
  name: string;
  description: string;
  model: ModelSpec;
  x: Encoded[];
  y: Encoded[];
  compile: {
    optimizer: Record<string, unknown> & { name: OptimizerSpecName };
    loss: { name: LossName; fromLogits: boolean };
  };
  fit: { epochs: number; batchSize: number; shuffle: false };
  history: number[];
  weightNames: string[];
  weights: Encoded[];
  /** Stateful layers' states after fit, by layer id. */
  states?: Record<string, Encoded[]>;
}

const file = loadCases<FitCase>("train_fit.json");

beforeAll(async () => {
  await ready();
});

describe("fit matches Keras's fit (History and final weights)", () => {
  for (const c of file.cases) {
    it(`${c.name}: ${c.description}`, async () => {
      const { model, layers } = buildCase(c.model);
      const xs = c.x.map(decodeAny);
      const ys = c.y.map(decodeAny);
      const { name, ...config } = c.compile.optimizer;
      model.compile({ optimizer: { className: name, config }, loss: c.compile.loss });
      const history = await model.fit(xs.length === 1 ? xs[0]! : xs, ys.length === 1 ? ys[0]! : ys, c.fit);
      expect(history.epoch).toEqual(c.history.map((_, i) => i));
      history.history.loss.forEach((l, e) => {
        expect(
          Math.abs(l - c.history[e]!),
          `${c.name} epoch ${e}: loss ${l}, Keras ${c.history[e]}`,
        ).toBeLessThanOrEqual(file.tolerance.atol + file.tolerance.rtol * Math.abs(c.history[e]!));
      });
      const after = model.getWeights();
      c.weights.forEach((w, i) =>
        expectClose(after[i]!, decode(w), `${c.name} ${c.weightNames[i]} after fit`, file.tolerance),
      );
      for (const [id, states] of Object.entries(c.states ?? {})) {
        const have = (layers.get(id) as unknown as { getStates(): Tensor[] }).getStates();
        states.forEach((s, i) =>
          expectClose(have[i]!, decode(s), `${c.name} ${id} state ${i} after fit`, file.tolerance),
        );
      }
      model.dispose();
    });
  }
});
