// Issue 12's careless calls: compile() refuses an unknown optimizer, loss or metric at once (not at
// the first fit), naming the model; predict refuses options it does not know; a model's own layers
// must have unique names (Keras: "All layer names should be unique"), while the names Keras allows
// (unicode, spaces, 300 characters) load and save.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Dense,
  Input,
  LSTM,
  loadModel,
  Model,
  ready,
  Sequential,
  type Tensor,
  tensor,
  WasmRnnError,
} from "../../src/index.js";
import { LOSS_NAMES } from "../../src/train/compile-names.js";
import { Adam, getLoss } from "../../src/train/index.js";
import { BY_NAME } from "../../src/train/loss-table.js";
import { expectError } from "../helpers/errors.js";

const work = mkdtempSync(join(tmpdir(), "wasm-rnn-compile-checks-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(async () => {
  await ready();
});

function twoOutputs(name = "two") {
  const x = Input({ shape: [3, 2] });
  const h = new LSTM({ units: 2 }).apply(x);
  const a = new Dense({ units: 1, name: "out_a" }).apply(h);
  const b = new Dense({ units: 2, name: "out_b" }).apply(h);
  return new Model({ inputs: x, outputs: [a, b], name });
}

describe("compile checks at once", () => {
  it("knows exactly the loss names the loss table resolves", () => {
    expect([...LOSS_NAMES].sort()).toEqual([...BY_NAME.keys()].sort());
  });

  it("refuses misspelt optimizers, losses and metrics, naming the model and what it expected", () => {
    const model = twoOutputs("checked");
    expectError(
      () => model.compile({ optimizer: "adamm" as never, loss: "mse" }),
      "Model 'checked': compile: expected an optimizer name (sgd, adam, rmsprop, adagrad), got \"adamm\"",
    );
    expectError(
      () => model.compile({ optimizer: "adam", loss: "mean_sq_error" as never }),
      "Model 'checked'",
      /unknown loss "mean_sq_error"/,
    );
    expectError(
      () => model.compile({ optimizer: "adam", loss: ["mse", "mean_sq_error" as never] }),
      "Model 'checked'",
      /unknown loss "mean_sq_error"/,
    );
    expectError(
      () => model.compile({ optimizer: "adam", loss: "mse", metrics: [["mae"], ["f1" as never]] }),
      /unknown metric "f1"/,
    );
    expectError(
      () => model.compile({ optimizer: "adam", loss: ["mse"] }),
      /expected one loss or 2 \(one per output\), got 1/,
    );
    expectError(() => model.compile({ optimizer: "adam" } as never), /compile: expected \{ optimizer, loss \}/);
    expectError(() => model.compile(null as never), /compile: expected \{ optimizer, loss \}, got null/);
    expectError(
      () => model.compile({ optimizer: "adam", loss: "mse", lossWeight: [1, 2] } as never),
      /Model 'checked': compile: unknown option "lossWeight"/,
    );
    expectError(
      () => model.compile({ optimizer: { className: "adam", config: 3 } as never, loss: "mse" }),
      /expected config to be an object, got 3/,
    );
    expect(model.compileArgs, "a refused compile records nothing").toBeNull();
    model.dispose();
  });

  it("accepts every form it accepted before, and a refused compile keeps the previous one", async () => {
    const model = twoOutputs();
    const forms = [
      { optimizer: "ADAM", loss: "mse" },
      {
        optimizer: new Adam({ learningRate: 0.01 }),
        loss: ["mse", "categorical_crossentropy"],
        metrics: ["mae", "accuracy"],
      },
      { optimizer: { className: "SGD", config: { learning_rate: 0.1, momentum: 0.9 } }, loss: getLoss("huber") },
      {
        optimizer: { class_name: "RMSprop", config: {} },
        loss: [
          { className: "MeanSquaredError", config: {} },
          { name: "categorical_crossentropy", labelSmoothing: 0.1 },
        ],
        metrics: { out_a: ["mse"], out_b: ["categorical_accuracy"] },
        weightedMetrics: [["mae"], ["acc"]],
      },
    ];
    for (const args of forms) expect(() => model.compile(args as never)).not.toThrow();
    const last = model.compileArgs;
    expect(() => model.compile({ optimizer: "adamm" as never, loss: "mse" })).toThrow(WasmRnnError);
    expect(model.compileArgs).toBe(last);
    // it still trains
    const x = tensor(new Float32Array(12).fill(0.5), [2, 3, 2]);
    const loss = await model.trainOnBatch(x, [
      tensor(new Float32Array(2), [2, 1]),
      tensor(new Float32Array([1, 0, 0, 1]), [2, 2]),
    ]);
    expect(Number.isFinite(loss)).toBe(true);
    model.dispose();
  });

  it("a Sequential not yet connected checks the names (the output layer is not known yet)", () => {
    const model = new Sequential({ layers: [new LSTM({ units: 2 }), new Dense({ units: 1 })] });
    expectError(() => model.compile({ optimizer: "sgd", loss: "msee" as never }), /unknown loss "msee"/);
    expect(() => model.compile({ optimizer: "sgd", loss: "mse", metrics: ["mae"] })).not.toThrow();
    model.dispose();
  });
});

