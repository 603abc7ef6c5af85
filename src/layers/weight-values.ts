// setWeights' checks, before anything is written: count, shapes, data that fits its shape (a
// longer array would overwrite the next wasm block), finite values.
import { fmtShape, WasmRnnError } from "../core/errors.js";
import { Tensor, type TensorLike, tensor } from "../core/tensor.js";
import { sizeOf } from "./heap.js";

/** Validated Float32 copies (or the arrays themselves) of `weights` for these specs; throws naming `who`. */
export function checkWeightValues(
  who: string,
  specs: readonly { name: string; shape: number[] }[],
  weights: readonly (Tensor | TensorLike)[],
): Float32Array[] {
  if (!Array.isArray(weights) || weights.length !== specs.length) {
    throw new WasmRnnError(
      `${who}: expected ${specs.length} weight arrays (${specs.map((s) => `${s.name} ${fmtShape(s.shape)}`).join(", ")}), ` +
        `got ${Array.isArray(weights) ? weights.length : typeof weights}`,
    );
  }
  return weights.map((w, i) => {
    const spec = specs[i]!;
    const t = w instanceof Tensor ? w : tensor(w as never, w instanceof Float32Array ? spec.shape : undefined);
    const same = t.shape.length === spec.shape.length && t.shape.every((d, j) => d === spec.shape[j]);
    if (!same) {
      throw new WasmRnnError(
        `${who}: expected ${spec.name} of shape ${fmtShape(spec.shape)}, got ${fmtShape(t.shape)}`,
      );
    }
    // checked again where the values enter wasm memory: a longer array would overwrite the next block
    if (t.data.length !== sizeOf(spec.shape)) {
      throw new WasmRnnError(
        `${who}: expected ${sizeOf(spec.shape)} values in ${spec.name} ${fmtShape(spec.shape)}, got ${t.data.length}`,
      );
    }
    const data = t.data;
    for (let j = 0; j < data.length; j++) {
      if (!Number.isFinite(data[j])) {
        throw new WasmRnnError(`${who}: expected finite values in ${spec.name}, got ${data[j]} at flat index ${j}`);
      }
    }
    return data instanceof Float32Array ? data : Float32Array.from(data);
  });
}

/** An eager call's `mask`: the first input's shape without its last axis, values 0 or 1. */
export function checkEagerMask(who: string, mask: Tensor, inShape: readonly number[]): void {
  const want = inShape.slice(0, -1);
  if (mask.shape.length !== want.length || mask.shape.some((d, i) => d !== want[i])) {
    throw new WasmRnnError(
      `${who}: expected a mask of shape ${fmtShape(want)} (the input's shape without its last axis), got ${fmtShape(mask.shape)}`,
    );
  }
  for (let i = 0; i < mask.size; i++) {
    const v = mask.data[i]!;
    if (v !== 0 && v !== 1) throw new WasmRnnError(`${who}: expected mask values 0 or 1, got ${v} at flat index ${i}`);
  }
}

/** An eager call's inputs and states share one batch size. */
export function checkSameBatch(who: string, tensors: readonly Tensor[]): void {
  const batches = tensors.map((t) => t.shape[0]!);
  if (batches.some((b) => b !== batches[0]))
    throw new WasmRnnError(
      `${who}: expected every input and state to have the same batch size, got ${batches.join(", ")}`,
    );
}
