// Keras's `fit` and `evaluate` loops over a Trainer: batches in order (or shuffled per epoch),
// per-epoch mean loss weighted by batch size (as Keras's loss tracker), optional validation data,
// sample and class weights, and callbacks. The loop yields to the event loop every ~25 ms so pages
// and workers stay live.
//
// Sample weights as Keras 3 applies them (keras/src/losses/loss.py, trainers/data_adapters): one
// weight per per-sample loss value, i.e. [N] for an output [N, F] and [N, T] for a sequence output
// [N, T, F] (a trailing axis of 1 is accepted too); each batch's loss is sum(weight * value) over
// its (unmasked) values divided by their NUMBER (not by the sum of the weights), and History still
// averages the batch losses by batch size. Only `weightedMetrics` see the weights. classWeight
// {class: weight} becomes per-sample weights from the targets of a single [N, F] output (see
// classSampleWeights); classes missing from it weigh 1.
import { describeValue, fmtShape, WasmRnnError } from "../core/errors.js";
import { nextSeed, Rng } from "../core/random.js";
import { sliceRows, Tensor, type TensorLike, tensor } from "../core/tensor.js";
import { checkOptions, checkPositiveInt } from "../core/validate.js";
import type { Model } from "../model/model.js";
import type { CallbackHooks, Logs } from "./callbacks.js";
import { type Trainer, toTargets } from "./trainer.js";

/** An epoch's results: loss, the compiled metrics, val_* with validation data, learning_rate from a callback. */
export type { Logs as FitLogs } from "./callbacks.js";

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
  /** [x, y] or [x, y, sampleWeight], evaluated after every epoch into `val_loss` (and `val_<metric>`). */
  validationData?:
    | [TensorLike | TensorLike[], TensorLike | TensorLike[]]
    | [TensorLike | TensorLike[], TensorLike | TensorLike[], SampleWeight];
  /**
   * A fraction in [0, 1) of the rows kept out of training for validation (Keras
   * `validation_split`): the LAST rows, taken before any shuffling (their sampleWeight rows go
   * with them; classWeight weighs the training rows only, as Keras). Ignored with validationData.
   */
  validationSplit?: number;
  /**
   * Keras `sample_weight`: one weight per per-sample loss value, [N] for an output [N, F], [N, T]
   * for a sequence output [N, T, F] (Keras 3 refuses [N] there). With several outputs, one per
   * output (a list; null for none) or one [N] array for all of them.
   */
  sampleWeight?: SampleWeight;
  /**
   * Keras `class_weight`: { class index: weight } for a single-output model with targets [N] or
   * [N, 1] (the rounded value is the class) or one-hot [N, C] (the argmax); missing classes weigh
   * 1. Not together with sampleWeight.
   */
  classWeight?: ClassWeight;
  /**
   * Keras callbacks (EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, a Callback subclass)
   * or plain objects with hooks ({ onEpochEnd, onBatchEnd, ... }); one or a list, called in order.
   * onEpochEnd returning `false` (or `model.stopTraining = true`) stops after this epoch.
   */
  callbacks?: CallbackHooks | CallbackHooks[];
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
  /** Keras `sample_weight`, as fit's. */
  sampleWeight?: SampleWeight;
}

export interface TrainOnBatchOptions {
  /** Keras `sample_weight`, as fit's. */
  sampleWeight?: SampleWeight;
  /** Keras `class_weight`, as fit's. */
  classWeight?: ClassWeight;
}

/** One array for every output, or (several outputs) a list with one per output, null for none. */
export type SampleWeight = TensorLike | (TensorLike | null | undefined)[];
/** { class index: weight }, as Keras's class_weight dict. */
export type ClassWeight = Record<number, number>;

const posInt = (who: string, name: string, v: unknown, fallback: number): number =>
  v === undefined ? fallback : checkPositiveInt(who, name, v);

