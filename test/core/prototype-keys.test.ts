// Issue 12, item 5: names that are properties of Object.prototype ("constructor", "__proto__",
// "toString", "hasOwnProperty", ...) or any other unknown string, given as an activation, an
// initializer, an optimizer, a loss, a metric, a schedule, a layer class or a config key, by a
// caller or by a model file, name nothing: each is refused with a WasmRnnError naming what was
// expected and what came, never a TypeError from reaching into Object.prototype.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import {
  Dense,
  EarlyStopping,
  Input,
  LSTM,
  loadModel,
  Model,
  ready,
  type SavedArtifacts,
  saveModel,
  type Tensor,
  tensor,
  WasmRnnError,
} from "../../src/index.js";
import { registerBuiltinLayers } from "../../src/layers/index.js";
import { Initializer } from "../../src/layers/initializers.js";
import { entryFor } from "../../src/layers/registry.js";
import { getLoss, getOptimizer } from "../../src/train/index.js";
import { getMetric } from "../../src/train/metrics.js";
import { LearningRateSchedule } from "../../src/train/schedules.js";
import { ROOT } from "../helpers/cases.js";

const DIR = join(ROOT, "test", "models");

/** Every property an object literal inherits, and the two that are special to property access. */
const PROTO_NAMES = [
  ...new Set([...Object.getOwnPropertyNames(Object.prototype), "__proto__", "prototype", "constructor"]),
];

/** Names some registry knows (random strings that happen to be one are skipped). */
const VALID = new Set(
  [
    "linear",
    "relu",
    "tanh",
    "sigmoid",
    "softmax",
    "hard_sigmoid",
    "hardsigmoid",
    "hard_sigmoid_legacy",
    "hardsigmoidlegacy",
    "sgd",
    "adam",
    "rmsprop",
    "adagrad",
    "mse",
    "mae",
    "msle",
    "kld",
    "bce",
    "huber",
    "acc",
    "accuracy",
    "zeros",
    "ones",
    "constant",
    "orthogonal",
  ].map((n) => n.toLowerCase()),
);

const hostileName = fc
  .oneof(fc.constantFrom(...PROTO_NAMES), fc.string({ maxLength: 12 }))
  .filter((n) => !VALID.has(n.toLowerCase()));

/** Asserts `fn` throws a WasmRnnError (not a TypeError) whose message shows the name that came. */
function refuses(fn: () => unknown, name: string, expected: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `${JSON.stringify(name)} should be refused`).toBeInstanceOf(WasmRnnError);
  const msg = (caught as Error).message;
  expect(msg).toMatch(expected);
  expect(msg, "the message shows what came").toContain(JSON.stringify(name));
}

async function refusesAsync(p: Promise<unknown>, expected: RegExp): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "should have been refused").toBeInstanceOf(WasmRnnError);
  expect((err as Error).message).toMatch(expected);
  return (err as Error).message;
}

