// Keras's broadcasting for the merge layers and PReLU's shared axes: how an input of one shape is
// read as another (its dims 1 repeated), collapsed to the 4 nested loops of broadcast_4d.
import { fmtShape, WasmRnnError } from "../../core/errors.js";
import type { Shape } from "../layer.js";

/** broadcast_4d's arguments for reading `from` as `to`: four dims, then four strides (floats). */
export type Plan4 = [number, number, number, number, number, number, number, number];

/**
 * The plan reading `from` (same rank as `to`, each dim equal or 1) as `to`, or null when they are
 * equal. `who` names the layer if it needs more than four loops.
 */
export function broadcastPlan(from: readonly number[], to: readonly number[], who: string): Plan4 | null {
  if (from.every((d, i) => d === to[i])) return null;
  const strides: number[] = new Array(from.length);
  let s = 1;
  for (let i = from.length - 1; i >= 0; i--) {
    strides[i] = from[i] === 1 && to[i]! > 1 ? 0 : s;
    s *= from[i]!;
  }
  const dims: number[] = [],
    st: number[] = [];
  for (let i = 0; i < to.length; i++) {
    if (to[i] === 1) continue;
    const last = dims.length - 1;
    // an axis joins the previous one when both are read contiguously or both repeat
    if (last >= 0 && (strides[i] === 0 ? st[last] === 0 : st[last] === strides[i]! * to[i]!)) {
      dims[last]! *= to[i]!;
      st[last] = strides[i] === 0 ? 0 : strides[i]!;
    } else {
      dims.push(to[i]!);
      st.push(strides[i]!);
    }
  }
  if (dims.length > 4) {
    throw new WasmRnnError(
      `${who}: expected shapes that broadcast in at most 4 runs of axes, got ${fmtShape(from)} read as ${fmtShape(to)}`,
    );
  }
  while (dims.length < 4) {
    dims.unshift(1);
    st.unshift(0);
  }
  return [...dims, ...st] as Plan4;
}

/**
 * Keras _Merge's output shape: inputs of lower rank get axes of 1 after the batch axis, then each
 * axis must be equal or 1 (null stays unknown). Returns the output shape and each input's padded shape.
 */
export function mergeShapes(inputs: readonly Shape[], who: string): { out: Shape; padded: Shape[] } {
  const rank = Math.max(...inputs.map((s) => s.length));
  const padded = inputs.map((s) => [s[0]!, ...new Array<number>(rank - s.length).fill(1), ...s.slice(1)] as Shape);
  const out: (number | null)[] = [padded[0]![0] ?? null];
  for (let a = 1; a < rank; a++) {
    let d: number | null = 1;
    for (const s of padded) {
      const v = s[a]!;
      if (v === 1 || d === null) continue;
      if (v === null || d === 1) d = v;
      else if (d !== v)
        throw new WasmRnnError(
          `${who}: expected inputs of shapes that broadcast, got ${inputs.map(fmtShape).join(", ")}`,
        );
    }
    out.push(d);
  }
  return { out, padded };
}
