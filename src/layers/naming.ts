// Keras 3 auto-naming of layers (and optimizers): "lstm", "lstm_1", ... per prefix; and the
// rule that a model's layer names are unique.
import { describeValue, WasmRnnError } from "../core/errors.js";

const nameCounts = new Map<string, number>();

/** Keras 3 auto-naming: "lstm", "lstm_1", "lstm_2", ... per prefix, process-wide. */
export function uniqueName(prefix: string): string {
  const n = nameCounts.get(prefix) ?? 0;
  nameCounts.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/** Resets auto-naming, like `keras.backend.clear_session()` (layers already made keep their names). */
export function clearSession(): void {
  nameCounts.clear();
}

export function toSnakeCase(name: string): string {
  // Keras's to_snake_case: no split after a digit (MaxPooling1D -> max_pooling1d, Conv1D -> conv1d)
  return name
    .replace(/\W+/g, "")
    .replace(/(.)([A-Z][a-z]+)/g, "$1_$2")
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

/** The model each layer first joined: a nested model's layers keep their own names' scope. */
// Keyed to a token per model, not the model: a layer reachable from a live graph (an Input a shared
// layer was called on) must not keep the model it first joined alive, or a dropped model's memory
// would never come back. (No WeakRef: workerd does not have it.)
const firstModel = new WeakMap<object, object>();

/**
 * Refuses two layers with one name among a model's own layers, as Keras does ("All layer names
 * should be unique"). Layers of another model called inside this one (a nested model, or layers
 * shared with a model made earlier) were checked there, and may repeat this model's names, as in
 * Keras, where they sit one level down.
 */
export function checkUniqueLayerNames(who: string, modelToken: object, layers: readonly { name: string }[]): void {
  const seen = new Set<string>();
  for (const layer of layers) {
    const owner = firstModel.get(layer);
    if (owner !== undefined && owner !== modelToken) continue;
    if (seen.has(layer.name))
      throw new WasmRnnError(
        `${who}: expected unique layer names (Keras: "All layer names should be unique"), got two layers named ` +
          `${describeValue(layer.name)}`,
      );
    seen.add(layer.name);
  }
  for (const layer of layers) if (!firstModel.has(layer)) firstModel.set(layer, modelToken);
}
