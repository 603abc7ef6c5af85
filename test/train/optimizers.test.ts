// Optimizers against Keras 3 (test/cases/optimizers.json, tools/gen_keras_optimizers.py): the same
// initial values and gradients, step by step, compared after every step; the config as Keras's
// get_config(); padding lanes and zero-gradient weights left exactly as they were; bad options and
// mismatched blocks refused without touching the weights. Learning-rate schedules: the rate before
// every step as Keras's optimizer.learning_rate, and the optimizer rebuilt from Keras's
// get_config() (the form .keras files store) replaying the same numbers.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { arena } from "../../src/core/arena.js";
import { loadTrainCore } from "../../src/core/train-kernels.js";
import { heapF32 } from "../../src/core/wasm.js";
import { clearSession, ready, tensor, WasmRnnError } from "../../src/index.js";
import {
  Adagrad,
  Adam,
  getOptimizer,
  getSchedule,
  LearningRateSchedule,
  type Optimizer,
  type ParamBlock,
  RMSprop,
  SGD,
} from "../../src/train/optimizers.js";
import { decode, type EncodedArray, expectClose, loadCases } from "../helpers/cases.js";

interface Step {
  grads: EncodedArray[];
  params: EncodedArray[];
}
interface OptCase {
  name: string;
  optimizer: { className: string; config: Record<string, unknown> };
  keras_config: Record<string, unknown>;
  params: EncodedArray[];
  zero_grad: number[][];
  steps: Step[];
  iterations: number;
  /** Schedule cases: Keras's optimizer.learning_rate before each step. */
  learning_rates?: number[];
}

const file = loadCases<OptCase>("optimizers.json");

beforeAll(async () => {
  await ready();
  await loadTrainCore();
});
beforeEach(() => clearSession());

const CLASSES = { SGD, Adam, RMSprop, Adagrad } as Record<string, new (o: object) => Optimizer>;

/** Blocks of `length` floats (plus `pad` zero floats) in wasm memory, written from `values`. */
function put(values: Float32Array, pad = 0): ParamBlock {
  const length = values.length + pad;
  const ptr = arena.alloc(length * 4);
  const heap = heapF32(); // after alloc
  heap.fill(0, ptr >> 2, (ptr >> 2) + length);
  heap.set(values, ptr >> 2);
  return { ptr, length };
}

function write(b: ParamBlock, values: Float32Array): void {
  heapF32().set(values, b.ptr >> 2);
}

function read(b: ParamBlock, n = b.length): Float32Array {
  return heapF32().slice(b.ptr >> 2, (b.ptr >> 2) + n);
}

function free(blocks: ParamBlock[]): void {
  for (const b of blocks) arena.free(b.ptr);
}

/**
 * Runs one case with blocks padded by `pad` zero floats (the optimizer from `make`, by default
 * from the case's options); returns the final values.
 */
function runCase(
  c: OptCase,
  pad: number,
  label: string,
  make = () => new CLASSES[c.optimizer.className]!(c.optimizer.config),
): Float32Array[] {
  const opt = make();
  const init = c.params.map((p) => decode(p).data as Float32Array);
  const params = init.map((v) => put(v, pad));
  const grads = init.map((v) => put(new Float32Array(v.length), pad));
  try {
    c.steps.forEach((step, s) => {
      step.grads.forEach((g, i) => write(grads[i]!, decode(g).data as Float32Array));
      if (c.learning_rates) {
        // the schedule's float32 value at iterations, as Keras's (within a few float32 ulps)
        expect(opt.iterations).toBe(s);
        const got = opt.learningRate,
          want = c.learning_rates[s]!;
        if (!(Math.abs(got - want) <= 1e-6 * Math.abs(want)))
          expect.fail(`${label} learning rate before step ${s + 1}: got ${got}, Keras gives ${want}`);
      }
      opt.apply(params, grads);
      step.params.forEach((want, i) => {
        const got = read(params[i]!);
        const w = decode(want);
        expectClose(tensor(got.subarray(0, w.size), w.shape), w, `${label} step ${s + 1} variable ${i}`);
        // padding lanes: zero weight, zero gradient, zero state -> exactly zero
        for (let j = w.size; j < got.length; j++) expect(Object.is(got[j], 0), `${label} padding lane ${j}`).toBe(true);
      });
    });
    expect(opt.iterations).toBe(c.iterations);
    return params.map((p, i) => read(p, init[i]!.length));
  } finally {
    opt.dispose();
    free([...params, ...grads]);
  }
}

