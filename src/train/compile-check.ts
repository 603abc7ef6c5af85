// compile()'s checks, made at once (Keras's compile refuses an unknown optimizer, loss or metric
// itself): the arguments' form and the names, with no training code loaded. The optimizer's and
// losses' settings, and which metric goes with which output, are checked when training starts.
import { describeValue, WasmRnnError } from "../core/errors.js";
import { checkOptions } from "../core/validate.js";
import { LOSS_NAMES, lossSpecName, metricKind } from "./compile-names.js";
import { readOptimizerSpec } from "./optimizer-spec.js";
import { isByOutputName, outputLosses } from "./output-losses.js";
import type { CompileArgs } from "./types.js";

/** An Optimizer or Loss object (their classes load with training: recognised by a method). */
const hasMethod = (v: unknown, name: string) =>
  typeof v === "object" && v !== null && typeof (v as Record<string, unknown>)[name] === "function";

/** A model file's compile arguments that compile() records unchecked (see `deferredChecks`). */
const deferred = new WeakSet<object>();

/**
 * Marks a model file's compile arguments to be checked when training starts, as before compile
 * checked at once: a file compiled with what wasm-rnn cannot train with (metrics=["AUC"], AdamW)
 * must still load for inference, which needs none of it. Callers' own compile() calls are
 * always checked at once.
 */
export function deferredChecks(args: CompileArgs): CompileArgs {
  deferred.add(args);
  return args;
}

/**
 * Checks compile's arguments for a model named by `who` with outputs named `outputs` (none while a
 * Sequential waits for its input shape): their form, which output has which loss and weight, the names.
 */
export function checkCompileArgs(who: string, outputs: readonly string[], args: CompileArgs): void {
  if (typeof args === "object" && args !== null && deferred.has(args)) return;
  if (typeof args !== "object" || args === null || Array.isArray(args))
    throw new WasmRnnError(`${who}: compile: expected { optimizer, loss }, got ${describeValue(args)}`);
  checkOptions(`${who}: compile`, args, ["optimizer", "loss", "lossWeights", "metrics", "weightedMetrics"]);
  if (args.optimizer === undefined || args.loss === undefined)
    throw new WasmRnnError(`${who}: compile: expected { optimizer, loss }, got { ${Object.keys(args).join(", ")} }`);
  if (!hasMethod(args.optimizer, "applyToWeights")) readOptimizerSpec(args.optimizer, `${who}: compile`);
  const perOutput = Array.isArray(args.loss) || isByOutputName(args.loss);
  const losses: unknown[] = outputs.length
    ? outputLosses(who, outputs, args).specs
    : Array.isArray(args.loss)
      ? args.loss
      : isByOutputName(args.loss)
        ? Object.values(args.loss)
        : [args.loss];
  for (const loss of losses) {
    if (hasMethod(loss, "compute") || (perOutput && (loss === null || loss === undefined))) continue;
    const name = lossSpecName(loss);
    if (typeof name !== "string" || !(LOSS_NAMES as readonly string[]).includes(name))
      throw new WasmRnnError(
        `${who}: unknown loss ${describeValue(typeof name === "string" ? name : loss)}; expected one of ` +
          `${LOSS_NAMES.filter((n) => /^[a-z_]+$/.test(n)).join(", ")} (or their class names, short forms ` +
          "such as mse, and TF.js spellings such as meanSquaredError)",
      );
  }
  for (const spec of [args.metrics, args.weightedMetrics]) {
    if (spec === undefined) continue;
    if (typeof spec !== "object" || spec === null)
      throw new WasmRnnError(`${who}: compile: expected metrics as a list of names, got ${describeValue(spec)}`);
    for (const m of Object.values(spec).flat()) metricKind(m, who);
  }
}
