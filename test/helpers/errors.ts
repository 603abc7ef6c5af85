// Shared by the tests of refusals: every one is a WasmRnnError whose message names what it must.
import { expect } from "vitest";
import { WasmRnnError } from "../../src/index.js";

/** Asserts `fn` throws a WasmRnnError whose message contains every string and matches every pattern. */
export function expectError(fn: () => unknown, ...parts: (string | RegExp)[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, "expected a throw").toBeInstanceOf(WasmRnnError);
  const msg = (caught as Error).message;
  for (const p of parts) {
    if (typeof p === "string") expect(msg).toContain(p);
    else expect(msg).toMatch(p);
  }
}

/** A deterministic ramp of `n` values in [-1, 1]. */
export const ramp = (n: number, f = 0.37) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f));

/** Tensors' values as plain arrays, to compare with toEqual. */
export const values = (ts: { data: ArrayLike<number> }[]) => ts.map((t) => Array.from(t.data));
