// Issue 12, items 7, 10, 11: data that does not fit its shape is refused before it reaches wasm
// memory; pointer arithmetic stays unsigned up to 4 GiB; oversized layers are refused before any
// allocation; ready() refuses options that are not an object.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { arena, blockSize, f32Index, growthPages, MAX_WASM_BYTES } from "../../src/core/arena.js";
import {
  Dense,
  Embedding,
  Input,
  LSTM,
  Model,
  memoryBytes,
  ready,
  Tensor,
  tensor,
  WasmRnnError,
} from "../../src/index.js";
import { writeBufs } from "../../src/layers/heap.js";

beforeAll(async () => {
  await ready();
});

function twoModels() {
  const xa = Input({ shape: [2] });
  const a = new Model({ inputs: xa, outputs: new Dense({ units: 2 }).apply(xa) });
  const xb = Input({ shape: [2] });
  const b = new Model({ inputs: xb, outputs: new Dense({ units: 2 }).apply(xb) });
  return { a, b };
}

describe("tensor data must fit its shape", () => {
  it("the Tensor constructor refuses too long, too short, fractional, NaN, negative and infinite shapes", () => {
    expect(() => new Tensor(new Float32Array(5), [2, 2], "float32")).toThrow(/shape \[2, 2\] needs 4 values, got 5/);
    expect(() => new Tensor(new Float32Array(3), [2, 2], "float32")).toThrow(WasmRnnError);
    expect(() => new Tensor(new Float32Array(5), [1, 2.5, 2], "float32")).toThrow(/non-negative integers.*2\.5/);
    expect(() => new Tensor(new Float32Array(0), [Number.NaN], "float32")).toThrow(/non-negative integers.*NaN/);
    expect(() => new Tensor(new Float32Array(0), [-1], "float32")).toThrow(WasmRnnError);
    expect(() => new Tensor(new Float32Array(0), [Infinity], "float32")).toThrow(WasmRnnError);
    expect(() => new Tensor(new Int32Array(4), [4], "float32")).toThrow(/float32 data as a Float32Array/);
    expect(new Tensor(new Float32Array(4), [2, 2], "float32").shape).toEqual([2, 2]);
  });

  it("tensor() gives a clear message for a NaN dim, not an allocation failure", () => {
    expect(() => tensor(new Float32Array(4), [Number.NaN, 2])).toThrow(/tensor\(\): expected a shape of non-negative/);
    expect(() => tensor([1, 2, 3], [1.5, 2])).toThrow(WasmRnnError);
    expect(() => tensor([1, 2], 5 as never)).toThrow(WasmRnnError);
  });

  it("too long data does not overwrite another model's weights; too short does not reuse the last input", () => {
    const { a, b } = twoModels();
    const before = b.getWeights().map((w) => Array.from(w.data));
    a.predict(tensor([[1, 2]]));
    // a tensor whose data outgrew its shape (the constructor refuses it, so forge one)
    const long = tensor([[1, 2]]);
    Object.defineProperty(long, "data", { value: new Float32Array(1 << 16).fill(7) });
    expect(() => a.predict(long)).toThrow(WasmRnnError);
    expect(b.getWeights().map((w) => Array.from(w.data))).toEqual(before);
    const short = tensor([[1, 2]]);
    Object.defineProperty(short, "data", { value: new Float32Array(1) });
    expect(() => a.predict(short)).toThrow(/expected 2 values/);
  });

  it("writeBufs refuses data of the wrong size at the wasm boundary", () => {
    const ptr = arena.alloc(16);
    try {
      const t = tensor([1, 2, 3, 4]);
      Object.defineProperty(t, "data", { value: new Float32Array(8) });
      expect(() => writeBufs([{ ptr, shape: [4], dtype: "float32" }], [t], "test")).toThrow(/test: expected 4 values/);
    } finally {
      arena.free(ptr);
    }
  });

  it("setWeights refuses too long or too short data, changing nothing", () => {
    const { a } = twoModels();
    const dense = a.layers[1]!;
    const before = dense.getWeights().map((w) => Array.from(w.data));
    const kernel = tensor([
      [1, 2],
      [3, 4],
    ]);
    Object.defineProperty(kernel, "data", { value: new Float32Array(1 << 12) });
    expect(() => dense.setWeights([kernel, tensor([0, 0])])).toThrow(WasmRnnError);
    expect(() => dense.setWeights([new Float32Array(5), new Float32Array(2)])).toThrow(WasmRnnError);
    expect(dense.getWeights().map((w) => Array.from(w.data))).toEqual(before);
  });

  it("a nested array 10^5 deep is a WasmRnnError from tensor() and predict, not a RangeError", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => tensor(deep as never)).toThrow(WasmRnnError);
    const { a } = twoModels();
    expect(() => a.predict(deep as never)).toThrow(WasmRnnError);
    // wide but shallow arrays still flatten, in order
    expect(Array.from(tensor([[[1, 2]], [[3, 4]]]).data)).toEqual([1, 2, 3, 4]);
  });
});

