// Keras's element-wise merge layers beyond Add: Subtract, Multiply, Average, Maximum, Minimum.
// Shapes broadcast as Keras's _Merge (lower ranks get axes of 1 after the batch axis, then dims of
// 1 repeat); masks as Keras 3: the output mask is the OR of the inputs' masks when every input has
// one, Multiply counts a masked value as 1 (and zeroes rows no input keeps), Maximum and Minimum
// let a masked value take the other side's (Keras's _apply_merge_op_and_or_mask).
import { fmtShape, WasmRnnError } from "../../core/errors.js";
import type { NestedArray, Tensor } from "../../core/tensor.js";
import { checkOptions } from "../../core/validate.js";
import { type CoreExports, heapF32, kernels } from "../../core/wasm.js";
import { type Buf, carve, type MaskBufs, type MaskSource, maskBytes, sizeOf } from "../heap.js";
import type { Shape, SymbolicTensor } from "../layer.js";
import { WeightlessLayer } from "../weightless.js";
import { broadcastPlan, mergeShapes } from "./broadcast.js";

export type MergeKind = "Subtract" | "Multiply" | "Average" | "Maximum" | "Minimum";

/** merge_rows' op codes (assembly/layers/merge.ts). */
export const OP = { add: 0, sub: 1, mul: 2, max: 3, min: 4, zeroMasked: 5, scale: 6 } as const;

/** One fold of merge_rows: the running value combined with input `x` (-1: the running value itself). */
export interface Fold {
  op: number;
  x: number;
  /** Mask of x: input i's, "or" (the OR of all, Multiply's last pass), or none. */
  xm: number | "or" | null;
  /** Mask of the running value: the input masks OR-ed so far (Maximum/Minimum), as indices. */
  om: number[] | null;
  s: number;
}

/** The folds a merge runs, and what the running value starts as: input 0, or ones (Multiply). */
export function foldsOf(
  kind: MergeKind,
  n: number,
  masked: readonly boolean[],
): { start: "x0" | "ones"; folds: Fold[] } {
  const folds: Fold[] = [];
  const m = (i: number) => (masked[i] ? i : null);
  if (kind === "Subtract") return { start: "x0", folds: [{ op: OP.sub, x: 1, xm: null, om: null, s: 0 }] };
  if (kind === "Average") {
    for (let i = 1; i < n; i++) folds.push({ op: OP.add, x: i, xm: null, om: null, s: 0 });
    folds.push({ op: OP.scale, x: -1, xm: null, om: null, s: 1 / n });
    return { start: "x0", folds };
  }
  if (kind === "Multiply") {
    for (let i = 0; i < n; i++) folds.push({ op: OP.mul, x: i, xm: m(i), om: null, s: 0 });
    if (masked.every(Boolean)) folds.push({ op: OP.zeroMasked, x: -1, xm: "or", om: null, s: 0 });
    return { start: "ones", folds };
  }
  // Maximum, Minimum: the running mask is the OR of the masks so far while every input has one
  let om: number[] | null = masked[0] ? [0] : null;
  for (let i = 1; i < n; i++) {
    folds.push({ op: kind === "Maximum" ? OP.max : OP.min, x: i, xm: m(i), om, s: 0 });
    om = om && masked[i] ? [...om, i] : null;
  }
  return { start: "x0", folds };
}

/** Writes the OR of the masks `idx` of `masks` into `dst` (R bytes); returns the pointer to read (0: none). */
export function orMasks(
  k: Pick<CoreExports, "mask_or">,
  R: number,
  masks: readonly number[],
  idx: number[] | null,
  dst: number,
): number {
  if (!idx) return 0;
  if (idx.length === 1) return masks[idx[0]!]!;
  k.mask_or(R, masks[idx[0]!]!, masks[idx[1]!]!, dst);
  for (let j = 2; j < idx.length; j++) k.mask_or(R, dst, masks[idx[j]!]!, dst);
  return dst;
}

export abstract class ElementwiseMerge extends WeightlessLayer {
  abstract readonly kind: MergeKind;

  constructor(args: { name?: string }, className: MergeKind) {
    const a = args ?? {};
    checkOptions(`${className} '${a.name ?? className.toLowerCase()}'`, a, ["name"]);
    super(a.name, className);
  }

