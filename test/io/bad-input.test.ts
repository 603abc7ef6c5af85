// A model file is untrusted input: every malformed file must end in a WasmRnnError that names the
// problem (never a crash, a hang, another error type, or running code from the file).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  Input,
  LSTM,
  loadModel,
  loadWeights,
  Model,
  ready,
  type SavedArtifacts,
  saveModel,
  WasmRnnError,
} from "../../src/index.js";
import { ROOT } from "../helpers/cases.js";

const DIR = join(ROOT, "test", "models");
const h5 = readFileSync(join(DIR, "lstm_sequential.h5"));
const keras = readFileSync(join(DIR, "lstm_sequential.keras"));
const bytes = (b: Buffer) => new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

let art: SavedArtifacts;
beforeAll(async () => {
  await ready();
  const m = await loadModel(join(DIR, "lstm_sequential.keras"));
  art = await saveModel(m);
  m.dispose();
});

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
type Topo = { config: { layers: { class_name: string; name: string; config: Record<string, unknown> }[] } };
const topo = (mj: typeof art.modelJson) => mj.modelTopology as unknown as Topo;

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "should have thrown").toBeInstanceOf(WasmRnnError);
  expect((err as Error).message).toMatch(re);
}

describe("bad model files", () => {
  it("wrong magic, empty and truncated files", async () => {
    await rejects(
      loadModel(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])),
      /unrecognised model format \(first bytes 01 02 03/,
    );
    await rejects(loadModel(new Uint8Array(0)), /empty file/);
    for (const cut of [8, 100, 1000, Math.floor(h5.length / 2), h5.length - 1]) {
      await rejects(
        loadModel(bytes(h5).slice(0, cut)),
        /truncated HDF5 file: the superblock declares \d+ bytes, got \d+|corrupt or unsupported HDF5 \(superblock\)/,
      );
    }
    for (const cut of [4, 30, 500, Math.floor(keras.length / 2), keras.length - 10]) {
      await rejects(loadModel(bytes(keras).slice(0, cut)), /corrupt \.keras zip/);
    }
    await rejects(loadModel(new TextEncoder().encode(JSON.stringify(art.modelJson).slice(0, 200))), /not valid JSON/);
  });

  it("TF.js weights: truncated shard, wrong shape, wrong count", async () => {
    await rejects(
      loadModel({ modelJson: art.modelJson, weightData: art.weightData.slice(0, 100) }),
      /should hold \d+ bytes, got 100 \(truncated/,
    );
    const shape = clone(art.modelJson);
    const ws = (shape.weightsManifest as { weights: { name: string; shape: number[] }[] }[])[0]!.weights;
    ws[0]!.shape = [ws[0]!.shape[1]!, ws[0]!.shape[0]!];
    await rejects(
      loadModel({ modelJson: shape, weightData: art.weightData }),
      /layer 'lstm\w*' \(LSTM\) expects kernel of shape \[3, 16\], weight 'lstm\w*\/kernel' has shape \[16, 3\]/,
    );
    const count = clone(art.modelJson);
    (count.weightsManifest as { weights: unknown[] }[])[0]!.weights.splice(2, 1);
    await rejects(loadModel({ modelJson: count, weightData: art.weightData }), /expects 3 weights .* the file has 2/);
    await rejects(loadModel({ modelJson: art.modelJson }), /no way to read them/);
  });

  it("unknown layer classes are named; Lambda and custom layers are refused", async () => {
    const unknown = clone(art.modelJson);
    topo(unknown).config.layers[1]!.class_name = "MaxPooling3D";
    await rejects(
      loadModel({ modelJson: unknown, weightData: art.weightData }),
      /layer 'lstm\w*' has class 'MaxPooling3D', which wasm-rnn cannot load/,
    );
    const lambda = clone(art.modelJson);
    topo(lambda).config.layers[1]!.class_name = "Lambda";
    topo(lambda).config.layers[1]!.config.function = [
      "4wEAAAAAAAAAAQAAAAEAAABTAAAAcwgAAAB8AGQBFABTACkCTukCAAAAqQApAdoBeHIBAAAAcgEAAAD6HjxpcHl0aG9uLWlucHV0LTItYjk0ZTM1NDNiNzQ3PtoIPGxhbWJkYT4BAAAA8wAAAAA=",
      null,
      null,
    ];
    await rejects(
      loadModel({ modelJson: lambda, weightData: art.weightData }),
      /Lambda, which holds Python code; refused/,
    );
    const custom = clone(art.modelJson);
    topo(custom).config.layers[2]!.class_name = "MyAttention";
    await rejects(
      loadModel({ modelJson: custom, weightData: art.weightData }),
      /'MyAttention'.*custom or not implemented/,
    );
    const act = clone(art.modelJson);
    topo(act).config.layers[2]!.config.activation = { class_name: "function", config: { code: "evil" } };
    await rejects(loadModel({ modelJson: act, weightData: art.weightData }), /built-in activation name/);
  });

  it("sizes that would exhaust memory are refused before allocating, with a configurable limit", async () => {
    const huge = clone(art.modelJson);
    topo(huge).config.layers[1]!.config.units = 1_000_000;
    await rejects(
      loadModel({ modelJson: huge, weightData: art.weightData }),
      /over the limit of \d+ \(option maxParams\)/,
    );
    const wide = clone(art.modelJson);
    (wide.weightsManifest as { weights: { shape: number[] }[] }[])[0]!.weights[0]!.shape = [1e6, 1e6];
    await rejects(
      loadModel({ modelJson: wide, weightData: art.weightData }),
      /more than \d+ weight values \(option maxParams\)/,
    );
    await rejects(
      loadModel(join(DIR, "lstm_sequential.keras"), { maxParams: 100 }),
      /over the limit of 100 \(option maxParams\)/,
    );
    await rejects(
      loadModel(join(DIR, "lstm_sequential.keras"), { maxBytes: 1000 }),
      /over the limit of 1000 \(option maxBytes\)/,
    );
    const m = await loadModel(join(DIR, "lstm_sequential.keras"), { maxParams: 1000 });
    expect(m.countParams()).toBeLessThan(1000);
    m.dispose();
  });

  it("loadWeights checks the file against the model", async () => {
    const x = Input({ shape: [5, 3] });
    const other = new Model({ inputs: x, outputs: new LSTM({ units: 7 }).apply(x) });
    await rejects(
      loadWeights(other, join(DIR, "lstm_sequential.weights.h5")),
      /no weights for layer|match no layer|expects/,
    );
    await rejects(loadWeights(other, join(DIR, "lstm_sequential.json")), /expected Keras weights/);
    other.dispose();
  });

  it("paths and sources: a directory, a missing file, a wrong argument type", async () => {
    await rejects(loadModel(DIR), /is a directory/);
    await rejects(loadModel(join(DIR, "nope.keras")), /no such file/);
    await rejects(loadModel(42 as never), /expected a path, URL, bytes or TF\.js artifacts/);
    await rejects(loadModel(join(DIR, "lstm_sequential.keras"), { hardSigmoid: "x" as never }), /hardSigmoid/);
  });
});

