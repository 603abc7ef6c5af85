// Add: element-wise sum of inputs of one shape; masks as Keras (an OR when every input has one).
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkOptions } from "../core/validate.js";
import { kernels } from "../core/wasm.js";
import { type Buf, type MaskBufs, type MaskSource, maskBytes, sizeOf } from "./heap.js";
import type { Shape, SymbolicTensor } from "./layer.js";
import { WeightlessLayer } from "./weightless.js";

/** Element-wise sum of inputs of one shape. Masks as Keras: an OR when every input has one. */
export class Add extends WeightlessLayer {
  readonly className = "Add";

  constructor(args: { name?: string } = {}) {
    checkOptions(`Add '${args?.name ?? "add"}'`, args ?? {}, ["name"]);
    super(args.name, "Add");
  }

  apply(xs: SymbolicTensor[]): SymbolicTensor;
  apply(xs: (Tensor | NestedArray)[]): Tensor;
  apply(xs: (SymbolicTensor | Tensor | NestedArray)[]): SymbolicTensor | Tensor {
    return this.applyMany(xs);
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    if (inputs.length < 2 || states.length)
      throw new WasmRnnError(`${this.who}: expected at least 2 inputs, got ${inputs.length}`);
    const s0 = inputs[0]!;
    for (const s of inputs) {
      if (s.length !== s0.length || s.some((d, i) => i > 0 && d !== s0[i])) {
        throw new WasmRnnError(`${this.who}: expected inputs of one shape, got ${inputs.map(fmtShape).join(", ")}`);
      }
    }
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    return [inputs[0]!];
  }
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    return [inputMasked.every(Boolean) ? "computed" : null];
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[], _scratch: number, masks: MaskBufs): void {
    const k = kernels();
    const out = outputs[0]!;
    const n = sizeOf(out.shape);
    k.add_arrays(n, inputs[0]!.ptr, inputs[1]!.ptr, out.ptr);
    for (let i = 2; i < inputs.length; i++) k.add_arrays(n, out.ptr, inputs[i]!.ptr, out.ptr);
    const m = masks.outputs[0];
    if (m) {
      const nm = maskBytes(out.shape);
      k.mask_or(nm, masks.inputs[0]!, masks.inputs[1]!, m);
      for (let i = 2; i < masks.inputs.length; i++) k.mask_or(nm, m, masks.inputs[i]!, m);
    }
  }
}
