// A saved model's training configuration (Keras 3 `.keras` compile_config; Keras 2 / legacy `.h5`
// and TF.js training_config), turned into compile() arguments, as Keras's load_model(compile=True)
// compiles the model it loads. Only the configuration: a `.keras` file's optimizer state (moments,
// iterations) is restored by load.ts (optimizer-state.ts); other formats start a fresh optimizer.

import { WasmRnnError } from "../core/errors.js";

import type { Json } from "../layers/config.js";
import type { Model } from "../model/model.js";
import { deferredChecks } from "../train/compile-check.js";
import type { CompileArgs } from "../train/types.js";
import { MAX_JSON_DEPTH, nestsDeeper } from "./topology-parse.js";

type Obj = { [k: string]: Json };
const isObj = (v: Json | undefined): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Keras 2's optimizer keys, renamed as Keras 3 (and compile) know them; names as the file has them (compile checks them). */
function optimizerSpec(raw: Json | undefined): CompileArgs["optimizer"] | null {
  if (typeof raw === "string") return raw as CompileArgs["optimizer"];
  if (!isObj(raw) || typeof raw.class_name !== "string") return null;
  const config: Obj = isObj(raw.config) ? { ...raw.config } : {};
  if (config.lr !== undefined && config.learning_rate === undefined) config.learning_rate = config.lr;
  delete config.lr;
  // Keras 2's per-step decay: 0 means none (anything else stays, and compile refuses it)
  if (config.decay === 0) delete config.decay;
  return { className: raw.class_name, config } as CompileArgs["optimizer"];
}

function lossSpec(raw: Json | undefined, model: Model): CompileArgs["loss"] | null {
  if (typeof raw === "string" || (isObj(raw) && typeof raw.class_name === "string")) return raw as CompileArgs["loss"];
  if (Array.isArray(raw)) return raw as CompileArgs["loss"];
  if (isObj(raw)) {
    // one loss per output, by output layer name
    const names = model.outputs.map((t) => t.sourceLayer.name);
    // own keys only: an output named "constructor" or "__proto__" is not Object's
    if (!names.every((n) => Object.hasOwn(raw, n) && raw[n] !== undefined)) return null;
    return names.map((n) => raw[n]) as CompileArgs["loss"];
  }
  return null;
}

/** Metric names (serialized metric objects and functions are left out). */
function metricsSpec(raw: Json | undefined): CompileArgs["metrics"] {
  if (!Array.isArray(raw)) return undefined;
  const names = raw.filter((m): m is string => typeof m === "string");
  return names.length ? (names as CompileArgs["metrics"]) : undefined;
}

/**
 * Compiles `model` from a file's training configuration, if it has one that names an optimizer
 * and a loss. A configuration naming what wasm-rnn cannot train with (an optimizer, loss or
 * metric it lacks) is recorded unchecked and refused when training starts, so that the model
 * still loads for inference; one nested over 100 deep is refused at once.
 */
export function applyTrainingConfig(model: Model, raw: Json | undefined): void {
  let cfg: Json | undefined = raw;
  if (typeof cfg === "string") {
    try {
      cfg = JSON.parse(cfg) as Json;
    } catch {
      return;
    }
  }
  if (!isObj(cfg)) return;
  if (nestsDeeper(cfg, MAX_JSON_DEPTH))
    throw new WasmRnnError(
      `Model '${model.name}': the training configuration nests more than ${MAX_JSON_DEPTH} levels deep (no Keras config does)`,
    );
  const optimizer = optimizerSpec(cfg.optimizer ?? cfg.optimizer_config);
  const loss = lossSpec(cfg.loss, model);
  if (!optimizer || !loss) return;
  const metrics = metricsSpec(cfg.metrics);
  const weightedMetrics = metricsSpec(cfg.weighted_metrics);
  const args: CompileArgs = {
    optimizer,
    loss,
    ...(metrics ? { metrics } : {}),
    ...(weightedMetrics ? { weightedMetrics } : {}),
  };
  try {
    model.compile(args);
  } catch (err) {
    if (!(err instanceof WasmRnnError)) throw err;
    // what wasm-rnn cannot train with must not stop the model loading: training reports it
    model.compile(deferredChecks(args));
  }
}

/**
 * Compiles a model compiled from its file again with `optimizer` (holding the file's restored
 * state), its other settings kept and checked as before: deferred, so a loss or metric wasm-rnn
 * cannot train with (a registered Python function) still lets the model load, and fit reports it.
 */
export function recompileWithOptimizer(model: Model, optimizer: CompileArgs["optimizer"]): void {
  const args = model.compileArgs;
  if (args) model.compile(deferredChecks({ ...args, optimizer }));
}
