// GRU backward (both reset_after forms): not written yet, so training refuses GRU layers.
import type { Backward } from "./backward-base.js";

export const gruBackward: Backward | null = null;
