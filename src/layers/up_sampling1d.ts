// UpSampling1D: each step repeated `size` times, [B, T, C] -> [B, T * size, C] (repeat_rows over
// the B * T steps). Drops any mask, as Keras 3.
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkOptions, checkPositiveInt } from "../core/validate.js";
import { kernels } from "../core/wasm.js";
import type { Buf } from "./heap.js";
import type { Shape, SymbolicTensor } from "./layer.js";
import { WeightlessLayer } from "./weightless.js";

export class UpSampling1D extends WeightlessLayer {
  readonly className = "UpSampling1D";
  readonly size: number;

  constructor(args: { size?: number; name?: string } = {}) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`UpSampling1D: expected an options object, got ${String(args)}`);
    checkOptions(`UpSampling1D '${args.name ?? "up_sampling1d"}'`, args, ["size", "name"]);
    super(args.name, "UpSampling1D");
    this.size = args.size === undefined ? 2 : checkPositiveInt(this.who, "size", args.size);
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 3);
    if (x.length !== 3) throw new WasmRnnError(`${this.who}: expected input of rank 3, got shape ${fmtShape(x)}`);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const [b, T, c] = inputs[0]!;
    return [[b!, T === null ? null : T! * this.size, c!]];
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    const [B, T, C] = inputs[0]!.shape as [number, number, number];
    kernels().repeat_rows(B * T, this.size, C, inputs[0]!.ptr, outputs[0]!.ptr);
  }
  getConfig(): Record<string, unknown> {
    return { name: this.name, size: this.size };
  }
}
