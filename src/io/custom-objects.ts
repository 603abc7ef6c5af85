// loadModel's customObjects (Keras's custom_objects): JS implementations of a file's custom layer
// classes (CustomLayer subclasses, by class or registered name) and of its Lambda layers (by the
// Lambda layer's name), and the check that lists every layer a file needs and we lack, at once.
import { WasmRnnError } from "../core/errors.js";
import type { JsonObject, LoadContext } from "../layers/config.js";
import { adoptFileNames, CustomLayer, type CustomLayerClass } from "../layers/custom.js";
import { customEntry } from "../layers/custom-entry.js";
import type { LayerEntry } from "../layers/entry.js";
import { type LambdaFunction, LambdaLayer } from "../layers/lambda.js";
import { CODE_LAYERS, entryFor, knownClasses } from "../layers/registry.js";

/** A layer as the file lists it (topology-parse.ts's LayerSpec, of which this needs only these). */
interface LayerSpec {
  className: string;
  name: string;
  config: JsonObject;
}

/** Custom layer classes by Keras class name (or registered name), Lambda implementations by layer name. */
export type CustomObjects = Record<string, CustomLayerClass | LambdaFunction>;

const byContext = new WeakMap<LoadContext, CustomObjects>();

/** Checks and attaches loadModel's customObjects to a load. */
export function attachCustomObjects(ctx: LoadContext, objects: unknown): void {
  if (objects === undefined) return;
  if (typeof objects !== "object" || objects === null || Array.isArray(objects))
    throw new WasmRnnError(`loadModel: expected customObjects to be an object { ClassName: CustomLayer subclass }`);
  for (const [k, v] of Object.entries(objects)) {
    if (typeof v !== "function")
      throw new WasmRnnError(
        `loadModel: expected customObjects['${k}'] to be a CustomLayer subclass or a Lambda function, got ${typeof v}`,
      );
  }
  byContext.set(ctx, objects as CustomObjects);
}

const isLayerClass = (v: unknown): v is CustomLayerClass =>
  typeof v === "function" && (v as { prototype?: unknown }).prototype instanceof CustomLayer;

export const isCodeLayer = (className: string) => CODE_LAYERS.has(className) || className.includes("Lambda");

/** The user's implementation for a file layer, if customObjects has one. */
function implementationFor(spec: LayerSpec, ctx: LoadContext): CustomLayerClass | LambdaFunction | null {
  const objects = byContext.get(ctx);
  if (!objects) return null;
  const has = (k: unknown) => typeof k === "string" && Object.hasOwn(objects, k);
  if (isCodeLayer(spec.className)) return has(spec.name) ? objects[spec.name]! : null;
  const reg = (spec as { registeredName?: unknown }).registeredName ?? spec.config.registered_name;
  if (has(reg)) return objects[reg as string]!;
  if (has(spec.className)) return objects[spec.className]!;
  // Keras 3's legacy .h5 writer puts the registered name ("package>Class") in class_name
  const bare = spec.className.split(">").at(-1)!;
  return has(bare) ? objects[bare]! : null;
}

/** An entry building the user's implementation of this file layer, or null when there is none. */
export function customEntryFor(spec: LayerSpec, ctx: LoadContext): LayerEntry | null {
  const impl = implementationFor(spec, ctx);
  if (!impl) return null;
  const code = isCodeLayer(spec.className);
  if (!code && !isLayerClass(impl))
    throw new WasmRnnError(
      `${ctx.file}: customObjects['${spec.className}'] for layer '${spec.name}' must be a CustomLayer subclass (a plain function is a Lambda's implementation)`,
    );
  const inName = spec.className.includes(">") ? spec.className : null;
  const registered = (spec as { registeredName?: string }).registeredName ?? inName;
  const className = spec.className.split(">").at(-1)!;
  const module = (spec as { module?: string }).module ?? null;
  return {
    ...customEntry,
    build: (cfg) => {
      const config = { ...(cfg.raw as JsonObject), name: spec.name };
      const layer = isLayerClass(impl) ? new impl(config) : new LambdaLayer(config, impl as LambdaFunction);
      if (!(layer instanceof CustomLayer))
        throw new WasmRnnError(`${ctx.file}: the implementation of layer '${spec.name}' did not make a CustomLayer`);
      adoptFileNames(layer, className, registered, module);
      return layer;
    },
  } as LayerEntry;
}

/** Keras ops that compute what the merge layer of the same name does, on two tensors (x + res) or a list. */
const MERGE_OPS = new Set(["Add", "Subtract", "Multiply", "Maximum", "Minimum", "Concatenate"]);

/** Why wasm-rnn cannot build this layer (null: it can). */
function problem(spec: LayerSpec, ctx: LoadContext): string | null {
  const { className: cls, name } = spec;
  if (implementationFor(spec, ctx)) return null;
  if (isCodeLayer(cls))
    return (
      `layer '${name}' is a ${cls}, which holds Python code; refused (wasm-rnn never runs code from a model file; ` +
      `give its implementation by layer name: customObjects: { ${JSON.stringify(name)}: (inputs) => ... })`
    );
  // Keras 3 records operations on symbolic tensors (x[:, -1], x * 0.5, keras.ops.mean) as nodes of
  // class GetItem, Multiply, Mean, ...: some share a layer's class name but not its call (Multiply
  // of a tensor and 0.5 would run as a one-input Multiply layer, silently the identity)
  const module = (spec as { module?: unknown }).module;
  if (typeof module === "string" && module.startsWith("keras.src.ops") && !MERGE_OPS.has(cls))
    return (
      `layer '${name}' is the Keras op ${cls} (${module}: an operation on symbolic tensors in the model's code, ` +
      "such as x[:, -1], x * 0.5 or keras.ops.mean), which wasm-rnn cannot run; write it as a Keras layer"
    );
  const reg = (spec as { registeredName?: unknown }).registeredName;
  const cfgReg = spec.config.registered_name;
  if (
    !entryFor(cls) ||
    (typeof cfgReg === "string" && cfgReg.includes(">")) ||
    (typeof reg === "string" && reg.includes(">"))
  )
    return `layer '${name}' has class '${cls}', which wasm-rnn cannot load (custom or not implemented)`;
  const inner = spec.config.layer;
  if (inner && typeof inner === "object" && !Array.isArray(inner) && typeof inner.class_name === "string") {
    if (!entryFor(inner.class_name)) return `layer '${name}' wraps a '${inner.class_name}', which wasm-rnn cannot load`;
  }
  return null;
}

/**
 * Refuses a file whose layers (nested models' included) need classes we lack, naming all of them
 * in one error: "unsupported layers: Foo (foo_1), Bar (bar): ...".
 */
export function checkAllSupported<S extends LayerSpec>(
  specs: readonly S[],
  ctx: LoadContext,
  skip: (s: S) => boolean,
): void {
  const found: { spec: S; why: string }[] = [];
  for (const spec of specs) {
    if (skip(spec)) continue;
    const why = problem(spec, ctx);
    if (why) found.push({ spec, why });
  }
  if (!found.length) return;
  const list = found.map(({ spec }) => `${spec.className} (${spec.name})`).join(", ");
  const custom = found.some(({ spec }) => !isCodeLayer(spec.className))
    ? "; a custom layer loads with its JS implementation: loadModel(file, { customObjects: { ClassName: MyLayer } }) " +
      "(MyLayer extends CustomLayer); known classes: " +
      knownClasses().join(", ")
    : "";
  throw new WasmRnnError(`${ctx.file}: unsupported layers: ${list}: ${found.map((f) => f.why).join("; ")}${custom}`);
}
