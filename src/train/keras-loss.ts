// A Keras 3 loss over predictions in wasm memory: the reduced value Keras reports and the gradient
// of that value with respect to the prediction. The math is in assembly/train/losses.ts (formulas at its
// top); this module checks shapes and targets, calls the kernel and applies Keras's reduction
// (keras/src/losses/loss.py):
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
// logitsForm() is the same loss from the logits, for losses.ts's logitsLossFor.
import { arena } from "../core/arena.js";
import { describeValue, fmtShape, WasmRnnError } from "../core/errors.js";
import { type LossKernels, trainKernels } from "../core/train-kernels.js";
import { sameShape } from "../core/validate.js";
import { core } from "../core/wasm.js";
import type { Entry, Settings } from "./loss-table.js";
import type { Loss, LossReduction, TargetDtype } from "./types.js";

export class KerasLoss implements Loss {
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
      if (sameShape(targetShape, outer) || sameShape(targetShape, [...outer, 1])) return;
      throw new WasmRnnError(
        `${lw}: expected class-id targets of shape ${fmtShape(outer)} or ${fmtShape([...outer, 1])} for a prediction of ` +
          `shape ${fmtShape(predShape)}, got ${fmtShape(targetShape)}`,
      );
    }
    if (sameShape(targetShape, predShape)) return;
    // Keras squeezes or expands a trailing axis of size 1; for the element-wise means that gives
    // the same numbers (for sums over the last axis it would change which axis is reduced)
    const trailingOne =
      (predShape[predShape.length - 1] === 1 && sameShape(targetShape, outer)) ||
      (targetShape[targetShape.length - 1] === 1 && sameShape(targetShape.slice(0, -1), predShape));
    if (trailingOne && this.entry.elementwiseMean) return;
    throw new WasmRnnError(
      `${lw}: expected targets of the prediction's shape ${fmtShape(predShape)}, got ${fmtShape(targetShape)}` +
        (this.entry.kind === "cce" && sameShape(targetShape, outer)
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

function checkShape(who: string, what: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new WasmRnnError(
      `${who}: expected the ${what} shape to be a list of non-negative integers, got ${describeValue(shape)}`,
    );
  }
}