describe("pointers past 2 GiB", () => {
  it("byte offsets convert to float indices unsigned", () => {
    expect(f32Index(2 ** 31)).toBe(2 ** 29);
    expect(f32Index(2 ** 32 - 64)).toBe(2 ** 30 - 16);
    expect(f32Index(3 * 2 ** 30 + 128)).toBeGreaterThan(0);
  });

  it("the arena sizes and grows unsigned up to 4 GiB and refuses clearly beyond", () => {
    expect(blockSize(2 ** 31 + 1)).toBe(2 ** 31 + 64);
    expect(() => blockSize(MAX_WASM_BYTES)).toThrow(/4 GiB/);
    expect(() => blockSize(Number.NaN)).toThrow(/finite, non-negative byte count, got NaN/);
    // geometric growth is capped at 4 GiB rather than failing past it
    const have = 3.5 * 2 ** 30;
    expect(have + growthPages(have, have + 65536) * 65536).toBeLessThanOrEqual(MAX_WASM_BYTES);
    expect(growthPages(2 ** 31, 2 ** 31 + 1)).toBeGreaterThan(0);
    expect(() => growthPages(2 ** 31, MAX_WASM_BYTES + 64)).toThrow(/4 GiB/);
    const bytes = memoryBytes();
    expect(() => arena.alloc(2 ** 33)).toThrow(WasmRnnError);
    expect(memoryBytes()).toBe(bytes);
  });
});

describe("quick refusals", () => {
  it("an Embedding too big for wasm memory fails fast, before allocating", () => {
    const t0 = performance.now();
    expect(() => new Embedding({ inputDim: 2 ** 31, outputDim: 8 })).toThrow(WasmRnnError);
    expect(() => new Embedding({ inputDim: 2 ** 31, outputDim: 8 })).toThrow(/embeddings \[2147483648, 8\]/);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("LSTM units 1e9 is a WasmRnnError, and a Dense too big for its input is refused at build", () => {
    expect(() => new LSTM({ units: 1e9 })).toThrow(WasmRnnError);
    const x = Input({ shape: [1e6] });
    const bytes = memoryBytes();
    expect(() => new Dense({ units: 1e4 }).apply(x)).toThrow(/fit the wasm memory/);
    expect(memoryBytes()).toBe(bytes);
  });

  it("ready(null) and ready(123) reject with a WasmRnnError", async () => {
    await expect(ready(null as never)).rejects.toThrow(WasmRnnError);
    await expect(ready(123 as never)).rejects.toThrow(/expected an options object/);
  });
});

describe("fuzzing: tensors whose data does not fit their shape", () => {
  const dim = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom(Number.NaN, -1, 2.5, Infinity, -0.5, 2 ** 40));

  it("the Tensor constructor accepts exactly the shapes its data fills, else a WasmRnnError", () => {
    fc.assert(
      fc.property(fc.array(dim, { maxLength: 5 }), fc.integer({ min: 0, max: 80 }), (shape, length) => {
        const valid = shape.every((d) => Number.isInteger(d) && d >= 0);
        const size = shape.reduce((a, b) => a * b, 1);
        try {
          const t = new Tensor(new Float32Array(length), shape, "float32");
          expect(valid && size === length).toBe(true);
          expect(t.size).toBe(size);
        } catch (err) {
          expect(err).toBeInstanceOf(WasmRnnError);
          expect(valid && size === length).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("predict refuses forged tensors of any wrong length, and a known-good model still predicts the same", () => {
    const { a } = twoModels();
    const good = tensor([[0.5, -1]]);
    const expected = Array.from((a.predict(good) as Tensor).data);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4096 }).filter((n) => n !== 2),
        (length) => {
          const forged = tensor([[1, 2]]);
          Object.defineProperty(forged, "data", { value: new Float32Array(length).fill(9) });
          expect(() => a.predict(forged)).toThrow(WasmRnnError);
        },
      ),
      { numRuns: 200 },
    );
    expect(Array.from((a.predict(good) as Tensor).data)).toEqual(expected);
  });
});
