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
