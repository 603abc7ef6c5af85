// The checks that keep a training step from changing anything on bad numbers: inputs before any
// step (targets are checked beside the losses), gradients before the optimizer writes.
import { WasmRnnError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { trainKernels } from "../core/train-kernels.js";
import { heapF32 } from "../core/wasm.js";
import type { Layer } from "../layers/layer.js";
import type { Model } from "../model/model.js";

/** Refuses a step whose gradients hold NaN or Infinity, naming the layer. */
export function checkFiniteGradients(
  who: string,
  params: readonly {
    layer: Layer;
    lengths: readonly number[];
    grads: readonly number[];
    trained: readonly boolean[];
  }[],
): void {
  const k = trainKernels();
  for (const p of params) {
    p.lengths.forEach((n, i) => {
      if (!p.trained[i]) return; // a frozen weight's gradient is never applied (Keras takes none)
      const bad = k.loss_first_nonfinite(n, p.grads[i]!);
      if (bad >= 0) {
        const value = heapF32()[(p.grads[i]! >>> 2) + bad];
        throw new WasmRnnError(
          `${who}: the gradient of the loss became ${value} in ${p.layer.who}; expected finite gradients ` +
            "(try a lower learning rate or clipnorm); the step was not applied: weights and optimizer state are unchanged",
        );
      }
    });
  }
}

/** The index of the first NaN or Infinity in `data`, or -1 (inputs, targets and sample weights share it). */
export function firstNonFinite(data: ArrayLike<number>): number {
  for (let j = 0; j < data.length; j++) if (!Number.isFinite(data[j])) return j;
  return -1;
}

/** Checks that float inputs are finite (as the targets are), before any step. */
export function checkFiniteInputs(who: string, model: Model, xs: readonly Tensor[]): void {
  xs.forEach((x, i) => {
    if (x.dtype !== "float32") return;
    const j = firstNonFinite(x.data);
    if (j >= 0) {
      const name = model.inputs[i]?.sourceLayer.name ?? String(i);
      throw new WasmRnnError(`${who}: expected finite inputs for input '${name}', got ${x.data[j]} at flat index ${j}`);
    }
  });
}
