// predict's steps outside the Model class: inputs checked into tensors, one run of a plan (copy
// in, one kernel call per layer, copy out), and Keras's batch_size as runs of a few rows.
import { fmtShape, WasmRnnError } from "../core/errors.js";
import { type NumericArray, nestedValues, sliceRows, Tensor, type TensorLike, tensor } from "../core/tensor.js";
import { isObjectLiteral, sameShape } from "../core/validate.js";
import { writeBufs } from "../layers/heap.js";
import type { InputLayer } from "../layers/input.js";
import type { Layer, SymbolicTensor } from "../layers/layer.js";
import type { Plan } from "./plan.js";

/** The option names predict takes. */
export const PREDICT_KEYS = ["batchSize"];

export interface PredictOptions {
  /** Rows per call, as Keras's `batch_size` (default: the whole batch at once). */
  batchSize?: number;
}

/**
 * What predict, fit and evaluate take as `x`: one input's data (a Tensor, or nested number arrays),
 * a list of them (one per input), or a dict keyed by input name. Integer data into a float input
 * is cast, as Keras does; whole-number floats into an int input.
 */
export type InputData = TensorLike | TensorLike[] | Record<string, TensorLike>;

/** predict's batchSize, checked (undefined: the whole batch at once). */
export function checkBatchSize(who: string, batchSize: unknown): number | undefined {
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || (batchSize as number) < 1)) {
    throw new WasmRnnError(`${who}: expected batchSize to be a positive integer, got ${JSON.stringify(batchSize)}`);
  }
  return batchSize as number | undefined;
}

/**
 * Checks `x` against the model's inputs (count, dtype, shape, no empty dimension, one batch size)
 * and returns one tensor per input. A tensor of the last plan's input shape passes at once.
 * `anyRows` lets the batch dimension differ from a fixed batch size (training's data).
 */
export function toInputTensors(
  who: string,
  inputs: readonly SymbolicTensor[],
  x: InputData,
  anyRows: boolean,
  lastPlan: Plan | null,
): Tensor[] {
  const n = inputs.length;
  if (n === 1 && x instanceof Tensor) {
    if (lastPlan && x.dtype === lastPlan.inputs[0]!.dtype && sameShape(lastPlan.inputs[0]!.shape, x.shape)) return [x];
  }
  type Item = TensorLike | NumericArray;
  let items: Item[];
  if (isObjectLiteral(x)) items = byInputName(who, inputs, x as Record<string, TensorLike | NumericArray>);
  else if (n === 1) items = [Array.isArray(x) && x.length === 1 && isTensorOrView(x[0]) ? x[0] : (x as Item)];
  else {
    if (!Array.isArray(x) || x.length !== n) {
      const got = Array.isArray(x) ? `${x.length} items` : x instanceof Tensor ? "one tensor" : typeof x;
      throw new WasmRnnError(
        `${who}: expected an array of ${n} inputs (${inputs.map((t) => t.name).join(", ")}), got ${got}`,
      );
    }
    items = x as Item[];
  }
  const tensors = items.map((item, i) => {
    const layer = inputs[i]!.sourceLayer as InputLayer;
    const t = castInput(who, layer, asInputTensor(who, layer, item));
    const want = layer.batchShape;
    const ok =
      t.shape.length === want.length && want.every((d, j) => d === null || (j === 0 && anyRows) || d === t.shape[j]);
    if (!ok) {
      throw new WasmRnnError(
        `${who}: expected input '${layer.name}' of shape ${fmtShape(want)}, got ${fmtShape(t.shape)}`,
      );
    }
    if (t.shape.some((d) => d === 0)) {
      throw new WasmRnnError(
        `${who}: expected input '${layer.name}' with no empty dimension, got ${fmtShape(t.shape)}`,
      );
    }
    return t;
  });
  const batches = tensors.map((t) => t.shape[0]);
  if (batches.some((b) => b !== batches[0])) {
    throw new WasmRnnError(`${who}: expected all inputs to have the same batch size, got ${batches.join(", ")}`);
  }
  return tensors;
}

/** A list of one input given for a one-input model: a Tensor or a typed array (not nested arrays). */
const isTensorOrView = (v: unknown): v is Tensor | NumericArray =>
  v instanceof Tensor || (ArrayBuffer.isView(v) && !(v instanceof DataView));

/** Keras's dict of inputs: one entry per input, keyed by the input layer's name. */
function byInputName(
  who: string,
  inputs: readonly SymbolicTensor[],
  x: Record<string, TensorLike | NumericArray>,
): (TensorLike | NumericArray)[] {
  const names = inputs.map((t) => t.sourceLayer.name);
  const keys = Object.keys(x);
  const extra = keys.filter((k) => !names.includes(k));
  const missing = names.filter((k) => !Object.hasOwn(x, k));
  if (extra.length || missing.length) {
    throw new WasmRnnError(
      `${who}: expected inputs keyed by the input names (${names.join(", ")}), got keys ${keys.join(", ") || "none"}`,
    );
  }
  return names.map((k) => x[k]!);
}

