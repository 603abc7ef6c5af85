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
    // data that does not fit its shape would overrun (or under-fill) the wasm buffers it is copied to
    const frozen = Object.isFrozen(shape) ? shape : Object.freeze([...shape]);
    if (trusted) trusted = false;
    else checkTensorParts("Tensor", data, frozen, dtype);
    this.data = data;
    this.shape = frozen;
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

let trusted = false;

/**
 * A Tensor from parts the library made itself and already checked (predict's outputs, copied out
 * of a plan's buffer of that shape): skips the constructor's checks, which are a sixth of a tiny
 * model's predict.
 */
export function trustedTensor(data: TypedData, shape: readonly number[], dtype: DType): Tensor {
  trusted = true;
  return new Tensor(data, shape, dtype);
}

/** Deepest nesting `tensor()` accepts, and the highest rank of a Tensor (Keras tensors are far below it). */
export const MAX_RANK = 32;

/** Checks a shape: at most MAX_RANK non-negative integer dims (no NaN, fraction or Infinity). */
export function checkShape(shape: readonly number[], who: string): void {
  if (!Array.isArray(shape)) throw new WasmRnnError(`${who}: expected a shape (an array of dims), got ${typeof shape}`);
  if (shape.length > MAX_RANK) {
    throw new WasmRnnError(`${who}: expected a shape of at most ${MAX_RANK} dims, got ${shape.length} dims`);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new WasmRnnError(`${who}: expected a shape of non-negative integers, got ${fmtShape(shape)}`);
  }
}

function checkTensorParts(who: string, data: unknown, shape: readonly number[], dtype: DType): void {
  if (dtype !== "float32" && dtype !== "int32") {
    throw new WasmRnnError(`${who}: expected dtype "float32" or "int32", got ${String(dtype)}`);
  }
  const Want = dtype === "float32" ? Float32Array : Int32Array;
  if (!(data instanceof Want)) {
    const got = ArrayBuffer.isView(data) ? data.constructor.name : data === null ? "null" : typeof data;
    throw new WasmRnnError(`${who}: expected ${dtype} data as a ${Want.name}, got ${got}`);
  }
  checkShape(shape, who);
  let size = 1;
  for (const d of shape) size *= d;
  if (data.length !== size) {
    throw new WasmRnnError(`${who}: shape ${fmtShape(shape)} needs ${size} values, got ${data.length}`);
  }
}

function inferShape(data: NestedArray, who: string): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    if (shape.length === MAX_RANK) {
      throw new WasmRnnError(`${who}: expected nested arrays at most ${MAX_RANK} deep, got deeper ones`);
    }
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0]!;
  }
  return shape;
}

/** Flattens nested arrays of this shape row-major, with an explicit stack (no recursion). */
function flatten(data: NestedArray, shape: readonly number[], out: number[], who: string): void {
  const stack: { items: NestedArray; dim: number }[] = [{ items: data, dim: 0 }];
  while (stack.length > 0) {
    const { items, dim } = stack.pop()!;
    if (dim === shape.length) {
      if (typeof items !== "number") {
        throw new WasmRnnError(
          `${who}: expected a number at depth ${dim}, got ${Array.isArray(items) ? "an array" : typeof items}`,
        );
      }
      out.push(items);
      continue;
    }
    if (!Array.isArray(items) || items.length !== shape[dim]) {
      throw new WasmRnnError(
        `${who}: ragged nested array: expected length ${shape[dim]} at depth ${dim}, got ${Array.isArray(items) ? items.length : typeof items}`,
      );
    }
    if (dim + 1 === shape.length) {
      for (const v of items) {
        if (typeof v !== "number") {
          throw new WasmRnnError(
            `${who}: expected a number at depth ${dim + 1}, got ${Array.isArray(v) ? "an array" : typeof v}`,
          );
        }
        out.push(v);
      }
      continue;
    }
    // pushed in reverse so that they pop in order
    for (let i = items.length - 1; i >= 0; i--) stack.push({ items: items[i]!, dim: dim + 1 });
  }
}

/** Nested number arrays (or one number) flattened row-major, with their shape; ragged ones refused. */
export function nestedValues(data: NestedArray, who: string): { values: number[]; shape: number[] } {
  const shape = inferShape(data, who);
  const values: number[] = [];
  flatten(data, shape, values, who);
  return { values, shape };
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
  if (shape !== undefined && !Array.isArray(shape)) {
    throw new WasmRnnError(
      `${who}: expected shape to be an array of dims, got ${shape === null ? "null" : typeof shape}`,
    );
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
    const inferred = inferShape(data, who);
    const flat: number[] = [];
    flatten(data, inferred, flat, who);
    resolved = shape ? [...shape] : inferred;
    values = flat;
  } else {
    throw new WasmRnnError(
      `${who}: expected a number array or a typed array, got ${data === null ? "null" : typeof data}`,
    );
  }
  checkShape(resolved, who);
  const size = resolved.reduce((a, b) => a * b, 1);
  // refused before allocating (a huge shape must not allocate first and fail after)
  if (values.length !== size) {
    throw new WasmRnnError(`${who}: shape ${fmtShape(resolved)} needs ${size} values, got ${values.length}`);
  }
  const out = dtype === "float32" ? new Float32Array(size) : new Int32Array(size);
  out.set(values);
  return new Tensor(out, resolved, dtype);
}

/** Accepts a Tensor, or nested number arrays, for an input of rank `rank`. */
export function toTensor(x: TensorLike, who: string): Tensor {
  // layers compute in float32: Keras casts an int tensor given to a layer call (token ids included:
  // Embedding takes float32 ids holding whole numbers)
  if (x instanceof Tensor) return x.dtype === "int32" ? new Tensor(Float32Array.from(x.data), x.shape, "float32") : x;
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
