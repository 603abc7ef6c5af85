// float16 weights (src/quant/float16.ts): NumPy's rounding, saveModel({ weightsDtype: "float16" })
// (TF.js's float16 quantization: half the bytes, read back by TF.js and by loadModel) and
// quantize("float16"), against real Keras (tools/gen_float16.py -> test/cases/float16.json).
//
// Two references: Keras computing in float32 with the weights NumPy rounded to float16 (what a
// float16 file computes), matched at float32's tolerance; and Keras's float32 outputs, matched
// at |got - want| <= 5e-3 + 2e-3 |want|: a weight rounded to float16 is off by at most 2^-11 of
// itself (4.9e-4), a product of K such terms by about sqrt(K) times that, and the recurrence
// carries it on; bench/quant-accuracy.mjs measures the worst at 1.7e-3 (README, Speed).
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dense, Input, LSTM, loadModel, Model, ready, saveModel, tensor, WasmRnnError } from "../../src/index.js";
import { fromFloat16Bits, roundToFloat16, toFloat16Bits } from "../../src/quant/float16.js";
import { asList, decode, type EncodedArray, expectClose, loadCases, TOL } from "../helpers/cases.js";
import { buildCase, type FamilyCase } from "../helpers/family.js";

const F16 = { atol: 5e-3, rtol: 2e-3 };

interface Float16Case extends FamilyCase {
  inputs: EncodedArray[];
  outputs: EncodedArray[];
  outputs_float16: EncodedArray[];
}
const file = loadCases<Float16Case>("float16.json") as ReturnType<typeof loadCases<Float16Case>> & {
  rounding: { values: EncodedArray; bits: number[] };
};

const work = mkdtempSync(join(tmpdir(), "wasm-rnn-float16-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(async () => {
  await ready();
  await tf.setBackend("cpu");
});

describe("float16 rounding", () => {
  it("gives NumPy's astype(float16) bits for every value (ties to even, subnormals, overflow, NaN)", () => {
    const values = decode(file.rounding.values).data;
    expect(values.length).toBe(file.rounding.bits.length);
    expect(values.length).toBeGreaterThan(400);
    values.forEach((v, i) => expect(toFloat16Bits(v), `value ${v} (index ${i})`).toBe(file.rounding.bits[i]));
  });

  it("reads its own bits back: every float16 value round-trips", () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = fromFloat16Bits(h);
      if (Number.isNaN(v)) continue;
      expect(toFloat16Bits(v)).toBe(h);
    }
    expect(Array.from(roundToFloat16(Float32Array.of(1 + 2 ** -12, 65519, 1e-8)))).toEqual([1, 65504, 0]);
  });
});

