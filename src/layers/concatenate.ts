// Concatenate: joins inputs along an axis; with masks, a step is kept if any input keeps it (Keras).
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkOptions } from "../core/validate.js";
import { heapF32, kernels } from "../core/wasm.js";
import { type Buf, type MaskBufs, type MaskSource, maskBytes, sizeOf } from "./heap.js";
import type { Shape, SymbolicTensor } from "./layer.js";
import { WeightlessLayer } from "./weightless.js";

/** Joins inputs along `axis` (default -1). Masks as Keras: with any mask, a step is kept if any input keeps it. */
export class Concatenate extends WeightlessLayer {
  readonly className = "Concatenate";
  readonly axis: number;

  constructor(args: { axis?: number; name?: string } = {}) {
    checkOptions(`Concatenate '${args?.name ?? "concatenate"}'`, args ?? {}, ["axis", "name"]);
    super(args.name, "Concatenate");
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis))
      throw new WasmRnnError(`${this.who}: expected axis to be an integer, got ${JSON.stringify(args.axis)}`);
    this.axis = axis;
  }

  apply(xs: SymbolicTensor[]): SymbolicTensor;
  apply(xs: (Tensor | NestedArray)[]): Tensor;
  apply(xs: (SymbolicTensor | Tensor | NestedArray)[]): SymbolicTensor | Tensor {
    return this.applyMany(xs);
  }

  resolvedAxis(rank: number): number {
    const a = this.axis < 0 ? rank + this.axis : this.axis;
    if (a < 1 || a >= rank)
      throw new WasmRnnError(
        `${this.who}: expected axis in [1, ${rank}) or [-${rank - 1}, -1] for inputs of rank ${rank}, got ${this.axis}`,
      );
    return a;
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    if (inputs.length < 2 || states.length)
      throw new WasmRnnError(`${this.who}: expected at least 2 inputs, got ${inputs.length}`);
    const rank = inputs[0]!.length;
    const a = this.resolvedAxis(rank);
    for (const s of inputs) {
      const same =
        s.length === rank &&
        s.every((d, i) => i === 0 || i === a || d === null || inputs[0]![i] === null || d === inputs[0]![i]);
      if (!same || s[a] === null) {
        throw new WasmRnnError(
          `${this.who}: expected inputs of equal shapes except on axis ${this.axis}, got ${inputs.map(fmtShape).join(", ")}`,
        );
      }
    }
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const a = this.resolvedAxis(inputs[0]!.length);
    const out = [...inputs[0]!];
    out[a] = inputs.reduce((n, s) => n + s[a]!, 0);
    return [out];
  }
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    if (!inputMasked.some(Boolean)) return [null];
    // Keras concatenates the masks (broadcast over features) along the axis and reduces with any()
    // over the last axis; on the last axis that is an OR, with a missing mask counting as all-true
    if (this.axis !== -1 && this.builtShape && this.axis !== this.builtShape.length - 1) {
      throw new WasmRnnError(
        `${this.who}: expected masked inputs to be joined on the last axis, got axis ${this.axis}`,
      );
    }
    return ["computed"];
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[], _scratch: number, masks: MaskBufs): void {
    const k = kernels();
    const out = outputs[0]!;
    const a = this.resolvedAxis(out.shape.length);
    const outer = sizeOf(out.shape.slice(0, a));
    const stride = sizeOf(out.shape.slice(a));
    let offset = 0;
    for (const x of inputs) {
      const chunk = sizeOf(x.shape.slice(a));
      k.copy_blocks(outer, chunk, x.ptr, out.ptr + offset * 4, stride);
      offset += chunk;
    }
    const m = masks.outputs[0];
    if (m) {
      const n = maskBytes(out.shape);
      if (masks.inputs.some((p) => p === 0)) new Uint8Array(heapF32().buffer, m, n).fill(1);
      else {
        k.mask_or(n, masks.inputs[0]!, masks.inputs[1]!, m);
        for (let i = 2; i < masks.inputs.length; i++) k.mask_or(n, m, masks.inputs[i]!, m);
      }
    }
  }
}
