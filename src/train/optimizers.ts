// Keras 3 optimizers (keras/src/optimizers/{sgd,adam,rmsprop,adagrad,base_optimizer}.py) over
// parameters that live in wasm memory. A parameter block is a byte pointer and a float count; its
// gradient is another block of the same length. The elementwise steps run in the wasm kernels of
// assembly/optimizers.ts; this module keeps the hyperparameters, the step count and the slot
// buffers (momentum, velocity, ...), and computes the per-step scalars the way Keras does.
//
// One `apply` is one Keras `optimizer.apply(grads, vars)`:
//   1. gradient clipping (only one of clipnorm, clipvalue, globalClipnorm, as Keras):
//        clipnorm        g <- g * clipnorm / max(||g||, clipnorm), each block on its own
//        globalClipnorm  g <- g * clip * min(1/N, 1/clip), N the norm over all gradients
//        clipvalue       g <- clip(g, -clipvalue, clipvalue)
//      The clipped gradient goes to a scratch buffer: the caller's gradients are never written.
//   2. weight decay (weightDecay): w <- w - w * weightDecay * learningRate
//   3. the optimizer's update step; then iterations += 1.
// The learning rate is a number or a Keras learning-rate schedule (ExponentialDecay, ...), which
// is evaluated at iterations (0 for the first step) in float32, as Keras, and used by 2 and 3.
// Everything is validated, and every slot is allocated, before the first weight is written: a
// call that throws changes nothing.
//
// Padding: a block may hold zero padding lanes with zero gradients (layers pack their weights);
// such a lane stays exactly 0, as does any weight whose gradient and state are zero. clipnorm
// treats each block as one Keras variable (zero padding does not change its norm).
import { arena } from "../core/arena.js";
import { describeValue, WasmRnnError } from "../core/errors.js";
import { type OptimizerKernels, trainKernels } from "../core/train-kernels.js";
import { checkNumber, checkOptions } from "../core/validate.js";
import { core, heapF32 } from "../core/wasm.js";
import type { ParamBlock } from "../layers/heap.js";
import { toSnakeCase, uniqueName } from "../layers/naming.js";

/** A parameter (or gradient) block in wasm memory: byte pointer and number of f32 values. */
export type { ParamBlock } from "../layers/heap.js";

/** A layer, as far as the optimizer sees it: where its parameter blocks are now. */
export interface BlockOwner {
  paramBlocks(): readonly ParamBlock[];
}

/**
 * A gradient block. `squares` (optional, same length) holds per-element sums of squared gradient
 * pieces, which Adam, RMSprop and Adagrad use in place of g^2 (an Embedding's gradient, summed
 * per token occurrence as TensorFlow's sparse gradients are: see assembly/optimizers.ts). Ignored
 * when clipping is on.
 */
export interface GradBlock extends ParamBlock {
  squares?: number;
}

/** The kernels of assembly/optimizers.ts, as exported by the wasm core (pointers are bytes). */

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

export interface SGDOptions extends OptimizerOptions {
  /** Default 0.01; a number or a learning-rate schedule. */
  learningRate?: LearningRate;
  /** In [0, 1]; default 0. */
  momentum?: number;
  /** Default false. */
  nesterov?: boolean;
}

export interface AdamOptions extends OptimizerOptions {
  /** Default 0.001; a number or a learning-rate schedule. */
  learningRate?: LearningRate;
  /** In [0, 1); default 0.9. */
  beta1?: number;
  /** In [0, 1); default 0.999. */
  beta2?: number;
  /** Above 0; default 1e-7. */
  epsilon?: number;
  /** Default false. */
  amsgrad?: boolean;
}

export interface RMSpropOptions extends OptimizerOptions {
  /** Default 0.001; a number or a learning-rate schedule. */
  learningRate?: LearningRate;
  /** In [0, 1]; default 0.9. */
  rho?: number;
  /** In [0, 1]; default 0. */
  momentum?: number;
  /** Above 0; default 1e-7. */
  epsilon?: number;
  /** Default false. */
  centered?: boolean;
}

export interface AdagradOptions extends OptimizerOptions {
  /** Default 0.001; a number or a learning-rate schedule. */
  learningRate?: LearningRate;
  /** At least 0; default 0.1. */
  initialAccumulatorValue?: number;
  /** Above 0; default 1e-7. */
  epsilon?: number;
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

const f32 = Math.fround;

function checkFlag(who: string, option: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== "boolean")
    throw new WasmRnnError(`${who}: expected ${option} to be a boolean, got ${describeValue(v)}`);
  return v;
}

/** null/undefined (off) or a finite number above 0 (or >= 0 with `zeroOk`). */
function checkOptional(who: string, option: string, v: unknown, zeroOk = false): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !Number.isFinite(v) || (zeroOk ? v < 0 : v <= 0)) {
    throw new WasmRnnError(
      `${who}: expected ${option} to be null or a finite number ${zeroOk ? ">= 0" : "above 0"}, got ${describeValue(v)}`,
    );
  }
  return v;
}

