// Keras's `fit` and `evaluate` loops over a Trainer: batches in order (or shuffled per epoch),
// per-epoch mean loss weighted by batch size (as Keras's loss tracker), optional validation data,
// sample and class weights (fit-data.ts; only `weightedMetrics` see them, and History still
// averages the batch losses by batch size), and callbacks. The loop yields to the event loop every
// ~25 ms so pages and workers stay live.
import { describeValue, WasmRnnError } from "../core/errors.js";
import { nextSeed, Rng } from "../core/random.js";
import { sliceRows, type Tensor, type TensorLike } from "../core/tensor.js";
import { checkOptionsObject, checkPositiveInt } from "../core/validate.js";
import type { CallbackHooks, FitOptions, Model } from "../model/model.js";
import { batches, classSampleWeights, prepare, sequential } from "./fit-data.js";
import { ProgressLog, resolveVerbose } from "./progress.js";
import type { Trainer } from "./trainer.js";
import type { EvaluateOptions, History, Logs, Targets, TrainOnBatchOptions } from "./types.js";

export type { FitOptions } from "../model/model.js";
export type {
  BaseFitOptions,
  ClassWeight,
  EvaluateOptions,
  FitLogs,
  History,
  SampleWeight,
  TrainOnBatchOptions,
} from "./types.js";

const posInt = (who: string, name: string, v: unknown, fallback: number): number =>
  v === undefined ? fallback : checkPositiveInt(who, name, v);

let lastYield = 0;
const now = () => (typeof performance !== "undefined" ? performance.now() : Date.now());
async function maybeYield(): Promise<void> {
  if (now() - lastYield < 25) return;
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  lastYield = now();
}

/**
 * An epoch's (or an evaluation's) losses as Keras reports them: `loss` is the mean of the batch
 * losses weighted by batch size; with several outputs, each `<output>_loss` is the plain mean of
 * that output's batch losses (Keras's tracker for them is unweighted).
 */
class LossTracker {
  private sum = 0;
  private rows = 0;
  private batches = 0;
  private readonly perOutput: number[];
  constructor(private readonly trainer: Trainer) {
    this.perOutput = trainer.outputLossNames().map(() => 0);
  }
  add(loss: number, rows: number): void {
    this.sum += loss * rows;
    this.rows += rows;
    this.batches++;
    this.perOutput.forEach((_, i) => {
      this.perOutput[i]! += this.trainer.outputLosses[i]!;
    });
  }
  /** The batch-size-weighted mean loss so far (the progress bar's). */
  get meanLoss(): number {
    return this.sum / this.rows;
  }
  results(): Record<string, number> {
    const out: Record<string, number> = { loss: this.sum / this.rows };
    this.trainer.outputLossNames().forEach((k, i) => {
      out[k] = this.perOutput[i]! / this.batches;
    });
    return out;
  }
}

