// The one error type the library throws for bad input, so callers can tell our refusals from bugs.
export class WasmRnnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WasmRnnError";
  }
}

/** Formats a shape as Keras prints it in messages: `[null, 3, 1]`. */
export function fmtShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? "null" : String(d))).join(", ")}]`;
}

/** A value as an error message shows what came: JSON where it can, NaN / Infinity / undefined by name. */
export function describeValue(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (v === undefined) return "undefined";
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