/** Inputs, targets and sample weights as tensors with matching row counts. */
function prepare(
  model: Model,
  trainer: Trainer,
  x: TensorLike | TensorLike[],
  y: TensorLike | TensorLike[],
  who: string,
  sampleWeight?: SampleWeight | null,
  classWeight?: ClassWeight | null,
) {
  const xs = model.normalizeInputs(x, true);
  const ys = toTargets(y, model.outputs.length, who);
  const n = xs[0]!.shape[0]!;
  trainer.checkTargets(ys, n);
  if (sampleWeight != null && classWeight != null) {
    throw new WasmRnnError(
      `${who}: expected sampleWeight or classWeight, got both (Keras: "You cannot class_weight and sample_weight at the same time")`,
    );
  }
  let ws = sampleWeights(model, sampleWeight, ys, n, who);
  if (classWeight != null) ws = [classSampleWeights(model, classWeight, ys, who)];
  return { xs, ys, n, ws };
}

/**
 * Keras's sample_weight as one f32 tensor per output (null: none), shaped as the output's
 * per-sample values: [N] for an output [N, F], [N, T] for [N, T, F].
 */
function sampleWeights(
  model: Model,
  sw: SampleWeight | null | undefined,
  ys: readonly Tensor[],
  n: number,
  who: string,
): (Tensor | null)[] | null {
  if (sw == null) return null;
  const outs = model.outputs;
  const isArrayLike = (v: unknown) =>
    v instanceof Tensor || Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  let list: (TensorLike | null | undefined)[];
  if (outs.length === 1) {
    list = [Array.isArray(sw) && sw.length === 1 && sw[0] instanceof Tensor ? sw[0] : (sw as TensorLike)];
  } else if (Array.isArray(sw) && sw.length === outs.length && sw.every((v) => v == null || isArrayLike(v))) {
    list = sw;
  } else {
    // Keras: one array for several outputs is replicated, and must hold one weight per sample
    const t = asTensor(sw as TensorLike, `${who}: sampleWeight`);
    if (!(t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1))) {
      throw new WasmRnnError(
        `${who}: expected sampleWeight for ${outs.length} outputs as a list of ${outs.length} arrays (one per output, null for none) ` +
          `or one array of shape [${n}] for all of them, got one array of shape ${fmtShape(t.shape)}`,
      );
    }
    list = outs.map(() => t);
  }
  return list.map((item, i) => {
    if (item == null) return null;
    const what = outs.length > 1 ? `sampleWeight for output ${i} ('${outs[i]!.sourceLayer.name}')` : "sampleWeight";
    const t = asTensor(item, `${who}: ${what}`);
    const outShape = outs[i]!.shape;
    const values = [n, ...outShape.slice(1, -1).map((d, k) => d ?? ys[i]!.shape[k + 1]!)];
    const fits = (s: readonly number[]) => s.length === values.length && s.every((d, k) => d === values[k]);
    if (t.shape[0] !== n) {
      throw new WasmRnnError(`${who}: expected ${what} with ${n} rows (as the inputs), got shape ${fmtShape(t.shape)}`);
    }
    if (!fits(t.shape) && !(t.shape.at(-1) === 1 && fits(t.shape.slice(0, -1)))) {
      const seq =
        values.length > 1
          ? ` (one weight per sample and step: Keras 3 multiplies sample weights into the per-step losses of a sequence output and refuses [N]; repeat each sample's weight over its steps)`
          : "";
      throw new WasmRnnError(`${who}: expected ${what} of shape ${fmtShape(values)}${seq}, got ${fmtShape(t.shape)}`);
    }
    const data = t.dtype === "float32" ? (t.data as Float32Array) : Float32Array.from(t.data);
    for (let j = 0; j < data.length; j++) {
      if (!Number.isFinite(data[j]))
        throw new WasmRnnError(`${who}: expected finite ${what}, got ${data[j]} at flat index ${j}`);
    }
    return new Tensor(data, values, "float32");
  });
}