describe("optimizers match Keras 3 step by step", () => {
  it("has the cases", () => {
    expect(file.cases.length).toBeGreaterThanOrEqual(20);
    expect(file.keras_version.startsWith("3.")).toBe(true);
    // every schedule on SGD and on Adam, over enough steps to cross its boundaries
    const scheduled = file.cases.filter((c) => c.learning_rates);
    for (const opt of ["SGD", "Adam"]) {
      const names = new Set(
        scheduled
          .filter((c) => c.optimizer.className === opt)
          .map((c) => (c.keras_config.learning_rate as { class_name: string }).class_name),
      );
      expect([...names].sort()).toEqual([
        "CosineDecay",
        "CosineDecayRestarts",
        "ExponentialDecay",
        "InverseTimeDecay",
        "PiecewiseConstantDecay",
        "PolynomialDecay",
      ]);
    }
    for (const c of scheduled) expect(c.steps.length).toBeGreaterThanOrEqual(8);
  });

  for (const c of file.cases) {
    it(c.name, () => {
      const last = runCase(c, 0, c.name);
      // weights whose gradient is always 0 (and whose state stays 0) keep their exact bits
      if (c.optimizer.config.weightDecay === undefined) {
        c.zero_grad.forEach((idx, i) => {
          const init = decode(c.params[i]!).data;
          for (const j of idx) expect(Object.is(last[i]![j], init[j]), `${c.name} variable ${i} entry ${j}`).toBe(true);
        });
      }
    });

    it(`${c.name} on padded blocks`, () => {
      runCase(c, 9, `${c.name} (padded)`);
    });

    it(`${c.name}: getConfig() is Keras's get_config()`, () => {
      const opt = new CLASSES[c.optimizer.className]!(c.optimizer.config);
      expect(opt.getConfig()).toEqual(c.keras_config);
      // and the config builds the same optimizer back
      clearSession();
      const again = getOptimizer({ className: c.optimizer.className, config: c.keras_config });
      expect(again.getConfig()).toEqual(c.keras_config);
      expect(again.constructor).toBe(opt.constructor);
    });

    if (c.learning_rates) {
      it(`${c.name}: rebuilt from Keras's get_config() (as a .keras file stores it), same numbers`, () => {
        // Keras's serialized optimizer, through JSON, as compile_config holds it
        const serialized = JSON.parse(
          JSON.stringify({
            module: "keras.optimizers",
            class_name: c.optimizer.className,
            config: c.keras_config,
            registered_name: null,
          }),
        ) as { className: string };
        runCase(c, 0, `${c.name} (from Keras's config)`, () => getOptimizer(serialized));
        // and from our own getConfig(), through JSON
        const ours = JSON.parse(
          JSON.stringify(new CLASSES[c.optimizer.className]!(c.optimizer.config).getConfig()),
        ) as object;
        runCase(c, 3, `${c.name} (from getConfig())`, () =>
          getOptimizer({ className: c.optimizer.className, config: ours }),
        );
      });
    }
  }
});

