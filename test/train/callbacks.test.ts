// fit's callbacks against Keras: test/cases/train_callbacks.json (tools/gen_keras_callbacks.py) holds
// whole fit runs with EarlyStopping, ReduceLROnPlateau and LearningRateScheduler. The epochs run,
// every History key (learning_rate included), the callbacks' counters, the final learning rate and
// the weights after fit (restored best weights included) are compared.
import { beforeAll, describe, expect, it } from "vitest";
import {
  Callback,
  type CallbackHooks,
  Dense,
  EarlyStopping,
  Input,
  LearningRateScheduler,
  type Logs,
  LSTM,
  type MetricName,
  Model,
  type OptimizerSpecName,
  ReduceLROnPlateau,
  ready,
  tensor,
  WasmRnnError,
} from "../../src/index.js";
import { decode, expectClose, loadCases } from "../helpers/cases.js";
import { buildCase, decodeAny, type Encoded, type ModelSpec } from "../helpers/family.js";

interface CallbackSpec {
  class: "EarlyStopping" | "ReduceLROnPlateau" | "LearningRateScheduler";
  args: Record<string, unknown>;
}
interface CallbacksCase {
  name: string;
  description: string;
  model: ModelSpec;
  x: Encoded[];
  y: Encoded[];
  validation?: { x: Encoded[]; y: Encoded[] };
  compile: { optimizer: Record<string, unknown> & { name: OptimizerSpecName }; loss: unknown; metrics?: MetricName[] };
  fit: { epochs: number; batchSize: number; shuffle: false };
  callbacks: CallbackSpec[];
  history: Record<string, number[]>;
  epochs: number[];
  state: Record<string, number | null>[];
  finalLearningRate: number;
  weights: Encoded[];
}

const file = loadCases<CallbacksCase & never>("train_callbacks.json") as unknown as {
  tolerance: { atol: number; rtol: number };
  cases: CallbacksCase[];
  schedules: Record<string, string>;
};

// The generator's SCHEDULES, written again in JavaScript (their Python text is in the file, checked below)
const SCHEDULES: Record<string, [python: string, fn: (epoch: number, lr: number) => number]> = {
  halve_from_epoch_2: ["lr if epoch < 2 else lr * 0.5", (epoch, lr) => (epoch < 2 ? lr : lr * 0.5)],
  warmup_then_decay: [
    "0.01 * (epoch + 1) if epoch < 3 else lr * 0.7",
    (epoch, lr) => (epoch < 3 ? 0.01 * (epoch + 1) : lr * 0.7),
  ],
};

function makeCallback(spec: CallbackSpec): EarlyStopping | ReduceLROnPlateau | LearningRateScheduler {
  if (spec.class === "LearningRateScheduler")
    return new LearningRateScheduler(SCHEDULES[spec.args.schedule as string]![1]);
  return spec.class === "EarlyStopping" ? new EarlyStopping(spec.args) : new ReduceLROnPlateau(spec.args);
}

beforeAll(async () => {
  await ready();
});

describe("callbacks match Keras (EarlyStopping, ReduceLROnPlateau, LearningRateScheduler)", () => {
  it("the JavaScript schedules are the generator's", () => {
    expect(Object.keys(file.schedules).sort()).toEqual(Object.keys(SCHEDULES).sort());
    for (const [k, text] of Object.entries(file.schedules)) expect(SCHEDULES[k]![0]).toBe(text);
  });

  for (const c of file.cases) {
    it(`${c.name}: ${c.description.slice(0, 160)}`, async () => {
      const { model } = buildCase(c.model);
      const { name, ...config } = c.compile.optimizer;
      model.compile({
        optimizer: { className: name, config },
        loss: c.compile.loss as never,
        ...(c.compile.metrics ? { metrics: c.compile.metrics } : {}),
      });
      const tol = file.tolerance;
      const close = (got: number | undefined | null, want: number, label: string) => {
        expect(got, `${label}: missing`).toBeDefined();
        expect(Math.abs(got! - want), `${label}: ${got}, Keras ${want}`).toBeLessThanOrEqual(
          tol.atol + tol.rtol * Math.abs(want),
        );
      };
      const callbacks = c.callbacks.map(makeCallback);
      const validationData = c.validation
        ? ([decodeAny(c.validation.x[0]!), decodeAny(c.validation.y[0]!)] as [never, never])
        : undefined;
      const h = await model.fit(decodeAny(c.x[0]!), decodeAny(c.y[0]!), {
        ...c.fit,
        callbacks,
        ...(validationData ? { validationData } : {}),
      });
      expect(h.epoch, `${c.name}: epochs run`).toEqual(c.epochs);
      expect(Object.keys(h.history), "History keys in Keras's order").toEqual(Object.keys(c.history));
      for (const [key, values] of Object.entries(c.history))
        values.forEach((v, e) => close(h.history[key]![e], v, `${c.name} ${key} epoch ${e}`));
      c.state.forEach((want, i) => {
        const cb = callbacks[i] as unknown as Record<string, number | null>;
        for (const [k, v] of Object.entries(want)) {
          if (k === "best" && v !== null) close(cb[k], v, `${c.name} callback ${i} ${k}`);
          else expect(cb[k], `${c.name} callback ${i} ${k}`).toBe(v);
        }
      });
      close(model.optimizer!.learningRate, c.finalLearningRate, `${c.name} final learning rate`);
      const after = model.getWeights();
      c.weights.forEach((w, i) => expectClose(after[i]!, decode(w), `${c.name} weight ${i} after fit`, tol));
      model.dispose();
    });
  }
});

