// Stateful recurrent layers against real Keras 3 (test/cases/family_stateful.json): states carried from call
// to call and reset; setStates / getStates and the refusals; a failed predict leaves the states as they were.
import { beforeAll, describe, expect, it } from "vitest";
import {
  Bidirectional,
  Concatenate,
  Embedding,
  Flatten,
  GRU,
  Input,
  LSTM,
  Model,
  ready,
  type SymbolicTensor,
  type Tensor,
  tensor,
  WasmRnnError,
} from "../../src/index.js";
import { decode, expectClose, loadCases } from "../helpers/cases.js";
import { expectError, ramp, values } from "../helpers/errors.js";
import { buildCase, describeFamily, type FamilyCase, replayCase } from "../helpers/family.js";

beforeAll(async () => {
  await ready();
});

describeFamily("family_stateful.json");

describe("coverage of the generated cases", () => {
  it("stateful outputs really depend on the carried state (a reset changes the next call)", () => {
    // the same input replayed after a reset must differ from the carried-state result, or the
    // stateful cases could not tell carrying from resetting
    const c = loadCases<FamilyCase>("family_stateful.json").cases.find((k) => k.name.startsWith("stateful0"))!;
    const built = buildCase(c.model);
    const x = decode(c.calls[0]!.inputs[0]!);
    replayCase({ ...c, calls: [c.calls[0]!] }, built);
    const carried = (built.model.predict(x) as { data: Float32Array }[])[0]!.data;
    built.model.resetStates();
    const fresh = (built.model.predict(x) as Tensor[])[0]!;
    expect(Array.from(fresh.data)).not.toEqual(Array.from(carried));
    // and the fresh result is the first call's Keras output again
    expectClose(fresh, decode(c.calls[0]!.outputs[0]!), "after reset, replayed");
  });
});

describe("stateful layers", () => {
  function statefulModel() {
    const x = Input({ batchShape: [2, 3, 2] });
    const gru = new GRU({ units: 4, stateful: true, name: "sgru" });
    return { gru, model: new Model({ inputs: x, outputs: gru.apply(x) }) };
  }

  it("need a fixed batch size, and refuse another one eagerly and in predict", () => {
    expectError(
      () => new LSTM({ units: 2, stateful: true, name: "nobatch" }).apply(Input({ shape: [3, 2] })),
      "LSTM 'nobatch'",
      "batchShape",
      "[null, 3, 2]",
    );
    const { gru, model } = statefulModel();
    expectError(() => gru.apply(tensor(ramp(3 * 3 * 2), [3, 3, 2])), "GRU 'sgru'", "batch size 2", "got batch size 3");
    expectError(() => model.predict(tensor(ramp(3 * 3 * 2), [3, 3, 2])), "[2, 3, 2]", "[3, 3, 2]");
  });

  it("setStates refuses wrong counts, shapes and values and changes nothing; getStates round-trips", () => {
    const { gru, model } = statefulModel();
    const x = tensor(ramp(2 * 3 * 2), [2, 3, 2]);
    model.predict(x);
    const saved = gru.getStates();
    expectError(() => gru.setStates([]), "GRU 'sgru'", "1 state tensor", "[2, 4]", "got 0");
    expectError(() => gru.setStates([tensor(new Float32Array(12), [3, 4])]), "state 0 (h)", "[2, 4]", "got [3, 4]");
    const nan = new Float32Array(8);
    nan[3] = NaN;
    expectError(() => gru.setStates([tensor(nan, [2, 4])]), "finite", "NaN");
    expect(values(gru.getStates())).toEqual(values(saved));
    // pause and resume: restoring the saved states replays the same continuation
    const next = model.predict(x) as Tensor;
    gru.setStates(saved);
    expect(Array.from((model.predict(x) as Tensor).data)).toEqual(Array.from(next.data));
    expectError(() => new GRU({ units: 2, name: "plain" }).getStates(), "GRU 'plain'", "stateful: true");
  });

  it("Bidirectional setStates validates both halves before writing either", () => {
    const x = Input({ batchShape: [1, 2, 2] });
    const bi = new Bidirectional(new LSTM({ units: 2, stateful: true }), { name: "sbi" });
    const model = new Model({ inputs: x, outputs: bi.apply(x) as never });
    model.predict(tensor(ramp(4), [1, 2, 2]));
    const saved = bi.getStates();
    expect(saved.length).toBe(4);
    const good = tensor([9, 9], [1, 2]);
    expectError(
      () => bi.setStates([good, good, good, tensor([1, 2, 3], [1, 3])]),
      "state 1 (c)",
      "[1, 2]",
      "got [1, 3]",
    );
    expect(values(bi.getStates())).toEqual(values(saved));
    expectError(() => bi.setStates([good]), "Bidirectional 'sbi'", "4 state tensors", "got 1");
  });
});

describe("a failed predict leaves stateful layers where they were", () => {
  const cases: [string, () => LSTM | Bidirectional][] = [
    ["LSTM", () => new LSTM({ units: 5, stateful: true })],
    ["Bidirectional LSTM (both halves)", () => new Bidirectional(new LSTM({ units: 5, stateful: true }))],
  ];
  it.each(cases)("token ids out of range after a stateful %s ran: its states are restored", (_, make) => {
    const x = Input({ batchShape: [2, 3, 4] });
    const ids = Input({ batchShape: [2, 3], dtype: "int32" });
    const rnn = make();
    const h = rnn.apply(x) as SymbolicTensor;
    const emb = new Flatten().apply(new Embedding({ inputDim: 10, outputDim: 2 }).apply(ids));
    const model = new Model({ inputs: [x, ids], outputs: new Concatenate().apply([h, emb]) });
    const xs = tensor(
      Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)),
      [2, 3, 4],
    );
    model.predict([xs, tensor([1, 2, 3, 4, 5, 6], [2, 3], "int32")]);
    const before = rnn.getStates().map((s) => Array.from(s.data));
    expect(() => model.predict([xs, tensor([1, 2, 3, 4, 5, 60], [2, 3], "int32")])).toThrow(WasmRnnError);
    expect(rnn.getStates().map((s) => Array.from(s.data))).toEqual(before);
    // and a good call still continues from there
    model.predict([xs, tensor([1, 2, 3, 4, 5, 6], [2, 3], "int32")]);
    expect(rnn.getStates().map((s) => Array.from(s.data))).not.toEqual(before);
  });
});
