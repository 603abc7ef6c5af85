// Attention, AdditiveAttention and MultiHeadAttention in files: our saves (TF.js folder and .keras) load back
// to the same predictions, call options (causal, scores, attention_mask, key) included; and the Keras 2 /
// tf.keras spellings of the same models (Attention's `causal` option, list inbound nodes with the call's
// arguments as kwargs of the first tensor, MultiHeadAttention's query_shape / value_shape / key_shape) load
// to Keras 3's numbers.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Attention,
  Dense,
  Input,
  loadModel,
  Model,
  MultiHeadAttention,
  ready,
  type Tensor,
  tensor,
} from "../../src/index.js";
import { asList, decode, expectClose, loadCases, ROOT } from "../helpers/cases.js";
import { ramp } from "../helpers/errors.js";
import { buildCase, decodeAny } from "../helpers/family.js";
import type { LayerFileCase } from "../helpers/layer-cases.js";

const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-attn-"));
beforeAll(async () => {
  await ready();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const all = loadCases<LayerFileCase>("layers_attention.json");
const byName = (n: string) => all.cases.find((c) => c.name === n)!;

function expectKerasOutputs(got: ReturnType<typeof asList>, c: LayerFileCase, label: string): void {
  expect(got.length, `${label}: outputs`).toBe(c.outputs.length);
  c.outputs.forEach((o, i) => expectClose(got[i]!, decode(o), `${label} output ${i}`, all.tolerance));
}

const predictCase = (m: { predict(x: unknown): unknown }, c: LayerFileCase) => {
  const xs = c.inputs.map(decodeAny);
  return asList(m.predict(xs.length === 1 ? xs[0]! : xs) as never);
};

describe("save round trips", () => {
  const names = [
    "attention_masked_causal_scores",
    "attention_concat_key",
    "attention_luong_seq2seq",
    "additive_noscale_masked_causal",
    "mha_cross_key",
    "mha_attention_mask_scores",
    "mha_masked_lstm",
    "mha_transformer_block",
  ];
  for (const name of names) {
    it(`${name}: a TF.js folder and a .keras load back to Keras's numbers`, async () => {
      const c = byName(name);
      const { model } = buildCase(c.model);
      for (const path of [join(dir, name), join(dir, `${name}.keras`)]) {
        await model.save(path);
        const again = await loadModel(path.endsWith(".keras") ? path : join(path, "model.json"));
        expectKerasOutputs(predictCase(again, c), c, `${name} (${path})`);
        again.dispose();
      }
      model.dispose();
    });
  }
});

type J = Record<string, unknown> & { class_name: string; config: Record<string, unknown>; inbound_nodes: unknown[] };
type KerasTensorJson = { config: { keras_history: [string, number, number] } };
const ref = (t: KerasTensorJson, kw: Record<string, unknown> = {}) => [...t.config.keras_history, kw];

/** The Keras 3 layer config of a TF.js model.json in Keras 2 / tf.keras form. */
function toKeras2(layer: J): J {
  const config: Record<string, unknown> = { ...layer.config, dtype: "float32" };
  const out: J = { class_name: layer.class_name, name: layer.config.name as string, config, inbound_nodes: [] };
  if (layer.class_name === "InputLayer") {
    config.batch_input_shape = config.batch_shape;
    delete config.batch_shape;
    return out;
  }
  out.inbound_nodes = layer.inbound_nodes.map((n) => {
    const { args, kwargs } = n as { args: unknown[]; kwargs: Record<string, unknown> };
    const first = args[0];
    if (layer.class_name === "Attention" || layer.class_name === "AdditiveAttention") {
      // Keras 2.x: the constructor's `causal` (Keras 3: use_causal_mask at the call)
      if (kwargs.use_causal_mask) config.causal = true;
      const kw = kwargs.return_attention_scores ? { return_attention_scores: true } : {};
      return (first as KerasTensorJson[]).map((t) => ref(t, kw));
    }
    if (layer.class_name === "MultiHeadAttention") {
      const bc = (layer.build_config as { shapes_dict: Record<string, unknown> }).shapes_dict;
      Object.assign(config, {
        query_shape: bc.query_shape,
        value_shape: bc.value_shape,
        key_shape: bc.key_shape ?? null,
      });
      const kw: Record<string, unknown> = { value: ref(args[1] as KerasTensorJson).slice(0, 3) };
      if (args[2]) kw.key = ref(args[2] as KerasTensorJson).slice(0, 3);
      for (const [k, v] of Object.entries(kwargs))
        kw[k] = v && typeof v === "object" ? ref(v as KerasTensorJson).slice(0, 3) : v;
      return [ref(first as KerasTensorJson, kw)];
    }
    if (Array.isArray(first)) return (first as KerasTensorJson[]).map((t) => ref(t));
    return [ref(first as KerasTensorJson)];
  });
  return out;
}

describe("Keras 2 / tf.keras configs", () => {
  const names = ["attention_scale_causal_scores", "additive_default", "mha_cross_key", "mha_attention_mask"];
  for (const name of names) {
    it(`${name}: the Keras 2 spelling of the model loads to Keras 3's numbers`, async () => {
      const c = byName(name);
      const src = join(ROOT, c.files!.tfjs);
      const doc = JSON.parse(readFileSync(src, "utf8"));
      const mc = doc.modelTopology.model_config;
      doc.modelTopology = {
        keras_version: "2.15.0",
        backend: "tensorflow",
        model_config: {
          class_name: "Functional",
          config: {
            name: "model",
            layers: mc.config.layers.map(toKeras2),
            input_layers: mc.config.input_layers,
            output_layers: mc.config.output_layers,
          },
        },
      };
      const out = join(dir, `keras2_${name}`);
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, "model.json"), JSON.stringify(doc));
      copyFileSync(join(src, "..", "case-weights.bin"), join(out, "case-weights.bin"));
      const model = await loadModel(join(out, "model.json"));
      expectKerasOutputs(predictCase(model, c), c, `${name} (Keras 2 config)`);
      model.dispose();
    });
  }
});

