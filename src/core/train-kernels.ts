// The training core's kernels (assembly/train.ts: backward kernels, losses, optimizers), merged
// with the inference core's. The training core is a second wasm module on the inference core's
// memory, instantiated by `loadTrainCore()` (the first fit). Its types are generated from
// assembly/train.ts at build time (scripts/kernel-types.mjs): exports of assembly/train/losses.ts
// make LossKernels, of assembly/train/optimizers.ts OptimizerKernels, the others TrainExports.

import { WasmRnnError } from "./errors.js";
import type { CoreExports, LossKernels, OptimizerKernels, TrainExports } from "./instance.js";
import { loadTrainCore as instantiateTrainCore, kernels } from "./wasm.js";

export type { LossKernels, OptimizerKernels, TrainExports } from "./instance.js";

export type AllKernels = CoreExports & TrainExports & LossKernels & OptimizerKernels;

let merged: AllKernels | null = null;

/** Loads the training core (once); training code may call `trainKernels()` afterwards. */
export async function loadTrainCore(who = "wasm-rnn training"): Promise<void> {
  if (merged) return;
  const train = await instantiateTrainCore(who);
  // one object with both cores' kernels: backward code also uses inference kernels (add_arrays, ...)
  merged = Object.assign(Object.create(null) as object, kernels(), train, {
    memory: kernels().memory,
  }) as unknown as AllKernels;
}

/** The inference and training kernels; `loadTrainCore()` must have resolved. */
export function trainKernels(): AllKernels {
  if (!merged)
    throw new WasmRnnError(
      "wasm-rnn training: the training core is not loaded; expected `await loadTrainCore()` (fit does it), got a call before it",
    );
  return merged;
}
