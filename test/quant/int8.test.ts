// int8 inference (src/quant/int8.ts, assembly/quant) against real Keras's float32 outputs on the
// project's cases: LSTM (every random configuration), GRU in both forms, SimpleRNN, Bidirectional,
// stacked models, masking and Embedding, stateful streams, encoder-decoders and Dense; the layer cases
// with a recurrent layer among the others (Conv1D -> LSTM, LRCN, attention, merges, normalization);
// the Keras 3 .keras files and the Keras 2 CuDNN .h5 files loaded with { quantize: "int8" }.
//
// The tolerance, |got - want| <= 0.08 + 0.04 |want|: each product rounds its weights to 1/254 of
// their column's largest magnitude and its activations to 1/127 of the row's range, so a product
// over K terms is off by about sqrt(K) times those steps times the typical operand, 1e-3..1e-2 on
// these cases, and a recurrence carries that through its steps. bench/quant-accuracy.mjs measures
// the worst case at 5.5e-2 for outputs up to 2.5 (README, Speed); the bound leaves a 1.5x margin.
// Each group's mean error is held to 1e-2 (measured at most 6.3e-3).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  clearSession,
  Dense,
  Input,
  LSTM,
  type LSTMArgs,
  loadModel,
  Model,
  ready,
  type Tensor,
  tensor,
} from "../../src/index.js";
import { asList, decode, type EncodedArray, expectClose, type LayerCase, loadCases, ROOT } from "../helpers/cases.js";
import { buildCase, decodeAny, type FamilyCase, familyCases } from "../helpers/family.js";
import { type Golden, goldenTensor } from "../helpers/golden.js";
import type { LayerFileCase } from "../helpers/layer-cases.js";

const INT8 = { atol: 0.08, rtol: 0.04 };
const MEAN = 1e-2;

beforeAll(async () => {
  await ready();
});

interface LstmCase extends LayerCase<LSTMArgs> {
  name: string;
  kind: "lstm" | "lstm_initial_state";
  inputs: EncodedArray[];
  outputs: EncodedArray[];
}

function lstmModel(c: LstmCase): Model {
  const x = decode(c.inputs[0]!);
  const inp = Input({ shape: x.shape.slice(1) });
  const layer = new LSTM<boolean>(c.config);
  let inputs = [inp];
  let outs;
  if (c.kind === "lstm_initial_state") {
    const h0 = Input({ shape: [c.config.units] }),
      c0 = Input({ shape: [c.config.units] });
    inputs = [inp, h0, c0];
    outs = layer.apply(inp, { initialState: [h0, c0] });
  } else outs = layer.apply(inp);
  layer.setWeights(c.weights.map(decode));
  return new Model({ inputs, outputs: Array.isArray(outs) ? outs : [outs] });
}

/** Errors of one group of cases: max and mean |got - Keras|, and how many values were off by more than 1e-5. */
class GroupError {
  max = 0;
  sum = 0;
  count = 0;
  beyondFloat = 0;
  add(got: Tensor, want: Tensor, label: string): void {
    expectClose(got, want, `${label} (int8)`, INT8);
    for (let i = 0; i < want.size; i++) {
      const d = Math.abs(got.data[i]! - want.data[i]!);
      this.max = Math.max(this.max, d);
      this.sum += d;
      if (d > 1e-5 + 1e-4 * Math.abs(want.data[i]!)) this.beyondFloat++;
    }
    this.count += want.size;
  }
  /** The group ran int8 (some values are off by more than float32's tolerance) and its mean error is small. */
  check(label: string): void {
    expect(this.count, label).toBeGreaterThan(0);
    expect(this.beyondFloat, `${label}: int8 must differ from float32 somewhere`).toBeGreaterThan(0);
    expect(this.sum / this.count, `${label}: mean |int8 - Keras|`).toBeLessThan(MEAN);
  }
}

