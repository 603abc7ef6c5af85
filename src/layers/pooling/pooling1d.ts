// MaxPooling1D and AveragePooling1D: [B, T, C] -> [B, To, C] (channels_first: [B, C, T] -> [B, C, To])
// over windows of poolSize steps every `strides` steps; padding "valid" (To = floor((T - poolSize) /
// strides) + 1) or "same" (To = ceil(T / strides), the windows centred as TensorFlow pads, padding
// never counted). Keras 3's pooling layers do not support masking: a mask is dropped, not used.
import { fmtShape, WasmRnnError } from "../../core/errors.js";
import type { NestedArray, Tensor } from "../../core/tensor.js";
import { checkOptions, checkPositiveInt } from "../../core/validate.js";
import { kernels } from "../../core/wasm.js";
import type { Buf } from "../heap.js";
import type { Shape, SymbolicTensor } from "../layer.js";
import { WeightlessLayer } from "../weightless.js";

export type PoolPadding = "valid" | "same";
export type DataFormat = "channels_last" | "channels_first";

export interface Pooling1DArgs {
  /** Default 2: steps per window (a number or a one-element array, as Keras takes both). */
  poolSize?: number | readonly number[];
  /** Default null: poolSize. Steps between windows. */
  strides?: number | readonly number[] | null;
  /** Default "valid". */
  padding?: PoolPadding;
  /** Default "channels_last" ([batch, steps, channels]); "channels_first" is [batch, channels, steps]. */
  dataFormat?: DataFormat;
  name?: string;
}

/** A positive integer or a one-element array of one (Keras's 1D tuple arguments). */
export function checkTuple1(who: string, option: string, v: unknown): number {
  const x = Array.isArray(v) && v.length === 1 ? v[0] : v;
  return checkPositiveInt(who, `${option} (a number or a one-element array)`, x);
}

export function checkDataFormat(who: string, v: unknown): DataFormat {
  if (v === undefined || v === null) return "channels_last";
  if (v !== "channels_last" && v !== "channels_first")
    throw new WasmRnnError(`${who}: expected dataFormat "channels_last" or "channels_first", got ${JSON.stringify(v)}`);
  return v;
}

/** Output steps and the steps padded before the first window (Keras / TensorFlow arithmetic). */
export function poolGeometry(
  T: number,
  pool: number,
  stride: number,
  padding: PoolPadding,
): { To: number; padLeft: number } {
  if (padding === "valid") return { To: Math.floor((T - pool) / stride) + 1, padLeft: 0 };
  const To = Math.ceil(T / stride);
  return { To, padLeft: Math.floor(Math.max((To - 1) * stride + pool - T, 0) / 2) };
}

export abstract class Pooling1D extends WeightlessLayer {
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: PoolPadding;
  readonly dataFormat: DataFormat;
  abstract readonly isMax: boolean;

  constructor(args: Pooling1DArgs, className: string, fallbackName: string) {
    if (args !== undefined && (typeof args !== "object" || args === null))
      throw new WasmRnnError(`${className}: expected an options object, got ${String(args)}`);
    const a = args ?? {};
    checkOptions(`${className} '${a.name ?? fallbackName}'`, a, [
      "poolSize",
      "strides",
      "padding",
      "dataFormat",
      "name",
    ]);
    // Keras names it max_pooling1d, not max_pooling1_d
    super(a.name, className);
    this.poolSize = a.poolSize === undefined ? 2 : checkTuple1(this.who, "poolSize", a.poolSize);
    this.strides =
      a.strides === undefined || a.strides === null ? this.poolSize : checkTuple1(this.who, "strides", a.strides);
    const p = a.padding ?? "valid";
    if (p !== "valid" && p !== "same")
      throw new WasmRnnError(`${this.who}: expected padding "valid" or "same", got ${JSON.stringify(a.padding)}`);
    this.padding = p;
    this.dataFormat = checkDataFormat(this.who, a.dataFormat);
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  private get stepAxis(): number {
    return this.dataFormat === "channels_last" ? 1 : 2;
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 3);
    if (x.length !== 3)
      throw new WasmRnnError(
        `${this.who}: expected input of rank 3 [batch, steps, channels], got shape ${fmtShape(x)}`,
      );
    if (x[3 - this.stepAxis] === null)
      throw new WasmRnnError(`${this.who}: expected a known channels dimension, got shape ${fmtShape(x)}`);
    const T = x[this.stepAxis];
    if (typeof T === "number" && this.padding === "valid" && T < this.poolSize)
      throw new WasmRnnError(
        `${this.who}: expected at least poolSize=${this.poolSize} steps with padding "valid", got shape ${fmtShape(x)}`,
      );
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const x = [...inputs[0]!];
    const T = x[this.stepAxis];
    x[this.stepAxis] = typeof T === "number" ? poolGeometry(T, this.poolSize, this.strides, this.padding).To : null;
    return [x];
  }
  /** The kernel arguments before the pointers: B, T, C, To, pool, stride, padLeft, channelsLast. */
  kernelArgs(shape: readonly number[]): [number, number, number, number, number, number, number, number] {
    const cl = this.dataFormat === "channels_last";
    const [B, T, C] = cl ? shape : [shape[0]!, shape[2]!, shape[1]!];
    const { To, padLeft } = poolGeometry(T!, this.poolSize, this.strides, this.padding);
    return [B!, T!, C!, To, this.poolSize, this.strides, padLeft, cl ? 1 : 0];
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    const x = inputs[0]!;
    kernels().pool1d_forward(...this.kernelArgs(x.shape), this.isMax ? 1 : 0, x.ptr, outputs[0]!.ptr);
  }
}

/** Keras MaxPooling1D: the maximum of each window. */
export class MaxPooling1D extends Pooling1D {
  readonly className = "MaxPooling1D";
  readonly isMax = true;
  constructor(args: Pooling1DArgs = {}) {
    super(args, "MaxPooling1D", "max_pooling1d");
  }
}

/** Keras AveragePooling1D: the mean of each window (with "same" padding, of the steps inside only). */
export class AveragePooling1D extends Pooling1D {
  readonly className = "AveragePooling1D";
  readonly isMax = false;
  constructor(args: Pooling1DArgs = {}) {
    super(args, "AveragePooling1D", "average_pooling1d");
  }
}
