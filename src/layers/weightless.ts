// The base for layers with no weights (inputs, masking, merges, reshapes, activations).
import { WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { toTensor } from "../core/tensor.js";
import { Layer, SymbolicTensor, type WeightSpec } from "./layer.js";

export abstract class WeightlessLayer extends Layer {
  protected build(): void {}
  weightSpecs(): WeightSpec[] {
    return [];
  }
  protected writeWeights(): void {}
  protected readWeights(): Float32Array[] {
    return [];
  }
  scratchBytes(): number {
    return 0;
  }
  protected freeMemory(): void {}

  /** `apply` for a layer of several inputs (Concatenate, Add): all symbolic or all concrete. */
  protected applyMany(xs: readonly (SymbolicTensor | Tensor | NestedArray)[]): SymbolicTensor | Tensor {
    if (!Array.isArray(xs)) throw new WasmRnnError(`${this.who}: expected an array of inputs, got ${typeof xs}`);
    if (xs.every((x) => x instanceof SymbolicTensor)) return this.applySymbolic(xs as SymbolicTensor[], [])[0]!;
    if (xs.some((x) => x instanceof SymbolicTensor))
      throw new WasmRnnError(`${this.who}: expected all inputs symbolic or all concrete, got a mix`);
    return this.applyEager(
      xs.map((x) => toTensor(x as Tensor, this.who)),
      [],
    )[0]!;
  }
}
