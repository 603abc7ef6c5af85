// What a model garbage collected without dispose() gives back: its plans' wasm memory, and its
// hold on its layers (each layer frees its own weights once it is collected too: Layer's registry).
import type { Layer } from "../layers/layer.js";
import type { PlanCache } from "./plan.js";

/** What a dropped model leaves to free: refers to no model, so the registry does not keep one alive. */
export interface ModelMemory {
  plans: PlanCache;
  token: object;
  layers: readonly Layer[];
}

/** Frees the plans of a model garbage collected without dispose(), and lets go of its layers. */
function releaseModelMemory(memory: ModelMemory): void {
  memory.plans.release();
  // a layer no live model holds is freed when it is itself collected (Layer's registry), not here:
  // code may still hold it
  for (const l of memory.layers) l.release(memory.token);
}

export const collectedModels =
  typeof FinalizationRegistry === "function" ? new FinalizationRegistry<ModelMemory>(releaseModelMemory) : null;
