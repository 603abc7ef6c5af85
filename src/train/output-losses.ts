// Which outputs carry a loss, with what weight (compile's `loss` and `lossWeights`, as Keras), and
// fit's targets mapped onto them. A loss is one spec for every output, a list with one per output
// (null: none, as the state outputs of the tutorial's [y, state_h, state_c]), or an object by output
// name; outputs an object leaves out get no loss, as in Keras 2 (Keras 3.15 asks for every name,
// which the object form with null values gives). Outputs without a loss take no target, no
// gradient from a loss and no History key.
import { describeValue, WasmRnnError } from "../core/errors.js";
import { isObjectLiteral } from "../core/validate.js";
import type { CompileArgs, LossSpec } from "./types.js";

export interface OutputLosses {
  /** Per output: its loss spec, or null for none. */
  specs: (LossSpec | null)[];
  /** Per output: the weight of its loss in the total (Keras loss_weights; 1 by default). */
  weights: number[];
}

/** compile's loss and lossWeights for outputs named `names` (their layers' names, as Keras keys them). */
export function outputLosses(who: string, names: readonly string[], args: CompileArgs): OutputLosses {
  const n = names.length;
  const loss = args.loss as unknown;
  let specs: (LossSpec | null)[];
  if (Array.isArray(loss)) {
    if (loss.length !== n)
      throw new WasmRnnError(`${who}: compile: expected one loss or ${n} (one per output), got ${loss.length}`);
    specs = loss.map((s) => (s === null || s === undefined ? null : (s as LossSpec)));
  } else if (isByOutputName(loss)) {
    checkKeys(who, "loss", loss, names);
    specs = names.map((k) => (loss[k] ?? null) as LossSpec | null);
  } else {
    specs = names.map(() => loss as LossSpec);
  }
  if (specs.every((s) => s === null))
    throw new WasmRnnError(
      `${who}: compile: expected a loss for at least one output, got none (${describeValue(loss)})`,
    );
  return { specs, weights: lossWeights(who, names, args.lossWeights) };
}

/** An object of losses by output name, not one loss's options ({ name, ... }) or Keras config ({ className, config }). */
export const isByOutputName = (v: unknown): v is Record<string, unknown> =>
  isObjectLiteral(v) && !("name" in v) && !("className" in v) && !("class_name" in v);

function checkKeys(who: string, arg: string, obj: Record<string, unknown>, names: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!names.includes(k)) {
      throw new WasmRnnError(
        `${who}: compile: ${arg} names output '${k}', which the model does not have; its outputs are ${names.map((s) => `'${s}'`).join(", ")}`,
      );
    }
  }
}

function lossWeights(who: string, names: readonly string[], spec: unknown): number[] {
  const check = (v: unknown, where: string): number => {
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new WasmRnnError(
        `${who}: compile: expected lossWeights${where} to be a finite number, got ${describeValue(v)}`,
      );
    return v;
  };
  if (spec === undefined || spec === null) return names.map(() => 1);
  if (typeof spec === "number") return names.map(() => check(spec, ""));
  if (Array.isArray(spec)) {
    if (spec.length !== names.length)
      throw new WasmRnnError(
        `${who}: compile: expected lossWeights as ${names.length} numbers (one per output), got a list of ${spec.length}`,
      );
    return spec.map((v, i) => check(v, `[${i}]`));
  }
  if (isObjectLiteral(spec)) {
    checkKeys(who, "lossWeights", spec, names);
    return names.map((k) => (k in spec ? check(spec[k], `.${k}`) : 1));
  }
  throw new WasmRnnError(
    `${who}: compile: expected lossWeights as a list of numbers or an object by output name, got ${describeValue(spec)}`,
  );
}