/** Loads and disposes; returns "ok" or the error for the property check. */
async function tryLoad(b: Uint8Array): Promise<unknown> {
  try {
    const m = await loadModel(b);
    m.dispose();
    return "ok";
  } catch (err) {
    return err;
  }
}

// half the mutations hit the first 4 KiB, where HDF5 superblock, object headers and the zip's first entry live
const mutation = (len: number) =>
  fc.array(
    fc.record({
      at: fc.oneof(fc.nat({ max: Math.min(len - 1, 4095) }), fc.nat({ max: len - 1 })),
      value: fc.integer({ min: 0, max: 255 }),
    }),
    { minLength: 1, maxLength: 8 },
  );

describe("fast-check: mutated valid files load or throw WasmRnnError", () => {
  for (const [label, file] of [
    ["legacy .h5", h5],
    [".keras", keras],
  ] as const) {
    it(`${label}: byte mutations and truncations`, async () => {
      const base = bytes(file);
      await fc.assert(
        fc.asyncProperty(
          mutation(base.length),
          fc.option(fc.nat({ max: base.length }), { nil: undefined }),
          async (muts, cut) => {
            const b = base.slice(0, cut ?? base.length);
            for (const m of muts) if (m.at < b.length) b[m.at] = m.value;
            const r = await tryLoad(b);
            if (r !== "ok" && !(r instanceof WasmRnnError))
              throw new Error(`not a WasmRnnError: ${String((r as Error)?.stack ?? r)}`);
          },
        ),
        { numRuns: Number(process.env.FUZZ_RUNS ?? 300), ...(process.env.FUZZ_RUNS ? {} : { seed: 42 }) },
      );
    });
  }
  it("TF.js model.json: JSON text mutations", async () => {
    const text = JSON.stringify(art.modelJson);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            at: fc.nat({ max: text.length - 1 }),
            ch: fc.constantFrom("0", "9", "-", "[", "]", "{", "}", '"', ",", "e", "null", "1e9"),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        async (muts) => {
          let t = text;
          for (const m of muts) t = t.slice(0, m.at) + m.ch + t.slice(m.at + 1);
          const r = await tryLoad(new TextEncoder().encode(t)).then(
            (v) => v,
            (e: unknown) => e,
          );
          // a model.json given as bytes has no shards: either it fails to parse/build or it says so
          if (r !== "ok" && !(r instanceof WasmRnnError))
            throw new Error(`not a WasmRnnError: ${String((r as Error)?.stack ?? r)}`);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
  it("TF.js artifacts: mutated weight bytes and manifest shapes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 2 }),
        fc.array(fc.integer({ min: -2, max: 1 << 20 }), { minLength: 0, maxLength: 3 }),
        fc.nat({ max: art.weightData.length }),
        async (wi, shape, cut) => {
          const mj = clone(art.modelJson);
          (mj.weightsManifest as { weights: { shape: number[] }[] }[])[0]!.weights[wi]!.shape = shape;
          let r: unknown;
          try {
            const m = await loadModel({ modelJson: mj, weightData: art.weightData.slice(0, cut) });
            m.dispose();
            r = "ok";
          } catch (err) {
            r = err;
          }
          if (r !== "ok" && !(r instanceof WasmRnnError))
            throw new Error(`not a WasmRnnError: ${String((r as Error)?.stack ?? r)}`);
        },
      ),
      { numRuns: 200, seed: 3 },
    );
  });
});
