// StreamPool's limits and refusals: maxStreams (an error, or least-recently-used eviction with the
// evicted state handed out), layers a stream cannot carry, bad arguments, a failed step changing
// nothing, and wasm memory staying flat over 10^5 stream steps with streams created and deleted.
import { beforeAll, describe, expect, it } from "vitest";
import { arena } from "../../src/core/arena.js";
import {
  Bidirectional,
  Dense,
  Embedding,
  Input,
  LSTM,
  Model,
  memoryBytes,
  ready,
  Sequential,
  SimpleRNN,
  StreamPool,
  setRandomSeed,
  type Tensor,
  tensor,
  WasmRnnError,
} from "../../src/index.js";
import { expectClose } from "../helpers/cases.js";

beforeAll(async () => {
  await ready();
});

function lstmModel(units = 6, features = 3): Model {
  setRandomSeed(11);
  const x = Input({ shape: [null, features] });
  return new Model({ inputs: x, outputs: new LSTM({ units, returnSequences: true }).apply(x) });
}

const steps = (n: number, k = 0, features = 3) =>
  tensor(
    Float32Array.from({ length: n * features }, (_, i) => Math.sin(i * 0.3 + k)),
    [1, n, features],
  );

describe("maxStreams", () => {
  it("refuses a new stream past maxStreams by default, before anything runs", () => {
    const pool = new StreamPool(lstmModel(), { maxStreams: 2 });
    pool.step("a", steps(1));
    pool.step("b", steps(1));
    const a = Array.from(pool.getState("a"));
    expect(() => pool.step("c", steps(1))).toThrow(/at most maxStreams = 2 streams, got 2 held and 1 new.*onEvict/);
    expect(() =>
      pool.stepMany([
        { id: "a", x: steps(1) },
        { id: "c", x: steps(1) },
      ]),
    ).toThrow(WasmRnnError);
    expect(pool.size).toBe(2);
    expect(pool.has("c")).toBe(false);
    expect(Array.from(pool.getState("a"))).toEqual(a);
    pool.delete("b");
    pool.step("c", steps(1)); // the freed room is there again
    expect(pool.ids()).toEqual(["a", "c"]);
  });

  it("evicts the least recently stepped stream, handing its state to onEvict, from where it continues", () => {
    const model = lstmModel();
    const evicted: [string, Uint8Array][] = [];
    const pool = new StreamPool(model, { maxStreams: 2, onEvict: (id, state) => evicted.push([id, state]) });
    pool.step("a", steps(2, 1));
    pool.step("b", steps(2, 2));
    pool.step("a", steps(1, 3)); // b is now the least recently used
    pool.step("c", steps(1, 4));
    expect(evicted.map(([id]) => id)).toEqual(["b"]);
    expect(pool.ids()).toEqual(["a", "c"]);
    // b comes back from its bytes (evicting a) and continues as if it had never left
    pool.setState("b", evicted[0]![1]);
    expect(evicted.map(([id]) => id)).toEqual(["b", "a"]);
    const whole = model.predict(tensor([...steps(2, 2).data, ...steps(3, 5).data], [1, 5, 3])) as Tensor;
    const y = pool.step("b", steps(3, 5)) as Tensor;
    expectClose(y, tensor(whole.data.slice(2 * 6), [1, 3, 6]), "b after eviction");
  });

  it('"lru" evicts without a callback; a batch never evicts its own streams', () => {
    const pool = new StreamPool(lstmModel(), { maxStreams: 3, onEvict: "lru" });
    pool.stepMany(["a", "b", "c"].map((id) => ({ id, x: steps(1) })));
    pool.stepMany(["c", "d"].map((id) => ({ id, x: steps(1) })));
    expect(pool.ids()).toEqual(["b", "c", "d"]);
    expect(() => pool.stepMany(["e", "f", "g", "h"].map((id) => ({ id, x: steps(1) })))).toThrow(/at most maxStreams/);
    expect(pool.ids()).toEqual(["b", "c", "d"]);
  });

  it("refuses a pool call from inside onEvict", () => {
    let inner: unknown = null;
    const pool = new StreamPool(lstmModel(), {
      maxStreams: 1,
      onEvict: () => {
        try {
          pool.step("z", steps(1));
        } catch (err) {
          inner = err;
        }
      },
    });
    pool.step("a", steps(1));
    pool.step("b", steps(1));
    expect(String(inner)).toMatch(/stepMany called from inside onEvict/);
    expect(pool.ids()).toEqual(["b"]);
  });
});

