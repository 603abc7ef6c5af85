// Shared by the io tests: fixture goldens (../shared/fixtures/*/goldens/*.json) and tensors from them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { tensor, type Model, type Tensor } from "../src/index.js";
import { knownClasses } from "../src/io/registry.js";
import { registerBuiltinLayers } from "../src/io/layers.js";
import { expectClose, FIXTURES } from "./helpers.js";

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

export function goldenTensor(a: GoldenArray, dtype: "float32" | "int32" = a.dtype === "int32" ? "int32" : "float32"): Tensor {
  return tensor(dtype === "int32" ? Int32Array.from(a.data) : Float32Array.from(a.data), a.shape, dtype);
}

/** Runs a golden's inputs through the model and compares every output within the golden's tolerance. */
export function checkGolden(model: Model, g: Golden, label: string, outputs = g.outputs): Tensor[] {
  const ins = g.inputs.map((a, i) => goldenTensor(a, model.inputs[i]!.dtype));
  const out = model.predict(ins.length === 1 ? ins[0]! : ins);
  const got = Array.isArray(out) ? out : [out];
  expect(got.length, `${label}: number of outputs`).toBe(outputs.length);
  outputs.forEach((o, i) => expectClose(got[i]!, goldenTensor(o, "float32"), `${label} output ${i} (${o.name})`, g.tolerance));
  return got;
}

/** Keras class names a topology uses (wrapped layers included). */
export function classesIn(topology: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (typeof o.class_name === "string" && o.config && typeof o.config === "object") out.add(o.class_name);
      Object.values(o).forEach(walk);
    }
  };
  walk(topology);
  return out;
}

const NOT_LAYERS = /^(Model|Functional|Sequential|VarianceScaling|Orthogonal|Zeros|Ones|GlorotUniform|GlorotNormal|RandomUniform|RandomNormal|TruncatedNormal|Constant|Identity|DTypePolicy|__keras_tensor__|RMSprop|Adam|SGD|function|L1L2|L2|L1)$/;

/** Layer classes of a TF.js model.json that the loader cannot build yet. */
export function missingLayers(modelJsonPath: string): string[] {
  registerBuiltinLayers();
  const mj = JSON.parse(readFileSync(modelJsonPath, "utf8")) as { modelTopology: unknown };
  const known = new Set(knownClasses());
  return [...classesIn(mj.modelTopology)].filter((c) => !NOT_LAYERS.test(c) && c !== "InputLayer" && !known.has(c)).sort();
}