function checkNull(who: string, option: string, v: unknown): void {
  if (v !== undefined && v !== null) {
    throw new WasmRnnError(
      `${who}: expected ${option} to be null (not supported by wasm-rnn), got ${describeValue(v)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Learning-rate schedules (keras/src/optimizers/schedules/learning_rate_schedule.py). Keras
// evaluates the schedule at `optimizer.iterations` (the steps applied before this one: 0 for the
// first) every step, on float32 tensors: initial_learning_rate becomes a float32 tensor, the other
// arguments are cast to float32 (or, where Keras leaves them Python floats, converted to float32
// where they meet a tensor), and every op rounds to float32. `value` repeats those roundings.

/** Keras's schedule class names. */
export type ScheduleClassName =
  | "ExponentialDecay"
  | "InverseTimeDecay"
  | "PiecewiseConstantDecay"
  | "PolynomialDecay"
  | "CosineDecay"
  | "CosineDecayRestarts";

/**
 * A schedule spec: `{ className, config }` with Keras's arguments in camelCase or snake_case, or
 * Keras's serialized form `{ module: "keras.optimizers.schedules", class_name, config,
 * registered_name }` (as get_config() and .keras files write it).
 */
export interface LearningRateScheduleSpec {
  className?: ScheduleClassName | string;
  class_name?: ScheduleClassName | string;
  config: Record<string, unknown>;
  module?: string | null;
  registered_name?: string | null;
}

/** A value of a Keras config (JSON). */
export type ConfigValue = string | number | boolean | null | ConfigValue[] | { [key: string]: ConfigValue };

/** Keras's `keras.optimizers.schedules.serialize(schedule)`. */
export interface SerializedSchedule {
  module: "keras.optimizers.schedules";
  class_name: ScheduleClassName;
  config: Record<string, ConfigValue>;
  registered_name: null;
}

const PI32 = f32(Math.PI);

/** The arguments of each schedule: Keras's name, camelCase name, default (undefined: required). */
const SCHEDULE_ARGS: Record<ScheduleClassName, readonly (readonly [string, string, ConfigValue | undefined])[]> = {
  ExponentialDecay: [
    ["initial_learning_rate", "initialLearningRate", undefined],
    ["decay_steps", "decaySteps", undefined],
    ["decay_rate", "decayRate", undefined],
    ["staircase", "staircase", false],
    ["name", "name", "ExponentialDecay"],
  ],
  InverseTimeDecay: [
    ["initial_learning_rate", "initialLearningRate", undefined],
    ["decay_steps", "decaySteps", undefined],
    ["decay_rate", "decayRate", undefined],
    ["staircase", "staircase", false],
    ["name", "name", "InverseTimeDecay"],
  ],
  PiecewiseConstantDecay: [
    ["boundaries", "boundaries", undefined],
    ["values", "values", undefined],
    ["name", "name", "PiecewiseConstant"],
  ],
  PolynomialDecay: [
    ["initial_learning_rate", "initialLearningRate", undefined],
    ["decay_steps", "decaySteps", undefined],
    ["end_learning_rate", "endLearningRate", 0.0001],
    ["power", "power", 1.0],
    ["cycle", "cycle", false],
    ["name", "name", "PolynomialDecay"],
  ],
  CosineDecay: [
    ["initial_learning_rate", "initialLearningRate", undefined],
    ["decay_steps", "decaySteps", undefined],
    ["alpha", "alpha", 0.0],
    ["name", "name", "CosineDecay"],
    ["warmup_target", "warmupTarget", null],
    ["warmup_steps", "warmupSteps", 0],
  ],
  CosineDecayRestarts: [
    ["initial_learning_rate", "initialLearningRate", undefined],
    ["first_decay_steps", "firstDecaySteps", undefined],
    ["t_mul", "tMul", 2.0],
    ["m_mul", "mMul", 1.0],
    ["alpha", "alpha", 0.0],
    ["name", "name", "SGDRDecay"],
  ],
};

const SCHEDULE_NAMES = Object.keys(SCHEDULE_ARGS) as ScheduleClassName[];

/**
 * A Keras learning-rate schedule: `value(step)` is Keras's `schedule(step)` (a float32 value),
 * `getConfig()` its get_config() (the arguments as given, defaults filled in, Keras's order).
 */
export class LearningRateSchedule {
  readonly className: ScheduleClassName;
  private readonly config: Record<string, ConfigValue>;
  private readonly fn: (step: number) => number;

  /** `who` names the optimizer in errors ("Adam"). */
  constructor(spec: LearningRateScheduleSpec, who = "LearningRateSchedule") {
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
      throw new WasmRnnError(
        `${who}: expected a learning-rate schedule { className, config }, got ${describeValue(spec)}`,
      );
    }
    const s = spec as unknown as Record<string, unknown>;
    checkOptions(`${who}: learning-rate schedule`, s, [
      "className",
      "class_name",
      "config",
      "module",
      "registered_name",
    ]);
    const name = s.className ?? s.class_name;
    const className =
      typeof name === "string" ? SCHEDULE_NAMES.find((n) => n.toLowerCase() === name.toLowerCase()) : undefined;
    if (!className) {
      throw new WasmRnnError(
        `${who}: expected a learning-rate schedule className (${SCHEDULE_NAMES.join(", ")}), got ${describeValue(name)}`,
      );
    }
    if (s.module !== undefined && s.module !== null && typeof s.module !== "string") {
      throw new WasmRnnError(
        `${who}: expected the ${className} schedule's module to be a string, got ${describeValue(s.module)}`,
      );
    }
    const raw = s.config;
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new WasmRnnError(
        `${who}: expected the ${className} schedule's config to be an object, got ${describeValue(raw)}`,
      );
    }
    this.className = className;
    const w = `${who}: learning-rate schedule ${className}`;
    const args = SCHEDULE_ARGS[className];
    // camelCase or snake_case keys, not both for one argument
    const given = new Map<string, unknown>();
    for (const [key, v] of Object.entries(raw as Record<string, unknown>)) {
      const arg = args.find(([snake, camel]) => key === snake || key === camel);
      if (!arg) {
        throw new WasmRnnError(
          `${w}: unknown argument ${JSON.stringify(key)}; expected ${args.map((a) => a[1]).join(", ")} (or Keras's snake_case names)`,
        );
      }
      if (given.has(arg[0])) throw new WasmRnnError(`${w}: got ${arg[1]} twice (as ${arg[1]} and ${arg[0]})`);
      given.set(arg[0], v);
    }
    const config: Record<string, ConfigValue> = {};
    for (const [snake, camel, fallback] of args) {
      const v = given.has(snake) ? given.get(snake) : fallback;
      if (v === undefined) throw new WasmRnnError(`${w}: expected ${camel} (required), got undefined`);
      config[snake] = Array.isArray(v) ? [...v] : (v as ConfigValue);
    }
    const camelOf = (snake: string) => args.find((a) => a[0] === snake)![1];
    const num = (snake: string, lo: number, open = false): number => {
      const v = config[snake];
      if (typeof v !== "number" || !Number.isFinite(v) || (open ? v <= lo : v < lo)) {
        throw new WasmRnnError(
          `${w}: expected ${camelOf(snake)} to be a finite number ${open ? "above" : ">="} ${lo}, got ${describeValue(v)}`,
        );
      }
      return v;
    };
    const finite = (snake: string): number => num(snake, -Infinity);
    const flag = (snake: string): boolean => {
      const v = config[snake];
      if (typeof v !== "boolean")
        throw new WasmRnnError(`${w}: expected ${camelOf(snake)} to be a boolean, got ${describeValue(v)}`);
      return v;
    };
    const nm = config.name;
    if (nm !== null && (typeof nm !== "string" || nm.length === 0)) {
      throw new WasmRnnError(`${w}: expected name to be a non-empty string, got ${describeValue(nm)}`);
    }
    const lr0 = className === "PiecewiseConstantDecay" ? 0 : f32(num("initial_learning_rate", 0));

    switch (className) {
      case "ExponentialDecay":
      case "InverseTimeDecay": {
        const ds = f32(num("decay_steps", 0, true));
        const rate = f32(num("decay_rate", 0));
        const staircase = flag("staircase");
        this.fn =
          className === "ExponentialDecay"
            ? (step) => {
                // initial_learning_rate * decay_rate ** (step / decay_steps), floor'd when staircase
                let p = f32(f32(step) / ds);
                if (staircase) p = Math.floor(p);
                return f32(lr0 * f32(Math.pow(rate, p)));
              }
            : (step) => {
                // initial_learning_rate / (1 + decay_rate * step / decay_steps)
                let p = f32(f32(step) / ds);
                if (staircase) p = Math.floor(p);
                return f32(lr0 / f32(1 + f32(rate * p)));
              };
        break;
      }
      case "PiecewiseConstantDecay": {
        const b = config.boundaries,
          v = config.values;
        if (!Array.isArray(b) || b.length === 0 || !b.every((x) => typeof x === "number" && Number.isFinite(x))) {
          throw new WasmRnnError(
            `${w}: expected boundaries to be a non-empty list of finite numbers, got ${describeValue(b)}`,
          );
        }
        for (let i = 1; i < b.length; i++) {
          if (!((b[i] as number) > (b[i - 1] as number))) {
            throw new WasmRnnError(`${w}: expected boundaries to be strictly increasing, got ${describeValue(b)}`);
          }
        }
        if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isFinite(x) && x >= 0)) {
          throw new WasmRnnError(`${w}: expected values to be a list of finite numbers >= 0, got ${describeValue(v)}`);
        }
        if (v.length !== b.length + 1) {
          throw new WasmRnnError(
            `${w}: expected one more value than boundaries (${b.length + 1} values for ${b.length} boundaries), got ${v.length} values`,
          );
        }
        // Keras casts each boundary to the step's integer type (float boundaries truncate: 5.5 -> 5)
        const bounds = (b as number[]).map((x) => (Number.isInteger(x) ? x : Math.trunc(f32(x))));
        const vals = (v as number[]).map(f32);
        this.fn = (step) => {
          // values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <= boundaries[i]
          let i = 0;
          while (i < bounds.length && step > bounds[i]!) i++;
          return vals[i]!;
        };
        break;
      }
      case "PolynomialDecay": {
        const dsRaw = num("decay_steps", 0, true);
        const ds = f32(dsRaw);
        const end = f32(num("end_learning_rate", 0));
        const power = f32(num("power", 0));
        const cycle = flag("cycle");
        this.fn = (step) => {
          // (initial - end) * (1 - step / decay_steps) ** power + end, step capped at decay_steps;
          // with cycle, decay_steps times the first multiple ceil(step / decay_steps) (1 at step 0)
          let s = f32(step);
          let dsr = ds;
          if (cycle) dsr = f32(dsr * (s === 0 ? 1 : Math.ceil(f32(s / ds))));
          else s = Math.min(s, dsr);
          const p = f32(s / dsr);
          return f32(f32(f32(lr0 - end) * f32(Math.pow(f32(1 - p), power))) + end);
        };
        break;
      }
      case "CosineDecay": {
        const ds = f32(num("decay_steps", 0, true));
        const alpha = finite("alpha");
        const target = config.warmup_target;
        if (target !== null && (typeof target !== "number" || !Number.isFinite(target) || target < 0)) {
          throw new WasmRnnError(
            `${w}: expected warmupTarget to be null or a finite number >= 0, got ${describeValue(target)}`,
          );
        }
        const ws = f32(num("warmup_steps", 0));
        // alpha stays a Python float in Keras: (1 - alpha) and alpha become float32 where they meet
        // the float32 tensor
        const oneMinusAlpha = f32(1 - alpha),
          alpha32 = f32(alpha);
        const decay = (s: number, from: number) => {
          const cosine = f32(0.5 * f32(1 + f32(Math.cos(f32(PI32 * f32(s / ds))))));
          return f32(from * f32(f32(oneMinusAlpha * cosine) + alpha32));
        };
        if (target === null) {
          this.fn = (step) => decay(Math.min(f32(step), ds), lr0);
        } else {
          const wt = f32(target);
          const cap = f32(ds + ws);
          this.fn = (step) => {
            const s = Math.min(f32(step), cap);
            // linear from initial_learning_rate to warmup_target over warmup_steps, then the decay
            if (s < ws) return f32(f32(f32(wt - lr0) * f32(s / ws)) + lr0);
            return decay(f32(s - ws), wt);
          };
        }
        break;
      }
      case "CosineDecayRestarts": {
        const fds = f32(num("first_decay_steps", 0, true));
        const tMul = f32(num("t_mul", 0, true));
        const mMul = f32(num("m_mul", 0));
        const alpha = f32(finite("alpha"));
        const logT = f32(Math.log(tMul));
        const oneMinusT = f32(1 - tMul);
        this.fn = (step) => {
          let frac = f32(f32(step) / fds);
          let restart: number;
          if (tMul === 1) {
            restart = Math.floor(frac);
            frac = f32(frac - restart);
          } else {
            // the period i with sum_{k<i} t_mul^k <= frac, and the fraction done of period i
            restart = Math.floor(f32(f32(Math.log(f32(1 - f32(frac * oneMinusT)))) / logT));
            const tPow = f32(Math.pow(tMul, restart));
            const sumR = f32(f32(1 - tPow) / oneMinusT);
            frac = f32(f32(frac - sumR) / tPow);
          }
          const mFac = f32(Math.pow(mMul, restart));
          const cosine = f32(f32(0.5 * mFac) * f32(1 + f32(Math.cos(f32(PI32 * frac)))));
          return f32(lr0 * f32(f32(f32(1 - alpha) * cosine) + alpha));
        };
        break;
      }
    }
    this.config = config;
  }

  /** The learning rate at `step` (steps applied before this one), a float32 value as Keras's. */
  value(step: number): number {
    return this.fn(step);
  }

  /** Keras's `schedule.get_config()`. */
  getConfig(): Record<string, ConfigValue> {
    return structuredClone(this.config);
  }

  /** Keras's `keras.optimizers.schedules.serialize(schedule)`. */
  serialize(): SerializedSchedule {
    return {
      module: "keras.optimizers.schedules",
      class_name: this.className,
      config: this.getConfig(),
      registered_name: null,
    };
  }
}

