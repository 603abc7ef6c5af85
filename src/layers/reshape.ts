// Reshape: [B, ...] -> [B, ...targetShape] by reinterpreting the values in order (one entry of
// targetShape may be -1: inferred from the others). Keras 3's Reshape does not support masking:
// a mask is dropped.
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkOptions } from "../core/validate.js";
import { type Buf, copyFloats } from "./heap.js";
import type { Shape, SymbolicTensor } from "./layer.js";
import { WeightlessLayer } from "./weightless.js";

export class Reshape extends WeightlessLayer {
  readonly className = "Reshape";
  readonly targetShape: readonly number[];

  constructor(args: { targetShape: readonly number[]; name?: string }) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Reshape: expected an options object { targetShape }, got ${String(args)}`);
    checkOptions(`Reshape '${args.name ?? "reshape"}'`, args, ["targetShape", "name"]);
    super(args.name, "Reshape");
    const t = args.targetShape;
    const ok =
      Array.isArray(t) &&
      t.length > 0 &&
      t.every((d) => Number.isInteger(d) && (d > 0 || d === -1)) &&
      t.filter((d) => d === -1).length <= 1;
    if (!ok)
      throw new WasmRnnError(
        `${this.who}: expected targetShape to be a non-empty array of positive integers with at most one -1, ` +
          `got ${JSON.stringify(t)}`,
      );
    this.targetShape = [...t];
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  /** targetShape with -1 resolved for these dimensions after the batch (null: unknown). */
  private resolve(dims: Shape): (number | null)[] {
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const free = this.targetShape.indexOf(-1);
    if (dims.some((d) => d === null)) return this.targetShape.map((d) => (d === -1 ? null : d));
    const n = (dims as number[]).reduce((a, b) => a * b, 1);
    const out = [...this.targetShape];
    if (free >= 0 && known > 0 && n % known === 0) out[free] = n / known;
    if (out.reduce((a, b) => a * b, 1) !== n)
      throw new WasmRnnError(
        `${this.who}: expected an input of ${free >= 0 ? "a multiple of " : ""}${known} values per sample for ` +
          `targetShape ${fmtShape(this.targetShape)}, got shape ${fmtShape(["batch", ...dims] as never)} (${n} values)`,
      );
    return out;
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    this.resolve(this.checkOneInput(inputs, states, 1).slice(1));
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const x = inputs[0]!;
    return [[x[0]!, ...this.resolve(x.slice(1))]];
  }
  override checkConcrete(inputs: readonly number[][]): void {
    this.resolve(inputs[0]!.slice(1));
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    copyFloats(inputs[0]!, outputs[0]!);
  }
}