describe("int8 outputs against Keras's float32 outputs", () => {
  it("every random LSTM configuration and the tutorial's models", async () => {
    const errors = new GroupError();
    for (const file of ["lstm_tutorial.json", "lstm_random.json"]) {
      for (const c of loadCases<LstmCase>(file).cases) {
        const model = lstmModel(c);
        const report = await model.quantize("int8");
        expect(report.quantized).toEqual([model.layers.find((l) => l.className === "LSTM")!.name]);
        const got = asList(model.predict(c.inputs.map(decode)));
        c.outputs.forEach((o, i) => errors.add(got[i]!, decode(o), `${c.name} output ${i}`));
        model.dispose();
      }
    }
    errors.check("LSTM");
  });

  it("encoder-decoders with a Dense head", async () => {
    interface EncDec {
      name: string;
      encoder: LayerCase<LSTMArgs>;
      decoder: LayerCase<LSTMArgs>;
      dense: LayerCase<{ units: number }> | null;
      inputs: EncodedArray[];
      outputs: EncodedArray[];
    }
    const errors = new GroupError();
    for (const c of loadCases<EncDec>("lstm_encoder_decoder.json").cases) {
      const encIn = Input({ shape: decode(c.inputs[0]!).shape.slice(1) });
      const decIn = Input({ shape: decode(c.inputs[1]!).shape.slice(1) });
      const encoder = new LSTM({ ...c.encoder.config, returnState: true });
      const [, h, cell] = encoder.apply(encIn);
      const decoder = new LSTM({ ...c.decoder.config, returnSequences: true, returnState: true });
      const [y, dh, dc] = decoder.apply(decIn, { initialState: [h, cell] });
      encoder.setWeights(c.encoder.weights.map(decode));
      decoder.setWeights(c.decoder.weights.map(decode));
      let out = y;
      if (c.dense) {
        const dense = new Dense(c.dense.config);
        out = dense.apply(y);
        dense.setWeights(c.dense.weights.map(decode));
      }
      const model = new Model({ inputs: [encIn, decIn], outputs: [out, dh, dc] });
      await model.quantize("int8");
      const got = asList(model.predict(c.inputs.map(decode)));
      c.outputs.forEach((o, i) => errors.add(got[i]!, decode(o), `${c.name} output ${i}`));
      model.dispose();
    }
    errors.check("encoder-decoder");
  });

  it("Dense alone", async () => {
    const errors = new GroupError();
    for (const c of loadCases<
      LayerCase<{ units: number }> & { name: string; inputs: EncodedArray[]; outputs: EncodedArray[] }
    >("dense.json").cases) {
      const inp = Input({ shape: decode(c.inputs[0]!).shape.slice(1) });
      const dense = new Dense(c.config);
      const model = new Model({ inputs: inp, outputs: dense.apply(inp) });
      dense.setWeights(c.weights.map(decode));
      await model.quantize("int8");
      errors.add(model.predict(decode(c.inputs[0]!)) as Tensor, decode(c.outputs[0]!), c.name);
      model.dispose();
    }
    errors.check("Dense");
  });

  for (const file of [
    "family_gru.json",
    "family_simple_rnn.json",
    "family_bidirectional.json",
    "family_stacked.json",
    "family_masking.json",
    "family_stateful.json",
    "family_cell_sequences.json",
  ]) {
    it(file, async () => {
      const errors = new GroupError();
      for (const c of familyCases(file) as FamilyCase[]) {
        clearSession();
        const { model } = buildCase(c.model);
        const report = await model.quantize("int8");
        expect(report.quantized.length, `${c.name}: quantized layers`).toBeGreaterThan(0);
        c.calls.forEach((call, k) => {
          if (call.reset) {
            model.resetStates();
            return;
          }
          const ins = call.inputs.map(decodeAny);
          const got = asList(model.predict(ins.length === 1 ? ins[0]! : ins));
          call.outputs.forEach((o, i) => errors.add(got[i]!, decode(o), `${c.name} call ${k} output ${i}`));
        });
        model.dispose();
      }
      errors.check(file);
    });
  }
});

