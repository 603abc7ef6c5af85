// Learning-rate schedules (keras/src/optimizers/schedules/learning_rate_schedule.py). Keras
// evaluates the schedule at `optimizer.iterations` (the steps applied before this one: 0 for the
// first) every step, on float32 tensors: initial_learning_rate becomes a float32 tensor, the other
// arguments are cast to float32 (or, where Keras leaves them Python floats, converted to float32
// where they meet a tensor), and every op rounds to float32. Each schedule's `make` (one entry per
// Keras class in SCHEDULES) repeats those roundings.
import { describeValue, WasmRnnError } from "../core/errors.js";
import { checkOptions, isPlainObject } from "../core/validate.js";

const f32 = Math.fround,
  PI32 = f32(Math.PI);

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

/** One argument of a schedule: Keras's name, the camelCase name, the default (undefined: required). */
type ScheduleArg = readonly [snake: string, camel: string, fallback: ConfigValue | undefined];

/** A schedule's config with its arguments checked as they are read (errors name the schedule). */
interface ConfigReader {
  /** `who: learning-rate schedule <ClassName>`. */
  readonly who: string;
  readonly config: Record<string, ConfigValue>;
  /** A finite number >= lo (> lo when `open`). */
  num(snake: string, lo: number, open?: boolean): number;
  finite(snake: string): number;
  flag(snake: string): boolean;
}

interface ScheduleKind {
  readonly args: readonly ScheduleArg[];
  /** The learning rate as a function of the step, from the config and the float32 initial rate. */
  make(c: ConfigReader, lr0: number): (step: number) => number;
}

const lrArg: ScheduleArg = ["initial_learning_rate", "initialLearningRate", undefined];
const decayArgs = (name: string): ScheduleArg[] => [
  lrArg,
  ["decay_steps", "decaySteps", undefined],
  ["decay_rate", "decayRate", undefined],
  ["staircase", "staircase", false],
  ["name", "name", name],
];

/** ExponentialDecay and InverseTimeDecay: `at(lr0, decay_rate, p)` with p = step / decay_steps, floor'd when staircase. */
const stepDecay = (name: string, at: (lr0: number, rate: number, p: number) => number): ScheduleKind => ({
  args: decayArgs(name),
  make(c, lr0) {
    const ds = f32(c.num("decay_steps", 0, true));
    const rate = f32(c.num("decay_rate", 0));
    const staircase = c.flag("staircase");
    return (step) => {
      let p = f32(f32(step) / ds);
      if (staircase) p = Math.floor(p);
      return at(lr0, rate, p);
    };
  },
});

// initial_learning_rate * decay_rate ** p
const exponentialDecay = stepDecay("ExponentialDecay", (lr0, rate, p) => f32(lr0 * f32(Math.pow(rate, p))));
// initial_learning_rate / (1 + decay_rate * p)
const inverseTimeDecay = stepDecay("InverseTimeDecay", (lr0, rate, p) => f32(lr0 / f32(1 + f32(rate * p))));

const piecewiseConstantDecay: ScheduleKind = {
  args: [
    ["boundaries", "boundaries", undefined],
    ["values", "values", undefined],
    ["name", "name", "PiecewiseConstant"],
  ],
  make({ who: w, config }) {
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
        `${w}: expected one more value than boundaries (${b.length + 1} values for ${b.length} boundaries), ` +
          `got ${v.length} values`,
      );
    }
    // Keras casts each boundary to the step's integer type (float boundaries truncate: 5.5 -> 5)
    const bounds = (b as number[]).map((x) => (Number.isInteger(x) ? x : Math.trunc(f32(x))));
    const vals = (v as number[]).map(f32);
    return (step) => {
      // values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <= boundaries[i]
      let i = 0;
      while (i < bounds.length && step > bounds[i]!) i++;
      return vals[i]!;
    };
  },
};

