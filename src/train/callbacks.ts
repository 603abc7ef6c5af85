// Keras's training callbacks for Model.fit: EarlyStopping, ReduceLROnPlateau and
// LearningRateScheduler, with Keras 3's rules (keras/src/callbacks/*.py), and the hooks fit calls.
// This module is part of the default entry (users construct callbacks before the first fit), so it
// imports nothing from the lazily loaded training code; fit hands it the model, whose optimizer
// exists by then.
import { describeValue, WasmRnnError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { checkBool, checkNumber, checkOptions } from "../core/validate.js";
import type { Model } from "../model/model.js";
import type { Optimizer } from "./optimizers.js";

/** An epoch's results as fit reports them (loss, metrics, val_*, and learning_rate when a callback adds it). */
export type Logs = Record<string, number | undefined>;

/**
 * What fit calls, in Keras's order (each hook optional, each may return a promise): onTrainBegin,
 * then per epoch onEpochBegin, per batch onBatchBegin / onBatchEnd, onEpochEnd; onTrainEnd after
 * the last epoch. onEpochEnd's `logs` may be changed: History records them after every callback
 * has run (as Keras, whose History callback comes last). Returning `false` from onEpochEnd, or
 * setting `model.stopTraining`, stops after that epoch.
 */
export interface CallbackHooks {
  setModel?(model: Model): void;
  setParams?(params: CallbackParams): void;
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | boolean | Promise<void | boolean>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: { loss: number; size: number }): void | Promise<void>;
}

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

/** Keras `keras.callbacks.Callback`: subclass it and override the hooks you need. */
export class Callback implements CallbackHooks {
  /** The model being trained (set by fit before onTrainBegin). */
  model: Model | null = null;
  params: CallbackParams | null = null;
  constructor(protected readonly who = "Callback") {}
  setModel(model: Model): void {
    this.model = model;
  }
  setParams(params: CallbackParams): void {
    this.params = params;
  }
  protected get fitModel(): Model {
    if (!this.model) throw new WasmRnnError(`${this.who}: expected to be called by Model.fit, got no model`);
    return this.model;
  }
}

type Mode = "auto" | "min" | "max";

/** An integer >= 0 (patience, cooldown, startFromEpoch). */
function checkCount(who: string, option: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
    throw new WasmRnnError(`${who}: expected ${option} to be an integer >= 0, got ${describeValue(v)}`);
  return v;
}
const checkVerbose = (who: string, v: unknown): number => {
  if (v === undefined || v === 0 || v === 1) return v ?? 0;
  throw new WasmRnnError(`${who}: expected verbose to be 0 or 1, got ${describeValue(v)}`);
};

function checkArgs<T extends object>(who: string, args: T | undefined, known: readonly string[]): Partial<T> {
  if (args === undefined) return {};
  if (typeof args !== "object" || args === null)
    throw new WasmRnnError(`${who}: expected an options object, got ${describeValue(args)}`);
  checkOptions(who, args, known);
  return args;
}

/**
 * Keras's MonitorCallback: which logs key to watch, and whether lower or higher is better. In
 * "auto" mode "loss" (after any `val_` is stripped) means lower, a compiled metric's key its Keras
 * direction (accuracy up; mae, mse down); anything else (an output's loss too) must give its mode.
 * Comparisons run in float32, as Keras's `ops.less` / `ops.greater` on Python floats.
 */
abstract class MonitorCallback extends Callback {
  readonly monitor: string;
  readonly mode: Mode;
  readonly minDelta: number;
  /** The best monitored value so far (null before the first). */
  best: number | null = null;
  private lowerIsBetter: boolean | null = null;
  private warned = false;

  constructor(who: string, monitor: unknown, mode: unknown, minDelta: unknown) {
    super(who);
    if (monitor !== undefined && (typeof monitor !== "string" || monitor === "")) {
      throw new WasmRnnError(
        `${who}: expected monitor to be a logs key such as "val_loss", got ${describeValue(monitor)}`,
      );
    }
    if (mode !== undefined && mode !== "auto" && mode !== "min" && mode !== "max") {
      throw new WasmRnnError(`${who}: expected mode to be "auto", "min" or "max", got ${describeValue(mode)}`);
    }
    this.monitor = (monitor as string | undefined) ?? "val_loss";
    this.mode = (mode as Mode | undefined) ?? "auto";
    this.minDelta = Math.abs(checkNumber(who, "minDelta", minDelta, 0, -Infinity, Infinity));
  }