describe("getOptimizer", () => {
  it("takes Keras names in any case, optimizers and configs", () => {
    expect(getOptimizer("sgd")).toBeInstanceOf(SGD);
    expect(getOptimizer("ADAM")).toBeInstanceOf(Adam);
    expect(getOptimizer("RMSprop")).toBeInstanceOf(RMSprop);
    expect(getOptimizer("adagrad")).toBeInstanceOf(Adagrad);
    const adam = new Adam({ learningRate: 0.01 });
    expect(getOptimizer(adam)).toBe(adam);
    const sgd = getOptimizer({ className: "SGD", config: { learningRate: 0.5, momentum: 0.9 } }) as SGD;
    expect([sgd.learningRate, sgd.momentum, sgd.nesterov]).toEqual([0.5, 0.9, false]);
    // Keras's serialized form, as .keras files store it
    const keras = getOptimizer({
      module: "keras.optimizers",
      class_name: "Adam",
      registered_name: null,
      config: { name: "adam", learning_rate: 0.002, beta_1: 0.8, epsilon: 1e-6, amsgrad: true, use_ema: false },
    } as unknown as { className: string }) as Adam;
    expect([keras.learningRate, keras.beta1, keras.beta2, keras.epsilon, keras.amsgrad]).toEqual([
      0.002,
      0.8,
      0.999,
      1e-6,
      true,
    ]);
  });

  it("has Keras 3 defaults and names", () => {
    const s = new SGD(),
      a = new Adam(),
      r = new RMSprop(),
      g = new Adagrad(),
      a2 = new Adam();
    expect([s.name, a.name, r.name, g.name, a2.name]).toEqual(["sgd", "adam", "rm_sprop", "adagrad", "adam_1"]);
    expect([s.learningRate, s.momentum, s.nesterov]).toEqual([0.01, 0, false]);
    expect([a.learningRate, a.beta1, a.beta2, a.epsilon, a.amsgrad]).toEqual([0.001, 0.9, 0.999, 1e-7, false]);
    expect([r.learningRate, r.rho, r.momentum, r.epsilon, r.centered]).toEqual([0.001, 0.9, 0, 1e-7, false]);
    expect([g.learningRate, g.initialAccumulatorValue, g.epsilon]).toEqual([0.001, 0.1, 1e-7]);
  });

  it("refuses what it does not know", () => {
    expect(() => getOptimizer("adamw")).toThrow(
      /getOptimizer: expected an optimizer name \(sgd, adam, rmsprop, adagrad\), got "adamw"/,
    );
    expect(() =>
      getOptimizer({ className: "Adam", config: { learning_rate: { class_name: "ExponentialDecay" } } }),
    ).toThrow(/Adam: expected the ExponentialDecay schedule's config to be an object, got undefined/);
    expect(() =>
      getOptimizer({ className: "Adam", config: { learning_rate: { class_name: "OneCycle", config: {} } } }),
    ).toThrow(
      new RegExp(
        /Adam: expected a learning-rate schedule className \(ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, /
          .source + /PolynomialDecay, CosineDecay, CosineDecayRestarts\), got "OneCycle"/.source,
      ),
    );
    expect(() => getOptimizer({ className: "SGD", config: { beta_1: 0.9 } })).toThrow(/SGD: unknown option "beta1"/);
    expect(() => getOptimizer(42 as unknown as string)).toThrow(WasmRnnError);
  });
});

describe("learning-rate schedules", () => {
  const f32 = Math.fround;
  const expo = { className: "ExponentialDecay", config: { initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5 } };
  const expoConfig = {
    module: "keras.optimizers.schedules",
    class_name: "ExponentialDecay",
    registered_name: null,
    config: { initial_learning_rate: 0.1, decay_steps: 2, decay_rate: 0.5, staircase: false, name: "ExponentialDecay" },
  };

  it("learningRate is the schedule at iterations; a number replaces the schedule, a schedule a number", () => {
    const opt = new SGD({ learningRate: expo });
    const p = put(Float32Array.from([1, 2, 3])),
      g = put(Float32Array.from([0.5, -1, 2]));
    try {
      expect(opt.learningRate).toBe(f32(0.1));
      expect(opt.learningRateSchedule).toBeInstanceOf(LearningRateSchedule);
      opt.apply([p], [g]);
      // Keras: float32 0.1 * 0.5 ** (1 / 2)
      expect(opt.learningRate).toBe(f32(f32(0.1) * f32(Math.pow(0.5, 0.5))));
      expect(Array.from(read(p))).toEqual([f32(1 - f32(0.1) * 0.5), f32(2 + f32(0.1)), f32(3 - f32(0.1) * 2)].map(f32));
      opt.apply([p], [g]);
      expect(opt.learningRate).toBe(f32(0.05));
      expect(opt.getConfig().learning_rate).toEqual(expoConfig);
      opt.learningRate = 0.02;
      expect([opt.learningRate, opt.learningRateSchedule, opt.getConfig().learning_rate]).toEqual([
        0.02,
        null,
        f32(0.02),
      ]);
      opt.learningRate = {
        class_name: "PiecewiseConstantDecay",
        config: { boundaries: [2, 3], values: [1, 0.5, 0.25] },
      };
      expect(opt.learningRate).toBe(1); // iterations 2 <= 2
      opt.apply([p], [g]);
      expect(opt.learningRate).toBe(0.5);
      opt.dispose(); // iterations back to 0: the schedule starts over
      expect(opt.learningRate).toBe(1);
    } finally {
      opt.dispose();
      free([p, g]);
    }
  });

  it("takes camelCase or snake_case arguments, Keras's serialized form and schedule objects", () => {
    const snake = {
      className: "ExponentialDecay",
      config: { initial_learning_rate: 0.1, decay_steps: 2, decay_rate: 0.5 },
    };
    const keras2 = { class_name: "exponentialdecay", config: expoConfig.config }; // Keras 2 wrote no module
    for (const spec of [expo, snake, expoConfig, keras2, getSchedule(expo)]) {
      const opt = new Adam({ learningRate: spec as typeof expo });
      expect(opt.getConfig().learning_rate).toEqual(expoConfig);
    }
    const s = getSchedule({ className: "CosineDecayRestarts", config: { initialLearningRate: 1, firstDecaySteps: 2 } });
    expect(s.serialize()).toEqual({
      module: "keras.optimizers.schedules",
      class_name: "CosineDecayRestarts",
      registered_name: null,
      config: { initial_learning_rate: 1, first_decay_steps: 2, t_mul: 2.0, m_mul: 1.0, alpha: 0.0, name: "SGDRDecay" },
    });
    // periods of 2, 4, 8 steps: restarts at 2 and 6, halfway at 1 and 4 (cos of float32 pi/2 is not 0)
    expect([0, 2, 6].map((k) => s.value(k))).toEqual([1, 1, 1]);
    for (const k of [1, 4]) expect(s.value(k)).toBeCloseTo(0.5, 6);
    // the config is a copy
    const config = { boundaries: [1, 2], values: [0.3, 0.2, 0.1] };
    const pw = getSchedule({ className: "PiecewiseConstantDecay", config });
    config.values[0] = 9;
    expect(pw.getConfig().values).toEqual([0.3, 0.2, 0.1]);
    expect([0, 1, 2, 3].map((k) => pw.value(k))).toEqual([0.3, 0.3, 0.2, 0.1].map(f32));
  });

  const bad: [string, unknown, RegExp][] = [
    [
      "an unknown schedule",
      { className: "StepDecay", config: {} },
      new RegExp(
        /SGD: expected a learning-rate schedule className \(ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, /
          .source + /PolynomialDecay, CosineDecay, CosineDecayRestarts\), got "StepDecay"/.source,
      ),
    ],
    [
      "no className",
      { config: { initialLearningRate: 0.1 } },
      /SGD: expected a learning-rate schedule className .*got undefined/,
    ],
    [
      "a missing argument",
      { className: "ExponentialDecay", config: { initialLearningRate: 0.1, decaySteps: 2 } },
      /SGD: learning-rate schedule ExponentialDecay: expected decayRate \(required\), got undefined/,
    ],
    [
      "decay_steps 0",
      { className: "InverseTimeDecay", config: { initial_learning_rate: 0.1, decay_steps: 0, decay_rate: 1 } },
      /SGD: learning-rate schedule InverseTimeDecay: expected decaySteps to be a finite number above 0, got 0/,
    ],
    [
      "an unknown argument",
      { className: "ExponentialDecay", config: { initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5, decay: 1 } },
      /SGD: learning-rate schedule ExponentialDecay: unknown argument "decay"; expected initialLearningRate, decaySteps, decayRate, staircase, name/,
    ],
    [
      "an argument twice",
      {
        className: "ExponentialDecay",
        config: { initialLearningRate: 0.1, decaySteps: 2, decay_steps: 3, decayRate: 0.5 },
      },
      /SGD: learning-rate schedule ExponentialDecay: got decaySteps twice/,
    ],
    [
      "staircase not a boolean",
      {
        className: "ExponentialDecay",
        config: { initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5, staircase: 1 },
      },
      /SGD: learning-rate schedule ExponentialDecay: expected staircase to be a boolean, got 1/,
    ],
    [
      "a negative initial rate",
      { className: "CosineDecay", config: { initialLearningRate: -0.1, decaySteps: 2 } },
      /SGD: learning-rate schedule CosineDecay: expected initialLearningRate to be a finite number >= 0, got -0.1/,
    ],
    [
      "a bad warmup target",
      { className: "CosineDecay", config: { initialLearningRate: 0.1, decaySteps: 2, warmupTarget: "high" } },
      /SGD: learning-rate schedule CosineDecay: expected warmupTarget to be null or a finite number >= 0, got "high"/,
    ],
    [
      "t_mul 0",
      { className: "CosineDecayRestarts", config: { initialLearningRate: 0.1, firstDecaySteps: 2, tMul: 0 } },
      /SGD: learning-rate schedule CosineDecayRestarts: expected tMul to be a finite number above 0, got 0/,
    ],
    [
      "a NaN power",
      { className: "PolynomialDecay", config: { initialLearningRate: 0.1, decaySteps: 2, power: NaN } },
      /SGD: learning-rate schedule PolynomialDecay: expected power to be a finite number >= 0, got NaN/,
    ],
    [
      "values and boundaries that do not match",
      { className: "PiecewiseConstantDecay", config: { boundaries: [1, 2], values: [0.1, 0.2] } },
      /SGD: learning-rate schedule PiecewiseConstantDecay: expected one more value than boundaries \(3 values for 2 boundaries\), got 2 values/,
    ],
    [
      "boundaries not increasing",
      { className: "PiecewiseConstantDecay", config: { boundaries: [3, 3], values: [0.1, 0.2, 0.3] } },
      /SGD: learning-rate schedule PiecewiseConstantDecay: expected boundaries to be strictly increasing, got \[3,3\]/,
    ],
    [
      "no boundaries",
      { className: "PiecewiseConstantDecay", config: { boundaries: [], values: [0.1] } },
      /SGD: learning-rate schedule PiecewiseConstantDecay: expected boundaries to be a non-empty list of finite numbers, got \[\]/,
    ],
    [
      "a config that is not an object",
      { className: "PolynomialDecay", config: [0.1, 10] },
      /SGD: expected the PolynomialDecay schedule's config to be an object, got \[0.1,10\]/,
    ],
    [
      "an unknown key beside the config",
      { className: "ExponentialDecay", config: {}, steps: 3 },
      /SGD: learning-rate schedule: unknown option "steps"/,
    ],
    [
      "a string",
      "0.1",
      /SGD: expected learningRate to be a finite number >= 0 or a learning-rate schedule \(\{ className: ExponentialDecay \| .*\}\), got "0.1"/,
    ],
  ];
  for (const [label, spec, msg] of bad) {
    it(`refuses ${label}`, () => {
      const make = () => new SGD({ learningRate: spec as number });
      expect(make).toThrow(WasmRnnError);
      expect(make).toThrow(msg);
    });
  }

  it("refuses a bad schedule set later, keeping the learning rate it had", () => {
    const opt = new SGD({ learningRate: expo });
    const set = () => {
      opt.learningRate = { className: "ExponentialDecay", config: { initialLearningRate: 0.1 } };
    };
    expect(set).toThrow(
      /SGD 'sgd': learning-rate schedule ExponentialDecay: expected decaySteps \(required\), got undefined/,
    );
    expect(opt.getConfig().learning_rate).toEqual(expoConfig);
    expect(() => getSchedule({ className: "Exp", config: {} })).toThrow(
      /getSchedule: expected a learning-rate schedule className/,
    );
  });
});

describe("bad options", () => {
  const cases: [string, () => unknown, RegExp][] = [
    ["unknown option", () => new SGD({ lr: 0.1 } as object), /SGD: unknown option "lr"; expected one of/],
    [
      "negative learning rate",
      () => new SGD({ learningRate: -1 }),
      /SGD: expected learningRate to be a finite number >= 0, got -1/,
    ],
    [
      "NaN learning rate",
      () => new Adam({ learningRate: NaN }),
      /Adam: expected learningRate to be a finite number >= 0, got NaN/,
    ],
    [
      "momentum above 1",
      () => new SGD({ momentum: 1.5 }),
      /SGD: expected momentum to be a number in \[0, 1\], got 1.5/,
    ],
    [
      "nesterov not a boolean",
      () => new SGD({ nesterov: "yes" as unknown as boolean }),
      /SGD: expected nesterov to be a boolean, got "yes"/,
    ],
    ["beta1 of 1", () => new Adam({ beta1: 1 }), /Adam: expected beta1 to be a number in \[0, 1\), got 1/],
    ["beta2 negative", () => new Adam({ beta2: -0.1 }), /Adam: expected beta2 to be a number in \[0, 1\), got -0.1/],
    ["epsilon 0", () => new RMSprop({ epsilon: 0 }), /RMSprop: expected epsilon to be a finite number above 0, got 0/],
    ["rho above 1", () => new RMSprop({ rho: 2 }), /RMSprop: expected rho to be a number in \[0, 1\], got 2/],
    [
      "negative accumulator",
      () => new Adagrad({ initialAccumulatorValue: -1 }),
      /Adagrad: expected initialAccumulatorValue to be a finite number >= 0, got -1/,
    ],
    [
      "two clips",
      () => new Adam({ clipnorm: 1, clipvalue: 1 }),
      /Adam: expected at most one of clipnorm, clipvalue and globalClipnorm/,
    ],
    [
      "clipnorm 0",
      () => new SGD({ clipnorm: 0 }),
      /SGD: expected clipnorm to be null or a finite number above 0, got 0/,
    ],
    [
      "EMA",
      () => new Adam({ useEma: true }),
      /Adam: expected useEma to be false \(EMA of the weights is not supported by wasm-rnn\), got true/,
    ],
    [
      "gradient accumulation",
      () => new SGD({ gradientAccumulationSteps: 4 as unknown as null }),
      /SGD: expected gradientAccumulationSteps to be null \(not supported by wasm-rnn\), got 4/,
    ],
    [
      "loss scale",
      () => new SGD({ lossScaleFactor: 128 as unknown as null }),
      /SGD: expected lossScaleFactor to be null/,
    ],
    ["empty name", () => new RMSprop({ name: "" }), /RMSprop: expected name to be a non-empty string, got ""/],
    ["not an object", () => new SGD(null as unknown as object), /SGD: expected an options object, got null/],
  ];
  for (const [label, make, msg] of cases) {
    it(label, () => {
      expect(make).toThrow(WasmRnnError);
      expect(make).toThrow(msg);
    });
  }

  it("refuses a bad learning rate set later, keeping the old one", () => {
    const opt = new Adam();
    expect(() => {
      opt.learningRate = -0.5;
    }).toThrow(/Adam 'adam': expected learningRate to be a finite number >= 0, got -0.5/);
    expect(opt.learningRate).toBe(0.001);
    opt.learningRate = 0.01;
    expect(opt.getConfig().learning_rate).toBe(Math.fround(0.01));
  });
});

describe("apply", () => {
  const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 1.7));

  it("refuses mismatched blocks and leaves weights, state and step count as they were", () => {
    // SGD with momentum, two steps of the Keras case, a refused call in between: same as Keras
    const c = file.cases.find((k) => k.name === "sgd_momentum")!;
    const opt = new SGD(c.optimizer.config as object);
    const init = c.params.map((p) => decode(p).data as Float32Array);
    const params = init.map((v) => put(v));
    const grads = init.map((v) => put(new Float32Array(v.length)));
    const short = put(new Float32Array(init[1]!.length - 1));
    const extra = put(values(4, 1));
    try {
      c.steps[0]!.grads.forEach((g, i) => write(grads[i]!, decode(g).data as Float32Array));
      opt.apply(params, grads);
      const before = params.map((p) => read(p));
      const who = /^SGD 'sgd'\.apply: /;
      const bad: [() => void, RegExp][] = [
        [
          () => opt.apply(params, [grads[0]!, short, grads[2]!]),
          /expected gradient 1 to have 6 floats like its parameter, got 5/,
        ],
        [() => opt.apply(params, grads.slice(0, 2)), /expected one gradient per parameter \(3\), got 2 gradients/],
        [
          () => opt.apply([params[0]!, params[0]!, params[2]!], [grads[0]!, grads[0]!, grads[2]!]),
          /expected each parameter once, got parameter 1/,
        ],
        [
          () => opt.apply([params[0]!, { ptr: params[1]!.ptr, length: 5 }, params[2]!], [grads[0]!, short, grads[2]!]),
          /expected parameter 1 \(ptr \d+\) to have 6 floats, as when its optimizer state was made, got 5/,
        ],
        [
          () => opt.apply([{ ptr: 3, length: 4 }], [extra]),
          /expected parameter 0 to be \{ ptr, length \} with a 4-byte aligned pointer/,
        ],
        [() => opt.apply([extra], [{ ptr: extra.ptr, length: 1e12 }]), /expected gradient 0 to be \{ ptr, length \}/],
        [() => opt.apply(params[0] as unknown as ParamBlock[], grads), /expected two arrays of blocks/],
      ];
      for (const [call, msg] of bad) {
        expect(call).toThrow(WasmRnnError);
        expect(call).toThrow(who);
        expect(call).toThrow(msg);
        params.forEach((p, i) => expect(Array.from(read(p))).toEqual(Array.from(before[i]!)));
        expect(opt.iterations).toBe(1);
      }
      c.steps.slice(1).forEach((step, s) => {
        step.grads.forEach((g, i) => write(grads[i]!, decode(g).data as Float32Array));
        opt.apply(params, grads);
        step.params.forEach((want, i) => {
          const w = decode(want);
          expectClose(tensor(read(params[i]!), w.shape), w, `after refusals, step ${s + 2} variable ${i}`);
        });
      });
    } finally {
      opt.dispose();
      free([...params, ...grads, short, extra]);
    }
  });

  it("leaves a weight with zero gradient and zero state at exactly its value, for every optimizer", () => {
    const makers: (() => Optimizer)[] = [
      () => new SGD(),
      () => new SGD({ momentum: 0.9, nesterov: true }),
      () => new Adam(),
      () => new Adam({ amsgrad: true }),
      () => new RMSprop(),
      () => new RMSprop({ momentum: 0.5, centered: true }),
      () => new Adagrad(),
      () => new Adam({ clipnorm: 0.5 }),
      () => new SGD({ momentum: 0.5, globalClipnorm: 0.1 }),
      () => new RMSprop({ clipvalue: 0.01 }),
    ];
    const n = 23;
    const w0 = values(n, 3);
    const zeroAt = [0, 5, 13, 22];
    for (const make of makers) {
      const opt = make();
      const p = put(w0),
        g = put(new Float32Array(n));
      try {
        for (let s = 0; s < 4; s++) {
          const gv = values(n, 10 + s);
          for (const j of zeroAt) gv[j] = 0;
          write(g, gv);
          opt.apply([p], [g]);
        }
        const got = read(p);
        for (const j of zeroAt) expect(Object.is(got[j], w0[j]), `${opt.className} entry ${j}`).toBe(true);
        expect(got[1]).not.toBe(w0[1]);
      } finally {
        opt.dispose();
        free([p, g]);
      }
    }
  });

  it("does not write the caller's gradients when clipping", () => {
    const opt = new SGD({ clipvalue: 0.1 });
    const gv = values(10, 2);
    const p = put(values(10, 1)),
      g = put(gv);
    try {
      opt.apply([p], [g]);
      expect(Array.from(read(g))).toEqual(Array.from(gv));
    } finally {
      opt.dispose();
      free([p, g]);
    }
  });

  it("an empty step does nothing, as Keras", () => {
    const opt = new Adam();
    opt.apply([], []);
    expect(opt.iterations).toBe(0);
  });

  it("dispose frees its state and starts afresh", () => {
    const p = put(values(37, 1)),
      g = put(values(37, 2));
    const opt = new Adam({ amsgrad: true, clipnorm: 1 });
    try {
      const inUse = arena.inUse;
      opt.apply([p], [g]);
      expect(arena.inUse).toBeGreaterThan(inUse);
      const grown = arena.inUse;
      for (let s = 0; s < 5; s++) opt.apply([p], [g]);
      expect(arena.inUse).toBe(grown); // slots are made once
      expect(opt.iterations).toBe(6);
      opt.dispose();
      expect(arena.inUse).toBe(inUse);
      expect(opt.iterations).toBe(0);
      opt.apply([p], [g]);
      expect(opt.iterations).toBe(1);
    } finally {
      opt.dispose();
      free([p, g]);
    }
  });
});