const polynomialDecay: ScheduleKind = {
  args: [
    lrArg,
    ["decay_steps", "decaySteps", undefined],
    ["end_learning_rate", "endLearningRate", 0.0001],
    ["power", "power", 1.0],
    ["cycle", "cycle", false],
    ["name", "name", "PolynomialDecay"],
  ],
  make(c, lr0) {
    const ds = f32(c.num("decay_steps", 0, true));
    const end = f32(c.num("end_learning_rate", 0));
    const power = f32(c.num("power", 0));
    const cycle = c.flag("cycle");
    return (step) => {
      // (initial - end) * (1 - step / decay_steps) ** power + end, step capped at decay_steps;
      // with cycle, decay_steps times the first multiple ceil(step / decay_steps) (1 at step 0)
      let s = f32(step);
      let dsr = ds;
      if (cycle) dsr = f32(dsr * (s === 0 ? 1 : Math.ceil(f32(s / ds))));
      else s = Math.min(s, dsr);
      const p = f32(s / dsr);
      return f32(f32(f32(lr0 - end) * f32(Math.pow(f32(1 - p), power))) + end);
    };
  },
};

const cosineDecay: ScheduleKind = {
  args: [
    lrArg,
    ["decay_steps", "decaySteps", undefined],
    ["alpha", "alpha", 0.0],
    ["name", "name", "CosineDecay"],
    ["warmup_target", "warmupTarget", null],
    ["warmup_steps", "warmupSteps", 0],
  ],
  make(c, lr0) {
    const ds = f32(c.num("decay_steps", 0, true));
    const alpha = c.finite("alpha");
    const target = c.config.warmup_target;
    if (target !== null && (typeof target !== "number" || !Number.isFinite(target) || target < 0)) {
      throw new WasmRnnError(
        `${c.who}: expected warmupTarget to be null or a finite number >= 0, got ${describeValue(target)}`,
      );
    }
    const ws = f32(c.num("warmup_steps", 0));
    // alpha stays a Python float in Keras: (1 - alpha) and alpha become float32 where they meet
    // the float32 tensor
    const oneMinusAlpha = f32(1 - alpha),
      alpha32 = f32(alpha);
    const decay = (s: number, from: number) => {
      const cosine = f32(0.5 * f32(1 + f32(Math.cos(f32(PI32 * f32(s / ds))))));
      return f32(from * f32(f32(oneMinusAlpha * cosine) + alpha32));
    };
    if (target === null) return (step) => decay(Math.min(f32(step), ds), lr0);
    const wt = f32(target);
    const cap = f32(ds + ws);
    return (step) => {
      const s = Math.min(f32(step), cap);
      // linear from initial_learning_rate to warmup_target over warmup_steps, then the decay
      if (s < ws) return f32(f32(f32(wt - lr0) * f32(s / ws)) + lr0);
      return decay(f32(s - ws), wt);
    };
  },
};

