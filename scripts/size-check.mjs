// Size budget, checked last in CI: each core .wasm <= 64 KB, and what apps ship (issue 16). The
// LSTM inference app (test/runtimes/app/lstm-app.mjs: Input, LSTM, Model, ready, tensor) is bundled
// by each bundler of the matrix as its author would (test/runtimes/bundle.mjs: minified, nothing
// marked external) and every file the bundler wrote is counted, the inlined wasm core included:
// at most 100 KB, and no bundler warning. Other apps are bundled with esbuild and printed, not
// budgeted. test/runtimes/bundlers.mjs runs the same bundles in Chromium.
import { rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUNDLERS, bundleWith, makeBundlerApp } from "../test/runtimes/bundle.mjs";
import { ROOT } from "../test/runtimes/harness.mjs";

const KB = 1024;
const BUDGET = { wasm: 64 * KB, app: 100 * KB };
const kb = (n) => `${(n / KB).toFixed(1)} KB`;
// printed only: [label, the app's source]
const OTHER_APPS = [
  [
    "GRU, Bidirectional, Dense",
    `import { Bidirectional, Dense, GRU, Input, Model, ready } from "wasm-rnn";
     await ready();
     const x = Input({ shape: [8, 4] });
     console.log(new Model({ inputs: x, outputs: new Dense({ units: 2 }).apply(new Bidirectional(new GRU({ units: 8 })).apply(x)) }));`,
  ],
  [
    "loadModel (wasm-rnn/io): a model from a file, any layer",
    `import { ready } from "wasm-rnn";
     import { loadModel } from "wasm-rnn/io";
     await ready();
     console.log((await loadModel("model.keras")).predict([[[1]]]));`,
  ],
  [
    "training (wasm-rnn/train): LSTM, Dense, fit",
    `import { Dense, Input, LSTM, Model, ready } from "wasm-rnn";
     import "wasm-rnn/train";
     await ready();
     const x = Input({ shape: [8, 1] });
     const m = new Model({ inputs: x, outputs: new Dense({ units: 1 }).apply(new LSTM({ units: 8 }).apply(x)) });
     m.compile({ optimizer: "adam", loss: "mse" });
     console.log(await m.fit([[[1], [2], [3], [4], [5], [6], [7], [8]]], [[1]], { epochs: 1 }));`,
  ],
  [
    "quantize (wasm-rnn/quant): LSTM int8",
    `import { Input, LSTM, Model, ready } from "wasm-rnn";
     import "wasm-rnn/quant";
     await ready();
     const x = Input({ shape: [8, 1] });
     const m = new Model({ inputs: x, outputs: new LSTM({ units: 8 }).apply(x) });
     console.log(await m.quantize("int8"));`,
  ],
];

const lines = [];
let failed = 0;
const verdict = (ok, label, detail) => {
  if (!ok) failed++;
  lines.push(`${ok ? "PASS" : "FAIL"} ${label}: ${detail}`);
};

const CORES = [
  "core",
  "core-relaxed",
  "core-threads",
  "train",
  "train-threads",
  "quant",
  "quant-relaxed",
  "quant-threads",
];
for (const f of CORES.map((c) => `${c}.wasm`)) {
  const bytes = statSync(join(ROOT, "dist", "core", "generated", f)).size;
  verdict(bytes <= BUDGET.wasm, `dist/core/generated/${f}`, `${kb(bytes)} (budget ${kb(BUDGET.wasm)})`);
}

const app = makeBundlerApp();
const out = join(tmpdir(), `wasm-rnn-size-${process.pid}`);
try {
  for (const { name } of BUNDLERS) {
    const r = await bundleWith(name, app.dir, out);
    verdict(
      r.bytes <= BUDGET.app && r.warnings.length === 0,
      `LSTM inference app, ${name}`,
      `${kb(r.bytes)} in ${r.files.length} file(s) (budget ${kb(BUDGET.app)}), ` +
        (r.warnings.length ? `warnings: ${r.warnings.join("; ").slice(0, 500)}` : "no warnings"),
    );
  }
  for (const [label, source] of OTHER_APPS) {
    writeFileSync(join(app.dir, "main.js"), source);
    const r = await bundleWith("esbuild", app.dir, out);
    lines.push(
      `     app: ${label}, esbuild: ${kb(r.bytes)}${r.warnings.length ? ` (warnings: ${r.warnings.join("; ")})` : ""}`,
    );
  }
} finally {
  app.remove();
  rmSync(out, { recursive: true, force: true });
}
console.log(lines.join("\n"));
console.log(`size: ${failed === 0 ? "PASS" : "FAIL"}`);
process.exitCode = failed ? 1 : 0;
