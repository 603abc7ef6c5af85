// Bad input for the recurrent family: clear WasmRnnErrors naming the layer, expected vs got, and
// nothing half-changed. Also: the hot path stays allocation-free with masks and stateful layers.
import { beforeAll, describe, expect, it } from "vitest";
import { arena } from "../../src/core/arena.js";
import {
  Bidirectional,
  Concatenate,
  Embedding,
  Flatten,
  GRU,
  Input,
  LSTM,
  Masking,
  Model,
  memoryBytes,
  RepeatVector,
  ready,
  Sequential,
  SimpleRNN,
  type SymbolicTensor,
  type Tensor,
  tensor,
  WasmRnnError,
} from "../../src/index.js";

beforeAll(async () => {
  await ready();
});

function expectError(fn: () => unknown, ...parts: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, "expected a throw").toBeInstanceOf(WasmRnnError);
  for (const p of parts) expect((caught as Error).message).toContain(p);
}

const ramp = (n: number, f = 0.37) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f));
const values = (ts: Tensor[]) => ts.map((t) => Array.from(t.data));

describe("masks", () => {
  it("an eager mask of the wrong shape or values names the layer and both shapes", () => {
    const gru = new GRU({ units: 3, name: "mask_gru" });
    const x = tensor(ramp(2 * 4 * 2), [2, 4, 2]);
    expectError(() => gru.apply(x, { mask: tensor([1, 1, 1, 1, 1, 0], [2, 3]) }), "GRU 'mask_gru'", "[2, 4]", "[2, 3]");
    expectError(() => gru.apply(x, { mask: tensor([1, 1, 1, 1, 1, 1, 2, 1], [2, 4]) }), "mask values 0 or 1", "2");
    expectError(() => gru.apply(Input({ shape: [4, 2] }), { mask: Input({ shape: [4] }) }), "Masking or Embedding");
  });

  it("an explicit eager mask keeps states over masked steps (same as dropping those steps)", () => {
    const lstm = new LSTM({ units: 3, returnState: true });
    const x = tensor(ramp(1 * 5 * 2), [1, 5, 2]);
    const [y, h, c] = lstm.apply(x, { mask: tensor([1, 0, 1, 0, 0], [1, 5]) });
    const kept = tensor([...x.data.slice(0, 2), ...x.data.slice(4, 6)], [1, 2, 2]);
    const same = new LSTM({ units: 3, returnState: true });
    same.apply(Input({ shape: [null, 2] }));
    same.setWeights(lstm.getWeights());
    const [y2, h2, c2] = same.apply(kept);
    expect(values([y, h, c])).toEqual(values([y2, h2, c2]));
  });

  it("Embedding refuses token ids outside [0, inputDim) by index", () => {
    const x = Input({ shape: [3], dtype: "int32" });
    const emb = new Embedding({ inputDim: 5, outputDim: 2, maskZero: true, name: "tok" });
    const model = new Model({ inputs: x, outputs: new GRU({ units: 2 }).apply(emb.apply(x)) });
    expectError(
      () => model.predict(tensor([1, 2, 5], [1, 3], "int32")),
      "Embedding 'tok'",
      "[0, 5)",
      "got 5",
      "index 2",
    );
    expectError(() => model.predict(tensor([1, -1, 0], [1, 3], "int32")), "got -1");
  });

  it("Concatenate refuses masked inputs joined on a non-feature axis", () => {
    const a = new Masking().apply(Input({ shape: [3, 2] }));
    const b = Input({ shape: [3, 2] });
    expectError(
      () => new Concatenate({ axis: 1, name: "cat1" }).apply([a, b]),
      "Concatenate 'cat1'",
      "last axis",
      "got axis 1",
    );
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

describe("Bidirectional and friends", () => {
  it("refuses an unknown mergeMode, a backwards layer and wrong initialState counts", () => {
    expectError(
      () => new Bidirectional(new GRU({ units: 2 }), { mergeMode: "max" as never, name: "bmm" }),
      "Bidirectional 'bmm'",
      "mergeMode",
      '"max"',
    );
    expectError(
      () => new Bidirectional(new GRU({ units: 2, goBackwards: true })),
      "goBackwards false",
      "got goBackwards true",
    );
    expectError(() => new Bidirectional({} as never), "recurrent layer");
    const bi = new Bidirectional(new LSTM({ units: 2 }), { name: "bst" });
    const h = Input({ shape: [2] });
    expectError(
      () => bi.apply(Input({ shape: [3, 1] }), { initialState: [h, h] }),
      "Bidirectional 'bst'",
      "4 tensors",
      "got 2",
    );
  });

  it("Sequential refuses an Input after layers and multi-output layers, staying usable", () => {
    const seq = new Sequential({
      layers: [Input({ shape: [3, 2] }), new SimpleRNN({ units: 2, returnSequences: true })],
    });
    expectError(() => seq.add(Input({ shape: [3, 2] })), "Input only as the first item");
    expectError(() => seq.add(new LSTM({ units: 2, returnState: true, name: "multi" })), "one output", "LSTM 'multi'");
    expectError(() => seq.add(new RepeatVector({ n: 2 })), "RepeatVector", "rank 2", "[null, 3, 2]");
    expect(seq.layers.length).toBe(1);
    expect((seq.predict(tensor(ramp(6), [1, 3, 2])) as Tensor).shape).toEqual([1, 3, 2]);
  });
});

describe("memory", () => {
  it("a masked Bidirectional GRU model and a stateful one keep wasm memory flat", () => {
    const x = Input({ shape: [12, 4] });
    const m = new Masking().apply(x);
    const bi = new Bidirectional(new GRU({ units: 16, returnSequences: true, resetAfter: false }), {
      mergeMode: "concat",
    });
    const y = new LSTM({ units: 8 }).apply(bi.apply(m) as never);
    const model = new Model({ inputs: x, outputs: y });
    const data = ramp(3 * 12 * 4);
    for (let t = 8; t < 12; t++) data.fill(0, (0 * 12 + t) * 4, (0 * 12 + t + 1) * 4); // right padding, row 0
    const input = tensor(data, [3, 12, 4]);

    const sx = Input({ batchShape: [2, 5, 3] });
    const stateful = new Model({
      inputs: sx,
      outputs: new SimpleRNN({ units: 6, stateful: true }).apply(
        new GRU({ units: 5, stateful: true, returnSequences: true }).apply(sx),
      ),
    });
    const sInput = tensor(ramp(2 * 5 * 3), [2, 5, 3]);

    const first = model.predict(input) as Tensor;
    stateful.predict(sInput);
    const bytes = memoryBytes(),
      inUse = arena.inUse;
    let last = first;
    for (let i = 0; i < 3000; i++) {
      last = model.predict(input) as Tensor;
      stateful.predict(sInput);
    }
    expect(memoryBytes()).toBe(bytes);
    expect(arena.inUse).toBe(inUse);
    expect(Array.from(last.data)).toEqual(Array.from(first.data));
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
