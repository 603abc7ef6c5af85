// The one loader of the Keras-generated case files (test/cases/*.json): reading them, decoding their arrays
// into tensors, and the tolerance check |got - want| <= 1e-5 + 1e-4 * |want| that every replay uses.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { type Model, type Tensor, tensor } from "../../src/index.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** ../shared/fixtures beside the checkout (CI has it there too). */
export const FIXTURES = join(ROOT, "..", "shared", "fixtures");
export const hasFixtures = existsSync(FIXTURES);
/** The Python with real Keras 3 (`.venv` in the checkout; CI makes it), for the Keras halves of tests. */
export const KERAS_PYTHON = process.env.WASM_RNN_PYTHON ?? join(ROOT, ".venv", "bin", "python");

export interface EncodedArray {
  shape: number[];
  b64: string;
}

export function decode(a: EncodedArray): Tensor {
  const bytes = Buffer.from(a.b64, "base64");
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return tensor(data, a.shape);
}

export interface CaseFile<C> {
  keras_version: string;
  tolerance: { atol: number; rtol: number };
  cases: C[];
}

export function loadCases<C>(name: string): CaseFile<C> {
  return JSON.parse(readFileSync(join(ROOT, "test", "cases", name), "utf8")) as CaseFile<C>;
}

/**
 * The cases of one part of a case file that several test files share, split by case name: a case goes to
 * the first part whose pattern matches, and a case that no part claims fails loudly.
 */
export function partOfCases<C extends { name: string }>(
  file: string,
  cases: C[],
  parts: [part: string, name: RegExp][],
  part: string,
): C[] {
  if (!parts.some(([p]) => p === part)) throw new Error(`${file} has no part ${part}`);
  const partOf = (c: C) => {
    const found = parts.find(([, re]) => re.test(c.name));
    if (!found)
      throw new Error(`${file}: case ${c.name} belongs to no test file (add it to the parts in test/helpers)`);
    return found[0];
  };
  return cases.filter((c) => partOf(c) === part);
}

export const TOL = { atol: 1e-5, rtol: 1e-4 };

/** Asserts |got - want| <= atol + rtol * |want| element-wise, naming the worst element on failure. */
export function expectClose(got: Tensor, want: Tensor, label: string, tol = TOL): void {
  expect(got.shape, `${label}: shape`).toEqual(want.shape);
  let worst = -1,
    worstExcess = 0;
  for (let i = 0; i < want.size; i++) {
    const g = got.data[i]!,
      w = want.data[i]!;
    const excess = Math.abs(g - w) - (tol.atol + tol.rtol * Math.abs(w));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${label}: element ${worst} is ${got.data[worst]}, Keras gives ${want.data[worst]} (over tolerance by ${worstExcess})`,
    );
  }
}

/** A layer as a case file stores it: its config and its weights in Keras's get_weights() order. */
export interface LayerCase<C> {
  config: C;
  weights: EncodedArray[];
}

export const asList = (out: Tensor | Tensor[]) => (Array.isArray(out) ? out : [out]);

/** Predicts the case's inputs and compares every output with Keras's; returns what the model gave. */
export function replay(model: Model, inputs: EncodedArray[], outputs: EncodedArray[], label: string): Tensor[] {
  const got = asList(model.predict(inputs.map(decode)));
  expect(got.length, `${label}: number of outputs`).toBe(outputs.length);
  outputs.forEach((o, i) => expectClose(got[i]!, decode(o), `${label} output ${i}`));
  return got;
}

export function maxAbsDiff(a: Tensor, b: Tensor): number {
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}