function asTensor(v: TensorLike, who: string): Tensor {
  if (v instanceof Tensor) return v;
  try {
    return tensor(v as never);
  } catch (err) {
    throw new WasmRnnError(
      `${who}: expected a Tensor, a typed array or a nested array of numbers, got ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** numpy's round: halves to even. */
const roundHalfEven = (v: number) => {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/**
 * Keras's class_weight_to_sample_weights: one weight per sample from the targets of the single
 * output: targets [N] or [N, 1] give the class round(y) (numpy's round, halves to even: binary 0/1
 * targets, class ids), one-hot [N, C] the argmax (the first of equal maxima); the weight is
 * classWeight[class], 1 for a class it does not list.
 */
function classSampleWeights(model: Model, cw: ClassWeight, ys: readonly Tensor[], who: string): Tensor {
  if (model.outputs.length !== 1) {
    throw new WasmRnnError(
      `${who}: expected classWeight only with a single-output model (as Keras), got ${model.outputs.length} outputs; pass sampleWeight per output instead`,
    );
  }
  if (typeof cw !== "object" || cw === null || cw instanceof Tensor) {
    throw new WasmRnnError(
      `${who}: expected classWeight as { class index: weight }, got ${cw === null ? "null" : typeof cw}`,
    );
  }
  const weights = new Map<number, number>();
  for (const [k, v] of Object.entries(cw)) {
    if (!/^-?\d+$/.test(k))
      throw new WasmRnnError(
        `${who}: expected classWeight keys to be class indices (integers), got ${JSON.stringify(k)}`,
      );
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new WasmRnnError(
        `${who}: expected classWeight values to be finite numbers, got ${JSON.stringify(v) ?? String(v)} for class ${k}`,
      );
    }
    weights.set(Number(k), v);
  }
  const out = model.outputs[0]!;
  if (out.shape.length > 2) {
    throw new WasmRnnError(
      `${who}: expected classWeight with an output of shape [N, units], got output shape ${fmtShape(out.shape)}: Keras turns class ` +
        `weights into one weight per sample, which a sequence output cannot take; pass sampleWeight of shape [N, T] instead`,
    );
  }
  const y = ys[0]!;
  const n = y.shape[0]!;
  const C = y.shape.length > 1 ? y.size / n : 1;
  if (y.shape.length > 2)
    throw new WasmRnnError(
      `${who}: expected classWeight targets of shape [N], [N, 1] or [N, classes], got ${fmtShape(y.shape)}`,
    );
  const w = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let cls: number;
    if (C === 1) cls = roundHalfEven(y.data[r]!);
    else {
      cls = 0;
      for (let j = 1; j < C; j++) if (y.data[r * C + j]! > y.data[r * C + cls]!) cls = j;
    }
    w[r] = weights.get(cls) ?? 1;
  }
  return new Tensor(w, [n], "float32");
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
    this.perOutput.forEach((_, i) => {
      this.perOutput[i]! += this.trainer.outputLosses[i]!;
    });
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
  y: TensorLike | TensorLike[],
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
    val = { xs: xs.map((t) => rows(t, at, n)), ys: ys.map((t) => rows(t, at, n)), n: n - at, ws: part(ws, at, n) };
    xs = xs.map((t) => rows(t, 0, at));
    ys = ys.map((t) => rows(t, 0, at));
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
    cb.setParams?.({ ...history.params, verbose: options.verbose ?? 0, metricDirections: trainer.metricDirections() });
  }
  model.stopTraining = false;
  for (const cb of callbacks) await cb.onTrainBegin?.({});
  let logs: Logs = {};
  for (let epoch = initialEpoch; epoch < epochs; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch, {});
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
          `${who}: the loss became ${loss} at epoch ${epoch + 1}, batch ${b + 1}; expected a finite loss (try a lower learning rate)`,
        );
      }
      losses.add(loss, rows.length);
      for (const cb of callbacks) await cb.onBatchEnd?.(b, { loss, size: rows.length });
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
    if (options.verbose === 1) {
      console.log(
        `Epoch ${epoch + 1}/${epochs} - ${Object.entries(logs)
          .map(([k, v]) => `${k}: ${v!.toFixed(4)}`)
          .join(" - ")}`,
      );
    }
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
  ys: Tensor[],
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
  y: TensorLike | TensorLike[],
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
  y: TensorLike | TensorLike[],
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
        `${who}: expected callbacks to be a callback (EarlyStopping, a Callback subclass, { onEpochEnd, ... }) or a list of them, got ${describeValue(cb)}${Array.isArray(spec) ? ` at index ${i}` : ""}`,
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

/** An options object with only known keys (layer.ts's checkOptions does the keys). */
function checkOptionsObject(who: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== "object" || options === null)
    throw new WasmRnnError(`${who}: expected an options object, got ${String(options)}`);
  checkOptions(who, options, known);
}
