// Activation: an activation applied element-wise (softmax and log_softmax over the last axis); passes
// masks on. Takes every Keras 3 activation of src/core/activations.ts.
import { ACTIVATION_IDS, type ActivationName, resolveActivation } from "../core/activations.js";

const ALL = Object.keys(ACTIVATION_IDS) as ActivationName[];

import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkOptions } from "../core/validate.js";
import { kernels } from "../core/wasm.js";
import { type Buf, type MaskSource, passMask, sizeOf } from "./heap.js";
import type { Shape, SymbolicTensor } from "./layer.js";
import { WeightlessLayer } from "./weightless.js";

/** An activation applied element-wise (softmax over the last axis). Passes masks on. */
export class Activation extends WeightlessLayer {
  readonly className = "Activation";
  override get perVector(): boolean {
    return true;
  }
  readonly activation: ActivationName;

  constructor(args: { activation: ActivationName | null; name?: string }) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Activation: expected an options object { activation }, got ${String(args)}`);
    checkOptions(`Activation '${args.name ?? "activation"}'`, args, ["activation", "name"]);
    super(args.name, "Activation");
    if (args.activation === undefined) throw new WasmRnnError(`${this.who}: expected an activation, got none`);
    this.activation = resolveActivation(args.activation, "linear", this.who, "activation", ALL);
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 1);
    if (x[x.length - 1] === null)
      throw new WasmRnnError(`${this.who}: expected a known last dimension, got shape ${fmtShape(x)}`);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    return [inputs[0]!];
  }
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    return passMask(inputMasked);
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    const x = inputs[0]!;
    const F = x.shape[x.shape.length - 1]!;
    kernels().activate_rows(x.ptr, F, sizeOf(x.shape) / F, F, outputs[0]!.ptr, ACTIVATION_IDS[this.activation]);
  }
}
