// Optimizers against Keras 3 (test/cases/optimizers.json, tools/gen_keras_optimizers.py): the same
// initial values and gradients, step by step, compared after every step; the config as Keras's
// get_config(); padding lanes and zero-gradient weights left exactly as they were; bad options and
// mismatched blocks refused without touching the weights. Learning-rate schedules:
// test/train/schedules.test.ts.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { arena } from "../../src/core/arena.js";
import { loadTrainCore } from "../../src/core/train-kernels.js";
// the training core driven directly, not through fit: its pack comes with the entry, as in an app
import "../../src/entry-train.js";
import {
  clearSession,
  type OptimizerSpec,
  type OptimizerSpecName,
  ready,
  tensor,
  WasmRnnError,
} from "../../src/index.js";
import {
  Adagrad,
  Adam,
  getOptimizer,
  type Optimizer,
  type ParamBlock,
  RMSprop,
  SGD,
} from "../../src/train/optimizers.js";
import { free, put, read, write } from "../helpers/blocks.js";
import { decode, type EncodedArray, expectClose, loadCases } from "../helpers/cases.js";

interface Step {
  grads: EncodedArray[];
  params: EncodedArray[];
}
interface OptCase {
  name: string;
  optimizer: { className: OptimizerSpecName; config: Record<string, unknown> };
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
        ) as OptimizerSpec;
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
    expect(getOptimizer("ADAM" as never)).toBeInstanceOf(Adam); // any case at run time; the types take Keras's and TF.js's
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
    }) as Adam;
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
    expect(() => getOptimizer("adamw" as never)).toThrow(
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
    expect(() => getOptimizer(42 as never)).toThrow(WasmRnnError);
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
