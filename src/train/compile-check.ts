// compile()'s checks, made at once (Keras's compile refuses an unknown optimizer, loss or metric
// itself): names and forms only, with no training code or training core loaded. What needs the
// optimizer's class or the data's shapes is checked when training starts.
import { describeValue, WasmRnnError } from "../core/errors.js";
import { checkOptions } from "../core/validate.js";
import { metricKind, metricSpecs } from "./compile-metrics.js";
import { isLoss, readLossSpec } from "./losses-spec.js";
import { readOptimizerSpec } from "./optimizer-spec.js";
import type { CompileArgs, LossSpec, MetricsSpec } from "./types.js";

const COMPILE_KEYS = ["optimizer", "loss", "metrics", "weightedMetrics"];

/** An Optimizer object (its class loads with training, so it is recognised by what it does). */
function isOptimizerObject(v: unknown): boolean {
  return (
    typeof v === "object" &&
    v !== null &&
    Object.getPrototypeOf(v) !== Object.prototype &&
    typeof (v as { applyToWeights?: unknown }).applyToWeights === "function"
  );
}

/** Each metric name in `spec`, however it is laid out (a list, lists per output, an object by output). */
function metricNames(spec: MetricsSpec): unknown[] {
  if (Array.isArray(spec)) return spec.flatMap((s) => (Array.isArray(s) ? s : [s]));
  const out: unknown[] = [];
  for (const k of Object.keys(spec)) {
    const v = (spec as Record<string, unknown>)[k];
    out.push(...(Array.isArray(v) ? v : [v]));
  }
  return out;
}

/**
 * Checks compile's arguments for a model named by `who` whose outputs come from `outputNames`
 * (empty while a Sequential waits for its input shape: then only the names are checked).
 */
export function checkCompileArgs(who: string, outputNames: readonly string[], args: CompileArgs): void {
  if (typeof args !== "object" || args === null || Array.isArray(args))
    throw new WasmRnnError(`${who}: compile: expected { optimizer, loss }, got ${describeValue(args)}`);
  checkOptions(`${who}: compile`, args, COMPILE_KEYS);
  if (args.optimizer === undefined || args.loss === undefined) {
    throw new WasmRnnError(`${who}: compile: expected { optimizer, loss }, got { ${Object.keys(args).join(", ")} }`);
  }
  if (!isOptimizerObject(args.optimizer)) readOptimizerSpec(args.optimizer, `${who}: compile`);
  const n = outputNames.length;
  const losses: LossSpec[] = Array.isArray(args.loss) ? args.loss : [args.loss];
  if (Array.isArray(args.loss) && n > 0 && losses.length !== n) {
    throw new WasmRnnError(`${who}: compile: expected one loss or ${n} (one per output), got ${losses.length}`);
  }
  for (const loss of losses) if (!isLoss(loss)) readLossSpec(loss, who);
  for (const arg of ["metrics", "weightedMetrics"] as const) {
    const spec = args[arg];
    if (spec === undefined) continue;
    if (n > 0) metricSpecs(who, outputNames, spec, arg);
    else if (typeof spec !== "object" || spec === null)
      throw new WasmRnnError(`${who}: compile: expected ${arg} as a list of names, got ${describeValue(spec)}`);
    for (const name of metricNames(spec)) metricKind(name, who);
  }
}
