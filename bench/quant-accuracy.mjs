// Accuracy of the opt-in weight formats against Keras's float32 outputs: int8 (model.quantize("int8"))
// and float16 (weights rounded as a { weightsDtype: "float16" } file stores them), on the project's Keras cases
// (test/cases/*.json, written by real Keras) and on the real models of ../shared/fixtures (their
// goldens come from real Keras). Prints a table per case group: cases, outputs compared, max and
// mean |got - Keras|, and the largest |Keras| output (the scale the errors compare to); float32 is
// printed too, as the baseline the tests hold to 1e-5 + 1e-4 |want|.
//
//   npm run build && node bench/quant-accuracy.mjs [--json=FILE]
//   node --experimental-wasm-relaxed-simd bench/quant-accuracy.mjs    (same int8 numbers: exact integer sums)
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as lib from "../dist/index.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CASES = path.join(HERE, "..", "test", "cases");
const FIXTURES = path.join(HERE, "..", "..", "shared", "fixtures");
await lib.ready();

const read = (file) => JSON.parse(readFileSync(file, "utf8"));
const decode = (a) => {
  const bytes = Buffer.from(a.b64, "base64");
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return a.dtype === "int32"
    ? lib.tensor(new Int32Array(buf), a.shape, "int32")
    : lib.tensor(new Float32Array(buf), a.shape);
};
const golden = (a, dtype) =>
  dtype === "int32"
    ? lib.tensor(Int32Array.from(a.data), a.shape, "int32")
    : lib.tensor(Float32Array.from(a.data), a.shape);
const list = (out) => (Array.isArray(out) ? out : [out]);

// ---- models of the case files ------------------------------------------------------------------

/** A layer of a family case (tools/gen_keras_family.py): the API class of that name, wrappers first. */
function makeLayer(spec) {
  const Cls = lib[spec.class];
  if (typeof Cls !== "function") throw new Error(`unknown class ${spec.class}`);
  return spec.layer ? new Cls(makeLayer(spec.layer), spec.config) : new Cls(spec.config);
}

/** The family case's graph with its weights (as test/helpers/family.ts builds it). */
function familyModel(spec) {
  const tensors = new Map();
  const inputs = spec.inputs.map((s) => {
    const t = lib.Input({
      ...(s.batchShape ? { batchShape: s.batchShape } : { shape: s.shape }),
      dtype: s.dtype ?? "float32",
    });
    tensors.set(s.id, t);
    return t;
  });
  const layers = new Map();
  if (spec.sequential) {
    const stack = spec.layers.map((l) => {
      const layer = makeLayer(l);
      layers.set(l.id, layer);
      return layer;
    });
    const model = new lib.Sequential({ layers: [inputs[0], ...stack] });
    for (const l of spec.layers) if (l.weights.length) layers.get(l.id).setWeights(l.weights.map(decode));
    return model;
  }
  for (const l of spec.layers) {
    const layer = makeLayer(l);
    layers.set(l.id, layer);
    const args = l.inputs.map((r) => tensors.get(r));
    const kw = { ...l.call };
    if (l.initialState) kw.initialState = l.initialState.map((r) => tensors.get(r));
    for (const [k, r] of Object.entries(l.callTensors ?? {})) kw[k] = tensors.get(r);
    const kwArg = Object.keys(kw).length ? kw : undefined;
    const how = l.inputsAs ?? (l.class === "Concatenate" || l.class === "Add" ? "list" : "single");
    const out =
      how === "positional" ? layer.apply(...args, kwArg) : layer.apply(how === "list" ? args : args[0], kwArg);
    list(out).forEach((t, i) => tensors.set(`${l.id}:${i}`, t));
  }
  const model = new lib.Model({ inputs, outputs: spec.outputs.map((r) => tensors.get(r)) });
  for (const l of spec.layers) if (l.weights.length) layers.get(l.id).setWeights(l.weights.map(decode));
  return model;
}

