// Learning-rate schedules against Keras 3: the rate at every step as Keras's optimizer.learning_rate, their
// arguments in every form Keras takes, and what they refuse. The Keras step-by-step cases with schedules (the
// optimizer rebuilt from Keras's get_config(), as .keras files store it): test/train/optimizers.test.ts.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadTrainCore } from "../../src/core/train-kernels.js";
// the training core driven directly, not through fit: its pack comes with the entry, as in an app
import "../../src/entry-train.js";
import { clearSession, ready, WasmRnnError } from "../../src/index.js";
import { Adam, getSchedule, LearningRateSchedule, SGD } from "../../src/train/optimizers.js";
import { free, put, read } from "../helpers/blocks.js";

beforeAll(async () => {
  await ready();
  await loadTrainCore();
});
beforeEach(() => clearSession());

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
