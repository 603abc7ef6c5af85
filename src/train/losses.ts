// Keras 3 losses over predictions in wasm memory: the reduced value Keras reports and the gradient
// of that value with respect to the prediction. The math is in assembly/losses.ts (formulas at its
// top); this module resolves a loss spec (a name, an options object or a Keras config), checks
// shapes and targets, and applies Keras's reduction (keras/src/losses/loss.py):
//   "sum_over_batch_size" (the default; "mean" is the same): the sum of the per-sample values
//   divided by their number, which is the product of all prediction axes but the last (B, or B*T
//   for sequences). With a mask (u8, one per per-sample value, as a masked model output carries
//   it), the sum over unmasked values divided by their number (0 when all are masked). With
//   sample weights (f32, one per per-sample value), each value is multiplied by its weight first;
//   the divisor stays the number of (unmasked) values, NOT the sum of the weights.
//   "mean_with_sample_weight": the same, divided by the sum of the (unmasked) weights instead
//   (by the number of unmasked values without weights; 0 when the divisor is 0).
//   "sum": the (weighted, unmasked) sum.
// A prediction is f32 [..., F] with F the last axis; targets have the same shape (f32, or i32 cast
// to f32 as Keras does), except sparse_categorical_crossentropy: class ids of shape [...] or
// [..., 1], i32 or f32 holding integers (truncated toward zero, as Keras's cast to int64).
// Keras also accepts a target without the prediction's trailing axis of size 1 (and the reverse);
// the element-wise (mean) losses take that too, where it gives the same numbers.
//
// Crossentropies after a softmax or sigmoid: Keras on TensorFlow then computes from the logits
// (see logitsLossFor); a trainer must apply logitsLossFor(loss, activation) to the pre-activation
// to match Keras's values and gradients (the clipped probability form gives zero gradients where a
// saturated prediction is wrong).
import { arena } from "../core/arena.js";
import { describeValue, fmtShape, WasmRnnError } from "../core/errors.js";
import { type LossKernels, trainKernels } from "../core/train-kernels.js";
import { checkBool } from "../core/validate.js";
import { core } from "../core/wasm.js";

/** The kernels of assembly/losses.ts as the wasm core exports them (pointers are bytes). */

export type TargetDtype = "float32" | "int32";
export type LossReduction = "sum_over_batch_size" | "mean" | "mean_with_sample_weight" | "sum";

export interface Loss {
  /** The canonical Keras function name: "mean_squared_error", "categorical_crossentropy", ... */
  readonly name: string;
  /** The Keras class: "MeanSquaredError", "CategoricalCrossentropy", ... */
  readonly className: string;
  readonly fromLogits: boolean;
  /** Whether targets are class ids (sparse_categorical_crossentropy). */
  readonly sparse: boolean;
  readonly reduction: LossReduction;
  /** Throws unless Keras would accept these target shape and dtype for this prediction shape. */
  checkTarget(
    predShape: readonly number[],
    targetShape: readonly number[],
    targetDtype: TargetDtype,
    who: string,
  ): void;
  /**
   * Keras's reduced loss value; writes d(value)/d(pred) (f32, the prediction's shape) to `gradPtr`
   * unless it is 0. `gradPtr` may be `predPtr` (overwritten in place). `maskPtr` (optional, 0 =
   * none): u8, one per per-sample value (the prediction's shape without its last axis), 0 = masked.
   * `weightPtr` (optional, 0 = none): f32 sample weights, one per per-sample value, as Keras's
   * sample_weight (see the reductions at the top of src/train/losses.ts). Checks the targets
   * (finite; class ids in range) and the weights (finite) and throws before writing anything. int32
   * targets of the non-sparse losses are cast to f32 in a scratch block of the arena (which may
   * grow the wasm memory).
   */
  compute(
    predPtr: number,
    predShape: readonly number[],
    targetPtr: number,
    targetDtype: TargetDtype,
    gradPtr: number,
    maskPtr?: number,
    weightPtr?: number,
  ): number;
  /** The config Keras's loss class gives (`loss.get_config()`), snake_case. */
  getConfig(): Record<string, unknown>;
}