let art: SavedArtifacts;
beforeAll(async () => {
  await ready();
  registerBuiltinLayers();
  const m = await loadModel(join(DIR, "lstm_sequential.keras"));
  art = await saveModel(m);
  m.dispose();
});

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
type Topo = { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
const layersOf = (mj: SavedArtifacts["modelJson"]) => (mj.modelTopology as unknown as Topo).config.layers;

function smallModel(): Model {
  const x = Input({ shape: [3, 2] });
  return new Model({ inputs: x, outputs: new Dense({ units: 1 }).apply(new LSTM({ units: 2 }).apply(x)) });
}

describe("names on Object.prototype and random names are refused by every lookup table", () => {
  it("activations and initializers of layers built in code", () => {
    fc.assert(
      fc.property(hostileName, (name) => {
        refuses(() => new LSTM({ units: 2, activation: name as never }), name, /expected activation to be one of/);
        refuses(() => new Dense({ units: 1, activation: name as never }), name, /expected activation to be one of/);
        refuses(() => new Initializer(name, "init"), name, /init: expected an initializer among/);
        refuses(() => new Initializer({ className: name }, "init"), name, /expected an initializer among/);
        refuses(() => new LSTM({ units: 2, kernelInitializer: name }), name, /expected an initializer among/);
      }),
      { numRuns: 150 },
    );
  });

  it("optimizers, losses, metrics and schedules by name", () => {
    fc.assert(
      fc.property(hostileName, (name) => {
        refuses(() => getOptimizer(name as never), name, /expected an optimizer name \(sgd, adam, rmsprop, adagrad\)/);
        refuses(() => getOptimizer({ className: name as never }), name, /expected an optimizer name/);
        refuses(() => getLoss(name as never), name, /unknown loss/);
        refuses(() => getLoss({ name: name as never }), name, /unknown loss/);
        refuses(() => getLoss({ className: name, config: {} } as never), name, /unknown loss/);
        refuses(() => getMetric(name, [null, 2], 2, 2, "m"), name, /unknown metric/);
        refuses(
          () => new LearningRateSchedule({ className: name, config: {} } as never, "Adam"),
          name,
          /expected a learning-rate schedule className/,
        );
        expect(entryFor(name)).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });

  it("compile refuses them at once, naming the model", () => {
    const model = smallModel();
    fc.assert(
      fc.property(hostileName, (name) => {
        refuses(
          () => model.compile({ optimizer: name as never, loss: "mse" }),
          name,
          /Model '.*': compile: expected an optimizer/,
        );
        refuses(
          () => model.compile({ optimizer: { className: name as never }, loss: "mse" }),
          name,
          /Model '.*'.*optimizer/,
        );
        refuses(() => model.compile({ optimizer: "adam", loss: name as never }), name, /Model '.*': unknown loss/);
        refuses(
          () => model.compile({ optimizer: "adam", loss: "mse", metrics: [name as never] }),
          name,
          /Model '.*': unknown metric/,
        );
        refuses(
          () => model.compile({ optimizer: "adam", loss: "mse", weightedMetrics: [name as never] }),
          name,
          /unknown metric/,
        );
      }),
      { numRuns: 100 },
    );
    expect(model.compileArgs).toBeNull();
    model.dispose();
  });

  it('optimizer config keys "__proto__", "constructor", ... are refused as unknown, never a prototype', () => {
    for (const key of PROTO_NAMES) {
      const config = JSON.parse(`{${JSON.stringify(key)}: {"learning_rate": 5}}`) as Record<string, unknown>;
      expect(() => getOptimizer({ className: "adam", config })).toThrow(WasmRnnError);
      expect(() => getOptimizer({ className: "adam", config })).toThrow(/Adam: unknown option/);
    }
  });

  it("a callback monitoring a prototype name finds no such log", () => {
    for (const name of PROTO_NAMES) expect(() => new EarlyStopping({ monitor: name, mode: "min" })).not.toThrow();
  });

  it("a model file's layer class, activation and output loss names", async () => {
    await fc.assert(
      fc.asyncProperty(hostileName, async (name) => {
        const cls = clone(art.modelJson);
        layersOf(cls)[1]!.class_name = name;
        await refusesAsync(loadModel({ modelJson: cls, weightData: art.weightData }), /which wasm-rnn cannot load/);
        const act = clone(art.modelJson);
        layersOf(act)[1]!.config.activation = name;
        const msg = await refusesAsync(
          loadModel({ modelJson: act, weightData: art.weightData }),
          /expected activation to be one of linear, relu/,
        );
        expect(msg, "names what came, not undefined").toContain(JSON.stringify(name));
      }),
      { numRuns: 40 },
    );
  });

  it("a compiled .keras file's optimizer, loss and metric names: the model loads, training refuses them", async () => {
    const files = unzipSync(new Uint8Array(readFileSync(join(DIR, "compiled_lstm.keras"))));
    const config = JSON.parse(strFromU8(files["config.json"]!)) as {
      compile_config: { optimizer: { class_name: string }; loss: unknown; metrics: unknown };
    };
    const withConfig = (edit: (c: typeof config) => void) => {
      const c = clone(config);
      edit(c);
      return zipSync({ ...files, "config.json": strToU8(JSON.stringify(c)) });
    };
    const edits: [(c: typeof config, name: string) => void, RegExp][] = [
      [
        (c, n) => (c.compile_config.optimizer.class_name = n),
        /expected an optimizer name \(sgd, adam, rmsprop, adagrad\)/,
      ],
      [(c, n) => (c.compile_config.loss = n), /unknown loss/],
      [(c, n) => (c.compile_config.metrics = [n]), /unknown metric/],
    ];
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "adamm"]) {
      for (const [edit, expected] of edits) {
        // inference needs none of the training configuration: the model loads and predicts
        const model = await loadModel(withConfig((c) => edit(c, name)));
        expect(model.compileArgs).not.toBeNull();
        const [inShape, outShape] = [model.inputs[0]!.shape, model.outputs[0]!.shape].map(
          (s) => [1, ...s.slice(1)] as number[],
        );
        const zeros = (shape: number[]) => tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
        expect((model.predict(zeros(inShape!)) as Tensor).shape).toEqual(outShape);
        const msg = await refusesAsync(model.trainOnBatch(zeros(inShape!), zeros(outShape!)), expected);
        expect(msg).toContain(JSON.stringify(name));
        model.dispose();
      }
    }
  });
});
