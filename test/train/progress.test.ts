// fit's progress as Keras's ProgbarLogger prints it (src/train/progress.ts), on a recording output.
import { describe, expect, it, vi } from "vitest";
import { Dense, Input, Model, ready, tensor } from "../../src/index.js";
import { ProgressLog, resolveVerbose } from "../../src/train/progress.js";

const recorder = (tty: boolean) => {
  const chunks: string[] = [];
  return { out: { tty, write: (s: string) => void chunks.push(s) }, text: () => chunks.join("") };
};

describe("the progress bar and lines", () => {
  it("verbose 1 in a terminal: a bar redrawn in place with ETA and the running loss, then the epoch's line", () => {
    const now = vi.spyOn(performance, "now");
    let t = 0;
    now.mockImplementation(() => t);
    const r = recorder(true);
    const log = new ProgressLog(1, 3, 40, r.out);
    log.epochBegin(1);
    t = 1000;
    log.batchEnd(12, () => ({ loss: 0.12345 }));
    t = 1010; // within the 50 ms redraw interval: not drawn
    log.batchEnd(13, () => ({ loss: 9 }));
    t = 4000;
    log.epochEnd({ loss: 0.1, val_loss: 0.00002 });
    now.mockRestore();
    const text = r.text();
    expect(text).toBe(
      "Epoch 2/3\n" +
        `\r12/40 [========>.....................] - ETA: 2s - loss: 0.1235` +
        `\r40/40 [==============================] - 4s 100ms/step - loss: 0.1000 - val_loss: 2.0000e-5\n`,
    );
    expect(text).not.toContain("9.0000");
  });

  it("verbose 1 without a terminal prints only the finished bar; verbose 2 one line; verbose 0 nothing", () => {
    for (const [v, want] of [
      [1, /^Epoch 1\/1\n5\/5 \[={30}\] - 0s \d+(us|ms)\/step - loss: 0\.5000\n$/],
      [2, /^Epoch 1\/1\n5\/5 - 0s \d+(us|ms)\/step - loss: 0\.5000\n$/],
    ] as const) {
      const r = recorder(false);
      const log = new ProgressLog(v, 1, 5, r.out);
      log.epochBegin(0);
      for (let b = 1; b <= 5; b++) log.batchEnd(b, () => ({ loss: 0.5 }));
      log.epochEnd({ loss: 0.5 });
      expect(r.text()).toMatch(want);
    }
    const r = recorder(true);
    const quiet = new ProgressLog(0, 1, 5, r.out);
    quiet.epochBegin(0);
    quiet.batchEnd(1, () => ({}));
    quiet.epochEnd({ loss: 1 });
    expect(r.text()).toBe("");
  });

  it('"auto" is 1 in a terminal and 2 on other standard outputs; bad values are refused', () => {
    const isTTY = process.stdout.isTTY;
    try {
      process.stdout.isTTY = true;
      expect(resolveVerbose("fit", undefined)).toBe(1);
      process.stdout.isTTY = false;
      expect(resolveVerbose("fit", "auto")).toBe(2);
    } finally {
      process.stdout.isTTY = isTTY;
    }
    expect(resolveVerbose("fit", 0)).toBe(0);
    expect(() => resolveVerbose("Model 'm': fit", 3)).toThrow(
      /Model 'm': fit: expected verbose to be "auto", 0, 1 or 2, got 3/,
    );
  });

  it("fit with verbose 2 writes Keras's epoch lines to standard output", async () => {
    await ready();
    const x = Input({ shape: [2] });
    const model = new Model({ inputs: x, outputs: new Dense({ units: 1 }).apply(x) });
    model.compile({ optimizer: "sgd", loss: "mse", metrics: ["mae"] });
    const written: string[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
      written.push(String(s));
      return true;
    });
    try {
      await model.fit(tensor(new Float32Array(20), [10, 2]), tensor(new Float32Array(10), [10, 1]), {
        epochs: 2,
        batchSize: 4,
        verbose: 2,
      });
    } finally {
      write.mockRestore();
    }
    expect(written.join("")).toMatch(
      /^Epoch 1\/2\n3\/3 - \d+s \d+(us|ms)\/step - loss: [\d.]+ - mae: [\d.]+\nEpoch 2\/2\n3\/3 - .*\n$/,
    );
    model.dispose();
  });
});