/**
 * One input as a tensor: a Tensor as it is, or nested arrays (any depth). A bare typed array has
 * no shape: tensor(data, shape) gives it one (any numeric kind; integers into a float input are cast).
 */
function asInputTensor(who: string, layer: InputLayer, item: TensorLike | NumericArray): Tensor {
  if (item instanceof Tensor) return item;
  if (ArrayBuffer.isView(item)) {
    throw new WasmRnnError(
      `${who}: input '${layer.name}' is a bare typed array with no shape: wrap it with tensor(data, shape)`,
    );
  }
  if (typeof item !== "number" && !Array.isArray(item)) {
    throw new WasmRnnError(
      `${who}: expected input '${layer.name}' as a Tensor, a typed array or nested arrays of numbers, got ${item === null ? "null" : typeof item}`,
    );
  }
  const { values, shape } = nestedValues(item, who);
  return inputTensor(who, layer, values, shape);
}

/** Values of any numeric kind as a tensor of the input's dtype (int: whole numbers only). */
function inputTensor(who: string, layer: InputLayer, values: ArrayLike<number>, shape: number[]): Tensor {
  if (layer.dtype === "int32") return tensor(toInt32(values, `${who}: input '${layer.name}' (int32)`), shape, "int32");
  return tensor(values as NumericArray, shape, "float32");
}

/**
 * Keras casts what it is given to the input's dtype: integer data into a float input (token ids
 * given to a float32 Input before an Embedding); floats into an int input only when every value
 * is an integer in int32 range (refused otherwise, naming the input and the value).
 */
export function castInput(who: string, layer: InputLayer, t: Tensor): Tensor {
  if (t.dtype === layer.dtype) return t;
  if (layer.dtype === "float32") return new Tensor(Float32Array.from(t.data), t.shape, "float32");
  return new Tensor(toInt32(t.data, `${who}: input '${layer.name}' (int32)`), t.shape, "int32");
}

/** Float values -> Int32Array, refusing any value that is not an integer in int32 range. */
export function toInt32(data: ArrayLike<number>, who: string): Int32Array {
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      throw new WasmRnnError(
        `${who}: expected integer values (Keras casts only whole numbers losslessly), got ${v} at flat index ${i}`,
      );
    }
    out[i] = v;
  }
  return out;
}

/** The stateful layers among a model's layers (found by their flag, so no layer class is needed). */
export function statefulLayers(layers: readonly Layer[]): Layer[] {
  return layers.filter((l) => (l as { stateful?: boolean }).stateful === true);
}

/**
 * One forward pass through a plan: inputs copied in, each step's kernel; the outputs are left in
 * the plan's output buffers (readBuf copies them out). If a layer refuses its values (e.g. token
 * ids out of range) after a stateful layer ran, the stateful layers get back the states they had
 * before the call.
 */
export function runPlan(plan: Plan, tensors: readonly Tensor[], stateful: readonly Layer[], who?: string): void {
  writeBufs(plan.inputs, tensors, who);
  const steps = plan.steps;
  for (const l of stateful) l.keepStates("save");
  try {
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!;
      s.layer.forward(s.inputs, s.outputs, s.scratch, s.masks);
    }
  } catch (err) {
    for (const l of stateful) l.keepStates("restore");
    throw err;
  }
}

/**
 * Keras's `predict(x, batch_size)`: `run` on `batchSize` rows at a time (bounding the workspace),
 * the outputs concatenated. Stateful layers carry their states from one batch to the next.
 */
export function predictInBatches(
  tensors: readonly Tensor[],
  batchSize: number,
  run: (part: Tensor[]) => Tensor[],
): Tensor[] {
  const B = tensors[0]!.shape[0]!;
  const parts: Tensor[][] = [];
  for (let b0 = 0; b0 < B; b0 += batchSize) {
    const n = Math.min(batchSize, B - b0);
    parts.push(run(tensors.map((t) => sliceRows(t, b0, b0 + n))));
  }
  return parts[0]!.map((first, i) => {
    const rowSize = first.size / first.shape[0]!;
    const data = new Float32Array(B * rowSize);
    let offset = 0;
    for (const p of parts) {
      data.set(p[i]!.data, offset);
      offset += p[i]!.size;
    }
    return new Tensor(data, [B, ...first.shape.slice(1)], "float32");
  });
}
