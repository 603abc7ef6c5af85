// Permute: [B, d1, ..., dn] -> [B, d(dims[0]), ..., d(dims[n-1])] (dims a permutation of 1..n, the
// batch axis stays first), as Keras. Keras 3's Permute does not support masking: a mask is dropped.
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkOptions } from "../core/validate.js";
import { heapF32, kernels } from "../core/wasm.js";
import type { Buf } from "./heap.js";
import type { Shape, SymbolicTensor } from "./layer.js";
import { WeightlessLayer } from "./weightless.js";

let view: Int32Array<ArrayBufferLike> = new Int32Array(0);

/**
 * Writes permute_copy's info (assembly/layers/permute.ts) at `at`: the destination's shape and the
 * source's stride along each destination axis (`perm[k]`: the source axis of destination axis k).
 */
export function writePermuteInfo(at: number, srcShape: readonly number[], perm: readonly number[]): void {
  const buf = heapF32().buffer;
  if (view.buffer !== buf) view = new Int32Array(buf);
  const R = srcShape.length,
    base = at >>> 2;
  const strides = new Array<number>(R);
  for (let a = R - 1, s = 1; a >= 0; a--) {
    strides[a] = s;
    s *= srcShape[a]!;
  }
  for (let k = 0; k < R; k++) {
    view[base + k] = srcShape[perm[k]!]!;
    view[base + R + k] = strides[perm[k]!]!;
  }
}

export class Permute extends WeightlessLayer {
  readonly className = "Permute";
  readonly dims: readonly number[];
  /** The source axis of each output axis, batch included: [0, ...dims]. */
  readonly perm: readonly number[];
  /** The output axis of each input axis (the backward's permutation). */
  readonly inverse: readonly number[];

  constructor(args: { dims: readonly number[]; name?: string }) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Permute: expected an options object { dims }, got ${String(args)}`);
    checkOptions(`Permute '${args.name ?? "permute"}'`, args, ["dims", "name"]);
    super(args.name, "Permute");
    const d = args.dims;
    const ok =
      Array.isArray(d) &&
      d.length > 0 &&
      [...d].sort((a, b) => a - b).every((v, i) => v === i + 1) &&
      d.every((v) => Number.isInteger(v));
    if (!ok)
      throw new WasmRnnError(
        `${this.who}: expected dims to be a permutation of 1..n (the axes after the batch), got ${JSON.stringify(d)}`,
      );
    this.dims = [...d];
    this.perm = [0, ...d];
    const inv = new Array<number>(this.perm.length);
    this.perm.forEach((src, k) => {
      inv[src] = k;
    });
    this.inverse = inv;
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 2);
    if (x.length !== this.dims.length + 1)
      throw new WasmRnnError(
        `${this.who}: expected input of rank ${this.dims.length + 1} for dims ${JSON.stringify(this.dims)}, got shape ${fmtShape(x)}`,
      );
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const x = inputs[0]!;
    return [this.perm.map((a) => x[a]!)];
  }
  /** The kernel's info: three i32 per axis. */
  override scratchBytes(inputs?: readonly number[][]): number {
    return 12 * (inputs?.[0]?.length ?? 0);
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number): void {
    const x = inputs[0]!;
    writePermuteInfo(scratch, x.shape, this.perm);
    kernels().permute_copy(x.shape.length, scratch, x.ptr, outputs[0]!.ptr, 0);
  }
}
