// The option and value validators every part of wasm-rnn uses: one set, so messages read alike
// ("<who>: expected <what>, got <what came>").
import { describeValue, WasmRnnError } from "./errors.js";

/** Whether two concrete shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Rejects option keys a layer does not know (Keras raises on unknown keyword arguments too). */
export function checkOptions(who: string, args: object, known: readonly string[]): void {
  for (const key of Object.keys(args)) {
    if (!known.includes(key)) {
      throw new WasmRnnError(`${who}: unknown option ${JSON.stringify(key)}; expected one of ${known.join(", ")}`);
    }
  }
}

export function checkBool(who: string, option: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== "boolean")
    throw new WasmRnnError(`${who}: expected ${option} to be a boolean, got ${JSON.stringify(v)}`);
  return v;
}

export function checkPositiveInt(who: string, option: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    throw new WasmRnnError(`${who}: expected ${option} to be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** A finite number in [lo, hi] (bounds open where `open` says). */
export function checkNumber(
  who: string,
  option: string,
  v: unknown,
  fallback: number,
  lo: number,
  hi: number,
  open: { lo?: boolean; hi?: boolean } = {},
): number {
  if (v === undefined) return fallback;
  const ok =
    typeof v === "number" && Number.isFinite(v) && (open.lo ? v > lo : v >= lo) && (open.hi ? v < hi : v <= hi);
  if (!ok) {
    const range =
      lo === -Infinity && hi === Infinity
        ? "a finite number"
        : hi === Infinity
          ? open.lo
            ? `a finite number above ${lo}`
            : `a finite number >= ${lo}`
          : `a number in ${open.lo ? "(" : "["}${lo}, ${hi}${open.hi ? ")" : "]"}`;
    throw new WasmRnnError(`${who}: expected ${option} to be ${range}, got ${describeValue(v)}`);
  }
  return v as number;
}
