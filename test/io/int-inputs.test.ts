// Inputs as Keras takes them (tools/gen_keras_inputs.py, real Keras): token ids as Int32Array, int32
// tensors, tensors of any integer typed array and nested int arrays into a float32 Input (Keras's
// default dtype before an Embedding), and whole-number floats into an int32 Input: predict, evaluate and
// fit give Keras's numbers (Keras was given the float tokens); fractions into an int input are refused.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadModel, type Model, ready, type Tensor, tensor } from "../../src/index.js";
import { asList, decode, expectClose, loadCases, ROOT } from "../helpers/cases.js";
import { expectError } from "../helpers/errors.js";
import { buildCase, decodeAny } from "../helpers/family.js";
import { describeLayerCases, type LayerFileCase } from "../helpers/layer-cases.js";

beforeAll(() => ready());
describeLayerCases("inputs_cast.json");

const all = loadCases<LayerFileCase>("inputs_cast.json");
const byName = (n: string) => all.cases.find((c) => c.name === n)!;

/** The same values in every form a user may pass: int32 tensors, tensors of other integer arrays, nested ints. */
function forms(t: Tensor): [string, unknown][] {
  const ints = Int32Array.from(t.data);
  const shape = [...t.shape];
  return [
    ["int32 tensor of an Int32Array", tensor(ints, shape, "int32")],
    ["float32 tensor", tensor(Float32Array.from(t.data), shape)],
    ["int32 tensor of a Uint16Array", tensor(Uint16Array.from(t.data), shape, "int32")],
    ["tensor of a Uint8Array", tensor(Uint8Array.from(t.data), shape)],
    ["tensor of a Float64Array", tensor(Float64Array.from(t.data), shape)],
    ["nested int arrays", tensor(ints, shape, "int32").toArray()],
  ];
}

function checkForms(model: Model, c: LayerFileCase, label: string): void {
  const xs = c.inputs.map(decodeAny);
  const variants = forms(xs[0]!);
  for (const [kind, first] of variants) {
    const arg = xs.length === 1 ? first : [first, ...xs.slice(1)];
    const got = asList(model.predict(arg as never));
    c.outputs.forEach((o, i) =>
      expectClose(got[i]!, decode(o), `${label}, tokens as ${kind}: output ${i}`, all.tolerance),
    );
  }
}

const files = (c: LayerFileCase) => Object.entries(c.files!) as [string, string][];

describe("integer tokens into float inputs and whole floats into int inputs (real Keras)", () => {
  for (const c of all.cases) {
    it(`${c.name}: every form of the tokens through the API and each file`, async () => {
      const { model } = buildCase(c.model);
      checkForms(model, c, `${c.name} (API)`);
      model.dispose();
      for (const [kind, path] of files(c)) {
        const loaded = await loadModel(join(ROOT, path));
        checkForms(loaded, c, `${c.name} (${kind})`);
        loaded.dispose();
      }
    });
  }

  it("a dict of inputs keyed by input name, as Keras takes it", async () => {
    const c = byName("inputs_two_inputs");
    const model = await loadModel(join(ROOT, c.files!.keras));
    const xs = c.inputs.map(decodeAny);
    const [a, b] = model.inputs.map((t) => t.sourceLayer.name) as [string, string];
    const got = model.predict({ [b]: xs[1]!, [a]: tensor(Int32Array.from(xs[0]!.data), [...xs[0]!.shape], "int32") });
    expectClose(asList(got)[0]!, decode(c.outputs[0]!), "dict inputs", all.tolerance);
    expectError(() => model.predict({ [a]: xs[0]! }), `keyed by the input names (${a}, ${b})`, `got keys ${a}`);
    model.dispose();
  });

  it("fit and evaluate on Int32Array tokens take Keras's step (trained on float tokens)", async () => {
    const c = byName("inputs_float_embedding_lstm");
    const t = c.train!;
    const x = decodeAny(c.inputs[0]!);
    const ints = tensor(Int32Array.from(x.data), [...x.shape], "int32");
    const y = decodeAny(t.y[0]!);
    const model = await loadModel(join(ROOT, c.files!.keras));
    const before = model.getWeights();
    model.compile({ optimizer: { className: "SGD", config: { learningRate: 1 } }, loss: t.loss });
    const evalLoss = (await model.evaluate(ints, y)) as number;
    expect(Math.abs(evalLoss - t.lossValue)).toBeLessThanOrEqual(1e-5 + 1e-4 * t.lossValue);
    await model.fit(ints.toArray(), y, { epochs: 1, batchSize: 3, shuffle: false, verbose: 0 });
    const after = model.getWeights();
    t.deltas.forEach((d, i) => {
      const got = Float32Array.from(before[i]!.data, (w, j) => w - after[i]!.data[j]!);
      expectClose(tensor(got, [...before[i]!.shape]), decode(d), `w - w' of ${t.weightNames[i]}`, all.tolerance);
    });
    model.dispose();
  });

  it("refuses fractions and out-of-range values into an int input, naming it", async () => {
    const c = byName("inputs_int_embedding_lstm");
    const model = await loadModel(join(ROOT, c.files!.h5));
    const name = model.inputs[0]!.sourceLayer.name;
    expectError(() => model.predict([[1, 2, 3.5, 4, 0]]), `input '${name}' (int32)`, "got 3.5 at flat index 2");
    expectError(
      () => model.predict(tensor([[1, 2, 3, 4, 0.25]])),
      `input '${name}' (int32)`,
      "got 0.25 at flat index 4",
    );
    expectError(
      () => model.predict(tensor(new Float64Array([1, 2, 3, 4, 2 ** 31]), [1, 5])),
      "got 2147483648 at flat index 4",
    );
    expectError(() => model.predict([[1, 2, Number.NaN, 4, 0]]), "got NaN at flat index 2");
    model.dispose();
  });

  it("a bare typed array has no shape: it must be wrapped with tensor(data, shape)", async () => {
    const c = byName("inputs_float_embedding_lstm");
    const model = await loadModel(join(ROOT, c.files!.keras));
    expectError(
      () => model.predict(new Int32Array(6) as never),
      "bare typed array",
      "wrap it with tensor(data, shape)",
    );
    model.dispose();
  });
});
