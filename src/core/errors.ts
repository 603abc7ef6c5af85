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

/**
 * A JSON.stringify replacer that shows a value's first levels only: a hostile file's value may be
 * nested 1e5 deep (JSON.stringify recurses: a RangeError) or be cyclic, or hold millions of items.
 */
function shallow(): (this: unknown, key: string, value: unknown) => unknown {
  const depth = new WeakMap<object, number>();
  let objects = 0;
  return function (this: unknown, _key: string, value: unknown): unknown {
    if (typeof value !== "object" || value === null) return value;
    const d = (depth.get(this as object) ?? -1) + 1;
    if (d > 8 || ++objects > 64) return "…";
    const shown =
      Array.isArray(value) && value.length > 16 ? [...value.slice(0, 16), `… (${value.length} items)`] : value;
    depth.set(shown, d);
    return shown;
  };
}

/**
 * A value as an error message shows what came: JSON where it can (its first levels), NaN /
 * Infinity / undefined by name; never more than a few hundred characters.
 */
export function describeValue(v: unknown): string {
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "symbol" || v === undefined) return String(v);
  if (typeof v === "function") return "a function";
  let text: string;
  try {
    text = JSON.stringify(v, shallow()) ?? String(v);
  } catch {
    text = Object.prototype.toString.call(v);
  }
  return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} characters)` : text;
}