/** Whether `v` looks like a schedule spec (an object with a class name), not a number. */
function isScheduleSpec(v: unknown): boolean {
  return (
    v instanceof LearningRateSchedule ||
    (v !== null &&
      typeof v === "object" &&
      !Array.isArray(v) &&
      ("className" in v || "class_name" in v || "config" in v))
  );
}

/**
 * A learning rate: a finite number >= 0, a LearningRateSchedule, or a schedule spec (validated;
 * errors name `who`).
 */
function checkLearningRate(who: string, v: unknown): number | LearningRateSchedule {
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

/** Keras `keras.optimizers.schedules.deserialize`: a schedule from a spec (or the schedule itself). */
export function getSchedule(spec: LearningRateScheduleSpec | LearningRateSchedule): LearningRateSchedule {
  if (spec instanceof LearningRateSchedule) return spec;
  return new LearningRateSchedule(spec, "getSchedule");
}

interface Slots {
  length: number;
  ptrs: number[];
}

/**
 * The base of every optimizer: validation, slot buffers (one set per parameter block, keyed by
 * its pointer, made on first use), gradient clipping, weight decay and the step count.
 */
export abstract class Optimizer {
  /** Keras class name: "SGD", "Adam", "RMSprop", "Adagrad". */
  readonly className: string;
  readonly name: string;
  readonly weightDecay: number | null;
  readonly clipnorm: number | null;
  readonly clipvalue: number | null;
  readonly globalClipnorm: number | null;
  readonly emaMomentum: number;
  private lr: number;
  private schedule: LearningRateSchedule | null = null;
  private steps = 0;
  private slots = new Map<number, Slots>();
  private owners: { layer: BlockOwner; index: number; ptr: number }[] = [];
  private scratch = { ptr: 0, floats: 0 };

  protected constructor(className: string, options: OptimizerOptions, known: readonly string[], defaultLr: number) {
    this.className = className;
    const who = className;
    if (options === null || typeof options !== "object" || Array.isArray(options)) {
      throw new WasmRnnError(`${who}: expected an options object, got ${describeValue(options)}`);
    }
    checkOptions(who, options, [...BASE_KEYS, ...known]);
    if (options.name !== undefined && (typeof options.name !== "string" || options.name.length === 0)) {
      throw new WasmRnnError(`${who}: expected name to be a non-empty string, got ${describeValue(options.name)}`);
    }
    this.lr = defaultLr;
    if (options.learningRate !== undefined) this.setLr(who, options.learningRate);
    this.weightDecay = checkOptional(who, "weightDecay", options.weightDecay, true);
    this.clipnorm = checkOptional(who, "clipnorm", options.clipnorm);
    this.clipvalue = checkOptional(who, "clipvalue", options.clipvalue);
    this.globalClipnorm = checkOptional(who, "globalClipnorm", options.globalClipnorm);
    const clips = [this.clipnorm, this.clipvalue, this.globalClipnorm].filter((c) => c !== null).length;
    if (clips > 1) {
      throw new WasmRnnError(
        `${who}: expected at most one of clipnorm, clipvalue and globalClipnorm (as Keras), got clipnorm=${this.clipnorm}, ` +
          `clipvalue=${this.clipvalue}, globalClipnorm=${this.globalClipnorm}`,
      );
    }
    if (checkFlag(who, "useEma", options.useEma, false)) {
      throw new WasmRnnError(
        `${who}: expected useEma to be false (EMA of the weights is not supported by wasm-rnn), got true`,
      );
    }
    this.emaMomentum = checkNumber(who, "emaMomentum", options.emaMomentum, 0.99, 0, 1);
    checkNull(who, "emaOverwriteFrequency", options.emaOverwriteFrequency);
    checkNull(who, "lossScaleFactor", options.lossScaleFactor);
    checkNull(who, "gradientAccumulationSteps", options.gradientAccumulationSteps);
    this.name = options.name ?? uniqueName(toSnakeCase(className));
  }

  /** `Adam 'adam'`: how errors name this optimizer. */
  get who(): string {
    return `${this.className} '${this.name}'`;
  }

  private setLr(who: string, v: unknown): void {
    const lr = checkLearningRate(who, v);
    if (typeof lr === "number") {
      this.lr = lr;
      this.schedule = null;
    } else {
      this.schedule = lr;
    }
  }

  /**
   * The learning rate the next step uses (Keras `optimizer.learning_rate`): the number, or the
   * schedule's float32 value at `iterations`. Settable between steps to a number (which replaces
   * a schedule; Keras refuses that) or to a schedule.
   */
  get learningRate(): number {
    return this.schedule ? this.schedule.value(this.steps) : this.lr;
  }

  set learningRate(v: LearningRate) {
    this.setLr(this.who, v);
  }

  /** The learning-rate schedule, or null for a fixed learning rate. */
  get learningRateSchedule(): LearningRateSchedule | null {
    return this.schedule;
  }

  /** Steps applied so far (Keras `optimizer.iterations`). */
  get iterations(): number {
    return this.steps;
  }

  /** Names of the per-parameter slot buffers, in Keras's order ("momentum", "velocity", ...). */
  protected abstract slotNames(): readonly string[];

  /**
   * How Keras lays the slots out in `optimizer.variables` (after `iteration`, and `learning_rate`
   * unless a schedule drives it): one `add_optimizer_variables` call per group, each going through
   * the model's trainable variables and adding the group's slots for each one in turn (Adam:
   * [[momentum, velocity], [velocity_hat]], so m0 v0 m1 v1 ... then vhat0 vhat1 ...).
   */
  kerasSlotGroups(): string[][] {
    return this.slotNames().map((n) => [n]);
  }

  /** The slot names, in our order (each block's slot buffers follow it). */
  get slotList(): readonly string[] {
    return this.slotNames();
  }

  /** Whether steps were taken or state was installed (what a saved file should carry). */
  get hasState(): boolean {
    return this.steps > 0 || this.slots.size > 0;
  }

  /**
   * Installs saved state (Keras's `load_own_variables`): the step count and, for each parameter
   * block, its slots in `slotList` order, each laid out as the block (packed, padding zero).
   * Everything is checked and allocated before the previous state is replaced, so a call that
   * throws changes nothing.
   */
  setState(iterations: number, blocks: readonly ParamBlock[], slots: readonly (readonly Float32Array[])[]): void {
    const who = this.who;
    if (!Number.isSafeInteger(iterations) || iterations < 0) {
      throw new WasmRnnError(`${who}: expected iterations to be an integer >= 0, got ${describeValue(iterations)}`);
    }
    const names = this.slotNames();
    if (slots.length !== blocks.length) {
      throw new WasmRnnError(`${who}: expected slots for ${blocks.length} parameter blocks, got ${slots.length}`);
    }
    const seen = new Set<number>();
    blocks.forEach((b, i) => {
      if (seen.has(b.ptr)) throw new WasmRnnError(`${who}: expected each parameter block once, got ptr ${b.ptr} twice`);
      seen.add(b.ptr);
      const s = slots[i]!;
      if (s.length !== names.length) {
        throw new WasmRnnError(
          `${who}: expected ${names.length} slots (${names.join(", ") || "none"}) for parameter block ${i}, got ${s.length}`,
        );
      }
      s.forEach((v, j) => {
        if (!(v instanceof Float32Array) || v.length !== b.length) {
          throw new WasmRnnError(
            `${who}: expected slot ${names[j]} of parameter block ${i} to be a Float32Array of ${b.length} floats, got ${describeValue(v)}`,
          );
        }
      });
    });
    const fresh = new Map<number, Slots>();
    try {
      blocks.forEach((b, i) => {
        const ptrs: number[] = [];
        fresh.set(b.ptr, { length: b.length, ptrs });
        for (const v of slots[i]!) {
          const ptr = arena.alloc(b.length * 4);
          ptrs.push(ptr);
          heapF32().set(v, ptr >> 2); // fresh view after alloc
        }
      });
    } catch (err) {
      for (const s of fresh.values()) for (const ptr of s.ptrs) arena.free(ptr);
      throw err;
    }
    for (const s of this.slots.values()) for (const ptr of s.ptrs) arena.free(ptr);
    this.slots = fresh;
    this.steps = iterations;
    this.owners = [];
  }

  /**
   * The state of each block (Keras's `save_own_variables`): its slots in `slotList` order, as
   * copies laid out as the block. A block without slots yet gets their initial values.
   */
  getState(blocks: readonly ParamBlock[]): Float32Array[][] {
    const f32 = heapF32();
    return blocks.map((b) => {
      const s = this.slots.get(b.ptr);
      if (s && s.length !== b.length) {
        throw new WasmRnnError(
          `${this.who}: expected parameter block ptr ${b.ptr} to have ${s.length} floats, as its optimizer state, got ${b.length}`,
        );
      }
      return this.slotNames().map((_, j) =>
        s
          ? f32.slice(s.ptrs[j]! >> 2, (s.ptrs[j]! >> 2) + b.length)
          : new Float32Array(b.length).fill(this.slotInit(j)),
      );
    });
  }

  /** The value a new slot starts at (0 except Adagrad's accumulator). */
  protected slotInit(_slot: number): number {
    return 0;
  }

  /** One update of one block: `g` is the (clipped) gradient, `slots` its slot pointers. */
  protected abstract update(
    k: OptimizerKernels,
    n: number,
    w: number,
    g: number,
    slots: readonly number[],
    lr: number,
    g2: number,
  ): void;

  /** Per-step scalars (Adam's bias correction), computed once per `apply` before any update. */
  protected prepare(_step: number, _lr: number): void {}

  /** The optimizer's own config entries, after the base ones. */
  protected abstract ownConfig(): OptimizerConfig;

  /**
   * Applies one step: `grads[i]` to `params[i]` (Keras `optimizer.apply(grads, vars)`). The
   * blocks must match in count and lengths. Slots are made on first use of a parameter pointer.
   * An empty list does nothing (not even count a step), as Keras.
   */
  apply(params: readonly ParamBlock[], grads: readonly GradBlock[]): void {
    const who = this.who;
    core(who);
    const k = trainKernels();
    if (typeof k.adam_update !== "function") {
      throw new WasmRnnError(
        `${who}: expected a wasm core with the optimizer kernels, got one without them (rebuild the core)`,
      );
    }
    if (!Array.isArray(params) || !Array.isArray(grads)) {
      throw new WasmRnnError(
        `${who}.apply: expected two arrays of blocks (params, grads), got ${Array.isArray(params) ? "an array" : typeof params} and ${Array.isArray(grads) ? "an array" : typeof grads}`,
      );
    }
    if (params.length !== grads.length) {
      throw new WasmRnnError(
        `${who}.apply: expected one gradient per parameter (${params.length}), got ${grads.length} gradients`,
      );
    }
    if (params.length === 0) return;
    const bytes = k.memory.buffer.byteLength;
    const checkBlock = (what: string, b: unknown): ParamBlock => {
      const blk = b as ParamBlock | null;
      const ok =
        blk !== null &&
        typeof blk === "object" &&
        Number.isInteger(blk.ptr) &&
        blk.ptr > 0 &&
        blk.ptr % 4 === 0 &&
        Number.isInteger(blk.length) &&
        blk.length > 0 &&
        blk.ptr + blk.length * 4 <= bytes;
      if (!ok) {
        throw new WasmRnnError(
          `${who}.apply: expected ${what} to be { ptr, length } with a 4-byte aligned pointer and a positive length ` +
            `inside the wasm memory (${bytes} bytes), got ${describeValue(b)}`,
        );
      }
      return blk!;
    };
    const seen = new Set<number>();
    let maxLen = 0;
    for (let i = 0; i < params.length; i++) {
      const p = checkBlock(`parameter ${i}`, params[i]);
      const g = checkBlock(`gradient ${i}`, grads[i]);
      if (g.length !== p.length) {
        throw new WasmRnnError(
          `${who}.apply: expected gradient ${i} to have ${p.length} floats like its parameter, got ${g.length}`,
        );
      }
      if (seen.has(p.ptr)) {
        throw new WasmRnnError(`${who}.apply: expected each parameter once, got parameter ${i} (ptr ${p.ptr}) twice`);
      }
      seen.add(p.ptr);
      const s = this.slots.get(p.ptr);
      if (s && s.length !== p.length) {
        throw new WasmRnnError(
          `${who}.apply: expected parameter ${i} (ptr ${p.ptr}) to have ${s.length} floats, as when its optimizer state ` +
            `was made, got ${p.length} (dispose() the optimizer to start over)`,
        );
      }
      maxLen = Math.max(maxLen, p.length);
    }

    // allocate everything before any write
    const clipping = this.clipnorm !== null || this.clipvalue !== null || this.globalClipnorm !== null;
    if (clipping && this.scratch.floats < maxLen) {
      if (this.scratch.ptr) arena.free(this.scratch.ptr);
      this.scratch = { ptr: 0, floats: 0 };
      this.scratch = { ptr: arena.alloc(maxLen * 4), floats: maxLen };
    }
    const names = this.slotNames();
    for (const p of params) {
      if (this.slots.has(p.ptr)) continue;
      const ptrs: number[] = [];
      for (let s = 0; s < names.length; s++) {
        const ptr = arena.alloc(p.length * 4);
        heapF32().fill(this.slotInit(s), ptr >> 2, (ptr >> 2) + p.length); // fresh view after alloc
        ptrs.push(ptr);
      }
      this.slots.set(p.ptr, { length: p.length, ptrs });
    }

    // clipping factors, from the gradients as given
    let globalScale = 1;
    if (this.globalClipnorm !== null) {
      let total = 0;
      for (const g of grads) total += k.sum_squares(g.length, g.ptr);
      const norm = f32(Math.sqrt(total));
      const clip = f32(this.globalClipnorm);
      // Keras: clip * min(1 / norm, 1 / clip) + (norm - norm), NaN for a non-finite norm
      globalScale = f32(f32(clip * Math.min(f32(1 / norm), f32(1 / clip))) + (norm - norm));
    }
    // Keras: the schedule at iterations (before this step), a float32 shared by weight decay and update
    const lr = f32(this.learningRate);
    this.prepare(this.steps + 1, lr);
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      let g = grads[i]!.ptr;
      if (clipping) {
        let mul = 1,
          div = 1,
          clip = Infinity;
        if (this.clipnorm !== null) {
          mul = this.clipnorm;
          div = Math.max(f32(Math.sqrt(k.sum_squares(p.length, g))), f32(this.clipnorm));
        } else if (this.globalClipnorm !== null) {
          mul = globalScale;
        } else {
          clip = this.clipvalue!;
        }
        k.clip_gradients(p.length, g, this.scratch.ptr, mul, div, clip);
        g = this.scratch.ptr;
      }
      if (this.weightDecay !== null) k.decay_weights(p.length, p.ptr, this.weightDecay, lr);
      this.update(k, p.length, p.ptr, g, this.slots.get(p.ptr)!.ptrs, lr, clipping ? 0 : (grads[i]!.squares ?? 0));
    }
    this.steps++;
  }

  /**
   * A parameter moved (its layer got new weights, which live in a fresh block): its slots follow
   * it, as Keras keeps an optimizer's state per variable across `set_weights`.
   */
  /**
   * Remembers which layer block each restored slot block belongs to (loadModel), so that weights
   * set before training starts (which live in fresh blocks) keep their state, as Keras does.
   */
  trackOwners(owners: readonly { layer: BlockOwner; index: number }[]): void {
    this.owners = owners.map((o) => ({ ...o, ptr: o.layer.paramBlocks()[o.index]!.ptr }));
  }

  /** When training starts: restored slots follow their blocks to where the layers have them now. */
  followOwners(): void {
    const moves = this.owners
      .map((o) => [o.ptr, o.layer.paramBlocks()[o.index]?.ptr ?? o.ptr] as const)
      .filter(([from, to]) => from !== to);
    this.owners = [];
    if (moves.length) this.moveSlots(moves);
  }

  moveSlots(moves: readonly (readonly [from: number, to: number])[]): void {
    // all out first: a new block may sit where another parameter's old one was
    const taken = moves.map(([from, to]) => [this.slots.get(from), to] as const);
    for (const [from] of moves) this.slots.delete(from);
    for (const [s, to] of taken) if (s) this.slots.set(to, s);
  }

  /** Frees the slot buffers; the optimizer can be used again and starts afresh (iterations 0). */
  dispose(): void {
    for (const s of this.slots.values()) for (const ptr of s.ptrs) arena.free(ptr);
    this.slots.clear();
    if (this.scratch.ptr) arena.free(this.scratch.ptr);
    this.scratch = { ptr: 0, floats: 0 };
    this.steps = 0;
  }

  /**
   * Keras's `get_config()`: snake_case keys in Keras's order. learning_rate is the float32 value
   * the steps use (Keras keeps it in a float32 variable and reports that), or the schedule as
   * Keras serializes it (`{ module, class_name, config, registered_name }`).
   */
  getConfig(): OptimizerConfig {
    return {
      name: this.name,
      learning_rate: this.schedule ? (this.schedule.serialize() as unknown as ConfigValue) : f32(this.lr),
      weight_decay: this.weightDecay,
      clipnorm: this.clipnorm,
      global_clipnorm: this.globalClipnorm,
      clipvalue: this.clipvalue,
      use_ema: false,
      ema_momentum: this.emaMomentum,
      ema_overwrite_frequency: null,
      loss_scale_factor: null,
      gradient_accumulation_steps: null,
      ...this.ownConfig(),
    };
  }
}

