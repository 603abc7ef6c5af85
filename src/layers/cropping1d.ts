// Cropping1D: drops steps at the start and end, [B, T, C] -> [B, T - start - end, C]. Drops any
// mask, as Keras 3.
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkOptions } from "../core/validate.js";
import { kernels } from "../core/wasm.js";
import type { Buf } from "./heap.js";
import type { Shape, SymbolicTensor } from "./layer.js";
import { WeightlessLayer } from "./weightless.js";
import { countPair } from "./zero_padding1d.js";

export class Cropping1D extends WeightlessLayer {
  readonly className = "Cropping1D";
  /** Steps dropped [at the start, at the end]. */
  readonly cropping: [number, number];

  constructor(args: { cropping?: number | [number, number]; name?: string } = {}) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Cropping1D: expected an options object, got ${String(args)}`);
    checkOptions(`Cropping1D '${args.name ?? "cropping1d"}'`, args, ["cropping", "name"]);
    super(args.name, "Cropping1D");
    this.cropping = countPair(this.who, "cropping", args.cropping, [1, 1]);
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 3);
    if (x.length !== 3) throw new WasmRnnError(`${this.who}: expected input of rank 3, got shape ${fmtShape(x)}`);
    const T = x[1];
    if (T !== null && T !== undefined && this.cropping[0] + this.cropping[1] >= T)
      throw new WasmRnnError(
        `${this.who}: expected more than ${this.cropping[0] + this.cropping[1]} steps to crop [${this.cropping}] from, got shape ${fmtShape(x)}`,
      );
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const [b, T, c] = inputs[0]!;
    return [[b!, T === null ? null : T! - this.cropping[0] - this.cropping[1], c!]];
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    const [B, T, C] = inputs[0]!.shape as [number, number, number];
    const To = outputs[0]!.shape[1]!;
    kernels().steps_copy(B, To, C, inputs[0]!.ptr, T, this.cropping[0], outputs[0]!.ptr, To, 0);
  }
  getConfig(): Record<string, unknown> {
    return { name: this.name, cropping: this.cropping };
  }
}