describe("refusals", () => {
  it("refuses models whose layers need the whole sequence or take their states from the graph", () => {
    const x = Input({ shape: [null, 3] });
    const bi = new Model({ inputs: x, outputs: new Bidirectional(new LSTM({ units: 2 })).apply(x) });
    expect(() => new StreamPool(bi)).toThrow(/Bidirectional .* reads the sequence backwards.*cannot carry it/);
    const back = new Model({ inputs: x, outputs: new SimpleRNN({ units: 2, goBackwards: true }).apply(x) });
    expect(() => new StreamPool(back)).toThrow(/goBackwards: true/);
    const h0 = Input({ shape: [2] });
    const c0 = Input({ shape: [2] });
    const dec = new LSTM({ units: 2 }).apply(x, { initialState: [h0, c0] });
    expect(() => new StreamPool(new Model({ inputs: [x, h0, c0], outputs: dec }))).toThrow(
      /takes its initial state from the graph/,
    );
    const dense = new Model({ inputs: x, outputs: new Dense({ units: 2 }).apply(x) });
    expect(() => new StreamPool(dense)).toThrow(/expected a model with a recurrent layer/);
    expect(() => new StreamPool({} as Model)).toThrow(/expected a Model/);
  });

  it("refuses bad options, ids and inputs, naming them", () => {
    const model = lstmModel();
    expect(() => new StreamPool(model, { maxStreams: 0 })).toThrow(/maxStreams to be an integer from 1/);
    expect(() => new StreamPool(model, { onEvict: "fifo" as "lru" })).toThrow(
      /onEvict to be "error", "lru" or a function/,
    );
    expect(() => new StreamPool(model, { maxStream: 3 } as object)).toThrow(/maxStream/);
    const pool = new StreamPool(model);
    expect(() => pool.step("", steps(1))).toThrow(/id to be a string of 1 to 1024 characters/);
    expect(() => pool.step(7 as unknown as string, steps(1))).toThrow(/id to be a string/);
    expect(() => pool.step("x".repeat(1025), steps(1))).toThrow(/a string of 1025 characters/);
    expect(() => pool.step("a", tensor(new Float32Array(12), [2, 2, 3]))).toThrow(/batch of 1 .*got \[2, 2, 3\]/);
    expect(() => pool.step("a", tensor(new Float32Array(8), [1, 2, 4]))).toThrow(/expected input .* of shape/);
    expect(() => pool.stepMany([])).toThrow(/non-empty array of \{ id, x \}/);
    expect(() =>
      pool.stepMany([
        { id: "a", x: steps(1) },
        { id: "a", x: steps(1) },
      ]),
    ).toThrow(/"a" twice/);
    expect(() => pool.getState("nobody")).toThrow(/unknown id "nobody"/);
    expect(() => pool.setLayerStates("a", [[new Float32Array(6)]])).toThrow(/expected 2 states \[h, c\]/);
    expect(() =>
      pool.setLayerStates("a", [[tensor(new Float32Array(5), [1, 5]), tensor(new Float32Array(6), [1, 6])]]),
    ).toThrow(/state h of shape \[1, 6\], got \[1, 5\]/);
    expect(() =>
      pool.setLayerStates("a", [
        [
          [Number.NaN, 0, 0, 0, 0, 0],
          [0, 0, 0, 0, 0, 0],
        ],
      ]),
    ).toThrow(/finite/);
    expect(pool.size).toBe(0);
  });

  it("a step refused half way (a token out of range) changes no stream", () => {
    setRandomSeed(5);
    const x = Input({ shape: [null], dtype: "int32" });
    const y = new LSTM({ units: 4 }).apply(new Embedding({ inputDim: 10, outputDim: 3 }).apply(x));
    const pool = new StreamPool(new Model({ inputs: x, outputs: y }));
    const ok = tensor(new Int32Array([1, 2]), [1, 2], "int32");
    pool.step("a", ok);
    const before = Array.from(pool.getState("a"));
    const bad = tensor(new Int32Array([3, 12]), [1, 2], "int32");
    expect(() =>
      pool.stepMany([
        { id: "a", x: ok },
        { id: "b", x: bad },
      ]),
    ).toThrow(/12/);
    expect(Array.from(pool.getState("a"))).toEqual(before);
    expect(pool.has("b")).toBe(false);
  });

  it("refuses a model whose layers changed after the pool was made", () => {
    const model = new Sequential({
      layers: [Input({ shape: [null, 3] }), new LSTM({ units: 3, returnSequences: true })],
    });
    const pool = new StreamPool(model);
    pool.step("a", steps(1));
    model.add(new LSTM({ units: 2 }));
    expect(() => pool.step("a", steps(1))).toThrow(/layers changed after the pool was made/);
  });

  it("refuses every call after dispose() or once its model is disposed", () => {
    const model = lstmModel();
    const pool = new StreamPool(model);
    pool.step("a", steps(1));
    pool.dispose();
    expect(() => pool.step("a", steps(1))).toThrow(/freed by dispose/);
    const other = new StreamPool(model);
    model.dispose();
    expect(() => other.step("a", steps(1))).toThrow(/expected a live model/);
  });
});

describe("memory", () => {
  it("10^5 stream steps over streams created and deleted keep wasm memory and the arena flat", () => {
    const pool = new StreamPool(lstmModel(32, 8));
    const x = steps(1, 0, 8);
    const run = (round: number) => {
      const ids = Array.from({ length: 8 }, (_, i) => `s${(round + i) % 40}`);
      pool.stepMany(ids.map((id) => ({ id, x })));
      pool.delete(`s${round % 40}`); // one stream leaves, another arrives next round
    };
    for (let r = 0; r < 200; r++) run(r);
    const bytes = memoryBytes();
    const inUse = arena.inUse;
    for (let r = 200; r < 200 + 12_500; r++) run(r);
    expect(memoryBytes()).toBe(bytes);
    expect(arena.inUse).toBe(inUse);
    pool.dispose();
  });

  it("dispose() gives back everything the pool took", () => {
    const model = lstmModel(16);
    const before = arena.inUse;
    const pool = new StreamPool(model);
    pool.stepMany(Array.from({ length: 100 }, (_, i) => ({ id: `u${i}`, x: steps(2) })));
    expect(arena.inUse).toBeGreaterThan(before);
    pool.dispose();
    expect(arena.inUse).toBe(before);
  });
});
