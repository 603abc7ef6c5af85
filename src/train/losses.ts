// Keras 3 losses by spec (keras.losses.get): a name, an options object or a Keras config resolves
// to a KerasLoss (keras-loss.ts computes it; loss-table.ts lists the losses). A crossentropy after a
// softmax or sigmoid: Keras on TensorFlow then computes from the logits (see logitsLossFor); a
// trainer must apply logitsLossFor(loss, activation) to the pre-activation to match Keras's values
// and gradients (the clipped probability form gives zero gradients where a saturated prediction is
// wrong).
import { KerasLoss } from "./keras-loss.js";
import { isLoss, readLossSpec } from "./losses-spec.js";
import type { Loss, LossSpec } from "./types.js";

export type { KerasLossConfig, Loss, LossOptions, LossReduction, LossSpec, TargetDtype } from "./types.js";

/**
 * Resolves a loss: a Keras name (`"mse"`, `"categorical_crossentropy"`, `"CategoricalCrossentropy"`),
 * `{ name, fromLogits, labelSmoothing, delta, reduction }`, or a Keras config
 * (`{ className: "SparseCategoricalCrossentropy", config: { from_logits: true } }`). A `Loss` is
 * returned as it is.
 */
export function getLoss(spec: LossSpec, who?: string): Loss {
  if (isLoss(spec)) return spec;
  const { entry, settings } = readLossSpec(spec, who ?? "getLoss");
  return new KerasLoss(entry, settings, who ?? "getLoss", who);
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