/** Input -> LSTM (with [h0, c0] inputs for initial-state cases), as test/layers/lstm.test.ts. */
function lstmModel(c) {
  const x = decode(c.inputs[0]);
  const inp = lib.Input({ shape: x.shape.slice(1) });
  const layer = new lib.LSTM(c.config);
  let inputs = [inp];
  let outs;
  if (c.kind === "lstm_initial_state") {
    const h0 = lib.Input({ shape: [c.config.units] });
    const c0 = lib.Input({ shape: [c.config.units] });
    inputs = [inp, h0, c0];
    outs = layer.apply(inp, { initialState: [h0, c0] });
  } else outs = layer.apply(inp);
  layer.setWeights(c.weights.map(decode));
  return new lib.Model({ inputs, outputs: list(outs) });
}

function encoderDecoder(c) {
  const encIn = lib.Input({ shape: decode(c.inputs[0]).shape.slice(1) });
  const decIn = lib.Input({ shape: decode(c.inputs[1]).shape.slice(1) });
  const encoder = new lib.LSTM({ ...c.encoder.config, returnState: true });
  const [, h, cell] = encoder.apply(encIn);
  const decoder = new lib.LSTM({ ...c.decoder.config, returnSequences: true, returnState: true });
  const [y, dh, dc] = decoder.apply(decIn, { initialState: [h, cell] });
  encoder.setWeights(c.encoder.weights.map(decode));
  decoder.setWeights(c.decoder.weights.map(decode));
  let out = y;
  if (c.dense) {
    const dense = new lib.Dense(c.dense.config);
    out = dense.apply(y);
    dense.setWeights(c.dense.weights.map(decode));
  }
  return new lib.Model({ inputs: [encIn, decIn], outputs: [out, dh, dc] });
}

function denseModel(c) {
  const inp = lib.Input({ shape: decode(c.inputs[0]).shape.slice(1) });
  const dense = new lib.Dense(c.config);
  const model = new lib.Model({ inputs: inp, outputs: dense.apply(inp) });
  dense.setWeights(c.weights.map(decode));
  return model;
}

/**
 * A case: a model maker (called once per weight format) and its calls: [inputs, Keras outputs]
 * or "reset" (stateful cases).
 */
function* projectCases() {
  const lstm = (f) => read(path.join(CASES, f)).cases;
  for (const c of [...lstm("lstm_tutorial.json"), ...lstm("lstm_random.json")])
    yield { group: "LSTM (lstm_tutorial, lstm_random)", make: () => lstmModel(c), calls: [[c.inputs, c.outputs]] };
  for (const c of lstm("lstm_encoder_decoder.json"))
    yield { group: "LSTM encoder-decoder + Dense", make: () => encoderDecoder(c), calls: [[c.inputs, c.outputs]] };
  for (const c of lstm("dense.json"))
    yield { group: "Dense", make: () => denseModel(c), calls: [[c.inputs, c.outputs]] };
  const family = [
    ["family_gru.json", "GRU (both forms)"],
    ["family_simple_rnn.json", "SimpleRNN"],
    ["family_bidirectional.json", "Bidirectional LSTM/GRU/SimpleRNN"],
    ["family_stacked.json", "stacked recurrent + Dense"],
    ["family_masking.json", "masking, Embedding"],
    ["family_stateful.json", "stateful (streamed calls)"],
    ["family_cell_sequences.json", "LSTM returnCellSequences"],
    ["family_layers.json", "stacked recurrent + Dense"],
  ];
  for (const [file, group] of family) {
    for (const c of read(path.join(CASES, file)).cases) {
      if (file === "family_layers.json" && !hasInt8Layer(c.model)) continue;
      const calls = c.calls.map((k) => (k.reset ? "reset" : [k.inputs, k.outputs]));
      yield { group, make: () => familyModel(c.model), calls };
    }
  }
  // the layer cases (tools/layer_cases.py) with a recurrent layer beside the other layers
  for (const [file, group] of LAYER_FILES) {
    for (const c of read(path.join(CASES, file)).cases) {
      if (hasInt8Layer(c.model)) yield { group, make: () => familyModel(c.model), calls: [[c.inputs, c.outputs]] };
    }
  }
}

