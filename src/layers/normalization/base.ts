// What BatchNormalization, LayerNormalization and UnitNormalization share: an `axis` option (an int
// or a list of ints, negative from the end), the input seen as [O, N, I] around the normalized axes
// (which must be contiguous), masks passed on, and weights that are plain vectors of the normalized
// axes' shape, stored unpadded one block each. The first `trainableCount` weights are trainable
// (paramBlocks); the others (BatchNormalization's moving statistics) only fit's own update changes.
import { describeValue, fmtShape, WasmRnnError } from "../../core/errors.js";
import type { NestedArray, Tensor } from "../../core/tensor.js";
import { core, heapF32 } from "../../core/wasm.js";
import { allocBlocks, checkWeightSizes, type MaskSource, type ParamBlock, passMask, sizeOf } from "../heap.js";
import type { Initializer } from "../initializers.js";
import { Layer, type Shape, type SymbolicTensor, type WeightSpec } from "../layer.js";

export type AxisSpec = number | number[];

/** An `axis` option: an integer or a non-empty list of integers (Keras's); `list` false: an integer only. */
export function checkAxis(who: string, v: unknown, list: boolean): AxisSpec {
  if (v === undefined) return -1;
  const isInt = (a: unknown) => typeof a === "number" && Number.isInteger(a);
  if (isInt(v)) return v as number;
  if (list && Array.isArray(v) && v.length > 0 && v.length <= 32 && v.every(isInt)) return [...(v as number[])];
  throw new WasmRnnError(
    `${who}: expected axis to be an integer${list ? " or a non-empty list of integers" : ""}, got ${describeValue(v)}`,
  );
}

/** `[O, N, I]`: the sizes before, of and after the normalized axes `[first, last]` of a concrete shape. */
export interface Groups {
  O: number;
  N: number;
  I: number;
}

export abstract class NormLayer extends Layer {
  readonly axis: AxisSpec;
  /** The normalized axes, non-negative and sorted (set by the first call). */
  protected axes: number[] = [];
  /** The shape of every weight: the normalized axes' sizes. */
  protected paramShape: number[] = [];
  private ptrs: number[] = [];

  constructor(name: string | undefined, className: string, axis: AxisSpec) {
    super(name, className);
    this.axis = axis;
  }

  /** Weight names in Keras order (all of the normalized axes' shape). */
  protected abstract weightNames(): string[];
  /** How many of the first weights are trainable (paramBlocks). */
  protected abstract get trainableCount(): number;
  /** The initializer of each weight of weightNames(). */
  protected abstract initializers(): Initializer[];

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }

  /** The normalized axes of an input of this rank, checked (in range, distinct, not the batch axis, contiguous). */
  protected resolveAxes(x: Shape): number[] {
    const rank = x.length;
    const given = Array.isArray(this.axis) ? this.axis : [this.axis];
    const axes = given.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
    const bad = (what: string): never => {
      throw new WasmRnnError(
        `${this.who}: expected ${what}, got axis ${JSON.stringify(this.axis)} for input shape ${fmtShape(x)}`,
      );
    };
    if (axes.some((a) => a < 1 || a >= rank))
      bad(`axes in [1, ${rank - 1}] or [-${rank - 1}, -1] (not the batch axis)`);
    if (axes.some((a, i) => i > 0 && a === axes[i - 1])) bad("distinct axes");
    if (axes.some((a, i) => i > 0 && a !== axes[i - 1]! + 1))
      bad("contiguous axes (wasm-rnn normalizes adjacent axes only)");
    if (axes.some((a) => x[a] === null)) bad("normalized axes of known size");
    return axes;
  }

  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 2);
    const axes = this.resolveAxes(x);
    if (this.built) {
      const shape = axes.map((a) => x[a]!);
      if (axes.join() !== this.axes.join() || shape.join() !== this.paramShape.join()) {
        throw new WasmRnnError(
          `${this.who}: expected input with size ${fmtShape(this.paramShape)} on axis ${JSON.stringify(this.axis)} (as built), ` +
            `got shape ${fmtShape(x)}`,
        );
      }
    }
  }

  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    return [inputs[0]!];
  }

  /** Keras: the three support masking and pass the input's mask on. */
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    return passMask(inputMasked);
  }

  /** [O, N, I] of a concrete input shape. */
  groups(shape: readonly number[]): Groups {
    const a0 = this.axes[0]!,
      a1 = this.axes[this.axes.length - 1]!;
    return { O: sizeOf(shape.slice(0, a0)), N: sizeOf(shape.slice(a0, a1 + 1)), I: sizeOf(shape.slice(a1 + 1)) };
  }

  weightSpecs(): WeightSpec[] {
    return this.weightNames().map((name) => ({ name, shape: [...this.paramShape] }));
  }

  protected build(inputShape: Shape): void {
    this.axes = this.resolveAxes(inputShape);
    this.paramShape = this.axes.map((a) => inputShape[a]!);
    checkWeightSizes(this.who, this.weightSpecs());
    const n = sizeOf(this.paramShape);
    this.writeWeights(this.initializers().map((init) => init.generate([n])));
  }

  /** Writes into the existing blocks when there are some (their pointers stay). */
  protected writeWeights(values: Float32Array[]): void {
    core(this.who);
    const n = sizeOf(this.paramShape);
    if (this.ptrs.length === 0)
      this.ptrs = allocBlocks(
        values.map(() => n),
        this.wasmBlocks,
      );
    const f32 = heapF32();
    values.forEach((v, i) => f32.set(v, this.ptrs[i]! >>> 2));
  }

  protected readWeights(): Float32Array[] {
    const n = sizeOf(this.paramShape),
      f32 = heapF32();
    return this.ptrs.map((p) => f32.slice(p >>> 2, (p >>> 2) + n));
  }

  /** The byte pointer of weight `name` (0 when the layer has none). */
  protected ptrOf(name: string): number {
    const i = this.weightNames().indexOf(name);
    return i < 0 ? 0 : (this.ptrs[i] ?? 0);
  }

  /** Keras's trainable_weights: the first trainableCount weights (for the optimizer's variables in files). */
  override trainableWeightSpecs(): WeightSpec[] {
    return this.weightSpecs().slice(0, this.trainableCount);
  }

  override paramBlocks(): ParamBlock[] {
    const n = sizeOf(this.paramShape);
    return this.weightNames()
      .slice(0, this.trainableCount)
      .map((_, i) => ({ ptr: this.ptrs[i] ?? 0, length: n }));
  }

  /** Stored unpadded: a slot laid out as the trainable weights is a copy of them (any extra values are not trainable). */
  override packParams(values: readonly Float32Array[]): Float32Array[] {
    return values.slice(0, this.trainableCount).map((v) => Float32Array.from(v));
  }

  override unpackParams(blocks: readonly Float32Array[]): Float32Array[] {
    return blocks.map((b) => Float32Array.from(b));
  }

  protected freeMemory(): void {
    for (const p of this.ptrs) this.wasmBlocks.free(p);
    this.ptrs = [];
  }
}
