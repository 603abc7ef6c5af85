// RepeatVector: [B, F] -> [B, n, F] by copying (drops any mask, as Keras).
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkOptions, checkPositiveInt } from "../core/validate.js";
import { kernels } from "../core/wasm.js";
import type { Buf } from "./heap.js";
import type { Shape, SymbolicTensor } from "./layer.js";
import { WeightlessLayer } from "./weightless.js";

export class RepeatVector extends WeightlessLayer {
  readonly className = "RepeatVector";
  readonly n: number;

  constructor(args: { n: number; name?: string }) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`RepeatVector: expected an options object { n }, got ${String(args)}`);
    checkOptions(`RepeatVector '${args.name ?? "repeat_vector"}'`, args, ["n", "name"]);
    super(args.name, "RepeatVector");
    this.n = checkPositiveInt(this.who, "n", args.n);
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 2);
    if (x.length !== 2)
      throw new WasmRnnError(`${this.who}: expected input of rank 2 [batch, features], got shape ${fmtShape(x)}`);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const [b, f] = inputs[0]!;
    return [[b!, this.n, f!]];
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    const [B, F] = inputs[0]!.shape as [number, number];
    kernels().repeat_rows(B, this.n, F, inputs[0]!.ptr, outputs[0]!.ptr);
  }
}
