// Issue 12 for the command line: --max-params says what was typed when it is not a number, and a
// model file whose training configuration names what wasm-rnn cannot train with (even
// "constructor") still loads for summary and predict, which never train.
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