const LAYER_FILES = [
  ["layers_conv.json", "Conv1D (+ Separable, Depthwise) -> LSTM"],
  ["layers_td.json", "TimeDistributed Conv2D (LRCN) -> LSTM/GRU, ConvLSTM2D -> LSTM"],
  ["layers_attention.json", "LSTM + Attention / MultiHeadAttention"],
  ["layers_merge.json", "masked LSTMs merged (Multiply, Maximum, Dot, ...)"],
  ["layers_norm.json", "LSTM + Batch/Layer/UnitNormalization"],
  ["layers_pooling.json", "LSTM + pooling, reshape, noise layers"],
  ["layers_example.json", "stacked recurrent + Dense"],
  ["inputs_cast.json", "Embedding -> LSTM/GRU (int and float ids)"],
];

/** Whether a case's model has a recurrent layer (int8 exists for LSTM, GRU, SimpleRNN: not ConvLSTM2D). */
function hasInt8Layer(spec) {
  const recurrent = (l) => ["LSTM", "GRU", "SimpleRNN"].includes(l.class) || (l.layer && recurrent(l.layer));
  return spec.layers.some(recurrent);
}

// ---- the real models ---------------------------------------------------------------------------

function* fixtureCases() {
  // the project's Keras 3 files (tools/gen_keras_files.py) and Keras 2 CuDNNLSTM/CuDNNGRU .h5 files
  const models = path.join(HERE, "..", "test", "models");
  for (const name of read(path.join(models, "index.json")).models) {
    const g = read(path.join(models, `${name}.json`));
    yield {
      group: "Keras 3 .keras files (LSTM, GRU, SimpleRNN, Bidirectional, seq2seq, masking, merge)",
      load: () => lib.loadModel(path.join(models, g.files.keras)),
      golden: g,
    };
  }
  for (const c of read(path.join(CASES, "cudnn.json")).cases) {
    yield {
      group: "Keras 2 CuDNNLSTM / CuDNNGRU .h5 (plain, backwards, Bidirectional)",
      load: () => lib.loadModel(path.join(HERE, "..", c.file)),
      golden: { inputs: c.inputs, outputs: c.outputs, encoded: true },
    };
  }
  if (!existsSync(FIXTURES)) return;
  const seq = path.join(FIXTURES, "tfjs-translation-seq2seq");
  const g = read(path.join(seq, "goldens", "full_model_teacher_forced_go.json"));
  yield {
    group: "trained seq2seq translator (LSTM 256 x2, Dense softmax)",
    load: () => lib.loadModel(path.join(seq, "model.json")),
    golden: { ...g, outputs: g.outputs.slice(0, 1) },
    tokens: true, // a softmax over the vocabulary per step: also count the steps whose top token is Keras's
  };
  const gru = path.join(FIXTURES, "tfjs-e2e-gru");
  yield {
    group: "tfjs e2e GRU (Embedding, go_backwards)",
    load: () => lib.loadModel(path.join(gru, "model.json")),
    golden: read(path.join(gru, "goldens", "gru_embedding.json")),
  };
  const dl4j = path.join(FIXTURES, "dl4j-keras-rnn");
  for (const f of readdirSync(path.join(dl4j, "goldens")).sort()) {
    const gd = read(path.join(dl4j, "goldens", f));
    yield {
      group:
        f === "fullconfigs_lstm.json"
          ? "dl4j trained stacked LSTM (283 inputs)"
          : "dl4j Keras 2 models (.h5 via TF.js)",
      load: () => lib.loadModel(path.join(dl4j, gd.tfjs_model)),
      golden: gd,
    };
  }
}

// ---- measuring ---------------------------------------------------------------------------------

const FORMATS = ["float32", "int8", "float16"];
const stats = new Map(); // group -> format -> { cases, values, max, sum, scale }
function record(group, format, got, want) {
  let byFormat = stats.get(group);
  if (!byFormat) stats.set(group, (byFormat = new Map()));
  let s = byFormat.get(format);
  if (!s) byFormat.set(format, (s = { cases: new Set(), values: 0, max: 0, sum: 0, scale: 0 }));
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    s.max = Math.max(s.max, Number.isNaN(d) ? Number.POSITIVE_INFINITY : d);
    s.sum += d;
    s.scale = Math.max(s.scale, Math.abs(want[i]));
  }
  s.values += want.length;
  return s;
}

