// Model's opt-in features (src/model/features.ts): unbundled, fit, trainOnBatch, evaluate, save,
// loadWeights, quantize and the default entry's loadModel / loadWeights / saveModel work with no
// extra import (the first call imports the feature's entry); bundled without "wasm-rnn/train",
// "wasm-rnn/io" or "wasm-rnn/quant" they throw an error naming the import, and work with it; an app
// that only predicts bundles none of that code (issue 16).
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, describe, expect, it, vi } from "vitest";
import { ROOT } from "../helpers/cases.js";

const run = promisify(execFile);
const dist = (f: string) => JSON.stringify(join(ROOT, "dist", f));

// What the scripts below do with a small LSTM model: every call that needs a feature, one JSON line.
const APP = (
  lib: string,
  extra = "",
) => `import { Dense, Input, LSTM, Model, loadModel, loadWeights, ready, saveModel, tensor } from ${lib};
${extra}
await ready();
const x = Input({ shape: [3, 1] });
const model = new Model({ inputs: x, outputs: new Dense({ units: 1 }).apply(new LSTM({ units: 2 }).apply(x)) });
model.compile({ optimizer: "sgd", loss: "mse" });
const xs = tensor([0.1, 0.2, 0.3], [1, 3, 1]), ys = tensor([0.5], [1, 1]);
const out = {};
const attempt = async (name, f) => {
  try { out[name] = await f(); } catch (err) { out[name] = { error: String(err && err.message), name: err && err.name }; }
};
await attempt("fit", async () => (await model.fit(xs, ys, { epochs: 2, verbose: 0 })).history.loss.length);
await attempt("trainOnBatch", async () => typeof (await model.trainOnBatch(xs, ys)));
await attempt("evaluate", async () => typeof (await model.evaluate(xs, ys)));
await attempt("save", async () => Object.keys(await model.save()).sort().join());
await attempt("saveModel", async () => Object.keys(await saveModel(model)).sort().join());
await attempt("loadModel", async () => (await loadModel(await saveModel(model))).predict(xs).shape.join());
await attempt("loadWeights", async () => (await loadWeights(model, new Uint8Array(8)), "loaded"));
await attempt("model.loadWeights", async () => (await model.loadWeights(new Uint8Array(8)), "loaded"));
await attempt("quantize", async () => (await model.quantize("int8")).mode);
console.log(JSON.stringify(out));
`;

async function runNode(dir: string, file: string, source: string): Promise<Record<string, unknown>> {
  writeFileSync(join(dir, file), source);
  const { stdout } = await run(process.execPath, [join(dir, file)], { cwd: dir });
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-features-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The app bundled by esbuild into one file (as an app author would), dist/ as "wasm-rnn". */
async function bundled(source: string, file: string): Promise<string> {
  const alias = { "wasm-rnn": "index.js", "wasm-rnn/train": "entry-train.js", "wasm-rnn/io": "entry-io.js" };
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: "js" },
    bundle: true,
    format: "esm",
    platform: "node",
    write: false,
    logLevel: "silent",
    alias: { ...Object.fromEntries(Object.entries(alias).map(([k, v]) => [k, join(ROOT, "dist", v)])) },
    plugins: [
      // "wasm-rnn/quant" too: alias cannot map one specifier that is a prefix of another's
      {
        name: "quant",
        setup: (b) =>
          b.onResolve({ filter: /^wasm-rnn\/quant$/ }, () => ({ path: join(ROOT, "dist", "entry-quant.js") })),
      },
    ],
  });
  const path = join(dir, file);
  writeFileSync(path, result.outputFiles[0]!.text);
  return path;
}

// A bad weights file (8 zero bytes) is refused by the loader itself: that error, not a missing import.
const BAD_H5 = /not an HDF5|HDF5|signature|expected/i;

describe("unbundled (dist/ imported as it ships, in a Node child process)", () => {
  it("every feature works with no extra import", async () => {
    const out = await runNode(dir, "unbundled.mjs", APP(dist("index.js")));
    expect(out.fit).toBe(2);
    expect(out.trainOnBatch).toBe("number");
    expect(out.evaluate).toBe("number");
    expect(out.save).toBe("modelJson,weightData");
    expect(out.saveModel).toBe("modelJson,weightData");
    expect(out.loadModel).toBe("1,1");
    expect((out.loadWeights as { error: string }).error).toMatch(BAD_H5);
    expect((out["model.loadWeights"] as { error: string }).error).toMatch(BAD_H5);
    expect((out.loadWeights as { error: string }).error).not.toMatch(/wasm-rnn\/io/);
    expect(out.quantize).toBe("int8");
  });
});

