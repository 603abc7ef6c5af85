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

// How much of a value a message shows: a hostile file's value may be nested 1e5 deep or hold
// millions of items, and JSON.stringify recurses (a RangeError) and copies all of it.
const SHOWN_DEPTH = 8;
const SHOWN_NODES = 64;
const SHOWN_CHARS = 200;

/** Whether JSON.stringify of `v` is cheap and bounded: few objects, shallow, no long arrays. */
function small(v: unknown): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [x, depth] = stack.pop()!;
    if (typeof x !== "object" || x === null) continue;
    if (++nodes > SHOWN_NODES || depth >= SHOWN_DEPTH) return false;
    if (ArrayBuffer.isView(x)) return false;
    const keys = Array.isArray(x) ? null : Object.keys(x);
    const n = keys ? keys.length : (x as unknown[]).length;
    if (n > SHOWN_NODES) return false;
    for (let i = 0; i < n; i++)
      stack.push([keys ? (x as Record<string, unknown>)[keys[i]!] : (x as unknown[])[i], depth + 1]);
  }
  return true;
}

/** A short, bounded preview of a value too big or too deep to show whole. */
function preview(v: unknown, depth: number): string {
  if (Array.isArray(v)) {
    if (depth >= 2) return `[…${v.length} items]`;
    const head = v.slice(0, 3).map((x) => preview(x, depth + 1));
    return `[${head.join(", ")}${v.length > 3 ? `, … (${v.length} items)` : ""}]`;
  }
  if (ArrayBuffer.isView(v))
    return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length ?? v.byteLength})`;
  if (typeof v === "object" && v !== null) {
    const keys = Object.keys(v);
    if (depth >= 2) return `{…${keys.length} keys}`;
    const head = keys
      .slice(0, 3)
      .map((k) => `${JSON.stringify(k.slice(0, 40))}: ${preview((v as Record<string, unknown>)[k], depth + 1)}`);
    return `{${head.join(", ")}${keys.length > 3 ? `, … (${keys.length} keys)` : ""}}`;
  }
  return describeValue(v);
}

/**
 * A value as an error message shows what came: JSON where it can, NaN / Infinity / undefined by
 * name; bounded (a few hundred characters, never recursing into deep values).
 */
export function describeValue(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (v === undefined) return "undefined";
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "function") return `a function${v.name ? ` ${v.name.slice(0, 40)}` : ""}`;
  if (typeof v === "symbol") return String(v);
  let text: string;
  try {
    text = small(v) ? (JSON.stringify(v) ?? String(v)) : preview(v, 0);
  } catch {
    text = Object.prototype.toString.call(v);
  }
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}… (${text.length} characters)` : text;
}
