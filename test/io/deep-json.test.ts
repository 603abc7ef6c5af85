// Issue 12, item 6: a config value nested 1e5 deep (in a model file, a training configuration, or
// a compile() argument) is refused with a WasmRnnError, never a RangeError from a recursive walk
// (JSON.stringify in an error message, or reading the config); messages describe such values in a
// few hundred characters. A known-good model still predicts correctly afterwards.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { describeValue } from "../../src/core/errors.js";
import {
  Dense,
  Input,
  LSTM,
  loadModel,
  Model,
  ready,
  type SavedArtifacts,
  saveModel,
  WasmRnnError,
} from "../../src/index.js";
import { applyTrainingConfig } from "../../src/io/training-config.js";
import { ROOT } from "../helpers/cases.js";
import { checkGolden, type Golden } from "../helpers/golden.js";

const DIR = join(ROOT, "test", "models");
const DEPTH = 100_000;

/** `[[[...1...]]]` nested `n` deep, built without recursion. */
function deepArray(n: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = [v];
  return v;
}
function deepObject(n: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
}
/** The same as JSON text (JSON.stringify of it would overflow the stack). */
const deepText = (n: number) => `${"[".repeat(n)}1${"]".repeat(n)}`;

async function refused(p: Promise<unknown>, re?: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected a WasmRnnError, got ${String(err)}`).toBeInstanceOf(WasmRnnError);
  expect((err as Error).message.length).toBeLessThan(2000);
  if (re) expect((err as Error).message).toMatch(re);
}

let art: SavedArtifacts;
beforeAll(async () => {
  await ready();
  const m = await loadModel(join(DIR, "lstm_sequential.keras"));
  art = await saveModel(m);
  m.dispose();
});

type Topo = { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
/** The artifacts with one layer config key set to `value` (shallow copies: the deep value is shared, never cloned). */
function withValue(layer: number, key: string, value: unknown): SavedArtifacts {
  const topo = art.modelJson.modelTopology as unknown as Topo;
  const layers = topo.config.layers.map((l, i) => (i === layer ? { ...l, config: { ...l.config, [key]: value } } : l));
  const modelTopology = { ...topo, config: { ...topo.config, layers } };
  return { ...art, modelJson: { ...art.modelJson, modelTopology } as SavedArtifacts["modelJson"] };
}

describe("deep JSON", () => {
  it("describeValue is bounded: deep, cyclic and huge values in a few hundred characters", () => {
    const cyclic: Record<string, unknown> = { x: 1 };
    cyclic.self = cyclic;
    for (const v of [deepArray(DEPTH), deepObject(DEPTH), cyclic, new Array(1e6).fill(0), "x".repeat(1e5)]) {
      const text = describeValue(v);
      expect(text.length).toBeLessThan(300);
    }
    // small values read as before: JSON, numbers and undefined by name
    expect(describeValue({ a: 1, b: [1, 2] })).toBe('{"a":1,"b":[1,2]}');
    expect(describeValue("tanh")).toBe('"tanh"');
    expect([describeValue(Number.NaN), describeValue(undefined), describeValue(null)]).toEqual([
      "NaN",
      "undefined",
      "null",
    ]);
  });

  it("a layer config value nested 1e5 deep, at any key, is refused with a WasmRnnError", async () => {
    const keys = ["activation", "units", "recurrent_activation", "return_sequences", "dtype", "unknown_key", "name"];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys), fc.constantFrom(1, 2), fc.boolean(), async (key, layer, asObject) => {
        const deep = asObject ? deepObject(DEPTH) : deepArray(DEPTH);
        await refused(loadModel(withValue(layer, key, deep)), /nests more than 100 levels deep/);
      }),
      { numRuns: 12 },
    );
  });

  it("a .keras config.json and a training configuration nested 1e5 deep are refused", async () => {
    const files = unzipSync(new Uint8Array(readFileSync(join(DIR, "compiled_lstm.keras"))));
    const text = strFromU8(files["config.json"]!);
    const zip = (configText: string) => zipSync({ ...files, "config.json": strToU8(configText) });
    // the deep value spliced in as text: an activation, and the compiled loss
    await refused(loadModel(zip(text.replace('"activation": "tanh"', `"activation": ${deepText(DEPTH)}`))));
    await refused(
      loadModel(zip(text.replace(/"loss": "[a-z_]+"/, `"loss": ${deepText(DEPTH)}`))),
      /nests more than 100 levels deep/,
    );
    // shallow enough: loads
    const ok = await loadModel(zip(text));
    ok.dispose();
  });

  it("a legacy .h5's training_config (a JSON string of its own) nested 1e5 deep is refused", async () => {
    const m = await loadModel(join(DIR, "lstm_sequential.keras"));
    for (const raw of [`{"optimizer_config": {"class_name": "Adam"}, "loss": ${deepText(DEPTH)}}`, deepObject(DEPTH)]) {
      expect(() => applyTrainingConfig(m, raw as never)).toThrow(/training configuration nests more than 100 levels/);
    }
    expect(m.compileArgs).toBeNull();
    m.dispose();
  });

  it("compile() with a deep loss, metric or optimizer config is refused with a short message", () => {
    const x = Input({ shape: [3, 2] });
    const model = new Model({ inputs: x, outputs: new Dense({ units: 1 }).apply(new LSTM({ units: 2 }).apply(x)) });
    const deep = deepArray(DEPTH);
    for (const args of [
      { optimizer: "adam", loss: deep },
      { optimizer: deep, loss: "mse" },
      { optimizer: { className: "adam", config: deep }, loss: "mse" },
      { optimizer: "adam", loss: "mse", metrics: [deep] },
    ]) {
      let caught: unknown;
      try {
        model.compile(args as never);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(WasmRnnError);
      expect((caught as Error).message.length).toBeLessThan(600);
    }
    model.dispose();
  });

  it("a known-good model still predicts correctly afterwards", async () => {
    const g = JSON.parse(readFileSync(join(DIR, "lstm_sequential.json"), "utf8")) as Golden;
    const m = await loadModel(join(DIR, "lstm_sequential.keras"));
    checkGolden(m, g, "after deep JSON");
    m.dispose();
  });
});
