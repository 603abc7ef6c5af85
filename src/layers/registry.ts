// Keras class name -> layer entry (for loading), layer class -> entry (for saving and training).
// Filled from src/layers/index.ts by registerBuiltinLayers; both maps are Maps, so a class name
// such as "constructor" or "__proto__" in a file finds nothing rather than an object's property.
import { WasmRnnError } from "../core/errors.js";
import { ConfigReader, type Json, type JsonObject, type LoadContext } from "./config.js";
import { kerasify, type LayerEntry } from "./entry.js";
import type { Layer } from "./layer.js";

const BY_NAME = new Map<string, LayerEntry>();
/** Any layer class, abstract ones included. */
type LayerClass = abstract new (...args: never[]) => Layer;

const BY_CLASS = new Map<LayerClass, LayerEntry>();

export function registerLayer<L extends Layer>(entry: LayerEntry<L>): void {
  for (const n of entry.classNames) BY_NAME.set(n, entry as unknown as LayerEntry);
  if (entry.cls) BY_CLASS.set(entry.cls, entry as unknown as LayerEntry);
}

export function entryFor(className: string): LayerEntry | undefined {
  return BY_NAME.get(className);
}

/** The entry of the layer's own class, or of its nearest base class that has one. */
export function entryForLayer(layer: Layer): LayerEntry | undefined {
  for (let c: unknown = layer.constructor; typeof c === "function"; c = Object.getPrototypeOf(c)) {
    const e = BY_CLASS.get(c as LayerClass);
    if (e) return e;
  }
  return undefined;
}

export function knownClasses(): string[] {
  return [...BY_NAME.keys()].sort();
}

/** Class names that hold code; refused outright (a model file never runs code here). */
export const CODE_LAYERS = new Set(["Lambda", "TFOpLambda", "SlicingOpLambda", "Functional_Lambda", "__lambda__"]);

/** Builds a layer from its config, with the config's `trainable` as its own flag (Keras's constructor argument). */
export function buildLayer(entry: LayerEntry, cfg: ConfigReader, ctx: LoadContext): Layer {
  const layer = entry.build(cfg, ctx);
  layer.setTrainableOnly(cfg.bool("trainable", true));
  return layer;
}

/** A wrapped layer's `{class_name, config}` (Bidirectional, TimeDistributed) as a reader. */
export function innerReader(cfg: ConfigReader, ctx: LoadContext): { entry: LayerEntry; reader: ConfigReader } {
  cfg.used.add("layer");
  const inner = cfg.raw.layer as Json;
  if (
    !inner ||
    typeof inner !== "object" ||
    Array.isArray(inner) ||
    typeof inner.class_name !== "string" ||
    !inner.config ||
    typeof inner.config !== "object" ||
    Array.isArray(inner.config)
  ) {
    cfg.fail("expected layer to be a {class_name, config} of the wrapped layer");
  }
  const entry = entryFor(inner.class_name);
  if (!entry) cfg.fail(`wraps a '${inner.class_name}', which wasm-rnn cannot load`);
  const innerName = typeof inner.config.name === "string" ? inner.config.name : `${cfg.name}_inner`;
  return { entry, reader: new ConfigReader(inner.class_name, innerName, inner.config, ctx) };
}

/** A layer's config for saving (its entry's toConfig), with the layer's `trainable` where Keras writes the key. */
export function savedConfig(entry: LayerEntry, layer: Layer, target: "tfjs" | "keras"): JsonObject {
  const config = entry.toConfig!(layer, target);
  if ("trainable" in config) config.trainable = layer.trainable;
  return config;
}

/** A wrapped layer's config for saving: `{class_name, config}`, in Keras 3 form for .keras files. */
export function innerConfig(layer: Layer, target: "tfjs" | "keras", name?: string): JsonObject {
  const e = entryForLayer(layer);
  if (!e?.toConfig) throw new WasmRnnError(`saveModel: ${layer.who} cannot be saved yet`);
  const config = savedConfig(e, layer, target);
  if (name) config.name = name;
  if (target === "tfjs") return { class_name: layer.className, config };
  return { module: "keras.layers", class_name: layer.className, config: kerasify(config), registered_name: null };
}
