// Shared by the io tests: fixture goldens (../shared/fixtures/*/goldens/*.json) and tensors from them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { type Model, type Tensor, tensor } from "../../src/index.js";
import { expectClose, FIXTURES } from "./cases.js";

export interface GoldenArray {
  name: string;
  shape: number[];
  dtype: string;
  data: number[];
}
export interface Golden {
  model: string;
  tfjs_model?: string;
  tolerance: { atol: number; rtol: number };
  inputs: GoldenArray[];
  outputs: GoldenArray[];
}

export function readGolden(set: string, file: string): Golden {
  return JSON.parse(readFileSync(join(FIXTURES, set, "goldens", file), "utf8")) as Golden;
}

export function goldenTensor(
  a: GoldenArray,
  dtype: "float32" | "int32" = a.dtype === "int32" ? "int32" : "float32",
): Tensor {
  return tensor(dtype === "int32" ? Int32Array.from(a.data) : Float32Array.from(a.data), a.shape, dtype);
}

/** Runs a golden's inputs through the model and compares every output within the golden's tolerance. */
export function checkGolden(model: Model, g: Golden, label: string, outputs = g.outputs): Tensor[] {
  const ins = g.inputs.map((a, i) => goldenTensor(a, model.inputs[i]!.dtype));
  const out = model.predict(ins.length === 1 ? ins[0]! : ins);
  const got = Array.isArray(out) ? out : [out];
  expect(got.length, `${label}: number of outputs`).toBe(outputs.length);
  outputs.forEach((o, i) =>
    expectClose(got[i]!, goldenTensor(o, "float32"), `${label} output ${i} (${o.name})`, g.tolerance),
  );
  return got;
}