  apply(xs: SymbolicTensor[]): SymbolicTensor;
  apply(xs: (Tensor | NestedArray)[]): Tensor;
  apply(xs: (SymbolicTensor | Tensor | NestedArray)[]): SymbolicTensor | Tensor {
    return this.applyMany(xs);
  }

  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const two = this.kind === "Subtract";
    if ((two ? inputs.length !== 2 : inputs.length < 2) || states.length)
      throw new WasmRnnError(
        `${this.who}: expected ${two ? "exactly 2" : "at least 2"} inputs, got ${inputs.length + states.length}`,
      );
    for (const s of inputs)
      if (s.length < 2) throw new WasmRnnError(`${this.who}: expected inputs of rank >= 2, got ${fmtShape(s)}`);
    mergeShapes(inputs, this.who);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    return [mergeShapes(inputs, this.who).out];
  }
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    return [inputMasked.every(Boolean) ? "computed" : null];
  }

  /** Scratch: each input read as the output's shape (when it broadcasts), and a running mask. */
  layout(base: number, inputs: readonly number[][]) {
    const out = mergeShapes(inputs, this.who).out as number[];
    const n = sizeOf(out) * 4;
    const sizes: Record<string, number> = { om: maskBytes(out) };
    inputs.forEach((s, i) => {
      sizes[`x${i}`] = sizeOf(s) === sizeOf(out) ? 0 : n;
    });
    return carve(base, sizes);
  }
  override scratchBytes(inputs: readonly number[][] = []): number {
    return this.layout(0, inputs).total;
  }

  /** Each input as a pointer to output-shaped data (broadcast into scratch where needed). */
  readInputs(
    k: Pick<CoreExports, "broadcast_4d">,
    inputs: readonly Buf[],
    out: readonly number[],
    at: Record<string, number>,
  ): number[] {
    const { padded } = mergeShapes(
      inputs.map((b) => b.shape),
      this.who,
    );
    return inputs.map((b, i) => {
      const plan = broadcastPlan(padded[i] as number[], out, this.who);
      if (!plan) return b.ptr;
      k.broadcast_4d(...plan, b.ptr, at[`x${i}`]!);
      return at[`x${i}`]!;
    });
  }

  checkMaskedShapes(inputs: readonly Buf[], masks: MaskBufs, out: readonly number[]): void {
    inputs.forEach((b, i) => {
      if (masks.inputs[i] && sizeOf(b.shape) !== sizeOf(out))
        throw new WasmRnnError(
          `${this.who}: expected masked inputs of the output's shape ${fmtShape(out)}, got ${fmtShape(b.shape)}`,
        );
    });
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number, masks: MaskBufs): void {
    const k = kernels();
    const out = outputs[0]!;
    this.checkMaskedShapes(inputs, masks, out.shape);
    const at = this.layout(
      scratch,
      inputs.map((b) => b.shape),
    );
    const xs = this.readInputs(k, inputs, out.shape, at);
    const R = maskBytes(out.shape),
      F = out.shape.at(-1)!;
    const { start, folds } = foldsOf(
      this.kind,
      xs.length,
      masks.inputs.map((p) => p !== 0),
    );
    const f32 = heapF32();
    if (start === "ones") f32.fill(1, out.ptr >>> 2, (out.ptr >>> 2) + R * F);
    else f32.copyWithin(out.ptr >>> 2, xs[0]! >>> 2, (xs[0]! >>> 2) + R * F);
    const orMask = masks.outputs[0]
      ? orMasks(
          k,
          R,
          masks.inputs,
          xs.map((_, i) => i),
          masks.outputs[0],
        )
      : 0;
    for (const f of folds) {
      const om = orMasks(k, R, masks.inputs, f.om, at.om);
      const xm = f.xm === "or" ? orMask : f.xm === null ? 0 : masks.inputs[f.xm]!;
      k.merge_rows(R, F, out.ptr, om, f.x < 0 ? out.ptr : xs[f.x]!, xm, f.op, f.s, out.ptr);
    }
  }
}

export class Subtract extends ElementwiseMerge {
  readonly className = "Subtract";
  readonly kind = "Subtract";
  constructor(args: { name?: string } = {}) {
    super(args, "Subtract");
  }
}
export class Multiply extends ElementwiseMerge {
  readonly className = "Multiply";
  readonly kind = "Multiply";
  constructor(args: { name?: string } = {}) {
    super(args, "Multiply");
  }
}
export class Average extends ElementwiseMerge {
  readonly className = "Average";
  readonly kind = "Average";
  constructor(args: { name?: string } = {}) {
    super(args, "Average");
  }
}
export class Maximum extends ElementwiseMerge {
  readonly className = "Maximum";
  readonly kind = "Maximum";
  constructor(args: { name?: string } = {}) {
    super(args, "Maximum");
  }
}
export class Minimum extends ElementwiseMerge {
  readonly className = "Minimum";
  readonly kind = "Minimum";
  constructor(args: { name?: string } = {}) {
    super(args, "Minimum");
  }
}