describe("under the test runner (src/, a fresh module graph)", () => {
  it("fit, save and quantize import their entries on first use", async () => {
    vi.resetModules();
    const lib = await import("../../src/index.js");
    await lib.ready();
    const x = lib.Input({ shape: [3, 1] });
    const model = new lib.Model({ inputs: x, outputs: new lib.LSTM({ units: 2 }).apply(x) });
    model.compile({ optimizer: "sgd", loss: "mse" });
    const xs = lib.tensor([0.1, 0.2, 0.3], [1, 3, 1]);
    const history = await model.fit(xs, lib.tensor([0.5, 0.1], [1, 2]), { epochs: 1, verbose: 0 });
    expect(history.history.loss).toHaveLength(1);
    const back = await lib.loadModel<import("../../src/index.js").SymbolicTensor>(await model.save());
    expect(Array.from(back.predict(xs).data)).toEqual(Array.from(model.predict(xs).data));
    expect((await model.quantize("float16")).mode).toBe("float16");
  });
});

describe("bundled (esbuild, one file, run in Node)", () => {
  it("without the entries, each feature names the import it needs; predict still works", async () => {
    const out = await runNode(
      dir,
      "run-bare.mjs",
      `import(${JSON.stringify(await bundled(APP('"wasm-rnn"'), "bare.mjs"))});`,
    );
    const needs = (entry: string) => new RegExp(`needs \`import "wasm-rnn/${entry}"\` once in a bundled app`);
    for (const name of ["fit", "trainOnBatch", "evaluate"]) {
      expect(out[name]).toMatchObject({ name: "WasmRnnError", error: expect.stringMatching(needs("train")) });
      expect((out[name] as { error: string }).error).toMatch(/^Model 'functional(_\d+)?': training needs/);
    }
    for (const name of ["save", "saveModel", "loadModel", "loadWeights", "model.loadWeights"])
      expect(out[name]).toMatchObject({ name: "WasmRnnError", error: expect.stringMatching(needs("io")) });
    expect(out.quantize).toMatchObject({ name: "WasmRnnError", error: expect.stringMatching(needs("quant")) });
  });

  it("with them, every feature works", async () => {
    const imports = `import "wasm-rnn/train";\nimport "wasm-rnn/io";\nimport "wasm-rnn/quant";`;
    const path = await bundled(APP('"wasm-rnn"', imports), "full.mjs");
    const out = await runNode(dir, "run-full.mjs", `import(${JSON.stringify(path)});`);
    expect(out).toMatchObject({
      fit: 2,
      trainOnBatch: "number",
      evaluate: "number",
      loadModel: "1,1",
      quantize: "int8",
    });
    expect(out.save).toBe("modelJson,weightData");
    expect((out["model.loadWeights"] as { error: string }).error).toMatch(BAD_H5);
  });
});

describe("what an app that only predicts bundles", () => {
  it.each([false, true])("reaches no training, file or int8 code (splitting: %s)", async (splitting) => {
    const result = await build({
      stdin: { contents: `export { Input, LSTM, Model, ready, tensor } from ${dist("index.js")};`, resolveDir: ROOT },
      bundle: true,
      splitting,
      format: "esm",
      platform: "browser",
      outdir: join(dir, `predict-only-${splitting}`),
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    const heavy = [
      /dist\/io\/(?!types|entry-functions)/, // the file code (its types and the default entry's wrappers apart)
      /dist\/train\/(session|fit|trainer|index)\.js/,
      /dist\/quant\/(int8|quantize)\.js/,
      /dist\/core\/generated\/(train|quant)-pack\.js/,
      /dist\/layers\/registry\.js/,
      /dist\/entry-/,
      /jsfive|fflate/,
    ];
    expect(inputs.filter((i) => heavy.some((h) => h.test(i)))).toEqual([]);
    expect(inputs.some((i) => i.endsWith("dist/core/generated/core-pack.js"))).toBe(true);
  });
});
