// Keras's `fit` and `evaluate` loops over a Trainer: batches in order (or shuffled per epoch),
// per-epoch mean loss weighted by batch size (as Keras's loss tracker), optional validation data
// and callbacks. The loop yields to the event loop every ~25 ms so pages and workers stay live.
import { WasmRnnError } from "../core/errors.js";
import { Rng, nextSeed } from "../core/random.js";
import { Tensor, type TensorLike } from "../core/tensor.js";
import type { Model } from "../model/model.js";
import { toTargets, type Trainer } from "./trainer.js";

/** An epoch's results: loss, the compiled metrics, and with validation data the same with `val_`. */
export interface FitLogs {
  loss: number;
  val_loss?: number;
  [metric: string]: number | undefined;
}

export interface FitOptions {
  /** Default 1. */
  epochs?: number;
  /** Rows per optimizer step (default 32, as Keras); the last batch of an epoch may be smaller. */
  batchSize?: number;
  /** Default true: a new order of the rows every epoch (seeded by `seed` when given). */
  shuffle?: boolean;
  /** Makes the shuffling and Dropout's masks repeatable. */
  seed?: number;
  /** Epochs counted from here (Keras `initial_epoch`): runs epochs initialEpoch .. epochs - 1. */
  initialEpoch?: number;
  /** 1 prints one line per epoch (console.log); default 0. */
  verbose?: 0 | 1;
  /** [x, y] evaluated after every epoch into `val_loss`. */
  validationData?: [TensorLike | TensorLike[], TensorLike | TensorLike[]];
  /**
   * A fraction in [0, 1) of the rows kept out of training for validation (Keras
   * `validation_split`): the LAST rows, taken before any shuffling. Ignored with validationData.
   */
  validationSplit?: number;
  callbacks?: {
    onBatchEnd?: (batch: number, logs: { loss: number; size: number }) => void | Promise<void>;
    /** Returning `false` (or `model.stopTraining = true`) stops after this epoch. */
    onEpochEnd?: (epoch: number, logs: FitLogs) => void | boolean | Promise<void | boolean>;
  };
}

/** Keras's History: `history.loss[e]` is epoch e's mean training loss; metrics likewise. */
export interface History {
  epoch: number[];
  history: { loss: number[]; val_loss?: number[]; [key: string]: number[] | undefined };
  params: { epochs: number; steps: number; batchSize: number };
}

export interface EvaluateOptions {
  /** Default 32, as Keras. */
  batchSize?: number;
  /** Resolve to { loss, ...metrics } (Keras `return_dict=True`). */
  returnDict?: boolean;
}

const posInt = (who: string, name: string, v: unknown, fallback: number): number => {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new WasmRnnError(`${who}: expected ${name} to be a positive integer, got ${JSON.stringify(v)}`);
  return v;
};

/** Inputs and targets as tensors with matching row counts. */
function prepare(model: Model, trainer: Trainer, x: TensorLike | TensorLike[], y: TensorLike | TensorLike[], who: string) {
  const xs = model.normalizeInputs(x, true);
  const ys = toTargets(y, model.outputs.length, who);
  const n = xs[0]!.shape[0]!;
  trainer.checkTargets(ys, n);
  return { xs, ys, n };
}

let lastYield = 0;
const now = () => (typeof performance !== "undefined" ? performance.now() : Date.now());
async function maybeYield(): Promise<void> {
  if (now() - lastYield < 25) return;
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  lastYield = now();
}

function batches(n: number, batchSize: number, order: readonly number[]): number[][] {
  const out: number[][] = [];
  for (let b0 = 0; b0 < n; b0 += batchSize) out.push(order.slice(b0, Math.min(n, b0 + batchSize)));
  return out;
}

const sequential = (n: number) => Array.from({ length: n }, (_, i) => i);

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
    this.perOutput.forEach((_, i) => { this.perOutput[i]! += this.trainer.outputLosses[i]!; });
  }
  results(): Record<string, number> {
    const out: Record<string, number> = { loss: this.sum / this.rows };
    this.trainer.outputLossNames().forEach((k, i) => { out[k] = this.perOutput[i]! / this.batches; });
    return out;
  }
}

