// `npm run test:bundlers`: the bundler matrix of issue 16. The same LSTM inference app
// (app/lstm-app.mjs: Input, LSTM, Model, ready, tensor from "wasm-rnn") is bundled by esbuild
// (with and without code splitting), Vite, webpack (targets web and webworker) and Rollup with
// their production defaults (bundle.mjs); each bundle runs in headless Chromium (in a Web Worker
// for webpack's webworker target) on Keras's LSTM cases, and must match Keras within tolerance,
// print no bundler warning, and ship at most 100 KB, every file it wrote counted. Prints the table
// the README shows. Then each bundler bundles the runtime checks with "wasm-rnn/train"
// (app/checks-app.mjs: every Keras case of the other runtimes, fit included), run the same way.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { BUNDLERS, bundleWith, makeBundlerApp } from "./bundle.mjs";
import { CHROMIUM, CHROMIUM_ARGS, HERE, loadPicked, ROOT, reporter } from "./harness.mjs";
import { serveStatic } from "./static-server.mjs";

export const APP_BUDGET = 100 * 1024;
const { check, finish } = reporter("bundlers");

const read = (f) => JSON.parse(readFileSync(join(ROOT, "test", "cases", f), "utf8"));
const tutorial = read("lstm_tutorial.json");
const random = read("lstm_random.json");
const tol = tutorial.tolerance;
const floats = (a) => Array.from(new Float32Array(Uint8Array.from(Buffer.from(a.b64, "base64")).buffer));
const plain = (a) => ({ shape: a.shape, data: floats(a) });
// the tutorial's four cases and a spread of the random ones (one input: the app has no initial state)
const cases = [...tutorial.cases, ...random.cases.filter((c, i) => c.kind === "lstm" && i % 6 === 0)].map((c) => ({
  name: c.name,
  app: { config: c.config, weights: c.weights.map(plain), x: plain(c.inputs[0]) },
  want: c.outputs.map(plain),
}));

/** The first element off Keras's numbers, or null when every output matches. */
function mismatch(got, want) {
  if (!Array.isArray(got) || got.length !== want.length) return `${got?.length} outputs, Keras ${want.length}`;
  for (let o = 0; o < want.length; o++) {
    if (got[o].shape.join() !== want[o].shape.join())
      return `output ${o} shape [${got[o].shape}], Keras [${want[o].shape}]`;
    for (let i = 0; i < want[o].data.length; i++) {
      const g = got[o].data[i],
        w = want[o].data[i];
      if (!(Math.abs(g - w) <= tol.atol + tol.rtol * Math.abs(w))) return `output ${o}[${i}] ${g}, Keras ${w}`;
    }
  }
  return null;
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

/** Opens a bundle's page and calls its app on each argument; resolves { replies, errors, loaded bytes }. */
async function runInPage(browser, url, args) {
  const page = await browser.newPage();
  const errors = [];
  let loaded = 0;
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("response", async (r) => {
    if (!r.url().endsWith(".html")) loaded += (await r.body().catch(() => Buffer.alloc(0))).length;
  });
  await page.goto(url);
  await page.waitForFunction(() => typeof window.wasmRnnApp === "function", null, { timeout: 30_000 }).catch(() => {});
  const replies = [];
  for (const a of args) {
    replies.push(await page.evaluate((x) => window.wasmRnnApp(x), a).catch((e) => ({ error: String(e) })));
  }
  await page.close();
  return { replies, errors, loaded };
}

const rows = [];
let browser = null;
let server = null;
const outRoot = mkdtempSync(join(tmpdir(), "wasm-rnn-bundles-"));
const lstmApp = makeBundlerApp();
const checksApp = makeBundlerApp(join(HERE, "app", "checks-app.mjs"));
try {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)`);
  server = await serveStatic(outRoot);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  console.log(`chromium ${browser.version()}, ${cases.length} Keras LSTM cases per bundle`);
  const picked = loadPicked();
  for (const { name } of BUNDLERS) {
    const dir = name.replace(/\W+/g, "-").replace(/-$/, "");
    const where = (r) => `in Chromium${r.run === "worker" ? " (in a Web Worker)" : ""}`;
    let result;
    try {
      result = await bundleWith(name, lstmApp.dir, join(outRoot, dir));
    } catch (err) {
      check(`${name}: bundles the app`, false, String(err && err.stack ? err.stack : err));
      continue;
    }
    check(`${name}: no bundler warnings`, result.warnings.length === 0, result.warnings.join("\n").slice(0, 2000));
    check(
      `${name}: at most ${kb(APP_BUDGET)} shipped`,
      result.bytes <= APP_BUDGET,
      `${kb(result.bytes)} in ${result.files.length} file(s): ${result.files.map((f) => `${f.name} ${f.bytes}`).join(", ")}`,
    );
    const lstm = await runInPage(
      browser,
      `${server.url}/${dir}/index.html`,
      cases.map((c) => c.app),
    );
    const failures = lstm.replies
      .map((got, i) => [cases[i].name, got.error ?? mismatch(got, cases[i].want)])
      .filter(([, bad]) => bad)
      .map(([n, bad]) => `${n}: ${bad}`);
    check(
      `${name}: the bundle's predictions match Keras ${where(result)}`,
      failures.length === 0 && lstm.errors.length === 0,
      failures.length || lstm.errors.length
        ? [...failures, ...lstm.errors].slice(0, 5).join("; ")
        : `${cases.length} cases`,
    );
    rows.push(`| ${name} | ${kb(result.bytes)} | ${kb(lstm.loaded)} | ${result.warnings.length} |`);

    // the whole API with "wasm-rnn/train": every Keras case of the runtime checks, fit included
    try {
      const full = await bundleWith(name, checksApp.dir, join(outRoot, `${dir}-checks`));
      // webpack's performance hints (an asset over 244 KiB) are about this app's size, the whole
      // API with training, and are printed; any other warning fails
      const hint = (w) => /^(asset size limit|entrypoint size limit|webpack performance recommendations)/.test(w);
      if (full.warnings.some(hint)) console.log(`  ${name}: performance hints for the ${kb(full.bytes)} checks app`);
      const other = full.warnings.filter((w) => !hint(w));
      check(`${name}: no bundler warnings for the checks app`, other.length === 0, other.join("\n"));
      const run = await runInPage(browser, `${server.url}/${dir}-checks/index.html`, [picked]);
      const report = run.replies[0];
      for (const f of report.failures ?? []) console.log(`  ${f}`);
      check(
        `${name}: the checks app (fit through "wasm-rnn/train") passes ${where(full)}`,
        !report.error && report.failed === 0 && report.passed > 0 && run.errors.length === 0,
        report.error
          ? report.error.split("\n")[0]
          : `${report.passed} Keras cases passed, ${report.failed} failed, build ${report.build}, ${kb(full.bytes)}` +
              (run.errors.length ? `; ${run.errors.join("; ")}` : ""),
      );
    } catch (err) {
      check(`${name}: bundles the checks app`, false, String(err && err.stack ? err.stack : err));
    }
  }
} catch (err) {
  check("runs", false, String(err && err.stack ? err.stack : err));
} finally {
  await browser?.close();
  await server?.close();
  lstmApp.remove();
  checksApp.remove();
  rmSync(outRoot, { recursive: true, force: true });
}
console.log("\n| bundler | shipped (all files) | loaded by the page | warnings |\n| --- | --- | --- | --- |");
console.log(rows.join("\n") + "\n");
finish();