export async function fit(
  model: Model,
  trainer: Trainer,
  x: TensorLike | TensorLike[],
  y: Targets,
  options: FitOptions = {},
): Promise<History> {
  const who = `Model '${model.name}': fit`;
  checkOptionsObject(who, options, [
    "epochs",
    "batchSize",
    "shuffle",
    "seed",
    "initialEpoch",
    "verbose",
    "validationData",
    "validationSplit",
    "callbacks",
    "sampleWeight",
    "classWeight",
  ]);
  const epochs = posInt(who, "epochs", options.epochs, 1);
  const batchSize = posInt(who, "batchSize", options.batchSize, 32);
  const initialEpoch = options.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0)
    throw new WasmRnnError(
      `${who}: expected initialEpoch to be a non-negative integer, got ${JSON.stringify(options.initialEpoch)}`,
    );
  const shuffle = options.shuffle ?? true;
  const verbose = resolveVerbose(who, options.verbose);
  if (options.sampleWeight != null && options.classWeight != null) {
    throw new WasmRnnError(
      `${who}: expected sampleWeight or classWeight, got both (Keras: "You cannot class_weight and sample_weight at the same time")`,
    );
  }
  let { xs, ys, n, ws } = prepare(model, trainer, x, y, who, options.sampleWeight, null);
  const vd = options.validationData;
  if (vd !== undefined && (!Array.isArray(vd) || vd.length < 2 || vd.length > 3)) {
    throw new WasmRnnError(
      `${who}: expected validationData as [x, y] or [x, y, sampleWeight], got ${Array.isArray(vd) ? `a list of ${vd.length}` : typeof vd}`,
    );
  }
  let val = vd ? prepare(model, trainer, vd[0], vd[1], `${who} validationData`, vd[2], null) : null;
  const split = options.validationSplit ?? 0;
  if (typeof split !== "number" || !(split >= 0 && split < 1)) {
    throw new WasmRnnError(
      `${who}: expected validationSplit to be a number in [0, 1), got ${JSON.stringify(options.validationSplit)}`,
    );
  }
  if (split > 0 && !val) {
    // Keras: split_at = int(N * (1 - validation_split)); training keeps the rows before it
    const at = Math.floor(n * (1 - split));
    if (at === 0 || at === n) {
      throw new WasmRnnError(
        `${who}: expected validationSplit ${split} of ${n} rows to leave rows for both training and validation, got ${at === 0 ? "none" : "all"} for training`,
      );
    }
    const rows = sliceRows;
    const part = (w: (Tensor | null)[] | null, a: number, b: number) => w && w.map((t) => t && rows(t, a, b));
    val = { xs: xs.map((t) => rows(t, at, n)), ys: ys.map((t) => t && rows(t, at, n)), n: n - at, ws: part(ws, at, n) };
    xs = xs.map((t) => rows(t, 0, at));
    ys = ys.map((t) => t && rows(t, 0, at));
    ws = part(ws, 0, at);
    n = at;
  }
  // Keras converts class_weight for the training rows only (after validation_split)
  if (options.classWeight != null) ws = [classSampleWeights(model, options.classWeight, ys, who)];
  const rng = new Rng(options.seed ?? nextSeed());
  if (options.seed !== undefined) trainer.reseed(options.seed ^ 0x5bd1e995);
  const history: History = {
    epoch: [],
    history: {} as History["history"],
    params: { epochs, steps: Math.ceil(n / batchSize), batchSize },
  };
  const callbacks = callbackList(who, options.callbacks);
  for (const cb of callbacks) {
    cb.setModel?.(model);
    cb.setParams?.({ ...history.params, verbose, metricDirections: trainer.metricDirections() });
  }
  model.stopTraining = false;
  for (const cb of callbacks) await cb.onTrainBegin?.({});
  let logs: Logs = {};
  const progress = new ProgressLog(verbose, epochs, history.params.steps);
  for (let epoch = initialEpoch; epoch < epochs; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch, {});
    progress.epochBegin(epoch);
    const order = sequential(n);
    if (shuffle) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
    }
    const losses = new LossTracker(trainer);
    trainer.resetMetrics("train");
    const parts = batches(n, batchSize, order);
    for (let b = 0; b < parts.length; b++) {
      const rows = parts[b]!;
      for (const cb of callbacks) await cb.onBatchBegin?.(b, {});
      // a full pass in order needs no row gather for a single batch
      const loss = trainer.trainOnBatch(xs, ys, rows.length === n && !shuffle ? undefined : rows, ws);
      if (!Number.isFinite(loss)) {
        throw new WasmRnnError(
          `${who}: the loss became ${loss} at epoch ${epoch + 1}, batch ${b + 1}; expected a finite loss (try a lower learning rate); the step was not applied`,
        );
      }
      losses.add(loss, rows.length);
      for (const cb of callbacks) await cb.onBatchEnd?.(b, { loss, size: rows.length });
      progress.batchEnd(b + 1, () => ({ loss: losses.meanLoss, ...trainer.metricResults("train") }));
      await maybeYield();
    }
    const results: Record<string, number> = { ...losses.results(), ...trainer.metricResults("train") };
    if (val) {
      const v = evaluateRows(trainer, val.xs, val.ys, val.n, batchSize, val.ws);
      for (const [k, value] of Object.entries(v)) results[`val_${k}`] = value;
    }
    logs = byKey(results);
    // History and the progress line come after the callbacks, which may add keys (learning_rate)
    let stop = false;
    for (const cb of callbacks) if ((await cb.onEpochEnd?.(epoch, logs)) === false) stop = true;
    history.epoch.push(epoch);
    for (const [k, value] of Object.entries(logs)) if (value !== undefined) (history.history[k] ??= []).push(value);
    progress.epochEnd(logs);
    if (stop || model.stopTraining) break;
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(logs);
  return history;
}

