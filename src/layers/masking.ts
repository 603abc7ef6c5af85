// Masking: steps whose features all equal maskValue are masked and output as zeros (Keras 3).
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkOptions } from "../core/validate.js";
import { kernels } from "../core/wasm.js";
import { type Buf, type MaskBufs, type MaskSource, sizeOf } from "./heap.js";
import type { Shape, SymbolicTensor } from "./layer.js";
import { WeightlessLayer } from "./weightless.js";

export interface MaskingArgs {
  /** Default 0. A step whose features all equal it is masked (and output as zeros). */
  maskValue?: number;
  name?: string;
}

/** Masks steps whose features all equal `maskValue`; outputs zeros there (Keras 3). [B, T, F] -> same + mask [B, T]. */
export class Masking extends WeightlessLayer {
  readonly className = "Masking";
  readonly maskValue: number;

  constructor(args: MaskingArgs = {}) {
    checkOptions(`Masking '${args?.name ?? "masking"}'`, args ?? {}, ["maskValue", "name"]);
    super(args.name, "Masking");
    const v = args.maskValue ?? 0;
    if (typeof v !== "number" || Number.isNaN(v))
      throw new WasmRnnError(`${this.who}: expected maskValue to be a number, got ${JSON.stringify(args.maskValue)}`);
    this.maskValue = v;
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }

  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 2);
    if (x[x.length - 1] === null)
      throw new WasmRnnError(`${this.who}: expected a known last dimension, got shape ${fmtShape(x)}`);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    return [inputs[0]!];
  }
  override outputMasks(): MaskSource[] {
    return ["computed"];
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[], _scratch: number, masks: MaskBufs): void {
    const x = inputs[0]!;
    const F = x.shape[x.shape.length - 1]!;
    kernels().masking_forward(sizeOf(x.shape) / F, F, x.ptr, this.maskValue, outputs[0]!.ptr, masks.outputs[0]!);
  }
}
