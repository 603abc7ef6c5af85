// The option and value validators every part of wasm-rnn uses: one set, so messages read alike
// ("<who>: expected <what>, got <what came>").
import { describeValue, WasmRnnError } from "./errors.js";

/** Whether two concrete shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Rejects option keys the caller does not know (Keras raises on unknown keyword arguments too).
 * `where` names the object when it is not the caller's options ("config": `unknown key "k" in config`).
 */
export function checkOptions(who: string, args: object, known: readonly string[], where?: string): void {
  for (const key of Object.keys(args)) {
    if (!known.includes(key)) {
      const what = where === undefined ? "option" : "key";
      const place = where === undefined ? "" : ` in ${where}`;
      throw new WasmRnnError(
        `${who}: unknown ${what} ${describeValue(key)}${place}; expected one of ${known.join(", ")}`,
      );
    }
  }
}

/** An object literal: not a Tensor, typed array or other class instance (a dict of inputs, targets or losses). */
export function isObjectLiteral(v: unknown): v is Record<string, unknown> {
  if (!isPlainObject(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Whether `v` is a plain object (not null, not an array). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * An options object (a plain object, or undefined for none) with only `known` keys; returns it
 * ({} for undefined).
 */
export function checkOptionsObject<T extends object>(
  who: string,
  options: T | undefined,
  known: readonly string[],
): Partial<T> {
  if (options === undefined) return {};
  if (!isPlainObject(options))
    throw new WasmRnnError(`${who}: expected an options object, got ${describeValue(options)}`);
  checkOptions(who, options, known);
  return options;
}

export function checkBool(who: string, option: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== "boolean")
    throw new WasmRnnError(`${who}: expected ${option} to be a boolean, got ${describeValue(v)}`);
  return v;
}

/** undefined or null (off), or a finite number above 0 (>= 0 with `zeroOk`). */
export function checkOptionalNumber(who: string, option: string, v: unknown, zeroOk = false): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !Number.isFinite(v) || (zeroOk ? v < 0 : v <= 0)) {
    throw new WasmRnnError(
      `${who}: expected ${option} to be null or a finite number ${zeroOk ? ">= 0" : "above 0"}, got ${describeValue(v)}`,
    );
  }
  return v;
}

/** An integer >= 0 (a count: patience, cooldown, an epoch). */
export function checkCount(who: string, option: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
    throw new WasmRnnError(`${who}: expected ${option} to be an integer >= 0, got ${describeValue(v)}`);
  return v;
}

export function checkPositiveInt(who: string, option: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    throw new WasmRnnError(`${who}: expected ${option} to be a positive integer, got ${describeValue(v)}`);
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

/** A `trainable` flag: a boolean (Keras's constructor refuses others too). */
export function checkTrainable(who: string, value: unknown): boolean {
  if (typeof value !== "boolean")
    throw new WasmRnnError(`${who}: expected trainable to be a boolean, got ${describeValue(value)}`);
  return value;
}
