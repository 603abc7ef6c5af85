// The zoo of tools/gen_keras_zoo.py: small models written as real Keras 3 users write them (every
// optimizer, loss and metric objects, schedules, mixed precision, regularizers, constraints,
// initializers, Keras 2 style Sequential, deferred builds, dict inputs and outputs, shared layers,
// preprocessing layers), trained 2 epochs and saved by Keras as .keras, legacy .h5 and
// .weights.h5 + model.to_json(). Every form must load and predict as Keras did, or, for what
// wasm-rnn cannot run, fail with a WasmRnnError naming the layer.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadModel, type Model, ready, type Tensor, WasmRnnError } from "../../src/index.js";
import { ROOT } from "../helpers/cases.js";
import { checkGolden, type Golden, goldenTensor } from "../helpers/golden.js";

const DIR = join(ROOT, "test", "models", "zoo");
interface ZooGolden extends Golden {
  model_name: string;
  policy: string;
  compiled: boolean;
  optimizer: string | null;
  iterations: number | null;
  layers: string[];
  files: { keras?: string; h5?: string; weights_h5?: string; config?: string };
}
const names = (JSON.parse(readFileSync(join(DIR, "index.json"), "utf8")) as { models: string[] }).models;

/** Models wasm-rnn refuses, with what the error must name (the layer's class and name, what is missing). */
const UNSUPPORTED: Record<string, (string | RegExp)[]> = {
  category_encoding: [/unsupported layers: CategoryEncoding \(category_encoding_1\)/],
  text_vectorization: [/unsupported layers: TextVectorization \(text_vectorization_1\)/],
  string_lookup: [/unsupported layers: StringLookup \(string_lookup_1\)/],
  integer_lookup: [/unsupported layers: IntegerLookup \(integer_lookup_1\)/],
  // Keras ops on symbolic tensors: named as ops where the file says so (.keras, configs), else by class
  ops_getitem_last_step: [/GetItem \(get_item_1\)/, /the Keras op GetItem|has class 'GetItem'/],
  ops_arithmetic: [
    /'multiply_1' node 0: extra positional argument 0.5 is not supported \(a Keras op such as x \* 0.5\?\)/,
  ],
  ops_add_masked: [/layer 'add_1': the Keras op Add on masked tensors is not supported/],
  ops_reduce: [/Mean \(mean_1\)/, /the Keras op Mean|has class 'Mean'/],
  ops_expand_concat: [/ExpandDims \(expand_dims_1\)/, /the Keras op ExpandDims|has class 'ExpandDims'/],
  bidirectional_backward_layer: [/layer 'bidirectional_1' \(Bidirectional\): backward_layer=/, /is not supported/],
  conv_lstm1d: [/unsupported layers: ConvLSTM1D \(conv_lstm1d_1\)/],
  dense_celu: [/layer 'd_celu' \(Dense\)/, /got "celu" \(an activation wasm-rnn does not compute\)/],
};

const FORMS: [keyof ZooGolden["files"], string, (g: ZooGolden) => Promise<Model>][] = [
  ["keras", ".keras", (g) => loadModel(join(DIR, g.files.keras!))],
  ["h5", ".h5 (Keras 3 legacy writer)", (g) => loadModel(join(DIR, g.files.h5!))],
  [
    "config",
    "model.to_json() + .weights.h5",
    (g) => loadModel(join(DIR, g.files.config!), { weights: join(DIR, g.files.weights_h5!) }),
  ],
];

beforeAll(async () => {
  await ready();
});

describe("the Keras 3 zoo from tools/gen_keras_zoo.py", () => {
  it("lists its models, each written in every form", () => {
    expect(names.length).toBeGreaterThanOrEqual(40);
  });
  for (const name of names) {
    const g = JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8")) as ZooGolden;
    const refusal = UNSUPPORTED[name];
    for (const [form, label, load] of FORMS) {
      if (!g.files[form]) continue;
      if (refusal) {
        it(`${name}${label.startsWith(".") ? "" : " "}${label}: refused, naming the layer`, async () => {
          const err = await load(g).then(
            () => null,
            (e: unknown) => e,
          );
          expect(err, "expected a refusal").toBeInstanceOf(WasmRnnError);
          expect((err as Error).message, "names the file").toContain(`${name}.`);
          for (const p of refusal) expect((err as Error).message).toMatch(p);
        });
        continue;
      }
      it(`${name}${label.startsWith(".") ? "" : " "}${label}`, async () => {
        const model = await load(g);
        try {
          checkGolden(model, g, `${name}${label.startsWith(".") ? "" : " "}${label}`);
          if (form !== "config") expect(model.compileArgs !== null, "compiled from the file").toBe(g.compiled);
          // a .keras file's optimizer state, restored where wasm-rnn trains with its optimizer
          if (form === "keras" && model.optimizer) expect(model.optimizer.iterations, "iterations").toBe(g.iterations);
        } finally {
          model.dispose();
        }
      });
    }
  }
  it("custom_loss_fn.keras (a registered Python loss) loads for inference; fit then names the loss it cannot train with", async () => {
    const g = JSON.parse(readFileSync(join(DIR, "custom_loss_fn.json"), "utf8")) as ZooGolden;
    const model = await loadModel(join(DIR, "custom_loss_fn.keras"));
    try {
      checkGolden(model, g, "custom_loss_fn.keras");
      const x = goldenTensor(g.inputs[0]!);
      await expect(model.fit(x, model.predict(x) as Tensor)).rejects.toThrow(/zoo>zoo_loss/);
    } finally {
      model.dispose();
    }
  });
});
