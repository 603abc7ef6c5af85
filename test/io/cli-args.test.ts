// Issue 12 for the command line: --max-params says what was typed when it is not a number, and a
// model file whose training configuration names what wasm-rnn cannot train with (even
// "constructor") still loads for summary and predict, which never train. Issue 16: no arguments is
// a usage error, and files the CLI cannot read or write are one-line errors, not stack traces.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cases.js";

const BIN = join(ROOT, "bin", "wasm-rnn.mjs");
const MODEL = join(ROOT, "test", "models", "compiled_lstm.keras");
const work = mkdtempSync(join(tmpdir(), "wasm-rnn-cli-args-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });

describe("wasm-rnn CLI arguments and files", () => {
  it("no arguments: the usage on stderr and exit status 2 (--help: stdout, 0)", () => {
    const none = run();
    expect(none.status).toBe(2);
    expect(none.stdout).toBe("");
    expect(none.stderr).toMatch(/^wasm-rnn: expected a command\n\nusage:\n {2}wasm-rnn summary <model>/);
    const help = run("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage:\n {2}wasm-rnn summary <model>/);
  });

  it("files it cannot read or write: one line naming the file and why, no stack trace", () => {
    const input = join(work, "x.json");
    writeFileSync(input, JSON.stringify([Array.from({ length: 4 }, () => [0.1, 0.2, 0.3])]));
    const cases: [string[], string][] = [
      [["--output", join(work, "missing", "dir", "y.json")], `no such folder: ${join(work, "missing", "dir")}`],
      [["--output", work], "it is a folder; expected a file"],
      [["--output", join(input, "y.json")], "a part of the path is not a folder"],
    ];
    for (const [args, why] of cases) {
      const res = run("predict", MODEL, "--input", input, ...args);
      expect(res.status, res.stderr).toBe(1);
      expect(res.stderr).toBe(`wasm-rnn: predict: cannot write the output file ${args[1]}: ${why}\n`);
    }
    const missing = run("predict", MODEL, "--input", join(work, "nope.json"));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(
      `wasm-rnn: predict: cannot read the input file ${join(work, "nope.json")}: no such file\n`,
    );
    // and the same input does predict, into a folder that exists
    const ok = run("predict", MODEL, "--input", input, "--output", join(work, "y.json"));
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(work, "y.json"), "utf8")).outputs).toHaveLength(1);
  });

  it("--max-params that is not a positive integer names what came", () => {
    for (const bad of ["abc", "", "1.5", "-3", "0"]) {
      const res = run("summary", MODEL, "--max-params", bad);
      expect(res.status, `--max-params ${JSON.stringify(bad)}`).toBe(2);
      expect(res.stderr).toContain(`wasm-rnn: --max-params: expected a positive integer, got ${JSON.stringify(bad)}`);
    }
    const ok = run("summary", MODEL, "--max-params", "1e6");
    expect(ok.status, ok.stderr).toBe(0);
    const low = run("summary", MODEL, "--max-params", "10");
    expect(low.status).toBe(1);
    expect(low.stderr).toMatch(/over the limit of 10 \(option maxParams\)/);
  });

  it("a compiled file with an optimizer named after an Object.prototype property still summarises", () => {
    const files = unzipSync(new Uint8Array(readFileSync(MODEL)));
    const config = JSON.parse(strFromU8(files["config.json"]!)) as {
      compile_config: { optimizer: { class_name: string } };
    };
    for (const name of ["constructor", "__proto__"]) {
      config.compile_config.optimizer.class_name = name;
      const file = join(work, `${name}.keras`);
      writeFileSync(file, zipSync({ ...files, "config.json": strToU8(JSON.stringify(config)) }));
      const res = run("summary", file);
      expect(res.status, res.stderr).toBe(0);
      expect(res.stderr).not.toMatch(/TypeError|internal error/);
      expect(res.stdout).toContain("Total params:");
    }
  });
});
