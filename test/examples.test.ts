// The examples run as a user would (node examples/<name>.mjs, on dist/): the seq2seq model learns
// its task (the decoded sequences are the reversed inputs), the forecaster beats a naive forecast
// with its callbacks at work, and the Keras-trained models (translate, activity) give Keras's numbers.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadModel, ready, type Tensor, tensor } from "../src/index.js";
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

  it("tutorial (npm start): the tutorial's LSTM(1) with Keras's weights prints Keras's numbers", () => {
    const out = execFileSync(process.execPath, [join(ROOT, "examples", "tutorial.mjs")], { encoding: "utf8" });
    const [, worst] = /largest difference from what Keras printed for models 1-4: (\S+)/.exec(out)!;
    expect(Number(worst)).toBeLessThan(1e-5);
    // the numbers the README's first example shows
    expect(out).toContain("[[[ 0.02289000],\n  [ 0.05901666],\n  [ 0.10145929]]]");
    expect(out).toContain("[[ 0.22076122]]");
  });

  it("translate: the shipped Keras-trained seq2seq decodes every phrase as Keras did, and says what is wrong", async () => {
    const dir = join(ROOT, "examples", "models", "translate");
    const keras = JSON.parse(readFileSync(join(dir, "keras.json"), "utf8")) as {
      pairs: { english: string; french: string; keras: string }[];
      first_step_probabilities: EncodedArray;
      tolerance: { atol: number; rtol: number };
    };
    const meta = JSON.parse(readFileSync(join(dir, "metadata.json"), "utf8")) as {
      input_token_index: Record<string, number>;
      target_token_index: Record<string, number>;
      max_encoder_seq_length: number;
    };
    // the first decoder step of the whole model (teacher forcing from the start token) gives Keras's probabilities
    await ready();
    const model = await loadModel(join(dir, "model.keras"));
    const nIn = Object.keys(meta.input_token_index).length,
      nOut = Object.keys(meta.target_token_index).length,
      T = meta.max_encoder_seq_length,
      N = keras.pairs.length;
    const x = new Float32Array(N * T * nIn),
      start = new Float32Array(N * nOut);
    keras.pairs.forEach(({ english }, i) => {
      [...english].forEach((ch, t) => {
        x[(i * T + t) * nIn + meta.input_token_index[ch]!] = 1;
      });
      start[i * nOut + meta.target_token_index["\t"]!] = 1;
    });
    const probs = model.predict([tensor(x, [N, T, nIn]), tensor(start, [N, 1, nOut])]) as Tensor;
    expectClose(
      tensor(probs.data, [N, nOut]),
      decode(keras.first_step_probabilities),
      "first-step probabilities",
      keras.tolerance,
    );
    model.dispose();

    const sentences = keras.pairs.map((p) => p.english);
    const out = execFileSync(process.execPath, [join(ROOT, "examples", "translate.mjs"), ...sentences], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(out.trimEnd().split("\n")).toEqual(keras.pairs.map((p) => `${p.english}  ->  ${p.keras}`));
    expect(keras.pairs.filter((p) => p.keras === p.french).length, "Keras learnt its phrases").toBe(N);
    const byDefault = execFileSync(process.execPath, [join(ROOT, "examples", "translate.mjs")], { encoding: "utf8" });
    expect(byDefault).toContain("Hello!  ->  Bonjour !");

    // mistakes are one line each, exit status 1, no stack trace
    const fails = (...args: string[]) => {
      const res = spawnSync(process.execPath, [join(ROOT, "examples", "translate.mjs"), ...args], { encoding: "utf8" });
      expect(res.status, res.stderr).toBe(1);
      expect(res.stderr.trimEnd().split("\n"), res.stderr).toHaveLength(1);
      return res.stderr;
    };
    expect(fails("Zebra#")).toMatch(/^translate: "Zebra#": "Z", "#" not in the model's vocabulary/);
    expect(fails(ROOT, "Hi.")).toContain(`${ROOT} holds no translation model: expected model.json or model.keras`);
    expect(fails(join(ROOT, "nope", "x"), "Hi.")).toContain("no such folder:");
  }, 120_000);

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
