// The base of the training-only noise layers (Dropout, GaussianNoise, AlphaDropout) and Identity: one input,
// the identity at inference (as Keras `predict`), masks passed on, element-wise.
import { WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { type Buf, copyFloats, type MaskSource, passMask } from "./heap.js";
import type { Shape, SymbolicTensor } from "./layer.js";
import { WeightlessLayer } from "./weightless.js";

export abstract class NoiseLayer extends WeightlessLayer {
  override get perVector(): boolean {
    return true;
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    this.checkOneInput(inputs, states, 1);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    return [inputs[0]!];
  }
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    return passMask(inputMasked);
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    copyFloats(inputs[0]!, outputs[0]!);
  }
}

/** A rate in [0, 1) from the options, or an error naming the layer. */
export function checkRate(who: string, rate: unknown): number {
  if (typeof rate !== "number" || !(rate >= 0 && rate < 1)) {
    throw new WasmRnnError(`${who}: expected rate to be a number in [0, 1), got ${JSON.stringify(rate)}`);
  }
  return rate;
}