describe("dropout while training", () => {
  // Keras's dropout draws are its own: the training step is checked for what it must do, not against Keras's
  // numbers: the training forward drops weights (its loss differs from the inference loss), the weights the
  // dropped attention sees still train, and predict stays the inference forward.
  const cases: [string, (rate: number) => { model: Model }][] = [
    [
      "Attention",
      (rate) => {
        const q = Input({ shape: [4, 3] }),
          v = Input({ shape: [6, 3] });
        const a = new Attention({ dropout: rate, useScale: true }).apply([new Dense({ units: 3 }).apply(q), v]);
        return { model: new Model({ inputs: [q, v], outputs: a }) };
      },
    ],
    [
      "MultiHeadAttention",
      (rate) => {
        const q = Input({ shape: [4, 3] }),
          v = Input({ shape: [6, 3] });
        const a = new MultiHeadAttention({ numHeads: 2, keyDim: 2, dropout: rate }).apply(q, v);
        return { model: new Model({ inputs: [q, v], outputs: a }) };
      },
    ],
  ];
  for (const [name, make] of cases) {
    it(`${name}: the training loss differs from the inference loss only with dropout`, async () => {
      const x = [tensor(ramp(2 * 4 * 3), [2, 4, 3]), tensor(ramp(2 * 6 * 3, 0.29), [2, 6, 3])];
      const y = tensor(ramp(2 * 4 * 3, 0.13), [2, 4, 3]);
      for (const rate of [0, 0.5]) {
        const { model } = make(rate);
        model.compile({ optimizer: { className: "SGD", config: { learningRate: 0 } }, loss: "mse" });
        const before = model.predict(x) as Tensor;
        const inference = (await model.evaluate(x, y)) as number;
        const trained = await model.trainOnBatch(x, y);
        if (rate === 0) expect(trained).toBeCloseTo(inference, 6);
        else expect(Math.abs(trained - inference)).toBeGreaterThan(1e-4);
        expect(Array.from((model.predict(x) as Tensor).data)).toEqual(Array.from(before.data));
        model.compile({ optimizer: { className: "SGD", config: { learningRate: 0.1 } }, loss: "mse" });
        const w0 = model.getWeights().map((w) => Array.from(w.data));
        await model.trainOnBatch(x, y);
        const moved = model.getWeights().some((w, i) => w.data.some((v, j) => v !== w0[i]![j]));
        expect(moved, `${name} rate ${rate}: weights moved`).toBe(true);
        model.dispose();
      }
    });
  }
});
