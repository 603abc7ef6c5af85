// Which weights training updates, as Keras decides it: a weight is trainable when Keras creates it
// trainable (Layer.trainableWeightSpecs: all but moving statistics) and the layer owning it is
// trainable (a wrapper's weights are its wrapped layers': Bidirectional's halves, TimeDistributed's
// layer); a Model whose own `trainable` is false trains nothing (Keras's model.trainable_variables).
import type { Layer } from "./layer.js";

/** Per entry of layer.trainableWeightSpecs(): whether training updates it. */
export function trainableWeightFlags(layer: Layer): boolean[] {
  const inner = layer.wrappedLayers;
  if (inner.length > 0) return inner.flatMap(trainableWeightFlags);
  return layer.trainableWeightSpecs().map(() => layer.trainable);
}

/** Per entry of layer.paramBlocks(): whether training updates it. */
export function trainableBlockFlags(layer: Layer): boolean[] {
  const inner = layer.wrappedLayers;
  if (inner.length > 0) return inner.flatMap(trainableBlockFlags);
  return layer.paramBlocks().map(() => layer.trainable);
}

/** Values of layer.trainableWeightSpecs() in Keras's count: trainable and non-trainable. */
export function paramCounts(layer: Layer): { trainable: number; total: number } {
  const flags = trainableWeightFlags(layer);
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const trainable = layer.trainableWeightSpecs().reduce((n, s, i) => n + (flags[i] ? size(s.shape) : 0), 0);
  return { trainable, total: layer.countParams() };
}
