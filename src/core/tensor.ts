// Concrete tensors: a shape and a flat row-major typed array (what `predict` takes and returns).
import { fmtShape, WasmRnnError } from "./errors.js";

export type DType = "float32" | "int32";
export type TypedData = Float32Array | Int32Array;
/** Any numeric typed array `tensor()` accepts (values are converted to the tensor's dtype). */
export type NumericArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | Uint8ClampedArray;
/** Nested number arrays, as `Tensor.toArray()` returns them. */
export type NestedArray = number | NestedArray[];

export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly data: TypedData;

  constructor(data: TypedData, shape: readonly number[], dtype: DType) {
    this.data = data;
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze([...shape]);
    this.dtype = dtype;
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The values as nested arrays of the tensor's shape. */
  toArray(): NestedArray {
    if (this.shape.length === 0) return this.data[0]!;
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = this.shape[dim]!;
      const out: NestedArray[] = new Array(n);
      if (dim === this.shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = this.data[offset + i]!;
        return out;
      }
      let stride = 1;
      for (let d = dim + 1; d < this.shape.length; d++) stride *= this.shape[d]!;
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * stride);
      return out;
    };
    return build(0, 0);
  }

  toString(): string {
    return `Tensor(${this.dtype}, ${fmtShape(this.shape)})`;
  }
}

export type TensorLike = Tensor | NestedArray | TypedData;

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0]!;
  }
  return shape;
}

function flatten(data: NestedArray, shape: readonly number[], out: number[], dim: number, who: string): void {
  if (dim === shape.length) {
    if (typeof data !== "number") {
      throw new WasmRnnError(
        `${who}: expected a number at depth ${dim}, got ${Array.isArray(data) ? "an array" : typeof data}`,
      );
    }
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new WasmRnnError(
      `${who}: ragged nested array: expected length ${shape[dim]} at depth ${dim}, got ${Array.isArray(data) ? data.length : typeof data}`,
    );
  }
  for (const item of data) flatten(item, shape, out, dim + 1, who);
}

function checkShape(shape: readonly number[], who: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new WasmRnnError(`${who}: expected a shape of non-negative integers, got ${fmtShape(shape)}`);
  }
}

/**
 * Creates a tensor. `data` is a flat or nested number array or a typed array; `shape` is inferred
 * from nested arrays when omitted.
 */
export function tensor(
  data: NestedArray | TypedData | NumericArray,
  shape?: readonly number[],
  dtype: DType = "float32",
): Tensor {
  const who = "tensor()";
  if (dtype !== "float32" && dtype !== "int32") {
    throw new WasmRnnError(`${who}: expected dtype "float32" or "int32", got ${JSON.stringify(dtype)}`);
  }
  let values: ArrayLike<number>;
  let resolved: number[];
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const view: unknown = data;
    if (view instanceof BigInt64Array || view instanceof BigUint64Array) {
      throw new WasmRnnError(
        `${who}: expected number values, got a ${view.constructor.name} (convert it to Int32Array or Float32Array)`,
      );
    }
    resolved = shape ? [...shape] : [(data as NumericArray).length];
    values = data as NumericArray;
  } else if (Array.isArray(data) && shape && data.every((v) => typeof v === "number")) {
    resolved = [...shape];
    values = data as number[];
  } else if (typeof data === "number" || Array.isArray(data)) {
    const inferred = inferShape(data);
    const flat: number[] = [];
    flatten(data, inferred, flat, 0, who);
    resolved = shape ? [...shape] : inferred;
    values = flat;
  } else {
    throw new WasmRnnError(
      `${who}: expected a number array or a typed array, got ${data === null ? "null" : typeof data}`,
    );
  }
  checkShape(resolved, who);
  const size = resolved.reduce((a, b) => a * b, 1);
  if (values.length !== size) {
    throw new WasmRnnError(`${who}: shape ${fmtShape(resolved)} needs ${size} values, got ${values.length}`);
  }
  const out = dtype === "float32" ? new Float32Array(size) : new Int32Array(size);
  out.set(values);
  return new Tensor(out, resolved, dtype);
}

/** Accepts a Tensor, or nested number arrays, for an input of rank `rank`. */
export function toTensor(x: TensorLike, who: string): Tensor {
  if (x instanceof Tensor) return x;
  if (x instanceof Float32Array || x instanceof Int32Array) {
    throw new WasmRnnError(`${who}: a bare typed array has no shape: wrap it with tensor(data, shape)`);
  }
  return tensor(x, undefined, "float32");
}

/** Rows [from, to) of the first axis, as a view on the same data (no copy). */
export function sliceRows(t: Tensor, from: number, to: number): Tensor {
  const row = t.size / t.shape[0]!;
  return new Tensor(t.data.subarray(from * row, to * row), [to - from, ...t.shape.slice(1)], t.dtype);
}
