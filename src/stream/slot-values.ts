// A stream's states between its slot (each state stateStride floats, the kernels' layout) and the
// packed form the bytes and the per-layer accessors use (each state `units` floats, layout order).
import { WasmRnnError } from "../core/errors.js";
import { heapF32 } from "../core/instance.js";
import { type NestedArray, Tensor, type TensorLike, tensor } from "../core/tensor.js";
import type { CarriedPlan } from "./carried.js";
import { stateFloats } from "./state-bytes.js";

/** The packed states of the slot at float index `base`. */
export function readSlot(carry: CarriedPlan, base: number): Float32Array {
  const out = new Float32Array(stateFloats(carry.layout));
  const f32 = heapF32();
  let at = 0;
  for (const c of carry.carried) {
    for (let s = 0; s < c.layer.stateNames.length; s++) {
      const p = base + c.offset + s * c.layer.stateStride;
      out.set(f32.subarray(p, p + c.layer.units), at);
      at += c.layer.units;
    }
  }
  return out;
}

/** Writes packed states into the slot at float index `base` (its padding stays zero). */
export function writeSlot(carry: CarriedPlan, base: number, values: Float32Array): void {
  const f32 = heapF32();
  let at = 0;
  for (const c of carry.carried) {
    for (let s = 0; s < c.layer.stateNames.length; s++) {
      f32.set(values.subarray(at, at + c.layer.units), base + c.offset + s * c.layer.stateStride);
      at += c.layer.units;
    }
  }
}

/** Packed states as one list of [1, units] tensors per carried layer. */
export function layerStates(carry: CarriedPlan, values: Float32Array): Tensor[][] {
  let at = 0;
  return carry.layout.layers.map((l) =>
    l.stateNames.map(() => {
      const t = new Tensor(values.slice(at, at + l.units), [1, l.units], "float32");
      at += l.units;
      return t;
    }),
  );
}

const describe = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? `an array of ${v.length}` : v instanceof Tensor ? "a Tensor" : typeof v;

/**
 * Per-layer states as getLayerStates gives them (each [1, units] or [units], finite), checked and
 * packed; throws naming `who` and the layer before anything is written.
 */
export function packLayerStates(
  who: string,
  carry: CarriedPlan,
  states: readonly (readonly (Tensor | TensorLike)[])[],
): Float32Array {
  const layers = carry.layout.layers;
  if (!Array.isArray(states) || states.length !== layers.length) {
    throw new WasmRnnError(
      `${who}: expected ${layers.length} lists of states (one per layer of pool.layers), got ${describe(states)}`,
    );
  }
  const values = new Float32Array(stateFloats(carry.layout));
  let at = 0;
  layers.forEach((l, li) => {
    const list = states[li];
    const name = carry.carried[li]!.layer.who;
    if (!Array.isArray(list) || list.length !== l.stateNames.length) {
      throw new WasmRnnError(
        `${who}: expected ${l.stateNames.length} states [${l.stateNames.join(", ")}] for ${name}, got ${describe(list)}`,
      );
    }
    list.forEach((v, si) => {
      const state = `${name} state ${l.stateNames[si]}`;
      const t = v instanceof Tensor ? v : tensor(v as NestedArray);
      const ok = t.size === l.units && (t.shape.length === 1 || (t.shape.length === 2 && t.shape[0] === 1));
      if (!ok)
        throw new WasmRnnError(`${who}: expected ${state} of shape [1, ${l.units}], got [${t.shape.join(", ")}]`);
      for (const x of t.data) {
        if (!Number.isFinite(x)) throw new WasmRnnError(`${who}: expected finite values in ${state}, got ${x}`);
        values[at++] = x;
      }
    });
  });
  return values;
}
