// The public API as the README shows it: names, types that follow the flags, eager calls,
// weights round trips. The summary text: test/model/summary.test.ts.
import { beforeAll, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import {
  clearSession,
  Dense,
  Input,
  LSTM,
  Model,
  ready,
  SymbolicTensor,
  setRandomSeed,
  type Tensor,
  tensor,
} from "../../src/index.js";
import { decode, type EncodedArray, expectClose, loadCases } from "../helpers/cases.js";

beforeAll(async () => {
  await ready();
});
beforeEach(() => clearSession());

describe("types follow the flags", () => {
  it("apply returns a tuple with returnState and one tensor without", () => {
    const x = Input({ shape: [3, 1] });
    const both = new LSTM({ units: 1, returnSequences: true, returnState: true }).apply(x);
    expectTypeOf(both).toEqualTypeOf<[SymbolicTensor, SymbolicTensor, SymbolicTensor]>();
    const one = new LSTM({ units: 1 }).apply(x);
    expectTypeOf(one).toEqualTypeOf<SymbolicTensor>();
    const eager = new LSTM({ units: 1, returnState: true }).apply(tensor([0.1, 0.2, 0.3], [1, 3, 1]));
    expectTypeOf(eager).toEqualTypeOf<[Tensor, Tensor, Tensor]>();
    expect(both).toHaveLength(3);
    expect(one).toBeInstanceOf(SymbolicTensor);
    expect(eager.map((t) => t.shape)).toEqual([
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
  });
});

describe("names", () => {
  it("auto-names layers as Keras 3 does", () => {
    const x = Input({ shape: [3, 1] });
    const a = new LSTM({ units: 1, returnSequences: true }),
      b = new LSTM({ units: 1 }),
      d = new Dense({ units: 1 });
    expect([x.sourceLayer.name, a.name, b.name, d.name]).toEqual(["input_layer", "lstm", "lstm_1", "dense"]);
    const model = new Model({ inputs: x, outputs: d.apply(b.apply(a.apply(x))) });
    expect(model.name).toBe("functional");
    expect(model.layers.map((l) => l.name)).toEqual(["input_layer", "lstm", "lstm_1", "dense"]);
    expect(new LSTM({ units: 1, name: "mine" }).name).toBe("mine");
  });
});

describe("predict", () => {
  it("takes nested arrays, returns Tensors with shape, data and toArray()", () => {
    setRandomSeed(3);
    const x = Input({ shape: [3, 1] });
    const y = new LSTM({ units: 2, returnSequences: true }).apply(x);
    const model = new Model({ inputs: x, outputs: y });
    const a = model.predict([[[0.1], [0.2], [0.3]]]) as Tensor;
    const b = model.predict(tensor([0.1, 0.2, 0.3], [1, 3, 1])) as Tensor;
    expect(a.shape).toEqual([1, 3, 2]);
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const nested = a.toArray() as number[][][];
    expect(nested[0]![2]![1]).toBe(a.data[5]);
  });

  it("an eager call gives what the model gives", () => {
    const x = Input({ shape: [4, 3] });
    const lstm = new LSTM({ units: 5, returnState: true, goBackwards: true });
    const model = new Model({ inputs: x, outputs: lstm.apply(x) });
    const input = tensor(
      Float32Array.from({ length: 2 * 4 * 3 }, (_, i) => Math.cos(i)),
      [2, 4, 3],
    );
    const viaModel = model.predict(input) as Tensor[];
    const eager = lstm.apply(input);
    eager.forEach((t, i) => expect(Array.from(t.data)).toEqual(Array.from(viaModel[i]!.data)));
  });

  it("a batch gives what its rows give one by one, for every batch size", () => {
    const x = Input({ shape: [null, 6] });
    const model = new Model({ inputs: x, outputs: new LSTM({ units: 9, returnSequences: true }).apply(x) });
    const B = 5,
      T = 7;
    const data = Float32Array.from({ length: B * T * 6 }, (_, i) => Math.sin(i * 0.37));
    const all = model.predict(tensor(data, [B, T, 6])) as Tensor;
    for (let b = 0; b < B; b++) {
      const row = model.predict(tensor(data.slice(b * T * 6, (b + 1) * T * 6), [1, T, 6])) as Tensor;
      const part = tensor(all.data.slice(b * T * 9, (b + 1) * T * 9), [1, T, 9]);
      expectClose(row, part, `row ${b}`, { atol: 1e-6, rtol: 1e-5 });
    }
  });
});

describe("weights", () => {
  it("getWeights returns what setWeights took, in Keras order and shapes", () => {
    const x = Input({ shape: [2, 3] });
    const lstm = new LSTM({ units: 5 });
    lstm.apply(x);
    const ws = lstm.getWeights();
    expect(ws.map((w) => w.shape)).toEqual([[3, 20], [5, 20], [20]]);
    const fresh = ws.map((w) =>
      tensor(
        Float32Array.from({ length: w.size }, (_, i) => i / 100 - 0.3),
        [...w.shape],
      ),
    );
    lstm.setWeights(fresh);
    lstm.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(fresh[i]!.data)));
    expect(lstm.countParams()).toBe(3 * 20 + 5 * 20 + 20);
  });

  it("default bias is Keras's (unitForgetBias), seeded kernels repeat", () => {
    // the tutorial cases keep the bias Keras initialised its LSTM(1) with
    const kerasBias = Array.from(
      decode(loadCases<{ weights: EncodedArray[] }>("lstm_tutorial.json").cases[0]!.weights[2]!).data,
    );
    const one = new LSTM({ units: 1 });
    one.apply(Input({ shape: [3, 1] }));
    expect(Array.from(one.getWeights()[2]!.data)).toEqual(kerasBias);
    const mk = () => {
      const l = new LSTM({
        units: 3,
        kernelInitializer: { className: "GlorotUniform", seed: 9 },
        recurrentInitializer: { className: "Orthogonal", seed: 4 },
      });
      l.apply(Input({ shape: [2, 2] }));
      return l.getWeights();
    };
    const [k1, r1] = mk();
    const [k2, r2] = mk();
    expect(Array.from(k1!.data)).toEqual(Array.from(k2!.data));
    expect(Array.from(r1!.data)).toEqual(Array.from(r2!.data));
    // glorot uniform limit sqrt(6 / (fan_in + fan_out)) = sqrt(6 / 14)
    expect(Math.max(...Array.from(k1!.data).map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 14));
    // the recurrent kernel [3, 12] has orthonormal rows
    const r = r1!.data;
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let dot = 0;
        for (let k = 0; k < 12; k++) dot += r[i * 12 + k]! * r[j * 12 + k]!;
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 5);
      }
  });
});

describe("tensor()", () => {
  it("takes any numeric typed array, converting to the dtype", () => {
    const t = tensor(Float64Array.from([0.5, 1.25, -2]), [3]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data)).toEqual([0.5, 1.25, -2]);
    const ids = tensor(Uint8Array.from([1, 2, 255]), [1, 3], "int32");
    expect(ids.data).toBeInstanceOf(Int32Array);
    expect(Array.from(ids.data)).toEqual([1, 2, 255]);
    expect(() => tensor(new BigInt64Array(2) as never, [2])).toThrow(/BigInt64Array/);
    expect(() => tensor(new Float64Array(4), [3])).toThrow(/shape \[3\] needs 3 values, got 4/);
  });
});