describe("int8 recurrent layers among the other layers, and in saved files", () => {
  const recurrent = (l: { class: string; layer?: { class: string } }): boolean =>
    ["LSTM", "GRU", "SimpleRNN"].includes(l.class) || (!!l.layer && recurrent(l.layer));
  for (const file of [
    "layers_conv.json",
    "layers_td.json",
    "layers_attention.json",
    "layers_merge.json",
    "layers_norm.json",
    "layers_pooling.json",
    "inputs_cast.json",
  ]) {
    it(`${file}: the cases with an LSTM, GRU or SimpleRNN (Conv1D -> LSTM, LRCN, attention, merges, ...)`, async () => {
      const errors = new GroupError();
      for (const c of loadCases<LayerFileCase>(file).cases.filter((k) => k.model.layers.some(recurrent))) {
        clearSession();
        const { model } = buildCase(c.model);
        await model.quantize("int8");
        const ins = c.inputs.map(decodeAny);
        const got = asList(model.predict(ins.length === 1 ? ins[0]! : ins));
        c.outputs.forEach((o, i) => errors.add(got[i]!, decode(o), `${c.name} output ${i}`));
        model.dispose();
      }
      errors.check(file);
    });
  }

  it("Keras 3 .keras files (test/models) and Keras 2 CuDNNLSTM/CuDNNGRU .h5 files, loaded with { quantize: 'int8' }", async () => {
    const dir = join(ROOT, "test", "models");
    const errors = new GroupError();
    const names = (JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as { models: string[] }).models;
    for (const name of names) {
      const g = JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")) as Golden & { files: { keras: string } };
      const model = await loadModel(join(dir, g.files.keras), { quantize: "int8" });
      expect(model.quantization, name).toBe("int8");
      const got = asList(model.predict(g.inputs.map((a, i) => goldenTensor(a, model.inputs[i]!.dtype))));
      g.outputs.forEach((o, i) => errors.add(got[i]!, goldenTensor(o, "float32"), `${name} output ${i}`));
      model.dispose();
    }
    for (const c of loadCases<{ name: string; file: string; inputs: EncodedArray[]; outputs: EncodedArray[] }>(
      "cudnn.json",
    ).cases) {
      const model = await loadModel(join(ROOT, c.file), { quantize: "int8" });
      const got = asList(model.predict(c.inputs.length === 1 ? decode(c.inputs[0]!) : c.inputs.map(decode)));
      c.outputs.forEach((o, i) => errors.add(got[i]!, decode(o), `${c.name} output ${i}`));
      model.dispose();
    }
    errors.check("files");
  });
});

describe("an int8 model stays what it says", () => {
  const c = () => loadCases<LstmCase>("lstm_random.json").cases.find((k) => k.config.units >= 64)!;

  it("quantize('none') gives the float32 kernels back: Keras's outputs within float32's tolerance again", async () => {
    const k = c();
    const model = lstmModel(k);
    await model.quantize("int8");
    expect(model.quantization).toBe("int8");
    const back = await model.quantize("none");
    expect(back.quantized.length).toBe(1);
    expect(model.quantization).toBeNull();
    asList(model.predict(k.inputs.map(decode))).forEach((t, i) =>
      expectClose(t, decode(k.outputs[i]!), "float32 again"),
    );
    model.dispose();
  });

  it("setWeights on an int8 layer quantizes the new weights (the same outputs as quantizing after)", async () => {
    const k = c();
    const model = lstmModel(k),
      other = lstmModel(k);
    await model.quantize("int8");
    const x = k.inputs.map(decode);
    const before = asList(model.predict(x))[0]!;
    model.setWeights(
      model.getWeights().map((w) =>
        tensor(
          w.data.map((v) => v * 0.5),
          [...w.shape],
        ),
      ),
    );
    other.setWeights(model.getWeights());
    await other.quantize("int8");
    const after = asList(model.predict(x))[0]!;
    expect(Array.from(after.data)).toEqual(Array.from(asList(other.predict(x))[0]!.data));
    expect(Array.from(after.data)).not.toEqual(Array.from(before.data));
    model.dispose();
    other.dispose();
  });

  it("the float32 weights stay: getWeights after quantize('int8') returns them unchanged", async () => {
    const k = c();
    const model = lstmModel(k);
    const w = model.getWeights().map((t) => Array.from(t.data));
    await model.quantize("int8");
    expect(model.getWeights().map((t) => Array.from(t.data))).toEqual(w);
    model.dispose();
  });
});
