// Flatten: [B, d1, d2, ...] -> [B, d1 * d2 * ...] (drops any mask, as Keras).
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkOptions } from "../core/validate.js";
import { type Buf, copyFloats } from "./heap.js";
import type { Shape, SymbolicTensor } from "./layer.js";
import { WeightlessLayer } from "./weightless.js";

export class Flatten extends WeightlessLayer {
  readonly className = "Flatten";

  constructor(args: { name?: string } = {}) {
    checkOptions(`Flatten '${args?.name ?? "flatten"}'`, args ?? {}, ["name"]);
    super(args.name, "Flatten");
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 2);
    if (x.slice(1).some((d) => d === null))
      throw new WasmRnnError(`${this.who}: expected known dimensions after the batch, got shape ${fmtShape(x)}`);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const x = inputs[0]!;
    return [[x[0]!, x.slice(1).reduce<number>((a, b) => a * b!, 1)]];
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    copyFloats(inputs[0]!, outputs[0]!);
  }
}