/** Options for `getLoss({ name, ... })` (camelCase; Keras configs use the snake_case names). */
export interface LossOptions {
  name: string;
  /** Crossentropies only: the prediction is logits (default false). */
  fromLogits?: boolean;
  /** binary_ and categorical_crossentropy only, in [0, 1] (default 0). */
  labelSmoothing?: number;
  /** huber only, > 0 (default 1). */
  delta?: number;
  /** Default "sum_over_batch_size". */
  reduction?: LossReduction;
}

/**
 * A Keras-serialised loss: `{ className | class_name, config }` (from `keras.losses.serialize`);
 * a plain function loss is `{ class_name: "function", config: "mse" }`.
 */
export interface KerasLossConfig {
  className?: string;
  class_name?: string;
  config?: Record<string, unknown> | string;
  module?: string;
  registered_name?: string | null;
}

export type LossSpec = string | LossOptions | KerasLossConfig | Loss;

type Kind = "mse" | "mae" | "huber" | "msle" | "kld" | "cosine" | "bce" | "cce" | "scce";

interface Entry {
  kind: Kind;
  name: string; // Keras function name
  className: string;
  kerasName: string; // the class's default `name`
  aliases: readonly string[];
  crossentropy: boolean;
  smoothing: boolean;
  /** Per-sample value = mean over the last axis of an element-wise loss. */
  elementwiseMean: boolean;
}

const ENTRIES: readonly Entry[] = [
  {
    kind: "mse",
    name: "mean_squared_error",
    className: "MeanSquaredError",
    kerasName: "mean_squared_error",
    aliases: ["mse", "MSE"],
    crossentropy: false,
    smoothing: false,
    elementwiseMean: true,
  },
  {
    kind: "mae",
    name: "mean_absolute_error",
    className: "MeanAbsoluteError",
    kerasName: "mean_absolute_error",
    aliases: ["mae", "MAE"],
    crossentropy: false,
    smoothing: false,
    elementwiseMean: true,
  },
  {
    kind: "huber",
    name: "huber",
    className: "Huber",
    kerasName: "huber_loss",
    aliases: [],
    crossentropy: false,
    smoothing: false,
    elementwiseMean: true,
  },
  {
    kind: "msle",
    name: "mean_squared_logarithmic_error",
    className: "MeanSquaredLogarithmicError",
    kerasName: "mean_squared_logarithmic_error",
    aliases: ["msle", "MSLE"],
    crossentropy: false,
    smoothing: false,
    elementwiseMean: true,
  },
  {
    kind: "kld",
    name: "kl_divergence",
    className: "KLDivergence",
    kerasName: "kl_divergence",
    aliases: ["kld", "KLD"],
    crossentropy: false,
    smoothing: false,
    elementwiseMean: false,
  },
  {
    kind: "cosine",
    name: "cosine_similarity",
    className: "CosineSimilarity",
    kerasName: "cosine_similarity",
    aliases: [],
    crossentropy: false,
    smoothing: false,
    elementwiseMean: false,
  },
  {
    kind: "bce",
    name: "binary_crossentropy",
    className: "BinaryCrossentropy",
    kerasName: "binary_crossentropy",
    aliases: ["bce"],
    crossentropy: true,
    smoothing: true,
    elementwiseMean: true,
  },
  {
    kind: "cce",
    name: "categorical_crossentropy",
    className: "CategoricalCrossentropy",
    kerasName: "categorical_crossentropy",
    aliases: [],
    crossentropy: true,
    smoothing: true,
    elementwiseMean: false,
  },
  {
    kind: "scce",
    name: "sparse_categorical_crossentropy",
    className: "SparseCategoricalCrossentropy",
    kerasName: "sparse_categorical_crossentropy",
    aliases: [],
    crossentropy: true,
    smoothing: false,
    elementwiseMean: false,
  },
];

const BY_NAME = new Map<string, Entry>();
for (const e of ENTRIES) {
  for (const n of [e.name, e.className, ...e.aliases]) BY_NAME.set(n, e);
}
const KNOWN = ENTRIES.map((e) => [e.name, ...e.aliases].map((n) => JSON.stringify(n)).join("/")).join(", ");
const REDUCTIONS: readonly string[] = ["sum_over_batch_size", "mean", "mean_with_sample_weight", "sum"];