/**
 * Keras `SGD`: `w -= lr * g`; with momentum `u = momentum * u - lr * g; w += u`; with nesterov
 * `w += momentum * u - lr * g`.
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(options: SGDOptions = {}) {
    super("SGD", options, ["momentum", "nesterov"], 0.01);
    this.momentum = checkNumber("SGD", "momentum", options.momentum, 0, 0, 1);
    this.nesterov = checkFlag("SGD", "nesterov", options.nesterov, false);
  }

  protected slotNames(): readonly string[] {
    return this.momentum !== 0 ? ["momentum"] : [];
  }

  protected update(k: OptimizerKernels, n: number, w: number, g: number, slots: readonly number[], lr: number): void {
    if (this.momentum !== 0) k.sgd_momentum_update(n, w, g, slots[0]!, lr, this.momentum, this.nesterov ? 1 : 0);
    else k.sgd_update(n, w, g, lr);
  }

  protected ownConfig(): OptimizerConfig {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}

/**
 * Keras `Adam`: `m += (g - m)(1 - beta1); v += (g² - v)(1 - beta2); w -= alpha·m / (sqrt(v) + epsilon)`
 * with `alpha = lr·sqrt(1 - beta2^t) / (1 - beta1^t)`, t the step (1, 2, ...). amsgrad keeps
 * `vhat = max(vhat, v)` and uses it in place of v.
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;
  private alpha = 0;

  constructor(options: AdamOptions = {}) {
    super("Adam", options, ["beta1", "beta2", "epsilon", "amsgrad"], 0.001);
    this.beta1 = checkNumber("Adam", "beta1", options.beta1, 0.9, 0, 1, { hi: true });
    this.beta2 = checkNumber("Adam", "beta2", options.beta2, 0.999, 0, 1, { hi: true });
    this.epsilon = checkNumber("Adam", "epsilon", options.epsilon, 1e-7, 0, Infinity, { lo: true });
    this.amsgrad = checkFlag("Adam", "amsgrad", options.amsgrad, false);
  }

  protected slotNames(): readonly string[] {
    return this.amsgrad ? ["momentum", "velocity", "velocity_hat"] : ["momentum", "velocity"];
  }

  /** Keras: momentum and velocity interleaved per variable, then velocity_hat (a second call). */
  override kerasSlotGroups(): string[][] {
    return this.amsgrad ? [["momentum", "velocity"], ["velocity_hat"]] : [["momentum", "velocity"]];
  }

  protected override prepare(step: number, lr: number): void {
    // float32 throughout, as Keras's ops on float32 tensors
    const b1p = f32(Math.pow(f32(this.beta1), step));
    const b2p = f32(Math.pow(f32(this.beta2), step));
    this.alpha = f32(f32(lr * f32(Math.sqrt(f32(1 - b2p)))) / f32(1 - b1p));
  }

  protected update(
    k: OptimizerKernels,
    n: number,
    w: number,
    g: number,
    slots: readonly number[],
    lr: number,
    g2: number,
  ): void {
    // `1 - beta` is a Python float (double) in Keras, cast to float32 where it meets a tensor
    k.adam_update(
      n,
      w,
      g,
      g2,
      slots[0]!,
      slots[1]!,
      this.amsgrad ? slots[2]! : 0,
      this.alpha,
      1 - this.beta1,
      1 - this.beta2,
      this.epsilon,
    );
  }

  protected ownConfig(): OptimizerConfig {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}

