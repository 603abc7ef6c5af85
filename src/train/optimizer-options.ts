// The options every optimizer takes (Keras's base optimizer arguments), and their checks.
import { describeValue, WasmRnnError } from "../core/errors.js";
import { checkBool, checkNumber, checkOptionalNumber, checkOptions, isPlainObject } from "../core/validate.js";
import { toSnakeCase, uniqueName } from "../layers/naming.js";
import {
  type ConfigValue,
  isScheduleSpec,
  LearningRateSchedule,
  type LearningRateScheduleSpec,
  SCHEDULE_NAMES,
} from "./schedules.js";

/** Options every optimizer takes (Keras's base optimizer arguments, in camelCase). */
export interface OptimizerOptions {
  /**
   * A number, or a Keras learning-rate schedule evaluated at `iterations` every step:
   * `{ className: "ExponentialDecay", config: { initialLearningRate, decaySteps, decayRate } }`,
   * Keras's serialized form, or a LearningRateSchedule.
   */
  learningRate?: LearningRate;
  /** Keras weight_decay: before each step, w -= w * weightDecay * learningRate. */
  weightDecay?: number | null;
  /** Clip each gradient block to this L2 norm. */
  clipnorm?: number | null;
  /** Clip each gradient value to [-clipvalue, clipvalue]. */
  clipvalue?: number | null;
  /** Clip all gradients together to this global L2 norm. */
  globalClipnorm?: number | null;
  name?: string;
  /** Accepted so that Keras configs load; only `false` (EMA is not supported). */
  useEma?: boolean;
  /** Accepted so that Keras configs load; unused without EMA. */
  emaMomentum?: number;
  /** Accepted so that Keras configs load; only null. */
  emaOverwriteFrequency?: null;
  /** Accepted so that Keras configs load; only null. */
  lossScaleFactor?: null;
  /** Accepted so that Keras configs load; only null. */
  gradientAccumulationSteps?: null;
}

/** A learning rate: a number, a schedule spec or a LearningRateSchedule. */
export type LearningRate = number | LearningRateScheduleSpec | LearningRateSchedule;

/**
 * A Keras-style config: snake_case keys, as Keras's `optimizer.get_config()` (learning_rate is a
 * number, or a serialized schedule).
 */
export type OptimizerConfig = Record<string, ConfigValue>;

const BASE_KEYS = [
  "learningRate",
  "weightDecay",
  "clipnorm",
  "clipvalue",
  "globalClipnorm",
  "name",
  "useEma",
  "emaMomentum",
  "emaOverwriteFrequency",
  "lossScaleFactor",
  "gradientAccumulationSteps",
] as const;

function checkNull(who: string, option: string, v: unknown): void {
  if (v !== undefined && v !== null) {
    throw new WasmRnnError(
      `${who}: expected ${option} to be null (not supported by wasm-rnn), got ${describeValue(v)}`,
    );
  }
}

/**
 * A learning rate: a finite number >= 0, a LearningRateSchedule, or a schedule spec (validated;
 * errors name `who`).
 */
export function checkLearningRate(who: string, v: unknown): number | LearningRateSchedule {
  if (v instanceof LearningRateSchedule) return v;
  if (isScheduleSpec(v)) return new LearningRateSchedule(v as LearningRateScheduleSpec, who);
  if (typeof v !== "number") {
    throw new WasmRnnError(
      `${who}: expected learningRate to be a finite number >= 0 or a learning-rate schedule ` +
        `({ className: ${SCHEDULE_NAMES.join(" | ")}, config }), got ${describeValue(v)}`,
    );
  }
  return checkNumber(who, "learningRate", v, 0, 0, Infinity);
}

/** The base options, checked in Keras's argument order (the first bad one throws). */
export function baseOptions(className: string, options: OptimizerOptions, known: readonly string[]) {
  const who = className;
  if (!isPlainObject(options)) {
    throw new WasmRnnError(`${who}: expected an options object, got ${describeValue(options)}`);
  }
  checkOptions(who, options, [...BASE_KEYS, ...known]);
  if (options.name !== undefined && (typeof options.name !== "string" || options.name.length === 0)) {
    throw new WasmRnnError(`${who}: expected name to be a non-empty string, got ${describeValue(options.name)}`);
  }
  const learningRate = options.learningRate === undefined ? undefined : checkLearningRate(who, options.learningRate);
  const weightDecay = checkOptionalNumber(who, "weightDecay", options.weightDecay, true);
  const clipnorm = checkOptionalNumber(who, "clipnorm", options.clipnorm);
  const clipvalue = checkOptionalNumber(who, "clipvalue", options.clipvalue);
  const globalClipnorm = checkOptionalNumber(who, "globalClipnorm", options.globalClipnorm);
  const clips = [clipnorm, clipvalue, globalClipnorm].filter((c) => c !== null).length;
  if (clips > 1) {
    throw new WasmRnnError(
      `${who}: expected at most one of clipnorm, clipvalue and globalClipnorm (as Keras), got clipnorm=${clipnorm}, ` +
        `clipvalue=${clipvalue}, globalClipnorm=${globalClipnorm}`,
    );
  }
  if (checkBool(who, "useEma", options.useEma, false)) {
    throw new WasmRnnError(
      `${who}: expected useEma to be false (EMA of the weights is not supported by wasm-rnn), got true`,
    );
  }
  const emaMomentum = checkNumber(who, "emaMomentum", options.emaMomentum, 0.99, 0, 1);
  checkNull(who, "emaOverwriteFrequency", options.emaOverwriteFrequency);
  checkNull(who, "lossScaleFactor", options.lossScaleFactor);
  checkNull(who, "gradientAccumulationSteps", options.gradientAccumulationSteps);
  const name = options.name ?? uniqueName(toSnakeCase(className));
  return { learningRate, weightDecay, clipnorm, clipvalue, globalClipnorm, emaMomentum, name };
}
