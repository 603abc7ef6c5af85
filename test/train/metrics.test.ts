// compile({ metrics }) against Keras: test/cases/train_metrics.json (tools/gen_keras_metrics.py)
// holds whole fit runs with metrics and validation data, then evaluate(return_dict=True). Every
// History key and value (loss, per-output losses, metrics, val_*), evaluate's dict and the final
// weights are compared.
import { beforeAll, describe, expect, it } from "vitest";
import { type OptimizerSpecName, ready } from "../../src/index.js";
import { decode, expectClose, loadCases } from "../helpers/cases.js";
import { buildCase, decodeAny, type Encoded, type ModelSpec } from "../helpers/family.js";

interface MetricsCase {
  name: string;
  description: string;
  model: ModelSpec;
  x: Encoded[];
  y: Encoded[];
  validation?: { x: Encoded[]; y: Encoded[] };
  compile: { optimizer: Record<string, unknown> & { name: OptimizerSpecName }; loss: unknown; metrics: never };
  fit: { epochs: number; batchSize: number; shuffle: false };
  history: Record<string, number[]>;
  evaluate: Record<string, number>;
  weights: Encoded[];
}

const file = loadCases<MetricsCase>("train_metrics.json");
const one = <T>(a: T[]) => (a.length === 1 ? a[0]! : a);

beforeAll(async () => {
  await ready();
});

describe("metrics match Keras (History, validation, evaluate)", () => {
  for (const c of file.cases) {
    it(`${c.name}: ${c.description.slice(0, 160)}`, async () => {
      const { model } = buildCase(c.model);
      const { name, ...config } = c.compile.optimizer;
      model.compile({
        optimizer: { className: name, config },
        loss: c.compile.loss as never,
        metrics: c.compile.metrics,
      });
      const close = (got: number | undefined, want: number, label: string) => {
        expect(got, `${label}: missing`).toBeDefined();
        expect(Math.abs(got! - want), `${label}: ${got}, Keras ${want}`).toBeLessThanOrEqual(
          file.tolerance.atol + file.tolerance.rtol * Math.abs(want),
        );
      };
      const validationData = c.validation
        ? ([one(c.validation.x.map(decodeAny)), one(c.validation.y.map(decodeAny))] as [never, never])
        : undefined;
      const h = await model.fit(one(c.x.map(decodeAny)), one(c.y.map(decodeAny)), {
        ...c.fit,
        ...(validationData ? { validationData } : {}),
      });
      expect(Object.keys(h.history), "History keys in Keras's order").toEqual(Object.keys(c.history));
      for (const [key, values] of Object.entries(c.history))
        values.forEach((v, e) => close(h.history[key]![e], v, `${c.name} ${key} epoch ${e}`));
      const ev = await model.evaluate(one(c.x.map(decodeAny)), one(c.y.map(decodeAny)), {
        batchSize: c.fit.batchSize,
        returnDict: true,
      });
      expect(Object.keys(ev), "evaluate keys in Keras's order").toEqual(Object.keys(c.evaluate));
      for (const [key, v] of Object.entries(c.evaluate)) close(ev[key], v, `${c.name} evaluate ${key}`);
      const after = model.getWeights();
      c.weights.forEach((w, i) => expectClose(after[i]!, decode(w), `${c.name} weight ${i} after fit`, file.tolerance));
      model.dispose();
    });
  }

  it("names the problem: unknown metric, a flat list of the wrong length for several outputs", async () => {
    const c = file.cases.find((k) => k.name === "two_outputs_metrics")!;
    const { model } = buildCase(c.model);
    const x = one(c.x.map(decodeAny)),
      y = one(c.y.map(decodeAny));
    model.compile({ optimizer: "adam", loss: c.compile.loss as never, metrics: ["mae"] });
    await expect(model.trainOnBatch(x, y)).rejects.toThrow(
      /expected metrics for 2 outputs as one name per output.*got a flat list of 1/,
    );
    // an unknown name is refused by compile itself (issue 12), before any training
    expect(() =>
      model.compile({ optimizer: "adam", loss: c.compile.loss as never, metrics: [["accuracy"], ["f1" as never]] }),
    ).toThrow(/unknown metric "f1"/);
    model.dispose();
  });
});
