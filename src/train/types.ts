// The public training types that do not mention Model: compile's arguments, loss and metric
// specs, fit's and evaluate's results and options. A leaf: it imports only core and the
// optimizer's type, so that model/model.ts can name them without importing the training code.
import type { TensorLike } from "../core/tensor.js";
import type { LossName, MetricName } from "./compile-names.js";
import type { Optimizer } from "./optimizer.js";
import type { OptimizerSpecName } from "./optimizer-spec.js";

/**
 * An optimizer spec: a Keras name ("adam", "Adam", TF.js's "RMSProp"), an optimizer, or a class name
 * with its config (Keras's serialized `{ class_name, config }` too).
 */
export type OptimizerSpec =
  | OptimizerSpecName
  | Optimizer
  | { className: OptimizerSpecName; config?: object }
  | { class_name: OptimizerSpecName; config?: object; module?: string; registered_name?: string | null };

export interface CompileArgs {
  optimizer: OptimizerSpec;
  /**
   * One loss for every output, one per output in `outputs` order (null: that output has no loss,
   * as the state outputs of [y, state_h, state_c]), or an object by output layer name (outputs it
   * leaves out have no loss). Outputs without a loss take no targets in fit and evaluate.
   */
  loss: LossSpec | (LossSpec | null)[] | Record<string, LossSpec | null>;
  /** Keras loss_weights: the total loss is the sum of each output's loss times its weight (default 1). */
  lossWeights?: number[] | Record<string, number>;
  /**
   * Keras metrics: names ("accuracy", "mae", "mse", "binary_accuracy", "categorical_accuracy",
   * "sparse_categorical_accuracy") for every output, or one list per output (an array in
   * `outputs` order, or an object by output layer name).
   */
  metrics?: MetricsSpec;
  /**
   * Keras 3 `weighted_metrics`: the same forms as `metrics`, weighted by fit's / evaluate's
   * `sampleWeight` (or `classWeight`); `metrics` never see sample weights. A key that an unweighted
   * metric already has becomes "weighted_<name>" (as Keras names it).
   */
  weightedMetrics?: MetricsSpec;
}

export type MetricsSpec = MetricName[] | (MetricName | MetricName[])[] | Record<string, MetricName[]>;

export type TargetDtype = "float32" | "int32";
export type LossReduction = "sum_over_batch_size" | "mean" | "mean_with_sample_weight" | "sum";

export interface Loss {
  /** The canonical Keras function name: "mean_squared_error", "categorical_crossentropy", ... */
  readonly name: string;
  /** The Keras class: "MeanSquaredError", "CategoricalCrossentropy", ... */
  readonly className: string;
  readonly fromLogits: boolean;
  /** Whether targets are class ids (sparse_categorical_crossentropy). */
  readonly sparse: boolean;
  readonly reduction: LossReduction;
  /** Throws unless Keras would accept these target shape and dtype for this prediction shape. */
  checkTarget(
    predShape: readonly number[],
    targetShape: readonly number[],
    targetDtype: TargetDtype,
    who: string,
  ): void;
  /**
   * Keras's reduced loss value; writes d(value)/d(pred) (f32, the prediction's shape) to `gradPtr`
   * unless it is 0. `gradPtr` may be `predPtr` (overwritten in place). `maskPtr` (optional, 0 =
   * none): u8, one per per-sample value (the prediction's shape without its last axis), 0 = masked.
   * `weightPtr` (optional, 0 = none): f32 sample weights, one per per-sample value, as Keras's
   * sample_weight (see the reductions at the top of src/train/keras-loss.ts). Checks the targets
   * (finite; class ids in range) and the weights (finite) and throws before writing anything. int32
   * targets of the non-sparse losses are cast to f32 in a scratch block of the arena (which may
   * grow the wasm memory).
   */
  compute(
    predPtr: number,
    predShape: readonly number[],
    targetPtr: number,
    targetDtype: TargetDtype,
    gradPtr: number,
    maskPtr?: number,
    weightPtr?: number,
  ): number;
  /** The config Keras's loss class gives (`loss.get_config()`), snake_case. */
  getConfig(): Record<string, unknown>;
}

/** Options for `getLoss({ name, ... })` (camelCase; Keras configs use the snake_case names). */
export interface LossOptions {
  name: LossName;
  /** Crossentropies only: the prediction is logits (default false). */
  fromLogits?: boolean;
  /** binary_ and categorical_crossentropy only, in [0, 1] (default 0). */
  labelSmoothing?: number;
  /** huber only, > 0 (default 1). */
  delta?: number;
  /** Default "sum_over_batch_size". */
  reduction?: LossReduction;
}

/**
 * A Keras-serialised loss: `{ className | class_name, config }` (from `keras.losses.serialize`);
 * a plain function loss is `{ class_name: "function", config: "mse" }`.
 */
export interface KerasLossConfig {
  className?: LossName | "function";
  class_name?: LossName | "function";
  /** A function loss's name (`class_name: "function"`), or a loss class's config. */
  config?: Record<string, unknown> | LossName;
  module?: string;
  registered_name?: string | null;
}

/** A loss: a name ("mse", "categorical_crossentropy", TF.js's "meanSquaredError"), options, a Keras config, a Loss. */
export type LossSpec = LossName | LossOptions | KerasLossConfig | Loss;

/** fit's verbose, as Keras's: "auto", 0 (silent), 1 (progress bar), 2 (one line per epoch). */
export type Verbose = "auto" | 0 | 1 | 2;

/** An epoch's results as fit reports them (loss, metrics, val_*, and learning_rate when a callback adds it). */
export type Logs = Record<string, number | undefined>;

/** An epoch's results: loss, the compiled metrics, val_* with validation data, learning_rate from a callback. */
export type FitLogs = Logs;

/** What fit tells its callbacks before training (Keras `callback.params`, plus the metrics' directions). */
export interface CallbackParams {
  epochs: number;
  /** Batches per epoch. */
  steps: number;
  batchSize: number;
  verbose: number;
  /** For each compiled metric's History key (without val_): whether higher ("up") or lower ("down") is better. */
  metricDirections: Record<string, "up" | "down">;
}

/** fit's options but its callbacks (FitOptions adds them: they see the Model). */
export interface BaseFitOptions {
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
  /**
   * As Keras: "auto" (default) is a progress bar in a terminal, one line per epoch when the output is a
   * file or CI log, nothing in a browser or worker; 0 silent; 1 the bar (whole lines where there is no
   * terminal); 2 one line per epoch.
   */
  verbose?: Verbose;
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
/**
 * fit's and evaluate's targets: one array for one output; for several, one per output (null for an
 * output without a loss), only those of the outputs with a loss, or an object by output name.
 */
export type Targets = TensorLike | (TensorLike | null)[] | Record<string, TensorLike>;

export type SampleWeight = TensorLike | (TensorLike | null | undefined)[];
/** { class index: weight }, as Keras's class_weight dict. */
export type ClassWeight = Record<number, number>;
