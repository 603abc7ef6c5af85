// The command line (bin/wasm-rnn.mjs over dist/): summary and predict on a Keras 3 file, and the
// errors a user sees for a wrong path, a wrong format or a bad command.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tensor } from "../../src/index.js";
import { expectClose, ROOT } from "../helpers/cases.js";
import { type Golden, goldenTensor } from "../helpers/golden.js";

const BIN = join(ROOT, "bin", "wasm-rnn.mjs");
const work = mkdtempSync(join(tmpdir(), "wasm-rnn-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });

describe("wasm-rnn CLI", () => {
  const model = join(ROOT, "test", "models", "encoder_decoder.keras");
  const g = JSON.parse(readFileSync(join(ROOT, "test", "models", "encoder_decoder.json"), "utf8")) as Golden;

  it("summary prints the Keras table", () => {
    const out = execFileSync(process.execPath, [BIN, "summary", model], { encoding: "utf8" });
    expect(out).toContain('Model: "encoder_decoder"');
    expect(out).toMatch(/lstm_\d+ \(LSTM\)|lstm \(LSTM\)/);
    expect(out).toContain("Total params:");
  });

  it("predict reads inputs by name ({shape, data} entries) and writes Keras's outputs", () => {
    const input = join(work, "x.json"),
      output = join(work, "y.json");
    const res0 = run("summary", model);
    const names = [...res0.stdout.matchAll(/(input_layer\w*) \(InputLayer\)/g)].map((m) => m[1]!);
    expect(names.length).toBe(2);
    writeFileSync(
      input,
      JSON.stringify(
        Object.fromEntries(names.map((n, i) => [n, { shape: g.inputs[i]!.shape, data: g.inputs[i]!.data }])),
      ),
    );
    const res = run("predict", model, "--input", input, "--output", output);
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    const y = JSON.parse(readFileSync(output, "utf8")) as { outputs: { shape: number[]; data: number[] }[] };
    expect(y.outputs.length).toBe(1);
    expectClose(tensor(y.outputs[0]!.data as never), goldenTensor(g.outputs[0]!), "cli output", g.tolerance);
    // printed when no --output; a list of inputs works too
    writeFileSync(input, JSON.stringify(g.inputs.map((a) => ({ shape: a.shape, data: a.data }))));
    const printed = run("predict", model, "--input", input);
    expect(JSON.parse(printed.stdout).outputs[0].shape).toEqual(g.outputs[0]!.shape);
  });

  it("helpful errors: missing file, wrong format, bad input, unknown command", () => {
    const missing = run("summary", join(work, "nope.h5"));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/no such file: .*nope\.h5/);
    const wrong = run("summary", join(ROOT, "README.md"));
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/unrecognised model format.*\.keras zip, an HDF5 \.h5 or a TF\.js model\.json/);
    writeFileSync(join(work, "bad.json"), JSON.stringify([[1, 2, 3]]));
    const bad = run("predict", model, "--input", join(work, "bad.json"));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/has 2 inputs/);
    const cmd = run("frobnicate");
    expect(cmd.status).toBe(2);
    expect(cmd.stderr).toMatch(/unknown command 'frobnicate'[\s\S]*usage:/);
    expect(run("--help").stdout).toMatch(/wasm-rnn summary <model>/);
  });
});
