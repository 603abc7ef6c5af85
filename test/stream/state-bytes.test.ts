// A stream's state as bytes: the documented layout (README "Streams"), carried to another pool and
// model, and every truncated, altered, foreign or non-finite state refused with nothing changed.
import { crc32 } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import {
  Dense,
  GRU,
  Input,
  LSTM,
  Model,
  ready,
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

/** An LSTM(5) -> GRU(3) -> Dense(2) model over 4 features, seeded weights. */
function stack(seed: number): Model {
  setRandomSeed(seed);
  const x = Input({ shape: [null, 4] });
  const h = new GRU({ units: 3 }).apply(new LSTM({ units: 5, returnSequences: true }).apply(x));
  return new Model({ inputs: x, outputs: new Dense({ units: 2 }).apply(h) });
}

const steps = (n: number, k = 0) =>
  tensor(
    Float32Array.from({ length: n * 4 }, (_, i) => Math.cos(i * 0.37 + k)),
    [1, n, 4],
  );

/** The bytes with a valid CRC again after `edit` (to reach the checks behind the checksum). */
function resealed(bytes: Uint8Array, edit: (view: DataView) => void): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  edit(view);
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

describe("state bytes", () => {
  it("follow the documented layout: header, float32 little-endian states in layer order, CRC-32", () => {
    const pool = new StreamPool(stack(1));
    pool.step("u", steps(3));
    const bytes = pool.getState("u");
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const floats = 5 + 5 + 3; // LSTM h, c; GRU h
    expect(bytes.length).toBe(16 + 4 * floats + 4);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("WRNS");
    expect(view.getUint16(4, true)).toBe(1);
    expect(view.getUint16(6, true)).toBe(2);
    expect(view.getUint32(12, true)).toBe(floats);
    expect(view.getUint32(bytes.length - 4, true)).toBe(crc32(bytes.subarray(0, bytes.length - 4)));
    const [[h, c], [g]] = pool.getLayerStates("u") as [[Tensor, Tensor], [Tensor]];
    const packed = [...h.data, ...c.data, ...g.data];
    packed.forEach((v, i) => expect(view.getFloat32(16 + 4 * i, true)).toBe(v));
    expect(packed.some((v) => v !== 0)).toBe(true);
  });

  it("carry a stream to another pool over another model of the same architecture (other layer names)", () => {
    const a = stack(7);
    const b = stack(99);
    b.setWeights(a.getWeights());
    expect(b.layers.map((l) => l.name)).not.toEqual(a.layers.map((l) => l.name));
    const whole = a.predict(tensor(Float32Array.from([...steps(3).data, ...steps(2, 5).data]), [1, 5, 4])) as Tensor;
    const first = new StreamPool(a);
    first.step("u", steps(3));
    const second = new StreamPool(b);
    second.setState("u", first.getState("u").buffer as ArrayBuffer); // an ArrayBuffer (as KV returns it) works too
    expectClose(second.step("u", steps(2, 5)) as Tensor, whole, "continued in another pool");
  });

  it("refuse every truncation, every flipped bit, foreign, newer and non-finite states, changing nothing", () => {
    const pool = new StreamPool(stack(2));
    pool.step("u", steps(2));
    const good = pool.getState("u");
    const before = Array.from(good);
    const refused = (bytes: unknown, re: RegExp) => {
      expect(() => pool.setState("u", bytes as Uint8Array)).toThrow(WasmRnnError);
      expect(() => pool.setState("new", bytes as Uint8Array)).toThrow(re);
      expect(Array.from(pool.getState("u"))).toEqual(before);
      expect(pool.has("new")).toBe(false);
    };
    for (let n = 0; n < good.length; n++) refused(good.subarray(0, n), /truncated|expected wasm-rnn stream state/);
    refused(new Uint8Array([...good, 0]), /extra bytes/);
    for (let i = 0; i < good.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = good.slice();
        bad[i]! ^= 1 << bit;
        refused(bad, /altered|truncated|extra bytes|version|expected wasm-rnn stream state/);
      }
    }
    refused(
      resealed(good, (v) => v.setUint16(4, 2, true)),
      /expected state format version 1, got version 2/,
    );
    refused(
      resealed(good, (v) => v.setFloat32(16, Number.NaN, true)),
      /finite/,
    );
    refused(
      resealed(good, (v) => v.setFloat32(20, Number.POSITIVE_INFINITY, true)),
      /finite/,
    );
    refused("WRNS", /Uint8Array or ArrayBuffer/);
    refused([...good], /Uint8Array or ArrayBuffer/);
    refused(null, /got null/);
    // a valid state of another model (one GRU of 13 units: as many floats, another fingerprint)
    setRandomSeed(3);
    const x = Input({ shape: [null, 4] });
    const other = new StreamPool(new Model({ inputs: x, outputs: new GRU({ units: 13 }).apply(x) }));
    other.step("o", steps(1));
    refused(other.getState("o"), /expected the state of a model with LSTM\(5: h, c\), GRU\(3: h\).*another model/);
  });

  it("survive a fuzz of random edits: each is refused with a WasmRnnError or, if unchanged, accepted", () => {
    const pool = new StreamPool(stack(4));
    pool.step("u", steps(2));
    const good = pool.getState("u");
    let seed = 12345;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let k = 0; k < 3000; k++) {
      let bad = good.slice();
      const edits = 1 + rand(4);
      for (let e = 0; e < edits; e++) {
        const kind = rand(3);
        if (kind === 0) bad[rand(bad.length)] = rand(256);
        else if (kind === 1) bad = bad.subarray(0, rand(bad.length + 1));
        else bad = new Uint8Array([...bad, ...Array.from({ length: 1 + rand(8) }, () => rand(256))]);
      }
      const same = bad.length === good.length && bad.every((v, i) => v === good[i]);
      if (same) pool.setState("u", bad);
      else expect(() => pool.setState("u", bad)).toThrow(WasmRnnError);
    }
    expect(Array.from(pool.getState("u"))).toEqual(Array.from(good));
  });
});