/** Keras's order of logs keys: sorted, val_ ones among them (History then gets any a callback adds after them). */
const byKey = (r: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The loss (mean over batches weighted by their rows, as Keras) and the metrics over all rows. */
function evaluateRows(
  trainer: Trainer,
  xs: Tensor[],
  ys: (Tensor | null)[],
  n: number,
  batchSize: number,
  ws: (Tensor | null)[] | null,
): Record<string, number> {
  const losses = new LossTracker(trainer);
  trainer.resetMetrics("test");
  for (const rows of batches(n, batchSize, sequential(n))) {
    losses.add(trainer.testOnBatch(xs, ys, rows.length === n ? undefined : rows, ws), rows.length);
  }
  return { ...losses.results(), ...trainer.metricResults("test") };
}

/**
 * Keras `evaluate`: the loss alone without metrics; with metrics `[loss, ...metrics]` in
 * `metricNames()` order, or `{ loss, ...metrics }` with `returnDict`.
 */
export async function evaluate(
  model: Model,
  trainer: Trainer,
  x: TensorLike | TensorLike[],
  y: Targets,
  options: EvaluateOptions = {},
): Promise<number | number[] | Record<string, number>> {
  const who = `Model '${model.name}': evaluate`;
  checkOptionsObject(who, options, ["batchSize", "returnDict", "sampleWeight"]);
  const batchSize = posInt(who, "batchSize", options.batchSize, 32);
  const { xs, ys, n, ws } = prepare(model, trainer, x, y, who, options.sampleWeight, null);
  const results = evaluateRows(trainer, xs, ys, n, batchSize, ws);
  if (options.returnDict) return byKey(results);
  const names = [...trainer.outputLossNames(), ...trainer.metricNames()];
  return names.length ? [results.loss!, ...names.map((k) => results[k]!)] : results.loss!;
}

export async function trainOnBatch(
  model: Model,
  trainer: Trainer,
  x: TensorLike | TensorLike[],
  y: Targets,
  options: TrainOnBatchOptions = {},
): Promise<number> {
  const who = `Model '${model.name}': trainOnBatch`;
  checkOptionsObject(who, options, ["sampleWeight", "classWeight"]);
  const { xs, ys, ws } = prepare(model, trainer, x, y, who, options.sampleWeight, options.classWeight);
  return trainer.trainOnBatch(xs, ys, undefined, ws);
}

/** fit's callbacks option as a list: one hooks object or a list of them (Callback instances or plain objects). */
function callbackList(who: string, spec: unknown): CallbackHooks[] {
  if (spec === undefined || spec === null) return [];
  const list = Array.isArray(spec) ? spec : [spec];
  list.forEach((cb, i) => {
    if (typeof cb !== "object" || cb === null) {
      throw new WasmRnnError(
        `${who}: expected callbacks to be a callback (EarlyStopping, a Callback subclass, { onEpochEnd, ... }) or a list of ` +
          `them, got ${describeValue(cb)}${Array.isArray(spec) ? ` at index ${i}` : ""}`,
      );
    }
    for (const hook of HOOKS) {
      const f = (cb as Record<string, unknown>)[hook];
      if (f !== undefined && typeof f !== "function")
        throw new WasmRnnError(`${who}: expected callback ${hook} to be a function, got ${describeValue(f)}`);
    }
  });
  return list as CallbackHooks[];
}
const HOOKS = [
  "setModel",
  "setParams",
  "onTrainBegin",
  "onTrainEnd",
  "onEpochBegin",
  "onEpochEnd",
  "onBatchBegin",
  "onBatchEnd",
];
