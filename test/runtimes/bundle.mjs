// The bundler matrix (issue 16): one app, bundled as its author would with each bundler's plain
// production settings (minified, tree-shaken, no plugin of ours), from an app folder whose
// node_modules/wasm-rnn is this checkout. Each result has every file the bundler wrote (the app
// ships all of them: JavaScript, and wasm or other assets had there been any), their bytes, and
// what the bundler warned. Used by test/runtimes/bundlers.mjs (runs the bundles in Chromium) and
// scripts/size-check.mjs (the budget).
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ROOT } from "./harness.mjs";

/** Each bundler: how the page runs its output (an ES module, a classic script, or a Web Worker). */
export const BUNDLERS = [
  { name: "esbuild", run: "module" },
  { name: "esbuild --splitting", run: "module" },
  { name: "Vite", run: "module" },
  { name: "webpack (target web)", run: "classic" },
  { name: "webpack (target webworker)", run: "worker" },
  { name: "Rollup", run: "module" },
];

/**
 * A throw-away app folder: package.json, node_modules/wasm-rnn -> this checkout, main.js (the app:
 * lstm-app.mjs unless told), checks.mjs beside it, index.html for Vite.
 */
export function makeBundlerApp(source = join(ROOT, "test", "runtimes", "app", "lstm-app.mjs")) {
  const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-bundlers-"));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "app", private: true, type: "module", dependencies: { "wasm-rnn": "*" } }),
  );
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(ROOT, join(dir, "node_modules", "wasm-rnn"), "dir");
  copyFileSync(source, join(dir, "main.js"));
  copyFileSync(join(ROOT, "test", "runtimes", "checks.mjs"), join(dir, "checks.mjs"));
  writeFileSync(
    join(dir, "index.html"),
    `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="./main.js"></script>`,
  );
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The page that runs a bundle (written beside it; Vite writes its own from the app's index.html). */
function page(run) {
  if (run === "module")
    return `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="./main.js"></script>`;
  if (run === "classic")
    return `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script src="./main.js"></script>`;
  // the app in a Web Worker; the page forwards each case and resolves with the worker's reply
  return `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script>
  const worker = new Worker("./main.js");
  window.wasmRnnApp = (c) => new Promise((resolve, reject) => {
    worker.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve(e.data.outputs));
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage(c);
  });
</script>`;
}

const text = (w) => (typeof w === "string" ? w : (w.message ?? String(w)));

async function esbuild(app, out, splitting) {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [join(app, "main.js")],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    splitting,
    outdir: out,
    absWorkingDir: app,
    logLevel: "silent",
  });
  return result.warnings.map((w) => `${w.text}${w.location ? ` (${w.location.file}:${w.location.line})` : ""}`);
}

async function vite(app, out) {
  const { build, createLogger } = await import("vite");
  const warnings = [];
  const logger = createLogger("silent");
  logger.warn = (msg) => warnings.push(msg);
  logger.warnOnce = (msg) => warnings.push(msg);
  logger.error = (msg) => warnings.push(msg);
  await build({
    configFile: false,
    root: app,
    base: "./",
    logLevel: "silent",
    customLogger: logger,
    build: { outDir: out, emptyOutDir: true, reportCompressedSize: false },
  });
  return warnings;
}

async function webpack(app, out, target) {
  const { default: webpackFn } = await import("webpack");
  const stats = await new Promise((resolve, reject) =>
    webpackFn(
      {
        mode: "production",
        context: app,
        entry: "./main.js",
        target,
        output: { path: out, filename: "main.js", clean: true },
      },
      (err, s) => (err ? reject(err) : resolve(s)),
    ),
  );
  const { warnings, errors } = stats.toJson({ all: false, warnings: true, errors: true });
  if (errors.length) throw new Error(`webpack: ${errors.map(text).join("\n")}`);
  return warnings.map(text);
}

async function rollup(app, out) {
  const { rollup: rollupFn } = await import("rollup");
  const { nodeResolve } = await import("@rollup/plugin-node-resolve");
  const { default: terser } = await import("@rollup/plugin-terser");
  const warnings = [];
  const bundle = await rollupFn({
    input: join(app, "main.js"),
    plugins: [nodeResolve({ browser: true }), terser()],
    onwarn: (w) => warnings.push(text(w)),
  });
  await bundle.write({ dir: out, format: "es" });
  await bundle.close();
  return warnings;
}

function listFiles(dir) {
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push({ name: relative(dir, p), bytes: statSync(p).size });
    }
  };
  walk(dir);
  return files;
}

/**
 * Bundles the app in `app` (a makeBundlerApp folder) with one bundler into `out`. Resolves
 * { files, bytes, warnings }: `bytes` counts every file the app ships (all but the HTML page).
 */
export async function bundleWith(name, app, out) {
  rmSync(out, { recursive: true, force: true });
  const { run } = BUNDLERS.find((b) => b.name === name);
  let warnings;
  if (name === "esbuild") warnings = await esbuild(app, out, false);
  else if (name === "esbuild --splitting") warnings = await esbuild(app, out, true);
  else if (name === "Vite") warnings = await vite(app, out);
  else if (name === "webpack (target web)") warnings = await webpack(app, out, "web");
  else if (name === "webpack (target webworker)") warnings = await webpack(app, out, "webworker");
  else if (name === "Rollup") warnings = await rollup(app, out);
  else throw new Error(`unknown bundler ${name}`);
  if (name !== "Vite") writeFileSync(join(out, "index.html"), page(run));
  const files = listFiles(out).filter((f) => !f.name.endsWith(".html"));
  return { files, bytes: files.reduce((s, f) => s + f.bytes, 0), warnings, run };
}