/**
 * Keras `RMSprop`: `s = rho·s + (1 - rho)·g²; w -= lr·g / sqrt(s + epsilon)` (epsilon inside the
 * root). centered keeps `a = rho·a + (1 - rho)·g` and divides by `sqrt(s - a² + epsilon)`; momentum
 * keeps `p = momentum·p + increment` and subtracts p.
 */
export class RMSprop extends Optimizer {
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(options: RMSpropOptions = {}) {
    super("RMSprop", options, ["rho", "momentum", "epsilon", "centered"], 0.001);
    this.rho = checkNumber("RMSprop", "rho", options.rho, 0.9, 0, 1);
    this.momentum = checkNumber("RMSprop", "momentum", options.momentum, 0, 0, 1);
    this.epsilon = checkNumber("RMSprop", "epsilon", options.epsilon, 1e-7, 0, Infinity, { lo: true });
    this.centered = checkFlag("RMSprop", "centered", options.centered, false);
  }

  protected slotNames(): readonly string[] {
    const names = ["velocity"];
    if (this.momentum > 0) names.push("momentum");
    if (this.centered) names.push("average_gradient");
    return names;
  }

  protected update(
    k: OptimizerKernels,
    n: number,
    w: number,
    g: number,
    slots: readonly number[],
    lr: number,
    g2: number,
  ): void {
    let i = 1;
    const mom = this.momentum > 0 ? slots[i++]! : 0;
    const avg = this.centered ? slots[i++]! : 0;
    k.rmsprop_update(n, w, g, g2, slots[0]!, mom, avg, lr, this.rho, 1 - this.rho, this.momentum, this.epsilon);
  }

