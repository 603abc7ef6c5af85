// The training examples run as a user would (node examples/<name>.mjs, on dist/): the seq2seq
// model learns its task (the decoded sequences are the reversed inputs), the forecaster beats a
// naive forecast with its callbacks at work.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadModel, ready } from "../src/index.js";
import { decode, type EncodedArray, expectClose, ROOT } from "./helpers/cases.js";

describe("examples", () => {
  it("train-seq2seq trains an encoder-decoder with fit and decodes with its layers", () => {
    const out = execFileSync(process.execPath, [join(ROOT, "examples", "train-seq2seq.mjs")], {
      encoding: "utf8",
      timeout: 120_000,
    });
    const losses = [...out.matchAll(/epoch \d+: loss ([\d.]+)/g)].map((m) => Number(m[1]));
    expect(losses.length).toBe(8);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 10);
    const [, correct] = /(\d+)\/20 reversed correctly/.exec(out)!;
    expect(Number(correct)).toBeGreaterThanOrEqual(16);
  }, 180_000);

  it("forecast trains with EarlyStopping and ReduceLROnPlateau and beats a naive forecast", () => {
    const out = execFileSync(process.execPath, [join(ROOT, "examples", "forecast.mjs")], {
      encoding: "utf8",
      timeout: 120_000,
    });
    // not a terminal: Keras's verbose 2 lines, "Epoch 3/60" then "22/22 - 0s 2ms/step - loss: ... - val_loss: ..."
    const lines = out.split("\n");
    const epochs = lines.flatMap((line, i) => {
      if (!/^Epoch \d+\/60$/.test(line)) return [];
      const next = lines[i + 1]!;
      expect(next, "the epoch's line").toMatch(/^(\d+)\/\1 - \d+s \d+(ms|us)\/step - /);
      const logs = Object.fromEntries([...next.matchAll(/ - (\w+): ([\d.e-]+)/g)].map((m) => [m[1]!, Number(m[2])]));
      return [{ val: logs.val_loss!, lr: logs.learning_rate! }];
    });
    expect(out, "no progress bar redraws outside a terminal").not.toContain("\r");
    const [, ran] = /(\d+) epochs in/.exec(out)!;
    expect(epochs.length).toBe(Number(ran));
    expect(Math.min(...epochs.map((e) => e.val))).toBeLessThan(epochs[0]!.val / 4);
    expect(epochs.at(-1)!.lr, "ReduceLROnPlateau lowered the learning rate").toBeLessThan(0.01);
    const [, lstm, naive] = /LSTM ([\d.]+), naive ([\d.]+)/.exec(out)!;
    expect(Number(lstm)).toBeLessThan(Number(naive) / 2);
  }, 180_000);

  it("forecast shows Keras's progress bar in a terminal (run under script(1), a pseudo-terminal)", () => {
    const out = execFileSync(
      "script",
      ["-qec", `${process.execPath} ${join(ROOT, "examples", "forecast.mjs")}`, "/dev/null"],
      {
        encoding: "utf8",
        timeout: 120_000,
      },
    );
    expect(out).toMatch(/Epoch 1\/60\r?\n/);
    // the bar is drawn in place (\r) and finished with the time per step
    expect(out).toMatch(
      /\r\s*(\d+)\/\1 \[={30}\] - \d+s \d+(ms|us)\/step - loss: [\d.]+ - val_loss: [\d.]+ - learning_rate: [\d.]+/,
    );
  }, 180_000);

  it("activity: the Keras-trained CNN-LSTM (model.keras) gives Keras's probabilities, and the example says so", async () => {
    const dir = join(ROOT, "examples", "models", "activity");
    const keras = JSON.parse(readFileSync(join(dir, "keras.json"), "utf8")) as {
      x: EncodedArray;
      probabilities: EncodedArray;
      labels: number[];
      tolerance: { atol: number; rtol: number };
    };
    await ready();
    const model = await loadModel(join(dir, "model.keras"));
    expectClose(
      model.predict(decode(keras.x)) as never,
      decode(keras.probabilities),
      "activity probabilities",
      keras.tolerance,
    );
    model.dispose();
    const out = execFileSync(process.execPath, [join(ROOT, "examples", "activity.mjs")], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(out).toContain("InputLayer -> Conv1D -> MaxPooling1D -> Conv1D -> MaxPooling1D -> LSTM -> Dense");
    const [, right, total] = /(\d+)\/(\d+) windows right/.exec(out)!;
    expect(Number(total)).toBe(keras.labels.length);
    expect(Number(right)).toBeGreaterThanOrEqual(Number(total) - 3);
    const [, diff] = /max \|wasm-rnn - Keras\| over all probabilities: ([\d.e+-]+)/.exec(out)!;
    expect(Number(diff)).toBeLessThan(1e-4);
  }, 120_000);
});