interface Settings {
  fromLogits: boolean;
  labelSmoothing: number;
  delta: number;
  reduction: LossReduction;
  name?: string;
}

function isLoss(spec: unknown): spec is Loss {
  return (
    typeof spec === "object" &&
    spec !== null &&
    typeof (spec as Loss).compute === "function" &&
    typeof (spec as Loss).checkTarget === "function"
  );
}

function findEntry(name: unknown, who: string): Entry {
  const entry = typeof name === "string" ? BY_NAME.get(name) : undefined;
  if (!entry) {
    throw new WasmRnnError(
      `${who}: unknown loss ${JSON.stringify(name)}; expected one of ${KNOWN} (or a Keras class name)`,
    );
  }
  return entry;
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
  checkKeys(who, "loss options", o, ["name", "fromLogits", "labelSmoothing", "delta", "reduction"]);
  const entry = findEntry(o.name, who);
  const lw = `${who}: loss "${entry.name}"`;
  const s = defaults();
  s.fromLogits = checkBool(lw, "fromLogits", o.fromLogits, false);
  s.labelSmoothing = smoothing(lw, "labelSmoothing", o.labelSmoothing);
  s.delta = positive(lw, "delta", o.delta, 1);
  s.reduction = reduction(lw, o.reduction);
  return new KerasLoss(entry, s, who, owner);
}

/** The config keys each Keras loss class takes (its constructor's arguments). */
function kerasConfigKeys(entry: Entry): string[] {
  const keys = ["name", "reduction", "dtype"];
  if (entry.smoothing) keys.push("from_logits", "label_smoothing", "axis");
  if (entry.kind === "scce") keys.push("from_logits", "ignore_class");
  if (entry.kind === "huber") keys.push("delta");
  if (entry.kind === "cosine") keys.push("axis");
  return keys;
}

