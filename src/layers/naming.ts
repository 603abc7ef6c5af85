// Keras 3 auto-naming of layers (and optimizers): "lstm", "lstm_1", ... per prefix.

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
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}
