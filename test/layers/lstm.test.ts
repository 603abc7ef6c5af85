// LSTM against real Keras 3: the tutorial's four models, random configurations and encoder-decoders
// (tools/gen_keras_cases.py -> test/cases/lstm_*.json), returnCellSequences (family_cell_sequences.json).
// Its gradients: test/train/gradients/lstm.test.ts; its training trace: test/train/lstm-trace.test.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { Dense, type DenseArgs, Input, LSTM, type LSTMArgs, Model, ready } from "../../src/index.js";
import { asList, decode, type EncodedArray, type LayerCase, loadCases, maxAbsDiff, replay } from "../helpers/cases.js";
import { describeFamily } from "../helpers/family.js";

interface LstmCase extends LayerCase<LSTMArgs> {
  name: string;
  kind: "lstm" | "lstm_initial_state";
  inputs: EncodedArray[];
  outputs: EncodedArray[];
}
interface EncDecCase {
  name: string;
  kind: "encoder_decoder";
  encoder: LayerCase<LSTMArgs>;
  decoder: LayerCase<LSTMArgs>;
  dense: LayerCase<DenseArgs> | null;
  inputs: EncodedArray[];
  outputs: EncodedArray[];
}

beforeAll(async () => {
  await ready();
});

/** Input -> LSTM (with [h0, c0] inputs for initial-state cases), weights set from the case. */
function lstmModel(c: LstmCase): { model: Model; layer: LSTM<boolean> } {
  const x = decode(c.inputs[0]!);
  const inp = Input({ shape: x.shape.slice(1) });
  const layer = new LSTM<boolean>(c.config);
  let outs;
  let inputs = [inp];
  if (c.kind === "lstm_initial_state") {
    const h0 = Input({ shape: [c.config.units] });
    const c0 = Input({ shape: [c.config.units] });
    inputs = [inp, h0, c0];
    outs = layer.apply(inp, { initialState: [h0, c0] });
  } else {
    outs = layer.apply(inp);
  }
  layer.setWeights(c.weights.map(decode));
  return { model: new Model({ inputs, outputs: Array.isArray(outs) ? outs : [outs] }), layer };
}

describe("the tutorial's four models (Keras 3)", () => {
  const file = loadCases<LstmCase>("lstm_tutorial.json");
  for (const c of file.cases) {
    it(c.name, () => {
      const { model } = lstmModel(c);
      replay(model, c.inputs, c.outputs, c.name);
    });
  }

  it("teaches what the tutorial says: the last step of the sequence is state_h, and h differs from c", () => {
    const c = file.cases.find((k) => k.config.returnSequences && k.config.returnState)!;
    const { model } = lstmModel(c);
    const [seq, h, cell] = asList(model.predict(c.inputs.map(decode)));
    const T = seq!.shape[1]!;
    const lastStep = seq!.data.slice((T - 1) * c.config.units, T * c.config.units);
    expect(Array.from(lastStep)).toEqual(Array.from(h!.data));
    expect(maxAbsDiff(h!, cell!)).toBeGreaterThan(1e-3);
    // and with return_state alone, the single output is state_h too
    const rs = file.cases.find((k) => !k.config.returnSequences && k.config.returnState)!;
    const [y, h2] = asList(lstmModel(rs).model.predict(rs.inputs.map(decode)));
    expect(Array.from(y!.data)).toEqual(Array.from(h2!.data));
  });
});

describe("random LSTM configurations (Keras 3)", () => {
  const file = loadCases<LstmCase>("lstm_random.json");
  it("covers every flag both ways and every activation", () => {
    const cfgs = file.cases.map((c) => c.config);
    for (const flag of ["returnSequences", "returnState", "goBackwards", "useBias"] as const) {
      expect(
        cfgs.some((c) => c[flag] === true),
        flag,
      ).toBe(true);
      expect(
        cfgs.some((c) => !c[flag]),
        flag,
      ).toBe(true);
    }
    for (const a of ["tanh", "relu", "linear"])
      expect(
        cfgs.some((c) => c.activation === a),
        a,
      ).toBe(true);
    for (const a of ["sigmoid", "hard_sigmoid", "hard_sigmoid_legacy"])
      expect(
        cfgs.some((c) => c.recurrentActivation === a),
        a,
      ).toBe(true);
    expect(file.cases.length).toBeGreaterThanOrEqual(40);
  });
  for (const c of file.cases) {
    it(c.name, () => {
      const { model } = lstmModel(c);
      replay(model, c.inputs, c.outputs, c.name);
    });
  }
});

describe("encoder-decoders: the decoder starts from the encoder's [h, c] (Keras 3)", () => {
  const file = loadCases<EncDecCase>("lstm_encoder_decoder.json");
  for (const c of file.cases) {
    it(c.name, () => {
      const encX = decode(c.inputs[0]!),
        decX = decode(c.inputs[1]!);
      const encIn = Input({ shape: encX.shape.slice(1) });
      const decIn = Input({ shape: decX.shape.slice(1) });
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
      replay(model, c.inputs, c.outputs, c.name);
    });
  }
});

describeFamily("family_cell_sequences.json");
