// A loss spec read and checked without the loss code (which computes in the training core):
// compile() checks its losses at once, getLoss makes them when training starts.
import { describeValue, WasmRnnError } from "../core/errors.js";
import { checkBool, checkOptions, isPlainObject } from "../core/validate.js";
import { defaults, type Entry, findEntry, kerasConfigKeys, REDUCTIONS, type Settings } from "./loss-table.js";
import type { Loss, LossReduction, LossSpec } from "./types.js";

/** Whether `spec` is a Loss object (getLoss returns it as it is). */
export function isLoss(spec: unknown): spec is Loss {
  return (
    typeof spec === "object" &&
    spec !== null &&
    typeof (spec as Loss).compute === "function" &&
    typeof (spec as Loss).checkTarget === "function"
  );
}

/**
 * A loss spec's table entry and settings: a Keras name, `{ name, fromLogits, labelSmoothing,
 * delta, reduction }` or a Keras config `{ className, config }`; a `Loss` object is not a spec.
 */
export function readLossSpec(spec: LossSpec, who: string): { entry: Entry; settings: Settings } {
  if (typeof spec === "string") return { entry: findEntry(spec, who), settings: defaults() };
  if (typeof spec !== "object" || spec === null) {
    throw new WasmRnnError(
      `${who}: expected a loss name, { name, ... } or a Keras config { className, config }, got ${describeValue(spec)}`,
    );
  }
  const o = spec as Record<string, unknown>;
  if (Object.hasOwn(o, "className") || Object.hasOwn(o, "class_name")) return fromKerasConfig(o, who);
  checkOptions(who, o, ["name", "fromLogits", "labelSmoothing", "delta", "reduction"], "loss options");
  const entry = findEntry(o.name, who);
  const lw = `${who}: loss "${entry.name}"`;
  const s = defaults();
  s.fromLogits = checkBool(lw, "fromLogits", o.fromLogits, false);
  s.labelSmoothing = smoothing(lw, "labelSmoothing", o.labelSmoothing);
  s.delta = positive(lw, "delta", o.delta, 1);
  s.reduction = reduction(lw, o.reduction);
  return { entry, settings: s };
}

function fromKerasConfig(o: Record<string, unknown>, who: string): { entry: Entry; settings: Settings } {
  checkOptions(who, o, ["className", "class_name", "config", "module", "registered_name"], "Keras loss config");
  const cls = o.className ?? o.class_name;
  // a plain function, as Keras serialises compile(loss="mse"): { class_name: "function", config: "mse" }
  if (cls === "function" && typeof o.config === "string")
    return { entry: findEntry(o.config, who), settings: defaults() };
  const entry = findEntry(cls, who);
  const lw = `${who}: loss "${entry.className}"`;
  const c = (o.config ?? {}) as Record<string, unknown>;
  if (!isPlainObject(c)) {
    throw new WasmRnnError(`${lw}: expected config to be an object, got ${describeValue(o.config)}`);
  }
  checkOptions(lw, c, kerasConfigKeys(entry), "config");
  if (c.axis !== undefined && c.axis !== -1) {
    throw new WasmRnnError(`${lw}: expected axis -1 (the last axis), got ${describeValue(c.axis)}`);
  }
  if (c.ignore_class !== undefined && c.ignore_class !== null) {
    throw new WasmRnnError(
      `${lw}: expected ignore_class null, got ${describeValue(c.ignore_class)} (ignore_class is not supported)`,
    );
  }
  if (c.dtype !== undefined && c.dtype !== null && c.dtype !== "float32") {
    throw new WasmRnnError(`${lw}: expected dtype "float32" or null, got ${describeValue(c.dtype)}`);
  }
  if (c.name !== undefined && typeof c.name !== "string") {
    throw new WasmRnnError(`${lw}: expected name to be a string, got ${describeValue(c.name)}`);
  }
  const s = defaults();
  s.fromLogits = checkBool(lw, "from_logits", c.from_logits, false);
  s.labelSmoothing = smoothing(lw, "label_smoothing", c.label_smoothing);
  s.delta = positive(lw, "delta", c.delta, 1);
  s.reduction = reduction(lw, c.reduction);
  if (typeof c.name === "string") s.name = c.name;
  return { entry, settings: s };
}

// ----------------------------------------------------------------------------------------------
// option checks

function smoothing(who: string, option: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== "number" || !(v >= 0 && v <= 1)) {
    throw new WasmRnnError(`${who}: expected ${option} to be a number in [0, 1], got ${describeValue(v)}`);
  }
  return v;
}

function positive(who: string, option: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) {
    throw new WasmRnnError(`${who}: expected ${option} to be a positive number, got ${describeValue(v)}`);
  }
  return v;
}

function reduction(who: string, v: unknown): LossReduction {
  if (v === undefined) return "sum_over_batch_size";
  if (typeof v !== "string" || !REDUCTIONS.includes(v)) {
    throw new WasmRnnError(
      `${who}: expected reduction ${REDUCTIONS.map((r) => JSON.stringify(r)).join(", ")}, got ${describeValue(v)}` +
        (v === "none" || v === null
          ? ' (reduction "none" gives no single value to train on and is not supported)'
          : ""),
    );
  }
  return v as LossReduction;
}