describe("callbacks: the API around them", () => {
  const tiny = () => {
    const x = Input({ shape: [3, 2] });
    const model = new Model({ inputs: x, outputs: new Dense({ units: 1 }).apply(new LSTM({ units: 2 }).apply(x)) });
    model.compile({ optimizer: "sgd", loss: "mse" });
    const xs = tensor(
      Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)),
      [4, 3, 2],
    );
    const ys = tensor([0.1, -0.2, 0.3, 0.4], [4, 1]);
    return { model, xs, ys };
  };

  it("calls every hook of plain objects and Callback subclasses in Keras's order; logs changes reach History", async () => {
    const { model, xs, ys } = tiny();
    const seen: string[] = [];
    class Recorder extends Callback {
      override setModel(m: Model): void {
        super.setModel(m);
        seen.push("setModel");
      }
      onTrainBegin(): void {
        seen.push(`trainBegin epochs=${this.params!.epochs} steps=${this.params!.steps}`);
      }
      onEpochBegin(e: number): void {
        seen.push(`epochBegin ${e}`);
      }
      onBatchBegin(b: number): void {
        seen.push(`batchBegin ${b}`);
      }
      onEpochEnd(e: number, logs: Logs): void {
        logs.extra = e * 10;
        seen.push(`epochEnd ${e}`);
      }
      onTrainEnd(): void {
        seen.push("trainEnd");
      }
    }
    const plain: CallbackHooks = { onBatchEnd: (b) => void seen.push(`batchEnd ${b}`) };
    const h = await model.fit(xs, ys, { epochs: 2, batchSize: 2, shuffle: false, callbacks: [new Recorder(), plain] });
    expect(seen).toEqual([
      "setModel",
      "trainBegin epochs=2 steps=2",
      "epochBegin 0",
      "batchBegin 0",
      "batchEnd 0",
      "batchBegin 1",
      "batchEnd 1",
      "epochEnd 0",
      "epochBegin 1",
      "batchBegin 0",
      "batchEnd 0",
      "batchBegin 1",
      "batchEnd 1",
      "epochEnd 1",
      "trainEnd",
    ]);
    expect(h.history.extra).toEqual([0, 10]);
    model.dispose();
  });

  it("an EarlyStopping instance can be used again: its counters reset at the start of every fit", async () => {
    const { model, xs, ys } = tiny();
    const stop = new EarlyStopping({ monitor: "loss", mode: "max", patience: 0 });
    // the loss falls, so in "max" mode the second epoch is no improvement: stop after it
    const first = await model.fit(xs, ys, { epochs: 5, shuffle: false, callbacks: stop });
    expect(first.epoch).toEqual([0, 1]);
    expect(stop.stoppedEpoch).toBe(1);
    const second = await model.fit(xs, ys, { epochs: 5, shuffle: false, callbacks: stop });
    expect(second.epoch).toEqual([0, 1]);
    // the best is this fit's first loss: kept from the first fit it would be that fit's (higher) first loss
    expect(second.history.loss![0]!).toBeLessThan(first.history.loss![0]!);
    expect(stop.best).toBe(second.history.loss![0]);
    model.dispose();
  });

  it("names the problem: bad arguments, a monitor whose direction is unknown, a schedule with a scheduler", async () => {
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(
      /EarlyStopping: expected patience to be an integer >= 0, got -1/,
    );
    expect(() => new EarlyStopping({ mode: "up" as never })).toThrow(
      /EarlyStopping: expected mode to be "auto", "min" or "max", got "up"/,
    );
    expect(() => new EarlyStopping({ patiense: 2 } as never)).toThrow(WasmRnnError);
    expect(() => new ReduceLROnPlateau({ factor: 1 })).toThrow(
      /ReduceLROnPlateau: expected factor to be a number in \[0, 1\)/,
    );
    expect(() => new LearningRateScheduler(0.1 as never)).toThrow(/LearningRateScheduler: expected a function/);

    const { model, xs, ys } = tiny();
    await expect(
      model.fit(xs, ys, { epochs: 2, callbacks: new EarlyStopping({ monitor: "my_score" }) }),
    ).rejects.toThrow(/EarlyStopping: expected mode "min" or "max" for monitor "my_score"/);
    await expect(
      model.fit(xs, ys, { epochs: 2, callbacks: [new LearningRateScheduler(() => Number.NaN)] }),
    ).rejects.toThrow(
      /LearningRateScheduler: expected the schedule to return a finite number >= 0 for epoch 0, got NaN/,
    );
    await expect(model.fit(xs, ys, { callbacks: [42 as never] })).rejects.toThrow(
      /expected callbacks to be a callback .* got 42 at index 0/,
    );
    model.compile({
      optimizer: {
        className: "SGD",
        config: {
          learningRate: {
            className: "ExponentialDecay",
            config: { initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.9 },
          },
        },
      },
      loss: "mse",
    });
    await expect(model.fit(xs, ys, { callbacks: new ReduceLROnPlateau() })).rejects.toThrow(
      /ReduceLROnPlateau: expected an optimizer with a fixed learning rate, got one with a learning-rate schedule/,
    );
    model.dispose();
  });
});