function fromKerasConfig(o: Record<string, unknown>, who: string, owner: string | undefined): Loss {
  checkKeys(who, "Keras loss config", o, ["className", "class_name", "config", "module", "registered_name"]);
  const cls = o.className ?? o.class_name;
  // a plain function, as Keras serialises compile(loss="mse"): { class_name: "function", config: "mse" }
  if (cls === "function" && typeof o.config === "string")
    return new KerasLoss(findEntry(o.config, who), defaults(), who, owner);
  const entry = findEntry(cls, who);
  const lw = `${who}: loss "${entry.className}"`;
  const c = (o.config ?? {}) as Record<string, unknown>;
  if (typeof c !== "object" || c === null || Array.isArray(c)) {
    throw new WasmRnnError(`${lw}: expected config to be an object, got ${describeValue(o.config)}`);
  }
  checkKeys(lw, "config", c, kerasConfigKeys(entry));
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

function defaults(): Settings {
  return { fromLogits: false, labelSmoothing: 0, delta: 1, reduction: "sum_over_batch_size" };
}

class KerasLoss implements Loss {
  readonly name: string;
  readonly className: string;
  readonly fromLogits: boolean;
  readonly sparse: boolean;
  readonly reduction: LossReduction;
  private readonly entry: Entry;
  private readonly s: Settings;
  private readonly label: string;
  private readonly owner: string;
  private readonly ownerName: string | undefined;

  /** `owner` (the `who` given to getLoss, if any) prefixes compute's errors. */
  constructor(entry: Entry, s: Settings, who: string, owner?: string) {
    const lw = `${who}: loss "${entry.name}"`;
    if (s.fromLogits && !entry.crossentropy) {
      throw new WasmRnnError(`${lw}: expected fromLogits false (only the crossentropies take logits), got true`);
    }
    if (s.labelSmoothing !== 0 && !entry.smoothing) {
      throw new WasmRnnError(
        `${lw}: expected no label smoothing (only binary_ and categorical_crossentropy take it; Keras's ` +
          `sparse_categorical_crossentropy has none), got ${s.labelSmoothing}`,
      );
    }
    if (s.delta !== 1 && entry.kind !== "huber") {
      throw new WasmRnnError(`${lw}: expected no delta (only huber takes it), got ${s.delta}`);
    }
    this.entry = entry;
    this.s = s;
    this.name = entry.name;
    this.className = entry.className;
    this.fromLogits = s.fromLogits;
    this.sparse = entry.kind === "scce";
    this.reduction = s.reduction;
    this.label = `loss "${entry.name}"`;
    this.ownerName = owner;
    this.owner = owner === undefined ? "" : `${owner}: `;
  }

  /** The same loss with fromLogits (crossentropies only, else null); see logitsLossFor. */
  logitsForm(): Loss | null {
    if (!this.entry.crossentropy) return null;
    if (this.s.fromLogits) return this;
    return new KerasLoss(this.entry, { ...this.s, fromLogits: true }, "logitsLossFor", this.ownerName);
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { name: this.s.name ?? this.entry.kerasName, reduction: this.s.reduction };
    if (this.entry.smoothing)
      Object.assign(c, { from_logits: this.s.fromLogits, label_smoothing: this.s.labelSmoothing, axis: -1 });
    if (this.entry.kind === "scce") Object.assign(c, { from_logits: this.s.fromLogits, ignore_class: null });
    // Keras 3's Huber.get_config drops delta; it is kept here when it is not the default
    if (this.entry.kind === "huber" && this.s.delta !== 1) c.delta = this.s.delta;
    return c;
  }

  checkTarget(
    predShape: readonly number[],
    targetShape: readonly number[],
    targetDtype: TargetDtype,
    who: string,
  ): void {
    const lw = `${who}: ${this.label}`;
    checkShape(lw, "prediction", predShape);
    checkShape(lw, "target", targetShape);
    if (predShape.length < 1)
      throw new WasmRnnError(`${lw}: expected a prediction of rank >= 1, got shape ${fmtShape(predShape)}`);
    if (targetDtype !== "float32" && targetDtype !== "int32") {
      throw new WasmRnnError(
        `${lw}: expected targets of dtype "float32" or "int32", got ${describeValue(targetDtype)}`,
      );
    }
    const outer = predShape.slice(0, -1);
    if (this.sparse) {
      if (same(targetShape, outer) || same(targetShape, [...outer, 1])) return;
      throw new WasmRnnError(
        `${lw}: expected class-id targets of shape ${fmtShape(outer)} or ${fmtShape([...outer, 1])} for a prediction of ` +
          `shape ${fmtShape(predShape)}, got ${fmtShape(targetShape)}`,
      );
    }
    if (same(targetShape, predShape)) return;
    // Keras squeezes or expands a trailing axis of size 1; for the element-wise means that gives
    // the same numbers (for sums over the last axis it would change which axis is reduced)
    const trailingOne =
      (predShape[predShape.length - 1] === 1 && same(targetShape, outer)) ||
      (targetShape[targetShape.length - 1] === 1 && same(targetShape.slice(0, -1), predShape));
    if (trailingOne && this.entry.elementwiseMean) return;
    throw new WasmRnnError(
      `${lw}: expected targets of the prediction's shape ${fmtShape(predShape)}, got ${fmtShape(targetShape)}` +
        (this.entry.kind === "cce" && same(targetShape, outer)
          ? " (class ids go with sparse_categorical_crossentropy)"
          : ""),
    );
  }

  compute(
    predPtr: number,
    predShape: readonly number[],
    targetPtr: number,
    targetDtype: TargetDtype,
    gradPtr: number,
    maskPtr = 0,
    weightPtr = 0,
  ): number {
    const lw = `${this.owner}${this.label}`;
    core(`${lw}: compute`);
    const k = trainKernels();
    checkShape(lw, "prediction", predShape);
    if (predShape.length < 1)
      throw new WasmRnnError(`${lw}: expected a prediction of rank >= 1, got shape ${fmtShape(predShape)}`);
    const F = predShape[predShape.length - 1]!;
    const M = predShape.slice(0, -1).reduce((a, b) => a * b, 1);
    if (M === 0 || F === 0) return 0;
    const idsFloat = targetDtype === "float32" ? 1 : 0;
    let scratch = 0;
    let target = targetPtr;
    try {
      if (this.sparse) {
        const bad = k.loss_sparse_ids_check(M, targetPtr, idsFloat, F);
        if (bad >= 0) {
          const raw =
            targetDtype === "float32"
              ? new Float32Array(k.memory.buffer, targetPtr + 4 * bad, 1)[0]
              : new Int32Array(k.memory.buffer, targetPtr + 4 * bad, 1)[0];
          throw new WasmRnnError(
            `${lw}: expected class ids in [0, ${F}) (the prediction's last axis), got ${raw} at flat target index ${bad}`,
          );
        }
      } else {
        const n = M * F;
        if (targetDtype === "int32") {
          scratch = arena.alloc(4 * n);
          const buf = k.memory.buffer;
          new Float32Array(buf, scratch, n).set(new Int32Array(buf, targetPtr, n));
          target = scratch;
        }
        const bad = k.loss_first_nonfinite(n, target);
        if (bad >= 0) {
          const raw = new Float32Array(k.memory.buffer, target + 4 * bad, 1)[0];
          throw new WasmRnnError(`${lw}: expected finite targets, got ${raw} at flat index ${bad}`);
        }
      }
      if (weightPtr) {
        const bad = k.loss_first_nonfinite(M, weightPtr);
        if (bad >= 0) {
          const raw = new Float32Array(k.memory.buffer, weightPtr + 4 * bad, 1)[0];
          throw new WasmRnnError(`${lw}: expected finite sample weights, got ${raw} at flat index ${bad}`);
        }
      }
      // the divisor: the number of (unmasked) values; with "mean_with_sample_weight" and weights,
      // the sum of the (unmasked) weights (Keras's reduce_values after apply_mask)
      let count = M;
      const mask = maskPtr ? new Uint8Array(k.memory.buffer, maskPtr, M) : null;
      if (this.s.reduction === "mean_with_sample_weight" && weightPtr) {
        const w = new Float32Array(k.memory.buffer, weightPtr, M);
        count = 0;
        for (let i = 0; i < M; i++) if (!mask || mask[i] !== 0) count += w[i]!;
      } else if (mask) {
        count = 0;
        for (let i = 0; i < M; i++) if (mask[i] !== 0) count++;
      }
      const sum = this.s.reduction === "sum";
      const scale = sum ? 1 : count === 0 ? 0 : 1 / count;
      const total = this.run(k, M, F, predPtr, target, idsFloat, gradPtr, scale, maskPtr, weightPtr);
      return sum ? total : count === 0 ? 0 : total / count;
    } finally {
      if (scratch) arena.free(scratch);
    }
  }

  private run(
    k: LossKernels,
    M: number,
    F: number,
    pred: number,
    target: number,
    idsFloat: number,
    grad: number,
    scale: number,
    mask: number,
    weight: number,
  ): number {
    const logits = this.s.fromLogits ? 1 : 0;
    switch (this.entry.kind) {
      case "mse":
        return k.loss_mse(M, F, pred, target, grad, scale, mask, weight);
      case "mae":
        return k.loss_mae(M, F, pred, target, grad, scale, mask, weight);
      case "huber":
        return k.loss_huber(M, F, pred, target, grad, scale, mask, weight, this.s.delta);
      case "msle":
        return k.loss_msle(M, F, pred, target, grad, scale, mask, weight);
      case "kld":
        return k.loss_kl_divergence(M, F, pred, target, grad, scale, mask, weight);
      case "cosine":
        return k.loss_cosine_similarity(M, F, pred, target, grad, scale, mask, weight);
      case "bce":
        return k.loss_binary_crossentropy(M, F, pred, target, logits, this.s.labelSmoothing, grad, scale, mask, weight);
      case "cce":
        return k.loss_categorical_crossentropy(
          M,
          F,
          pred,
          target,
          logits,
          this.s.labelSmoothing,
          grad,
          scale,
          mask,
          weight,
        );
      case "scce":
        return k.loss_sparse_categorical_crossentropy(M, F, pred, target, idsFloat, logits, grad, scale, mask, weight);
    }
  }
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

function checkKeys(who: string, what: string, o: object, known: readonly string[]): void {
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) {
      throw new WasmRnnError(
        `${who}: unknown key ${JSON.stringify(key)} in ${what}; expected one of ${known.join(", ")}`,
      );
    }
  }
}

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

function checkShape(who: string, what: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new WasmRnnError(
      `${who}: expected the ${what} shape to be a list of non-negative integers, got ${describeValue(shape)}`,
    );
  }
}

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