export async function fit(model: Model, trainer: Trainer, x: TensorLike | TensorLike[], y: TensorLike | TensorLike[],
  options: FitOptions = {}): Promise<History> {
  const who = `Model '${model.name}': fit`;
  if (typeof options !== "object" || options === null) throw new WasmRnnError(`${who}: expected an options object, got ${String(options)}`);
  const known = ["epochs", "batchSize", "shuffle", "seed", "initialEpoch", "verbose", "validationData", "validationSplit", "callbacks"];
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new WasmRnnError(`${who}: unknown option ${JSON.stringify(k)}; expected one of ${known.join(", ")}`);
  }
  const epochs = posInt(who, "epochs", options.epochs, 1);
  const batchSize = posInt(who, "batchSize", options.batchSize, 32);
  const initialEpoch = options.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new WasmRnnError(`${who}: expected initialEpoch to be a non-negative integer, got ${JSON.stringify(options.initialEpoch)}`);
  const shuffle = options.shuffle ?? true;
  let { xs, ys, n } = prepare(model, trainer, x, y, who);
  let val = options.validationData ? prepare(model, trainer, options.validationData[0], options.validationData[1], `${who} validationData`) : null;
  const split = options.validationSplit ?? 0;
  if (typeof split !== "number" || !(split >= 0 && split < 1)) {
    throw new WasmRnnError(`${who}: expected validationSplit to be a number in [0, 1), got ${JSON.stringify(options.validationSplit)}`);
  }
  if (split > 0 && !val) {
    // Keras: split_at = int(N * (1 - validation_split)); training keeps the rows before it
    const at = Math.floor(n * (1 - split));
    if (at === 0 || at === n) {
      throw new WasmRnnError(`${who}: expected validationSplit ${split} of ${n} rows to leave rows for both training and validation, got ${at === 0 ? "none" : "all"} for training`);
    }
    const rows = (t: Tensor, a: number, b: number) => {
      const row = t.size / t.shape[0]!;
      return new Tensor(t.data.subarray(a * row, b * row), [b - a, ...t.shape.slice(1)], t.dtype);
    };
    val = { xs: xs.map((t) => rows(t, at, n)), ys: ys.map((t) => rows(t, at, n)), n: n - at };
    xs = xs.map((t) => rows(t, 0, at));
    ys = ys.map((t) => rows(t, 0, at));
    n = at;
  }
  const rng = new Rng(options.seed ?? nextSeed());
  if (options.seed !== undefined) trainer.reseed(options.seed ^ 0x5bd1e995);
  const history: History = {
    epoch: [], history: { loss: [] }, params: { epochs, steps: Math.ceil(n / batchSize), batchSize },
  };
  model.stopTraining = false;
  for (let epoch = initialEpoch; epoch < epochs; epoch++) {
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
      // a full pass in order needs no row gather for a single batch
      const loss = trainer.trainOnBatch(xs, ys, rows.length === n && !shuffle ? undefined : rows);
      if (!Number.isFinite(loss)) {
        throw new WasmRnnError(`${who}: the loss became ${loss} at epoch ${epoch + 1}, batch ${b + 1}; expected a finite loss (try a lower learning rate)`);
      }
      losses.add(loss, rows.length);
      await options.callbacks?.onBatchEnd?.(b, { loss, size: rows.length });
      await maybeYield();
    }
    const logs = { ...losses.results(), ...trainer.metricResults("train") } as FitLogs;
    if (val) {
      const v = evaluateRows(trainer, val.xs, val.ys, val.n, batchSize);
      for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
    }
    history.epoch.push(epoch);
    for (const [k, value] of Object.entries(logs)) (history.history[k] ??= []).push(value!);
    if (options.verbose === 1) {
      console.log(`Epoch ${epoch + 1}/${epochs} - ${Object.entries(logs).map(([k, v]) => `${k}: ${v!.toFixed(4)}`).join(" - ")}`);
    }
    const go = await options.callbacks?.onEpochEnd?.(epoch, logs);
    if (go === false || model.stopTraining) break;
  }
  return history;
}

/** The loss (mean over batches weighted by their rows, as Keras) and the metrics over all rows. */
function evaluateRows(trainer: Trainer, xs: Tensor[], ys: Tensor[], n: number, batchSize: number): Record<string, number> {
  const losses = new LossTracker(trainer);
  trainer.resetMetrics("test");
  for (const rows of batches(n, batchSize, sequential(n))) {
    losses.add(trainer.testOnBatch(xs, ys, rows.length === n ? undefined : rows), rows.length);
  }
  return { ...losses.results(), ...trainer.metricResults("test") };
}

/**
 * Keras `evaluate`: the loss alone without metrics; with metrics `[loss, ...metrics]` in
 * `metricNames()` order, or `{ loss, ...metrics }` with `returnDict`.
 */
export async function evaluate(model: Model, trainer: Trainer, x: TensorLike | TensorLike[], y: TensorLike | TensorLike[],
  options: EvaluateOptions = {}): Promise<number | number[] | Record<string, number>> {
  const who = `Model '${model.name}': evaluate`;
  const batchSize = posInt(who, "batchSize", options.batchSize, 32);
  const { xs, ys, n } = prepare(model, trainer, x, y, who);
  const results = evaluateRows(trainer, xs, ys, n, batchSize);
  if (options.returnDict) return results;
  const names = [...trainer.outputLossNames(), ...trainer.metricNames()];
  return names.length ? [results.loss!, ...names.map((k) => results[k]!)] : results.loss!;
}

export async function trainOnBatch(model: Model, trainer: Trainer, x: TensorLike | TensorLike[], y: TensorLike | TensorLike[]): Promise<number> {
  const { xs, ys } = prepare(model, trainer, x, y, `Model '${model.name}': trainOnBatch`);
  return trainer.trainOnBatch(xs, ys);
}
