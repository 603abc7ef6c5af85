// Keras fixes the variables it trains when training first starts after compile (its train
// function and the optimizer's variables are made then); a later change of `trainable` takes
// effect only after compile() again. wasm-rnn refuses a step after such a change rather than
// ignore it silently.
import { WasmRnnError } from "../core/errors.js";
import type { Layer } from "../layers/layer.js";
import type { Model } from "../model/model.js";

const flagsOf = (l: Layer): string => (l.trainable ? "1" : "0") + l.wrappedLayers.map(flagsOf).join("");

/** Every `trainable` flag the training uses: the model's, each layer's and its wrapped layers'. */
export function trainableKey(model: Model): string {
  return [model.trainable ? "1" : "0", ...model.layers.map(flagsOf)].join(",");
}

/** Throws when a flag changed since `atStart` (trainableKey when training started), naming what changed. */
export function checkTrainableUnchanged(who: string, model: Model, atStart: string | null): void {
  if (atStart === null) return;
  const now = trainableKey(model);
  if (now === atStart) return;
  const before = atStart.split(","),
    after = now.split(",");
  const i = after.findIndex((f, k) => f !== before[k]);
  const what = i === 0 ? "the model's trainable" : `trainable of ${model.layers[i - 1]?.who ?? "a layer"}`;
  throw new WasmRnnError(
    `${who}: ${what} changed after training started; expected the flags training started with (Keras keeps ` +
      "training the weights it started with until compile() is called again): call compile() again to train with the new setting",
  );
}

const warned = new WeakSet<object>();

/** Keras warns when a model has no trainable weights (its steps then change nothing): once per trainer. */
export function warnNothingTrainable(who: string, trainer: object): void {
  if (warned.has(trainer)) return;
  warned.add(trainer);
  console.warn(`${who}: the model does not have any trainable weights (fit changes no weight)`);
}