const cosineDecayRestarts: ScheduleKind = {
  args: [
    lrArg,
    ["first_decay_steps", "firstDecaySteps", undefined],
    ["t_mul", "tMul", 2.0],
    ["m_mul", "mMul", 1.0],
    ["alpha", "alpha", 0.0],
    ["name", "name", "SGDRDecay"],
  ],
  make(c, lr0) {
    const fds = f32(c.num("first_decay_steps", 0, true));
    const tMul = f32(c.num("t_mul", 0, true));
    const mMul = f32(c.num("m_mul", 0));
    const alpha = f32(c.finite("alpha"));
    const logT = f32(Math.log(tMul));
    const oneMinusT = f32(1 - tMul);
    return (step) => {
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
  },
};

/** Every schedule by its Keras class name. */
const SCHEDULES = new Map<ScheduleClassName, ScheduleKind>([
  ["ExponentialDecay", exponentialDecay],
  ["InverseTimeDecay", inverseTimeDecay],
  ["PiecewiseConstantDecay", piecewiseConstantDecay],
  ["PolynomialDecay", polynomialDecay],
  ["CosineDecay", cosineDecay],
  ["CosineDecayRestarts", cosineDecayRestarts],
]);

export const SCHEDULE_NAMES: readonly ScheduleClassName[] = [...SCHEDULES.keys()];
/** Class names in any case ("exponentialdecay") to Keras's spelling. */
const BY_LOWER_NAME = new Map(SCHEDULE_NAMES.map((n) => [n.toLowerCase(), n]));

/** The config with every argument (camelCase or snake_case, not both) under its snake_case name, defaults filled in. */
function readConfig(
  w: string,
  args: readonly ScheduleArg[],
  raw: Record<string, unknown>,
): Record<string, ConfigValue> {
  const given = new Map<string, unknown>();
  for (const [key, v] of Object.entries(raw)) {
    const arg = args.find(([snake, camel]) => key === snake || key === camel);
    if (!arg) {
      throw new WasmRnnError(
        `${w}: unknown argument ${JSON.stringify(key)}; expected ${args.map((a) => a[1]).join(", ")} ` +
          "(or Keras's snake_case names)",
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
  return config;
}

function configReader(who: string, args: readonly ScheduleArg[], config: Record<string, ConfigValue>): ConfigReader {
  const camelOf = (snake: string) => args.find((a) => a[0] === snake)![1];
  const num = (snake: string, lo: number, open = false): number => {
    const v = config[snake];
    if (typeof v !== "number" || !Number.isFinite(v) || (open ? v <= lo : v < lo)) {
      throw new WasmRnnError(
        `${who}: expected ${camelOf(snake)} to be a finite number ${open ? "above" : ">="} ${lo}, got ${describeValue(v)}`,
      );
    }
    return v;
  };
  return {
    who,
    config,
    num,
    finite: (snake) => num(snake, -Infinity),
    flag(snake) {
      const v = config[snake];
      if (typeof v !== "boolean")
        throw new WasmRnnError(`${who}: expected ${camelOf(snake)} to be a boolean, got ${describeValue(v)}`);
      return v;
    },
  };
}

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
    if (!isPlainObject(spec)) {
      throw new WasmRnnError(
        `${who}: expected a learning-rate schedule { className, config }, got ${describeValue(spec)}`,
      );
    }
    const s = spec as Record<string, unknown>;
    checkOptions(`${who}: learning-rate schedule`, s, [
      "className",
      "class_name",
      "config",
      "module",
      "registered_name",
    ]);
    const name = s.className ?? s.class_name;
    const className = typeof name === "string" ? BY_LOWER_NAME.get(name.toLowerCase()) : undefined;
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
    if (!isPlainObject(raw)) {
      throw new WasmRnnError(
        `${who}: expected the ${className} schedule's config to be an object, got ${describeValue(raw)}`,
      );
    }
    this.className = className;
    const w = `${who}: learning-rate schedule ${className}`;
    const kind = SCHEDULES.get(className)!;
    const config = readConfig(w, kind.args, raw);
    const reader = configReader(w, kind.args, config);
    const nm = config.name;
    if (nm !== null && (typeof nm !== "string" || nm.length === 0)) {
      throw new WasmRnnError(`${w}: expected name to be a non-empty string, got ${describeValue(nm)}`);
    }
    const lr0 = className === "PiecewiseConstantDecay" ? 0 : f32(reader.num("initial_learning_rate", 0));
    this.fn = kind.make(reader, lr0);
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

/** Keras `keras.optimizers.schedules.deserialize`: a schedule from a spec (or the schedule itself). */
export function getSchedule(spec: LearningRateScheduleSpec | LearningRateSchedule): LearningRateSchedule {
  if (spec instanceof LearningRateSchedule) return spec;
  return new LearningRateSchedule(spec, "getSchedule");
}

/** Whether `v` looks like a schedule spec (an object with a class name), not a number. */
export function isScheduleSpec(v: unknown): boolean {
  return (
    v instanceof LearningRateSchedule || (isPlainObject(v) && ("className" in v || "class_name" in v || "config" in v))
  );
}