describe("models saved with float16 weights", () => {
  for (const c of file.cases) {
    it(`${c.name}: half the weight bytes; loadModel and TF.js compute what Keras computes with the rounded weights`, async () => {
      const { model } = buildCase(c.model);
      const x = c.inputs.map(decode);
      const full = await saveModel(model);
      const half = await saveModel(model, undefined, { weightsDtype: "float16" });
      expect(half.weightData.byteLength * 2).toBe(full.weightData.byteLength);
      const manifest = (half.modelJson.weightsManifest as { weights: { quantization?: unknown }[] }[])[0]!.weights;
      for (const w of manifest) expect(w.quantization).toEqual({ dtype: "float16", original_dtype: "float32" });
      const loaded = await loadModel(half);
      const got = asList(loaded.predict(x.length === 1 ? x[0]! : x));
      c.outputs_float16.forEach((o, i) =>
        expectClose(got[i]!, decode(o), `${c.name} output ${i} vs Keras (float16 weights)`, TOL),
      );
      c.outputs.forEach((o, i) =>
        expectClose(got[i]!, decode(o), `${c.name} output ${i} vs Keras (float32 weights)`, F16),
      );
      // TF.js reads the same file: its float16 decoding is the independent check of the format
      const tm = await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: half.modelJson.modelTopology as never,
          weightSpecs: manifest as never,
          weightData: half.weightData.buffer.slice(0) as ArrayBuffer,
        }),
      );
      const tout = tm.predict(tf.tensor(Array.from(x[0]!.data), [...x[0]!.shape])) as tf.Tensor;
      expectClose(
        tensor(tout.dataSync() as Float32Array, tout.shape as number[]),
        decode(c.outputs_float16[0]!),
        "TF.js",
        TOL,
      );
      tm.dispose();
      // quantize("float16") rounds the same way: the same bits as the loaded file's outputs
      expect(model.quantization).toBeNull();
      const report = await model.quantize("float16");
      expect(model.quantization).toBe("float16");
      expect(report.quantized.length).toBeGreaterThan(0);
      expect(model.summary(() => {})).toMatch(/Quantized: float16 \(/);
      asList(model.predict(x.length === 1 ? x[0]! : x)).forEach((t, i) =>
        expect(Array.from(t.data), `${c.name} output ${i}`).toEqual(Array.from(got[i]!.data)),
      );
      model.dispose();
      loaded.dispose();
    });
  }

  it("a directory save writes weights.bin at half the size, and loadModel({ quantize: 'float16' }) rounds on load", async () => {
    const c = file.cases[0]!;
    const { model } = buildCase(c.model);
    await saveModel(model, join(work, "f32"));
    await model.save(join(work, "f16"), { weightsDtype: "float16" });
    expect(statSync(join(work, "f16", "weights.bin")).size * 2).toBe(statSync(join(work, "f32", "weights.bin")).size);
    const fromHalf = await loadModel(join(work, "f16", "model.json"));
    const rounded = await loadModel(join(work, "f32", "model.json"), { quantize: "float16" });
    expect(rounded.quantization).toBe("float16");
    expect(fromHalf.getWeights().map((t) => Array.from(t.data))).toEqual(
      rounded.getWeights().map((t) => Array.from(t.data)),
    );
    expect(
      JSON.parse(readFileSync(join(work, "f16", "model.json"), "utf8")).weightsManifest[0].weights[0].quantization
        .dtype,
    ).toBe("float16");
    // weights set after the rounding are the model's own again: it no longer says float16
    rounded.setWeights(model.getWeights());
    expect(rounded.quantization).toBeNull();
    for (const m of [model, fromHalf, rounded]) m.dispose();
  });
});

describe("float16 refusals", () => {
  const small = () => {
    const x = Input({ shape: [3, 2] });
    const lstm = new LSTM({ units: 2 });
    const model = new Model({ inputs: x, outputs: new Dense({ units: 1 }).apply(lstm.apply(x)) });
    return { model, lstm };
  };

  it("a weight beyond float16's range (65504) is refused, naming layer and weight, and nothing is written or rounded", async () => {
    const { model, lstm } = small();
    const w = lstm.getWeights();
    const big = new Float32Array(w[0]!.data);
    big[3] = 70000;
    lstm.setWeights([tensor(big, [...w[0]!.shape]), w[1]!, w[2]!]);
    await expect(model.save(join(work, "big"), { weightsDtype: "float16" })).rejects.toThrow(
      /saveModel: layer 'lstm(_\d+)?'.*float16's range.*70000 at index 3 of weight kernel/,
    );
    expect(() => statSync(join(work, "big"))).toThrow();
    const before = model.getWeights().map((t) => Array.from(t.data));
    await expect(model.quantize("float16")).rejects.toThrow(WasmRnnError);
    expect(model.getWeights().map((t) => Array.from(t.data))).toEqual(before);
    expect(model.quantization).toBeNull();
    model.dispose();
  });

  it("bad save options are refused: an unknown dtype or key, float16 into .keras", async () => {
    const { model } = small();
    await expect(model.save(undefined, { weightsDtype: "int8" as never })).rejects.toThrow(
      /saveModel: expected weightsDtype "float32" or "float16", got "int8"/,
    );
    await expect(model.save(undefined, { dtype: "float16" } as never)).rejects.toThrow(WasmRnnError);
    await expect(model.save(join(work, "m.keras"), { weightsDtype: "float16" })).rejects.toThrow(
      /weightsDtype "float16" is written in the TF.js format/,
    );
    model.dispose();
  });
});
