// The merge and activation layers survive our own saving: each Keras case's model, built through the
// API, saved as .keras and as TF.js files, loaded again, predicts Keras's numbers.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModel, type Model, ready } from "../../src/index.js";
import { asList, decode, expectClose, loadCases } from "../helpers/cases.js";
import { buildCase, decodeAny } from "../helpers/family.js";
import type { LayerFileCase } from "../helpers/layer-cases.js";

const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-merge-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await ready();
});

const all = loadCases<LayerFileCase>("layers_merge.json");
// the explicit Softmax mask is a tensor keyword argument, which the file loader does not take yet
const cases = all.cases.filter((c) => c.files);

function check(model: Model, c: LayerFileCase, label: string): void {
  const xs = c.inputs.map(decodeAny);
  const got = asList(model.predict(xs.length === 1 ? xs[0]! : xs));
  c.outputs.forEach((o, i) => expectClose(got[i]!, decode(o), `${label} output ${i}`, all.tolerance));
}

describe("save and load again", () => {
  it("has cases", () => expect(cases.length).toBeGreaterThan(10));
  for (const c of cases) {
    it(`${c.name}: .keras and TF.js`, async () => {
      const { model } = buildCase(c.model);
      const file = join(dir, `${c.name}.keras`);
      await model.save(file);
      const fromKeras = await loadModel(file);
      check(fromKeras, c, `${c.name} (saved .keras)`);
      if (c.name === "activation_keras3_all") {
        // log_softmax, hard_silu, ...: TF.js layers has no such activations
        await expect(model.save()).rejects.toThrow(/TF\.js layers does not have; save it as \.keras/);
      } else {
        const fromTfjs = await loadModel(await model.save());
        check(fromTfjs, c, `${c.name} (saved TF.js)`);
        fromTfjs.dispose();
      }
      for (const m of [model, fromKeras]) m.dispose();
    });
  }
});
