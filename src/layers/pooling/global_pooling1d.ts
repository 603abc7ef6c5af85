// GlobalMaxPooling1D and GlobalAveragePooling1D: [B, T, C] -> [B, C] (keepdims: [B, 1, C]; channels_first
// [B, C, T] -> [B, C] or [B, C, 1]). As Keras 3: GlobalAveragePooling1D averages over the unmasked
// steps only (a row with every step masked gives NaN, 0 / 0 as Keras) and outputs no mask;
// GlobalMaxPooling1D does not support masking: it takes the maximum over every step, masked ones
// included, and drops the mask.
import { fmtShape, WasmRnnError } from "../../core/errors.js";
import type { NestedArray, Tensor } from "../../core/tensor.js";
import { checkBool, checkOptions } from "../../core/validate.js";
import { kernels } from "../../core/wasm.js";
import type { Buf, MaskBufs, MaskSource } from "../heap.js";
import type { Shape, SymbolicTensor } from "../layer.js";
import { WeightlessLayer } from "../weightless.js";
import { checkDataFormat, type DataFormat } from "./pooling1d.js";

export interface GlobalPooling1DArgs {
  /** Default "channels_last" ([batch, steps, channels]); "channels_first" is [batch, channels, steps]. */
  dataFormat?: DataFormat;
  /** Default false: drop the steps axis; true keeps it with length 1. */
  keepdims?: boolean;
  name?: string;
}

export abstract class GlobalPooling1D extends WeightlessLayer {
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;
  abstract readonly isMax: boolean;

  constructor(args: GlobalPooling1DArgs, className: string, fallbackName: string) {
    if (args !== undefined && (typeof args !== "object" || args === null))
      throw new WasmRnnError(`${className}: expected an options object, got ${String(args)}`);
    const a = args ?? {};
    checkOptions(`${className} '${a.name ?? fallbackName}'`, a, ["dataFormat", "keepdims", "name"]);
    // Keras names it global_max_pooling1d, not global_max_pooling1_d
    super(a.name, className);
    this.dataFormat = checkDataFormat(this.who, a.dataFormat);
    this.keepdims = checkBool(this.who, "keepdims", a.keepdims, false);
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 3);
    if (x.length !== 3)
      throw new WasmRnnError(
        `${this.who}: expected input of rank 3 [batch, steps, channels], got shape ${fmtShape(x)}`,
      );
    if (x[this.dataFormat === "channels_last" ? 2 : 1] === null)
      throw new WasmRnnError(`${this.who}: expected a known channels dimension, got shape ${fmtShape(x)}`);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const [B, d1, d2] = inputs[0]!;
    const C = this.dataFormat === "channels_last" ? d2! : d1!;
    if (!this.keepdims) return [[B!, C]];
    return [this.dataFormat === "channels_last" ? [B!, 1, C] : [B!, C, 1]];
  }
  /** pool1d kernel arguments before isMax: one window of all T steps. */
  kernelArgs(shape: readonly number[]): [number, number, number, number, number, number, number, number] {
    const cl = this.dataFormat === "channels_last";
    const [B, T, C] = cl ? shape : [shape[0]!, shape[2]!, shape[1]!];
    return [B!, T!, C!, 1, T!, T!, 0, cl ? 1 : 0];
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[], _scratch: number, masks: MaskBufs): void {
    const x = inputs[0]!;
    const mask = this.isMax ? 0 : (masks.inputs[0] ?? 0);
    if (mask) {
      const [B, T, C] = x.shape as [number, number, number];
      kernels().masked_mean_steps(B, T, C, x.ptr, mask, outputs[0]!.ptr);
      return;
    }
    kernels().pool1d_forward(...this.kernelArgs(x.shape), this.isMax ? 1 : 0, x.ptr, outputs[0]!.ptr);
  }
}

/** Keras GlobalMaxPooling1D: the maximum over all steps (a mask is ignored, as Keras 3). */
export class GlobalMaxPooling1D extends GlobalPooling1D {
  readonly className = "GlobalMaxPooling1D";
  readonly isMax = true;
  constructor(args: GlobalPooling1DArgs = {}) {
    super(args, "GlobalMaxPooling1D", "global_max_pooling1d");
  }
}

/** Keras GlobalAveragePooling1D: the mean over the steps (the unmasked ones when a mask comes). */
export class GlobalAveragePooling1D extends GlobalPooling1D {
  readonly className = "GlobalAveragePooling1D";
  readonly isMax = false;
  constructor(args: GlobalPooling1DArgs = {}) {
    super(args, "GlobalAveragePooling1D", "global_average_pooling1d");
  }
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    if (inputMasked[0] && this.dataFormat === "channels_first")
      throw new WasmRnnError(
        `${this.who}: expected an unmasked input with dataFormat "channels_first" (a mask covers the axes before ` +
          "the last, not the steps of a [batch, channels, steps] tensor), got a masked input",
      );
    return [null];
  }
}
