// TF.js weight shards quantized as TF.js's converter writes them (src/io/tfjs.ts): uint8 and uint16
// (affine: w = q * scale + min, per weight) and float16. The reference is TF.js itself reading the
// same artifacts: the same dequantized weights, so the same outputs within float32's tolerance.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { Dense, GRU, Input, loadModel, Model, ready, saveModel, type Tensor, tensor } from "../../src/index.js";
import { toFloat16Bits } from "../../src/quant/float16.js";
import { expectClose } from "../helpers/cases.js";
import { ramp } from "../helpers/errors.js";

beforeAll(async () => {
  await ready();
  await tf.setBackend("cpu");
});

interface Spec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: Record<string, unknown>;
}

/** The converter's quantization of float32 values: per weight, min and scale over its range. */
function quantize(
  values: Float32Array,
  dtype: "uint8" | "uint16" | "float16",
): { bytes: Uint8Array; quantization: Record<string, string | number> } {
  if (dtype === "float16") {
    const out = new Uint16Array(values.length).map((_, i) => toFloat16Bits(values[i]!));
    return { bytes: new Uint8Array(out.buffer), quantization: { dtype, original_dtype: "float32" } };
  }
  const levels = dtype === "uint8" ? 255 : 65535;
  let min = Infinity,
    max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const scale = max > min ? (max - min) / levels : 1;
  const q = (dtype === "uint8" ? new Uint8Array(values.length) : new Uint16Array(values.length)).map((_, i) =>
    Math.round((values[i]! - min) / scale),
  );
  return { bytes: new Uint8Array(q.buffer), quantization: { dtype, min, scale, original_dtype: "float32" } };
}

function model(): Model {
  const x = Input({ shape: [6, 3] });
  const gru = new GRU({ units: 5, returnSequences: true, resetAfter: false });
  const m = new Model({ inputs: x, outputs: new Dense({ units: 2 }).apply(gru.apply(x)) });
  m.setWeights(m.getWeights().map((w, i) => tensor(ramp(w.size, 0.37 + i / 7), [...w.shape])));
  return m;
}

describe("TF.js quantized weight shards", () => {
  for (const dtype of ["uint8", "uint16", "float16"] as const) {
    it(`${dtype}: loadModel dequantizes as TF.js does (same outputs; weights within half a step of float32)`, async () => {
      const original = model();
      const saved = await saveModel(original);
      const specs = (saved.modelJson.weightsManifest as unknown as { weights: Spec[] }[])[0]!.weights;
      const floats = original.getWeights();
      const parts = floats.map((w) => quantize(w.data as Float32Array, dtype));
      const weightData = new Uint8Array(parts.reduce((n, p) => n + p.bytes.length, 0));
      let at = 0;
      for (const p of parts) {
        weightData.set(p.bytes, at);
        at += p.bytes.length;
      }
      const weightSpecs = specs.map((s, i) => ({ ...s, quantization: parts[i]!.quantization }));
      const modelJson = { ...saved.modelJson, weightsManifest: [{ paths: ["weights.bin"], weights: weightSpecs }] };

      const ours = await loadModel({ modelJson, weightData });
      const tm = await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: saved.modelJson.modelTopology as never,
          weightSpecs: weightSpecs as never,
          weightData: weightData.buffer.slice(0) as ArrayBuffer,
        }),
      );
      const x = tensor(ramp(2 * 6 * 3, 0.9), [2, 6, 3]);
      const want = tm.predict(tf.tensor(Array.from(x.data), [2, 6, 3])) as tf.Tensor;
      expectClose(
        ours.predict(x) as Tensor,
        tensor(want.dataSync() as Float32Array, want.shape as number[]),
        `${dtype}: ours vs TF.js`,
      );
      // the weights really went through the quantization: off float32 by at most half a step, not all equal
      let moved = 0;
      ours.getWeights().forEach((w, i) => {
        const q = parts[i]!.quantization as { scale?: number };
        const f = floats[i]!.data;
        w.data.forEach((v, j) => {
          const d = Math.abs(v - f[j]!);
          const step = q.scale ?? Math.abs(f[j]!) * 2 ** -10;
          expect(d, `${dtype} weight ${i}[${j}]`).toBeLessThanOrEqual(step / 2 + 1e-7 * Math.abs(f[j]!));
          if (d > 0) moved++;
        });
      });
      expect(moved).toBeGreaterThan(0);
      tm.dispose();
      want.dispose();
      ours.dispose();
      original.dispose();
    });
  }
});
