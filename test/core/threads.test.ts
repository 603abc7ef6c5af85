// The optional worker pool: a recurrent layer splits its batch across threads on shared memory.
// Runs in its own module instance (vitest isolates files), so ready({ threads }) is the first call.
import { beforeAll, describe, expect, it } from "vitest";
import { splitEverything } from "../../src/core/threads.js";
import {
  coreInfo,
  GRU,
  Input,
  LSTM,
  type LSTMArgs,
  Masking,
  Model,
  memoryBytes,
  ready,
  SimpleRNN,
  type SymbolicTensor,
  type Tensor,
  tensor,
} from "../../src/index.js";
import { decode, type EncodedArray, expectClose, loadCases } from "../helpers/cases.js";

beforeAll(async () => {
  await ready({ threads: 2 });
});

interface LstmCase {
  name: string;
  kind: string;
  config: LSTMArgs;
  weights: EncodedArray[];
  inputs: EncodedArray[];
  outputs: EncodedArray[];
}

const asList = (out: Tensor | Tensor[]) => (Array.isArray(out) ? out : [out]);

describe("worker pool", () => {
  it("runs the threads build with two threads", async () => {
    expect(coreInfo()).toMatchObject({ build: "threads", threads: 2 });
    await expect(ready({ threads: 3 })).rejects.toThrow(/already running with 2 thread/);
  });

  it("split batches still match Keras on every multi-row LSTM case", () => {
    splitEverything(true);
    try {
      const cases = loadCases<LstmCase>("lstm_random.json").cases.filter((c) => c.inputs[0]!.shape[0]! >= 2);
      expect(cases.length).toBeGreaterThan(20);
      for (const c of cases) {
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
        const model = new Model({ inputs, outputs: Array.isArray(outs) ? outs : [outs] });
        const got = asList(model.predict(c.inputs.map(decode)));
        c.outputs.forEach((o, i) => expectClose(got[i]!, decode(o), `${c.name} output ${i}`));
      }
    } finally {
      splitEverything(false);
    }
  });

  it("is bit-identical to one thread for every cell, masked too, and keeps memory flat", () => {
    const cells = [
      () => new LSTM({ units: 40, returnSequences: true, returnState: true }),
      () => new GRU({ units: 24, returnSequences: true, returnState: true }),
      () => new GRU({ units: 20, resetAfter: false, returnState: true }),
      () => new SimpleRNN({ units: 18, returnSequences: true, goBackwards: true }),
    ];
    const data = Float32Array.from({ length: 9 * 12 * 16 }, (_, i) => (i % 37 === 0 ? 0 : Math.sin(i * 0.1)));
    // zero out whole steps so the Masking layer masks some (rows differ in which steps)
    for (let b = 0; b < 9; b++)
      for (let t = 0; t < 12; t++) if ((b + t) % 5 === 0) data.fill(0, (b * 12 + t) * 16, (b * 12 + t + 1) * 16);
    const input = tensor(data, [9, 12, 16]);
    for (const make of cells) {
      const x = Input({ shape: [12, 16] });
      const layer = make();
      const model = new Model({
        inputs: x,
        outputs: layer.apply(new Masking({ maskValue: 0 }).apply(x)) as SymbolicTensor | SymbolicTensor[],
      });
      const one = asList(model.predict(input)).map((t) => Array.from(t.data));
      splitEverything(true);
      try {
        const split = asList(model.predict(input)).map((t) => Array.from(t.data));
        expect(split, layer.name).toEqual(one);
        const bytes = memoryBytes();
        for (let i = 0; i < 500; i++) model.predict(input);
        expect(memoryBytes()).toBe(bytes);
      } finally {
        splitEverything(false);
      }
    }
  });
});