describe("predict options", () => {
  it("refuses unknown options as other calls do", () => {
    const x = Input({ shape: [3, 2] });
    const model = new Model({ inputs: x, outputs: new LSTM({ units: 2 }).apply(x), name: "p" });
    const input = tensor(new Float32Array(12), [2, 3, 2]);
    expectError(
      () => model.predict(input, { batchsize: 1 } as never),
      /Model 'p': predict: unknown option "batchsize"; expected one of batchSize/,
    );
    expectError(() => model.predict(input, 3 as never), /Model 'p': predict: expected an options object, got 3/);
    expect((model.predict(input, { batchSize: 1 }) as Tensor).shape).toEqual([2, 2]);
    expect((model.predict(input, {}) as Tensor).shape).toEqual([2, 2]);
    model.dispose();
  });
});

describe("layer names", () => {
  it("two layers of one model with the same name are refused, naming it", () => {
    const x = Input({ shape: [3, 2] });
    const h = new LSTM({ units: 2, name: "twin" }).apply(x);
    expectError(
      () => new Model({ inputs: x, outputs: new Dense({ units: 1, name: "twin" }).apply(h) }),
      /expected unique layer names \(Keras: "All layer names should be unique"\), got two layers named "twin"/,
    );
    const seq = new Sequential({ layers: [Input({ shape: [3, 2] }), new LSTM({ units: 2, name: "same" })] });
    expectError(() => seq.add(new Dense({ units: 1, name: "same" })), /two layers named "same"/);
    expect(
      seq.layers.map((l) => l.name),
      "the refused layer is not added",
    ).toEqual(["same"]);
    seq.dispose();
  });

  it("a nested model's layers may repeat the outer model's names (they sit one level down in Keras)", () => {
    const makeBlock = () => {
      const i = Input({ shape: [3, 2] });
      return new Model({ inputs: i, outputs: new Dense({ units: 2, name: "proj" }).apply(i) });
    };
    const a = makeBlock(),
      b = makeBlock();
    const x = Input({ shape: [3, 2] });
    const y = b.apply(a.apply(x) as never) as never;
    const outer = new Model({ inputs: x, outputs: new Dense({ units: 1, name: "head" }).apply(y) });
    expect(outer.layers.filter((l) => l.name === "proj")).toHaveLength(2);
    // a model over the same graph (an encoder and the whole) shares layers, as Keras
    const again = new Model({ inputs: x, outputs: outer.outputs[0]! });
    expect(again.layers).toEqual(outer.layers);
    outer.dispose();
  });

  it("names Keras allows (unicode, spaces, 300 characters) save and load", async () => {
    const names = ["lstm é 层 🙂", "a name with spaces", "x".repeat(300)];
    const x = Input({ shape: [3, 2], name: "entrée" });
    const h = new LSTM({ units: 2, name: names[0] }).apply(x);
    const h2 = new Dense({ units: 3, name: names[1] }).apply(h);
    const model = new Model({ inputs: x, outputs: new Dense({ units: 1, name: names[2] }).apply(h2) });
    const input = tensor(
      Float32Array.from({ length: 12 }, (_, i) => Math.sin(i)),
      [2, 3, 2],
    );
    const want = Array.from((model.predict(input) as Tensor).data);
    for (const target of [join(work, "names.keras"), join(work, "names-tfjs")]) {
      await model.save(target);
      const back = await loadModel(target.endsWith(".keras") ? target : join(target, "model.json"));
      expect(back.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
      expect(Array.from((back.predict(input) as Tensor).data)).toEqual(want);
      back.dispose();
    }
    model.dispose();
  });

  it("names a file may not give: empty, control characters, over 4096 characters", async () => {
    const x = Input({ shape: [3, 2] });
    const model = new Model({ inputs: x, outputs: new LSTM({ units: 2, name: "plain" }).apply(x) });
    const art = await model.save();
    model.dispose();
    for (const bad of ["", "tab\there", "y".repeat(5000)]) {
      const text = JSON.stringify(art.modelJson).replaceAll('"plain"', JSON.stringify(bad));
      const err = await loadModel({ modelJson: JSON.parse(text), weightData: art.weightData }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WasmRnnError);
      expect((err as Error).message).toMatch(
        /expected a layer name of 1 to 4096 characters without control characters|expected a name/,
      );
    }
  });
});
