// fit's and evaluate's targets mapped onto the model's outputs (null for those without a loss; see
// output-losses.ts): loaded with training, apart from compile's checks.
import { describeValue, WasmRnnError } from "../core/errors.js";
import { Tensor, tensor } from "../core/tensor.js";
import { isObjectLiteral } from "../core/validate.js";
import type { Targets } from "./types.js";

const isArrayData = (v: unknown) =>
  v instanceof Tensor || Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

/**
 * fit's / evaluate's `y` as one target per output (null for outputs without a loss): for one output,
 * the array; for several, a list with one entry per output (null or anything for those without a
 * loss), a list of the lossy outputs' targets only, an object by output name, or the array alone
 * when one output has a loss.
 */
export function targetsFor(
  who: string,
  names: readonly string[],
  hasLoss: readonly boolean[],
  y: Targets | null | undefined,
): (Tensor | null)[] {
  const n = names.length;
  const lossy = hasLoss.flatMap((h, i) => (h ? [i] : []));
  const asTensor = (v: unknown, i: number): Tensor => {
    if (v === null || v === undefined) {
      throw new WasmRnnError(
        `${who}: expected targets for output ${i} ('${names[i]}'), which has a loss, got ${v === null ? "null" : "none"}`,
      );
    }
    return v instanceof Tensor ? v : tensor(v as never);
  };
  let perOutput: unknown[];
  if (n === 1) {
    perOutput = [Array.isArray(y) && y.length === 1 && y[0] instanceof Tensor ? y[0] : y];
  } else if (isObjectLiteral(y)) {
    for (const k of Object.keys(y))
      if (!names.includes(k))
        throw new WasmRnnError(
          `${who}: targets name output '${k}', which the model does not have; its outputs are ${names.join(", ")}`,
        );
    perOutput = names.map((k) => y[k]);
  } else if (Array.isArray(y) && y.length === n && y.every((v) => v == null || isArrayData(v))) {
    perOutput = y;
  } else if (Array.isArray(y) && lossy.length < n && y.length === lossy.length && y.every(isArrayData)) {
    perOutput = names.map(() => null);
    lossy.forEach((o, k) => {
      perOutput[o] = y[k];
    });
  } else if (lossy.length === 1 && isArrayData(y)) {
    perOutput = names.map((_, i) => (i === lossy[0] ? y : null));
  } else {
    throw new WasmRnnError(
      `${who}: expected ${lossy.length === n ? n : `${n} or ${lossy.length}`} target array(s), one per output` +
        `${lossy.length < n ? " (null for outputs without a loss)" : ""}, or an object by output name, ` +
        `got ${Array.isArray(y) ? `a list of ${y.length}` : describeValue(y)}`,
    );
  }
  return perOutput.map((v, i) => (hasLoss[i] ? asTensor(v, i) : null));
}
