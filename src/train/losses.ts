// Keras 3 losses by spec (keras.losses.get): a name, an options object or a Keras config resolves
// to a KerasLoss (keras-loss.ts computes it; loss-table.ts lists the losses). A crossentropy after a
// softmax or sigmoid: Keras on TensorFlow then computes from the logits (see logitsLossFor); a
// trainer must apply logitsLossFor(loss, activation) to the pre-activation to match Keras's values
// and gradients (the clipped probability form gives zero gradients where a saturated prediction is
// wrong).
import { describeValue, WasmRnnError } from "../core/errors.js";
import { checkBool, checkOptions, isPlainObject } from "../core/validate.js";
import { KerasLoss } from "./keras-loss.js";
import { defaults, findEntry, kerasConfigKeys, REDUCTIONS } from "./loss-table.js";
import type { Loss, LossReduction, LossSpec } from "./types.js";

export type { KerasLossConfig, Loss, LossOptions, LossReduction, LossSpec, TargetDtype } from "./types.js";

function isLoss(spec: unknown): spec is Loss {
  return (
    typeof spec === "object" &&
    spec !== null &&
    typeof (spec as Loss).compute === "function" &&
    typeof (spec as Loss).checkTarget === "function"
  );
}
/**
 * Resolves a loss: a Keras name (`"mse"`, `"categorical_crossentropy"`, `"CategoricalCrossentropy"`),
 * `{ name, fromLogits, labelSmoothing, delta, reduction }`, or a Keras config
 * (`{ className: "SparseCategoricalCrossentropy", config: { from_logits: true } }`). A `Loss` is
 * returned as it is.
 */
export function getLoss(spec: LossSpec, who?: string): Loss {
  if (isLoss(spec)) return spec;
  return resolve(spec, who ?? "getLoss", who);
}

function resolve(spec: LossSpec, who: string, owner: string | undefined): Loss {
  if (typeof spec === "string") return new KerasLoss(findEntry(spec, who), defaults(), who, owner);
  if (typeof spec !== "object" || spec === null) {
    throw new WasmRnnError(
      `${who}: expected a loss name, { name, ... } or a Keras config { className, config }, got ${describeValue(spec)}`,
    );
  }
  const o = spec as Record<string, unknown>;
  if ("className" in o || "class_name" in o) return fromKerasConfig(o, who, owner);
  checkOptions(who, o, ["name", "fromLogits", "labelSmoothing", "delta", "reduction"], "loss options");
  const entry = findEntry(o.name, who);
  const lw = `${who}: loss "${entry.name}"`;
  const s = defaults();
  s.fromLogits = checkBool(lw, "fromLogits", o.fromLogits, false);
  s.labelSmoothing = smoothing(lw, "labelSmoothing", o.labelSmoothing);
  s.delta = positive(lw, "delta", o.delta, 1);
  s.reduction = reduction(lw, o.reduction);
  return new KerasLoss(entry, s, who, owner);
}

function fromKerasConfig(o: Record<string, unknown>, who: string, owner: string | undefined): Loss {
  // shared_object_id: Keras's mark of an object serialised twice (the same function as loss and metric)
  const keys = ["className", "class_name", "config", "module", "registered_name", "shared_object_id"];
  checkOptions(who, o, keys, "Keras loss config");
  const cls = o.className ?? o.class_name;
  // a plain function, as Keras serialises compile(loss="mse"): { class_name: "function", config: "mse" }
  if (cls === "function" && typeof o.config === "string")
    return new KerasLoss(findEntry(o.config, who), defaults(), who, owner);
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
  return new KerasLoss(entry, s, who, owner);
}

/**
 * The loss to apply to the pre-activation when the prediction comes straight from a `softmax` or
 * `sigmoid` activation (a Dense or Activation layer's, or a Softmax layer), else null.
 *
 * Keras 3 on TensorFlow does this for every crossentropy: those activations attach their input to
 * the output (`_keras_logits`), and binary_, categorical_ and sparse_categorical_crossentropy then
 * compute from those logits in the logits form (no clipping), whatever `from_logits` says and
 * whichever of the two activations it was (binary_crossentropy after a softmax takes the
 * softmax's logits as sigmoid logits; categorical_crossentropy after a sigmoid takes the sigmoid's
 * logits as softmax logits). The returned loss's gradient is then with respect to the logits, so
 * the activation's backward step is skipped. Other losses and activations see the activation's
 * output as it is.
 */
export function logitsLossFor(loss: Loss, activation: string): Loss | null {
  if (!(loss instanceof KerasLoss) || (activation !== "softmax" && activation !== "sigmoid")) return null;
  return loss.logitsForm();
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