  /** Resolves the direction once the model's metrics are known (Keras: at the first epoch end). */
  protected direction(): boolean {
    if (this.lowerIsBetter !== null) return this.lowerIsBetter;
    if (this.mode !== "auto") return (this.lowerIsBetter = this.mode === "min");
    const name = this.monitor.startsWith("val_") ? this.monitor.slice(4) : this.monitor;
    const known = this.params?.metricDirections[name];
    if (name !== "loss" && known === undefined) {
      throw new WasmRnnError(
        `${this.who}: expected mode "min" or "max" for monitor "${this.monitor}", got mode "auto", which cannot tell ` +
          `whether it should go down or up (auto knows "loss", "val_loss" and the compiled metrics)`,
      );
    }
    return (this.lowerIsBetter = name === "loss" || known === "down");
  }

  /** Keras `_is_improvement`: current -/+ minDelta beats the reference (any value beats none). */
  protected isImprovement(current: number, reference: number | null): boolean {
    if (reference === null) return true;
    const f = Math.fround;
    return this.direction() ? f(current + this.minDelta) < f(reference) : f(current - this.minDelta) > f(reference);
  }

  /** The monitored value, or undefined (with one warning per fit, as Keras warns) when logs lack it. */
  protected monitored(logs: Logs): number | undefined {
    const v = logs[this.monitor];
    if (v === undefined && !this.warned) {
      this.warned = true;
      console.warn(
        `${this.who}: monitor "${this.monitor}" is not in the logs; available: ${Object.keys(logs).join(", ")}`,
      );
    }
    return v;
  }

  protected resetMonitor(): void {
    this.best = null;
    this.warned = false;
    this.lowerIsBetter = null;
  }
}

export interface EarlyStoppingArgs {
  /** The logs key to watch (default "val_loss"). */
  monitor?: string;
  /** A change smaller than this is no improvement (default 0). */
  minDelta?: number;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** 1 prints when training stops and when the best weights come back (default 0). */
  verbose?: 0 | 1;
  /** "auto" (default), "min" or "max". */
  mode?: Mode;
  /** Training keeps waiting (patience runs) until the monitored value beats this; null: no baseline. */
  baseline?: number | null;
  /** At the end of training, put back the weights of the best epoch (default false). */
  restoreBestWeights?: boolean;
  /** Epochs to wait before monitoring at all (default 0). */
  startFromEpoch?: number;
}

/** Keras `EarlyStopping`: stops fit when the monitored value has stopped improving. */
export class EarlyStopping extends MonitorCallback {
  readonly patience: number;
  readonly verbose: number;
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  /** The epoch training stopped at (0: it did not stop early). */
  stoppedEpoch = 0;
  /** The epoch whose value was best (and whose weights restoreBestWeights puts back). */
  bestEpoch = 0;
  /** Epochs since the last improvement that restarted the wait. */
  wait = 0;
  private bestWeights: Tensor[] | null = null;

  constructor(args?: EarlyStoppingArgs) {
    const who = "EarlyStopping";
    const a = checkArgs(who, args, [
      "monitor",
      "minDelta",
      "patience",
      "verbose",
      "mode",
      "baseline",
      "restoreBestWeights",
      "startFromEpoch",
    ]);
    super(who, a.monitor, a.mode, a.minDelta);
    this.patience = checkCount(who, "patience", a.patience, 0);
    this.verbose = checkVerbose(who, a.verbose);
    this.baseline = a.baseline == null ? null : checkNumber(who, "baseline", a.baseline, 0, -Infinity, Infinity);
    this.restoreBestWeights = checkBool(who, "restoreBestWeights", a.restoreBestWeights, false);
    this.startFromEpoch = checkCount(who, "startFromEpoch", a.startFromEpoch, 0);
  }

  onTrainBegin(): void {
    // reusable across fit calls, as Keras
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.bestEpoch = 0;
    this.bestWeights = null;
    this.resetMonitor();
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    this.direction(); // Keras resolves it (or fails) before reading the logs
    const current = this.monitored(logs);
    if (current === undefined || epoch < this.startFromEpoch) return;
    const model = this.fitModel;
    if (this.restoreBestWeights && this.bestWeights === null) {
      // Keras: if the best weights were never set, the current ones are the best
      this.bestWeights = model.getWeights();
      this.bestEpoch = epoch;
    }
    this.wait++;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = model.getWeights();
      // only a value that beats the baseline as well restarts the wait
      if (this.baseline === null || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights !== null) {
      if (this.verbose > 0)
        console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.fitModel.setWeights(this.bestWeights);
    }
  }
}

