// The training example runs as a user would (node examples/train-seq2seq.mjs, on dist/) and its
// seq2seq model learns the task: the decoded sequences are the reversed inputs.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";

describe("examples", () => {
  it("train-seq2seq trains an encoder-decoder with fit and decodes with its layers", () => {
    const out = execFileSync(process.execPath, [join(ROOT, "examples", "train-seq2seq.mjs")], { encoding: "utf8", timeout: 120_000 });
    const losses = [...out.matchAll(/epoch \d+: loss ([\d.]+)/g)].map((m) => Number(m[1]));
    expect(losses.length).toBe(8);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 10);
    const [, correct] = /(\d+)\/20 reversed correctly/.exec(out)!;
    expect(Number(correct)).toBeGreaterThanOrEqual(16);
  }, 180_000);
});
