// A Trainer's wasm memory (its plans, gradient blocks, its own optimizer's slots) as an object
// that refers to no trainer or model, so a FinalizationRegistry can free it once the model (and
// with it the trainer) is garbage collected without dispose().
import { arena } from "../core/arena.js";
import type { Optimizer } from "./optimizer.js";
import type { TrainPlan } from "./train-plan.js";

/** A trainer's wasm memory, kept apart from it (it refers to no trainer or model) for the registry. */
export interface TrainerMemory {
  plans: Map<string, TrainPlan>;
  params: { grads: number[]; squares: number[] }[];
  /** Disposed with the trainer; null for an optimizer object the caller gave (it may train another model). */
  ownOptimizer: Optimizer | null;
}

export function releaseTrainerMemory(m: TrainerMemory): void {
  for (const tp of m.plans.values()) for (const p of tp.ptrs) arena.free(p);
  m.plans.clear();
  for (const p of m.params) for (const g of [...p.grads, ...p.squares]) arena.free(g);
  m.params.length = 0;
  m.ownOptimizer?.dispose();
}

/** Frees the training memory of a model garbage collected without dispose(). */
export const collectedTrainers =
  typeof FinalizationRegistry === "function" ? new FinalizationRegistry<TrainerMemory>(releaseTrainerMemory) : null;
