// Which layers run quantized, for whoever must say so (summary, the model's `quantization`, the
// training code that refuses them). A leaf: it imports no layer code, so anything may read it, and
// it stays small, since every app that has a Model loads it.
/** What quantize() may do: int8 inference weights, weights rounded to float16, or back to float32. */
export type QuantizeMode = "int8" | "float16" | "none";

/** A layer's quantization: int8 (with the bytes its q8 copies take) or float16-rounded weights. */
export interface LayerQuantization {
  mode: "int8" | "float16";
  bytes: number;
}

interface Named {
  readonly name: string;
}

const byLayer = new WeakMap<object, LayerQuantization>();

export function setLayerQuantization(layer: object, q: LayerQuantization | null): void {
  if (q) byLayer.set(layer, q);
  else byLayer.delete(layer);
}

export function layerQuantization(layer: object): LayerQuantization | null {
  return byLayer.get(layer) ?? null;
}

/** The layers a model runs, wrappers opened (Bidirectional's halves, TimeDistributed's layer). */
export function leafLayers<L extends Named>(layers: readonly L[]): L[] {
  return layers.flatMap((l) => {
    const w = l as unknown as { forwardLayer?: L; backwardLayer?: L; layer?: L };
    if (w.forwardLayer && w.backwardLayer) return [w.forwardLayer, w.backwardLayer];
    if (w.layer && typeof w.layer === "object") return leafLayers([w.layer]);
    return [l];
  });
}

/** "int8" when a layer runs int8, else "float16" when one has float16-rounded weights, else null. */
export function quantizationOf(layers: readonly Named[]): "int8" | "float16" | null {
  const modes = leafLayers(layers).map((l) => byLayer.get(l)?.mode);
  return modes.includes("int8") ? "int8" : modes.includes("float16") ? "float16" : null;
}

/** The summary's last line for a quantized model, "" for one that is not: never silent. */
export function quantizationLine(layers: readonly Named[]): string {
  const leaves = leafLayers(layers);
  const parts = (["int8", "float16"] as const)
    .map((mode) => [mode, leaves.filter((l) => byLayer.get(l)?.mode === mode).map((l) => l.name)] as const)
    .filter(([, names]) => names.length)
    .map(([mode, names]) => `${mode} (${names.join(", ")})`);
  return parts.length ? ` Quantized: ${parts.join(", ")}` : "";
}