  protected ownConfig(): OptimizerConfig {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}

/**
 * Keras `Adagrad`: `acc += g²; w -= lr·g / sqrt(acc + epsilon)`, the accumulator starting at
 * initialAccumulatorValue.
 */
export class Adagrad extends Optimizer {
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(options: AdagradOptions = {}) {
    super("Adagrad", options, ["initialAccumulatorValue", "epsilon"], 0.001);
    this.initialAccumulatorValue = checkNumber(
      "Adagrad",
      "initialAccumulatorValue",
      options.initialAccumulatorValue,
      0.1,
      0,
      Infinity,
    );
    this.epsilon = checkNumber("Adagrad", "epsilon", options.epsilon, 1e-7, 0, Infinity, { lo: true });
  }

  protected slotNames(): readonly string[] {
    return ["accumulator"];
  }

  protected override slotInit(): number {
    return this.initialAccumulatorValue;
  }

  protected update(
    k: OptimizerKernels,
    n: number,
    w: number,
    g: number,
    slots: readonly number[],
    lr: number,
    g2: number,
  ): void {
    k.adagrad_update(n, w, g, g2, slots[0]!, lr, this.epsilon);
  }

  protected ownConfig(): OptimizerConfig {
    return { initial_accumulator_value: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}

const CLASSES: Record<string, new (options: object) => Optimizer> = {
  sgd: SGD as new (options: object) => Optimizer,
  adam: Adam as new (options: object) => Optimizer,
  rmsprop: RMSprop as new (options: object) => Optimizer,
  adagrad: Adagrad as new (options: object) => Optimizer,
};

/** Keras snake_case config keys to wasm-rnn's camelCase options (`beta_1` -> `beta1`). */
function camelKeys(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    out[key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())] = value;
  }
  return out;
}

/** An optimizer spec: a Keras name, an optimizer, or a class name with its config. */
export type OptimizerSpec = string | Optimizer | { className: string; config?: object };

/**
 * Keras `optimizers.get`: a name ("sgd", "adam", "rmsprop", "adagrad", any case) gives the
 * optimizer with Keras's defaults; an Optimizer is returned as it is; `{ className, config }`
 * builds one from options in camelCase or from a Keras config (snake_case keys, as
 * `get_config()` returns and `.keras` files store; `class_name` is accepted for `className`).
 * learning_rate may be a serialized Keras schedule (see LearningRateSchedule).
 */
export function getOptimizer(spec: OptimizerSpec): Optimizer {
  const who = "getOptimizer";
  if (spec instanceof Optimizer) return spec;
  let className: unknown;
  let config: unknown = {};
  if (typeof spec === "string") {
    className = spec;
  } else if (spec !== null && typeof spec === "object" && !Array.isArray(spec)) {
    const s = spec as Record<string, unknown>;
    checkOptions(who, s, ["className", "class_name", "config", "module", "registered_name"]);
    className = s.className ?? s.class_name;
    config = s.config ?? {};
  } else {
    throw new WasmRnnError(
      `${who}: expected an optimizer name, an Optimizer or { className, config }, got ${describeValue(spec)}`,
    );
  }
  if (typeof className !== "string") {
    throw new WasmRnnError(`${who}: expected className to be a string, got ${describeValue(className)}`);
  }
  const make = CLASSES[className.toLowerCase()];
  if (!make) {
    throw new WasmRnnError(
      `${who}: expected an optimizer name (sgd, adam, rmsprop, adagrad), got ${JSON.stringify(className)}`,
    );
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new WasmRnnError(`${who}: expected config to be an object, got ${describeValue(config)}`);
  }
  return new make(camelKeys(config as Record<string, unknown>));
}
