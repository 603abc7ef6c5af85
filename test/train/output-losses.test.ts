// Outputs without a loss and weighted losses (src/train/output-losses.ts) against real Keras 3 fits:
// test/cases/train_output_losses.json (tools/gen_keras_output_losses.py) holds each model's initial
// weights, data, compile arguments (loss lists with null, dicts by output name, lossWeights, metrics by
// output), Keras's whole History, the weights after fit and the predictions after fit.
import { beforeAll, describe, expect, it } from "vitest";
import {
  type CompileArgs,
  Input,
  LSTM,
  Model,
  type OptimizerSpecName,
  ready,
  type Tensor,
  tensor,
} from "../../src/index.js";
import { asList, decode, expectClose, loadCases } from "../helpers/cases.js";
import { buildCase, decodeAny, type Encoded, type ModelSpec } from "../helpers/family.js";

interface OutputLossCase {
  name: string;
  description: string;
  model: ModelSpec;
  x: Encoded[];
  y: Encoded[];
  compile: {
    optimizerConfig: Record<string, unknown> & { name: string };
    loss: CompileArgs["loss"];
    lossWeights?: CompileArgs["lossWeights"];
    metrics?: CompileArgs["metrics"];
  };
  fit: { epochs: number; batchSize: number; shuffle: false };
  history: Record<string, number[]>;
  weightNames: string[];
  weights: Encoded[];
  predictions: Encoded[];
}

const file = loadCases<OutputLossCase>("train_output_losses.json");
const OPTIMIZERS: Record<string, OptimizerSpecName> = { adam: "Adam", sgd: "SGD", rmsprop: "RMSprop" };

beforeAll(async () => {
  await ready();
});

/** y as the case's model takes it: the list with null for outputs without a loss, or by output name. */
function targets(c: OutputLossCase, ys: Tensor[], form: "list" | "only" | "dict"): unknown {
  const loss = c.compile.loss;
  if (!Array.isArray(loss)) {
    if (form !== "dict") return ys;
    const names = Object.keys(loss);
    return Object.fromEntries(names.map((k, i) => [k, ys[i]]));
  }
  if (form === "only") return ys.length === 1 ? ys[0] : ys;
  return loss.map((l) => (l === null ? null : ys.shift()));
}

describe("fit with outputs without a loss and with loss weights matches Keras", () => {
  it("has the cases", () => expect(file.cases.map((c) => c.name)).toContain("tutorial_states"));
  for (const c of file.cases) {
    for (const form of ["list", "only", "dict"] as const) {
      if (form === "dict" && Array.isArray(c.compile.loss)) continue;
      if (form === "only" && !Array.isArray(c.compile.loss)) continue;
      it(`${c.name}: ${c.description} (y ${form === "list" ? "per output" : form === "only" ? "for the lossy outputs only" : "by output name"})`, async () => {
        const { model } = buildCase(c.model);
        const xs = c.x.map(decodeAny);
        const { name, ...config } = c.compile.optimizerConfig;
        model.compile({
          optimizer: { className: OPTIMIZERS[name]!, config },
          loss: c.compile.loss,
          ...(c.compile.lossWeights ? { lossWeights: c.compile.lossWeights } : {}),
          ...(c.compile.metrics ? { metrics: c.compile.metrics } : {}),
        });
        const y = targets(c, c.y.map(decodeAny), form);
        const history = await model.fit(xs.length === 1 ? xs[0]! : xs, y as Tensor[], { ...c.fit, verbose: 0 });
        expect(Object.keys(history.history).sort(), `${c.name}: History keys`).toEqual(Object.keys(c.history).sort());
        for (const [k, want] of Object.entries(c.history)) {
          want.forEach((w, e) =>
            expect(
              Math.abs(history.history[k]![e]! - w),
              `${c.name} ${k} epoch ${e}: ${history.history[k]![e]}, Keras ${w}`,
            ).toBeLessThanOrEqual(file.tolerance.atol + file.tolerance.rtol * Math.abs(w)),
          );
        }
        const after = model.getWeights();
        c.weights.forEach((w, i) =>
          expectClose(after[i]!, decode(w), `${c.name} ${c.weightNames[i]} after fit`, file.tolerance),
        );
        const preds = asList(model.predict(xs.length === 1 ? xs[0]! : xs));
        c.predictions.forEach((p, i) => expectClose(preds[i]!, decode(p), `${c.name} prediction ${i}`, file.tolerance));
        model.dispose();
      });
    }
  }
});

describe("what compile and fit refuse", () => {
  const tutorial = () => {
    const x = Input({ shape: [4, 2] });
    const [y, h, c] = new LSTM({ units: 3, returnState: true, name: "lstm" }).apply(x);
    return new Model({ name: "tutorial", inputs: x, outputs: [y, h, c] });
  };
  const X = tensor(new Float32Array(16), [2, 4, 2]);
  const Y = tensor(new Float32Array(6), [2, 3]);

  it("no loss at all, a dict naming an output the model lacks, bad weights, a metric on an output without a loss", () => {
    const m = tutorial();
    expect(() => m.compile({ optimizer: "sgd", loss: [null, null, null] })).toThrow(
      /Model 'tutorial': compile: expected a loss for at least one output/,
    );
    expect(() => m.compile({ optimizer: "sgd", loss: { lstm_2: "mse" } })).toThrow(
      /compile: loss names output 'lstm_2', which the model does not have; its outputs are 'lstm', 'lstm', 'lstm'/,
    );
    expect(() => m.compile({ optimizer: "sgd", loss: ["mse", null, null], lossWeights: [1, 2] })).toThrow(
      /expected lossWeights as 3 numbers \(one per output\), got a list of 2/,
    );
    expect(() => m.compile({ optimizer: "sgd", loss: ["mse", null, null], lossWeights: [1, Number.NaN, 1] })).toThrow(
      /expected lossWeights\[1\] to be a finite number, got NaN/,
    );
    m.dispose();
  });

  it("fit asks for the targets of the outputs with a loss, naming them", async () => {
    const m = tutorial();
    m.compile({ optimizer: "sgd", loss: ["mse", null, null], metrics: [["mae"], [], []] });
    await expect(m.fit(X, [null, Y, null] as never, { verbose: 0 })).rejects.toThrow(
      /expected targets for output 0 \('lstm'\), which has a loss, got null/,
    );
    const h = await m.fit(X, Y, { verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(["loss", "lstm_mae"].sort());
    m.compile({ optimizer: "sgd", loss: ["mse", null, null], metrics: [[], ["mae"], []] });
    await expect(m.fit(X, Y, { verbose: 0 })).rejects.toThrow(
      /metric .*mae is for output 1 \('lstm'\), which has no loss/,
    );
    m.dispose();
  });
});
