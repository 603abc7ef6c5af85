// setWeights writes into the layer's existing packed blocks (their pointers stay, padding stays
// zero), and the registry looks class names up as own keys only.
import { beforeAll, describe, expect, it } from "vitest";
import { heapF32 } from "../../src/core/wasm.js";
import { Bidirectional, Dense, Embedding, GRU, Input, type Layer, LSTM, ready, SimpleRNN } from "../../src/index.js";
import { registerBuiltinLayers } from "../../src/layers/index.js";
import { entryFor, entryForLayer } from "../../src/layers/registry.js";

beforeAll(() => ready());

const built = (layer: Layer, shape: number[]): Layer => {
  (layer as LSTM).apply(Input({ shape }));
  return layer;
};
const cases: [string, () => Layer][] = [
  ["LSTM", () => built(new LSTM({ units: 3 }), [2, 5])],
  ["GRU resetAfter", () => built(new GRU({ units: 5 }), [2, 3])],
  ["GRU resetBefore", () => built(new GRU({ units: 5, resetAfter: false }), [2, 3])],
  ["SimpleRNN without bias", () => built(new SimpleRNN({ units: 3, useBias: false }), [2, 4])],
  ["Bidirectional LSTM", () => built(new Bidirectional(new LSTM({ units: 2 })), [2, 3])],
  ["Dense", () => built(new Dense({ units: 3 }), [4])],
  ["Embedding", () => built(new Embedding({ inputDim: 5, outputDim: 2 }), [3])],
];

describe("setWeights", () => {
  for (const [name, make] of cases) {
    it(`${name}: writes into the existing blocks, padding zero, values read back`, () => {
      const layer = make();
      const before = layer.paramBlocks().map((b) => b.ptr);
      const values = layer.getWeights().map((w) => Float32Array.from(w.data, (_, i) => 0.5 + (i % 7)));
      layer.setWeights(values);
      expect(layer.paramBlocks().map((b) => b.ptr)).toEqual(before);
      expect(layer.getWeights().map((w) => Array.from(w.data))).toEqual(values.map((v) => Array.from(v)));
      // every non-zero float of the packed blocks is one of the values: padding stays zero
      const heap = heapF32();
      const count = layer
        .paramBlocks()
        .reduce((n, b) => n + heap.subarray(b.ptr >> 2, (b.ptr >> 2) + b.length).filter((v) => v !== 0).length, 0);
      expect(count).toBe(layer.countParams());
    });
  }
});

describe("the registry", () => {
  it("finds built-in class names and nothing for an object's own property names", () => {
    registerBuiltinLayers();
    expect(entryFor("LSTM")?.classNames).toContain("LSTM");
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"])
      expect(entryFor(name)).toBeUndefined();
  });

  it("finds a subclass's entry through its base class", () => {
    registerBuiltinLayers();
    class MyDense extends Dense {}
    expect(entryForLayer(new MyDense({ units: 2 }))?.classNames).toEqual(["Dense"]);
  });
});