/** The compiled optimizer, whose learning rate the callbacks set (refused for a schedule, as Keras). */
function fixedRateOptimizer(who: string, model: Model): Optimizer {
  const opt = model.optimizer;
  if (!opt) throw new WasmRnnError(`${who}: expected a compiled model being trained, got no optimizer`);
  if (opt.learningRateSchedule) {
    throw new WasmRnnError(
      `${who}: expected an optimizer with a fixed learning rate, got one with a learning-rate schedule (Keras cannot set it either)`,
    );
  }
  return opt;
}

export interface ReduceLROnPlateauArgs {
  /** The logs key to watch (default "val_loss"). */
  monitor?: string;
  /** The learning rate is multiplied by this (default 0.1; below 1). */
  factor?: number;
  /** Epochs without improvement before reducing (default 10). */
  patience?: number;
  /** 1 prints each reduction (default 0). */
  verbose?: 0 | 1;
  /** "auto" (default), "min" or "max". */
  mode?: Mode;
  /** A change smaller than this is no improvement (default 1e-4). */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** The learning rate never goes below this (default 0). */
  minLr?: number;
}

/**
 * Keras `ReduceLROnPlateau`: multiplies the optimizer's learning rate by `factor` when the
 * monitored value has not improved for `patience` epochs. Adds "learning_rate" to every epoch's logs.
 */
export class ReduceLROnPlateau extends MonitorCallback {
  readonly factor: number;
  readonly patience: number;
  readonly verbose: number;
  readonly cooldown: number;
  readonly minLr: number;
  /** Epochs without improvement since the last reduction. */
  wait = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;

  constructor(args?: ReduceLROnPlateauArgs) {
    const who = "ReduceLROnPlateau";
    const a = checkArgs(who, args, [
      "monitor",
      "factor",
      "patience",
      "verbose",
      "mode",
      "minDelta",
      "cooldown",
      "minLr",
    ]);
    super(who, a.monitor, a.mode, a.minDelta ?? 1e-4);
    this.factor = checkNumber(who, "factor", a.factor, 0.1, 0, 1, { hi: true }); // Keras refuses a factor >= 1
    this.patience = checkCount(who, "patience", a.patience, 10);
    this.verbose = checkVerbose(who, a.verbose);
    this.cooldown = checkCount(who, "cooldown", a.cooldown, 0);
    this.minLr = checkNumber(who, "minLr", a.minLr, 0, 0, Infinity);
  }

  onTrainBegin(): void {
    fixedRateOptimizer(this.who, this.fitModel);
    this.wait = 0;
    this.cooldownCounter = 0;
    this.resetMonitor();
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    this.direction();
    const opt = fixedRateOptimizer(this.who, this.fitModel);
    // Keras reads the float32 variable back as a Python float
    logs.learning_rate = Math.fround(opt.learningRate);
    const current = this.monitored(logs);
    if (current === undefined) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter === 0) {
      this.wait++;
      if (this.wait >= this.patience) {
        const old = Math.fround(opt.learningRate);
        if (old > Math.fround(this.minLr)) {
          const lr = Math.max(old * this.factor, this.minLr);
          opt.learningRate = lr;
          if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${lr}.`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

/**
 * Keras `LearningRateScheduler`: before every epoch, sets the learning rate to
 * `schedule(epoch, currentRate)` (the current rate as Keras reads it: float32). Adds
 * "learning_rate" to every epoch's logs.
 */
export class LearningRateScheduler extends Callback {
  readonly schedule: (epoch: number, learningRate: number) => number;
  readonly verbose: number;

  constructor(schedule: (epoch: number, learningRate: number) => number, args?: { verbose?: 0 | 1 }) {
    const who = "LearningRateScheduler";
    super(who);
    if (typeof schedule !== "function")
      throw new WasmRnnError(
        `${who}: expected a function (epoch, learningRate) => learningRate, got ${describeValue(schedule)}`,
      );
    this.schedule = schedule;
    this.verbose = checkVerbose(who, checkArgs(who, args, ["verbose"]).verbose);
  }

  onEpochBegin(epoch: number): void {
    const who = this.who;
    const opt = fixedRateOptimizer(who, this.fitModel);
    const lr = this.schedule(epoch, Math.fround(opt.learningRate));
    if (typeof lr !== "number" || !Number.isFinite(lr) || lr < 0) {
      throw new WasmRnnError(
        `${who}: expected the schedule to return a finite number >= 0 for epoch ${epoch}, got ${describeValue(lr)}`,
      );
    }
    opt.learningRate = lr;
    if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    logs.learning_rate = Math.fround(fixedRateOptimizer(this.who, this.fitModel).learningRate);
  }
}
