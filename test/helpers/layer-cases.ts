// Replays the layer cases tools/layer_cases.py writes (test/cases/layers_*.json): each case's model through
// the API (built from its camelCase spec), through its .keras, .h5 and TF.js files, and, when it trains, one
// trainOnBatch with SGD at learning rate 1, whose weight changes w - w' are Keras's gradients (and Keras's
// own update of non-trainable weights such as moving statistics).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type LossName, loadModel, type Model, type Tensor, tensor } from "../../src/index.js";
import { asList, decode, expectClose, loadCases, ROOT } from "./cases.js";
import { buildCase, decodeAny, type Encoded, type ModelSpec } from "./family.js";

export interface LayerTrainCase {
  loss: { name: LossName; fromLogits: boolean };
  y: Encoded[];
  lossValue: number;
  weightNames: string[];
  deltas: Encoded[];
}

export interface LayerFileCase {
  name: string;
  description: string;
  model: ModelSpec;
  inputs: Encoded[];
  outputs: Encoded[];
  files?: { keras: string; h5: string; tfjs: string };
  train?: LayerTrainCase;
}

type Tol = { atol: number; rtol: number };

function checkPredict(model: Model, c: LayerFileCase, label: string, tol: Tol): void {
  const xs = c.inputs.map(decodeAny);
  const got = asList(model.predict(xs.length === 1 ? xs[0]! : xs));
  expect(got.length, `${label}: number of outputs`).toBe(c.outputs.length);
  c.outputs.forEach((o, i) => expectClose(got[i]!, decode(o), `${label} output ${i}`, tol));
}

async function checkTrainStep(model: Model, c: LayerFileCase, t: LayerTrainCase, tol: Tol): Promise<void> {
  const xs = c.inputs.map(decodeAny);
  const ys = t.y.map(decodeAny);
  const before = model.getWeights();
  expect(
    before.map((w) => w.shape),
    `${c.name}: weight shapes in Keras's get_weights() order (${t.weightNames.join(", ")})`,
  ).toEqual(t.deltas.map((d) => d.shape));
  model.compile({ optimizer: { className: "SGD", config: { learningRate: 1 } }, loss: t.loss });
  const loss = await model.trainOnBatch(xs.length === 1 ? xs[0]! : xs, ys.length === 1 ? ys[0]! : ys);
  expect(Math.abs(loss - t.lossValue), `${c.name}: loss ${loss}, Keras ${t.lossValue}`).toBeLessThanOrEqual(
    tol.atol + tol.rtol * Math.abs(t.lossValue),
  );
  const after = model.getWeights();
  t.deltas.forEach((d, i) => {
    const got = Float32Array.from(before[i]!.data, (w, j) => w - after[i]!.data[j]!);
    expectClose(
      tensor(got, [...before[i]!.shape]) as Tensor,
      decode(d),
      `${c.name}: w - w' of ${t.weightNames[i]}`,
      tol,
    );
  });
}

/** Replays the cases of `file` (those whose name matches `only`, when given) under describe(file). */
export function describeLayerCases(file: string, only?: RegExp): void {
  const all = loadCases<LayerFileCase>(file);
  const cases = all.cases.filter((c) => !only || only.test(c.name));
  describe(`${file}${only ? ` ${only}` : ""} (real Keras ${all.keras_version})`, () => {
    it("has cases", () => expect(cases.length).toBeGreaterThan(0));
    for (const c of cases) {
      it(`${c.name}: ${c.description} (API)`, () => {
        const { model } = buildCase(c.model);
        checkPredict(model, c, `${c.name} (API)`, all.tolerance);
        model.dispose();
      });
      if (c.files) {
        for (const [kind, path] of Object.entries(c.files)) {
          it(`${c.name}: ${kind} file`, async () => {
            const model = await loadModel(join(ROOT, path));
            checkPredict(model, c, `${c.name} (${kind})`, all.tolerance);
            model.dispose();
          });
        }
      }
      const t = c.train;
      if (t) {
        it(`${c.name}: one SGD(1) step moves every weight as Keras's (gradients, moving statistics)`, async () => {
          const { model } = buildCase(c.model);
          await checkTrainStep(model, c, t, all.tolerance);
          model.dispose();
        });
      }
    }
  });
}