/**
 * The model in one format: float32 as built, int8 quantized, float16 rounded (quantize("float16"):
 * the weights a { weightsDtype: "float16" } file holds, bit for bit, test/quant/float16.test.ts;
 * through quantize since the TF.js format cannot hold every case, e.g. Keras 3's hard_sigmoid).
 */
async function inFormat(model, format) {
  if (format !== "float32") await model.quantize(format);
  return model;
}

let caseId = 0;
for (const c of projectCases()) {
  caseId++;
  for (const format of FORMATS) {
    lib.clearSession();
    const model = await inFormat(c.make(), format);
    for (const call of c.calls) {
      if (call === "reset") {
        model.resetStates();
        continue;
      }
      const ins = call[0].map(decode);
      const got = list(model.predict(ins.length === 1 ? ins[0] : ins));
      call[1].forEach((o, i) => record(c.group, format, got[i].data, decode(o).data).cases.add(caseId));
    }
    model.dispose();
  }
}
const tokenNotes = [];
/** "n of m steps": the steps whose largest output (the predicted token) is at Keras's index. */
function sameTopToken(got, want) {
  const V = got.shape[got.shape.length - 1];
  const argmax = (a, o) => {
    let best = o;
    for (let j = o; j < o + V; j++) if (a[j] > a[best]) best = j;
    return best - o;
  };
  let same = 0;
  for (let o = 0; o < want.length; o += V) if (argmax(got.data, o) === argmax(want, o)) same++;
  return `top token as Keras's at ${same} of ${want.length / V} steps`;
}
for (const c of fixtureCases()) {
  caseId++;
  for (const format of FORMATS) {
    const model = await inFormat(await c.load(), format);
    const enc = c.golden.encoded;
    const ins = c.golden.inputs.map((a, i) => (enc ? decode(a) : golden(a, model.inputs[i].dtype)));
    const got = list(model.predict(ins.length === 1 ? ins[0] : ins));
    c.golden.outputs.forEach((o, i) =>
      record(c.group, format, got[i].data, enc ? decode(o).data : o.data).cases.add(caseId),
    );
    if (c.tokens) tokenNotes.push(`${c.group}, ${format}: ${sameTopToken(got[0], c.golden.outputs[0].data)}`);
    model.dispose();
  }
}

// ---- report ------------------------------------------------------------------------------------

const e = (v) => (v === 0 ? "0" : v.toExponential(1));
const rows = [];
console.log(`build ${lib.coreInfo().build}, node ${process.versions.node}`);
console.log(
  "| cases | n | outputs | max abs Keras output | float32 max | int8 max | int8 mean | float16 max | float16 mean |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const [group, byFormat] of stats) {
  const f32 = byFormat.get("float32"),
    i8 = byFormat.get("int8"),
    f16 = byFormat.get("float16");
  const row = {
    group,
    cases: f32.cases.size,
    values: f32.values,
    scale: f32.scale,
    float32: { max: f32.max, mean: f32.sum / f32.values },
    int8: { max: i8.max, mean: i8.sum / i8.values },
    float16: { max: f16.max, mean: f16.sum / f16.values },
  };
  rows.push(row);
  console.log(
    `| ${group} | ${row.cases} | ${row.values} | ${row.scale.toFixed(2)} | ${e(row.float32.max)} | ` +
      `${e(row.int8.max)} | ${e(row.int8.mean)} | ${e(row.float16.max)} | ${e(row.float16.mean)} |`,
  );
}
for (const note of tokenNotes) console.log(note);
const jsonArg = process.argv.find((a) => a.startsWith("--json="));
if (jsonArg) {
  writeFileSync(
    jsonArg.slice(7),
    `${JSON.stringify({ build: lib.coreInfo().build, node: process.versions.node, rows, tokenNotes }, null, 2)}\n`,
  );
}
