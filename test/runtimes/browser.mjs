// `npm run test:browser`: the package in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core). A tiny static server on 127.0.0.1 serves this checkout; the test page imports
// "wasm-rnn" through an import map pointing at the package's `browser` export, replays the Keras
// cases on the plain and the auto-selected build, and runs the tutorial example.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, loadPicked, makeApp, nodeReference, ROOT, reporter } from "./harness.mjs";
import { serveStatic } from "./static-server.mjs";

const { check, checkReport, finish } = reporter("chromium");

/** The import map a user writes for the browser build: "wasm-rnn" -> the package's `browser` export. */
function importMap() {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const entry = pkg.exports["."].browser.replace(/^\.\//, "/");
  return `<script type="importmap">${JSON.stringify({ imports: { "wasm-rnn": entry } })}</script>`;
}

const checksPage = `<!doctype html><meta charset="utf-8"><title>wasm-rnn checks</title>${importMap()}
<script type="module">
  import * as lib from "wasm-rnn";
  import { runChecks } from "/test/runtimes/checks.mjs";
  const simd = new URLSearchParams(location.search).get("simd") ?? "auto";
  const picked = await (await fetch("/cases.json")).json();
  window.__report = await runChecks(lib, picked, simd).catch((e) => ({ error: String(e && e.stack ? e.stack : e) }));
</script>`;
const tutorialPage = `<!doctype html><meta charset="utf-8"><title>wasm-rnn tutorial</title>${importMap()}
<script type="module">import "/examples/tutorial.mjs";</script>`;

const picked = loadPicked();
let server = null,
  isolated = null,
  browser = null;
const app = makeApp(picked);
try {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)`);
  const ref = await nodeReference(app);
  server = await serveStatic(ROOT, {
    "/checks.html": { type: "text/html; charset=utf-8", body: checksPage },
    "/tutorial.html": { type: "text/html; charset=utf-8", body: tutorialPage },
    "/cases.json": { type: "application/json", body: JSON.stringify(picked) },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  console.log(`chromium ${browser.version()}`);
  for (const simd of ["plain", "auto"]) {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${server.url}/checks.html?simd=${simd}`);
    await page.waitForFunction(() => window.__report !== undefined, null, { timeout: 60_000 });
    const report = await page.evaluate(() => window.__report);
    if (report.error || errors.length) console.log(report.error ?? "", errors.join("\n"));
    checkReport(
      `Keras cases, ready({ simd: "${simd}" })`,
      report.error ? null : report,
      simd === "plain" ? "simd" : undefined,
    );
    if (simd === "plain" && !report.error)
      check(
        "plain build bit-identical to Node",
        report.hash === ref.report.hash,
        `chromium ${report.hash}, node ${ref.report.hash}`,
      );
    if (simd === "auto" && !report.error)
      console.log(`chromium picks the ${report.build === "relaxed" ? "relaxed-SIMD" : "plain SIMD"} build by default`);
    await page.close();
  }
  const page = await browser.newPage();
  const lines = [];
  page.on("console", (m) => lines.push(m.text()));
  page.on("pageerror", (e) => lines.push(`pageerror: ${e}`));
  await page.goto(`${server.url}/tutorial.html`);
  await page.waitForFunction(() => document.readyState === "complete");
  const until = Date.now() + 30_000;
  while (!lines.some((l) => l.includes("largest difference") || l.startsWith("pageerror")) && Date.now() < until)
    await new Promise((r) => setTimeout(r, 100));
  const diff = lines.map((l) => /largest difference from the whole-sequence pass: (\S+)/.exec(l)).find(Boolean);
  if (!diff) console.log(lines.join("\n"));
  check(
    "tutorial example runs in the page",
    diff && Number(diff[1]) <= 1e-6,
    diff ? `step-by-step vs whole sequence ${diff[1]}` : "no result",
  );

  // examples/browser renders the tutorial's numbers: Keras's h and c of tutorial_both (0.1, 0.2, 0.3),
  // shown with six decimals (so within the tolerance plus half a unit of the last digit)
  const both = picked.tutorial.find((c) => c.name === "tutorial_both");
  const kerasScalar = (a) => new Float32Array(Uint8Array.from(Buffer.from(a.b64, "base64")).buffer)[0];
  const [kerasH, kerasC] = [kerasScalar(both.outputs[1]), kerasScalar(both.outputs[2])];
  const shownClose = (text, want) =>
    Math.abs(Number(text) - want) <= picked.tolerance.atol + picked.tolerance.rtol * Math.abs(want) + 5e-7;
  const example = await browser.newPage();
  const exampleErrors = [];
  example.on("pageerror", (e) => exampleErrors.push(String(e)));
  await example.goto(`${server.url}/examples/browser/`);
  await example
    .waitForSelector("body[data-ready=true]", { timeout: 30_000 })
    .catch((e) => exampleErrors.push(String(e)));
  const shown = {
    h: await example.textContent("#h"),
    c: await example.textContent("#c"),
    points: await example.locator("#chart circle").count(),
  };
  check(
    "examples/browser shows the tutorial's h, c and chart",
    shownClose(shown.h, kerasH) && shownClose(shown.c, kerasC) && shown.points === 9 && !exampleErrors.length,
    `h ${shown.h} (Keras ${kerasH}), c ${shown.c} (Keras ${kerasC}), ${shown.points} chart points` +
      (exampleErrors.length ? `, ${exampleErrors.join("; ")}` : ""),
  );

  // examples/browser's training tab: fit in the page, loss and val_loss drawn after every epoch
  await example.fill("#epochs", "6");
  await example.click("#trainButton");
  const trained = await example
    .waitForSelector('body[data-trained="6"]', { timeout: 120_000 })
    .then(() => true)
    .catch((e) => (exampleErrors.push(String(e)), false));
  const curve = async (cls) =>
    ((await example.getAttribute(`#lossChart polyline.${cls}`, "points").catch(() => "")) ?? "").trim().split(/\s+/);
  const [lossPts, valPts] = [await curve("loss"), await curve("val_loss")];
  const status = (await example.textContent("#trainStatus")) ?? "";
  check(
    "examples/browser trains in the page and draws loss and val_loss live",
    trained && lossPts.length === 6 && valPts.length === 6 && /epoch 6\/6/.test(status) && !exampleErrors.length,
    `${lossPts.length} loss and ${valPts.length} val_loss points; status "${status}"` +
      (exampleErrors.length ? `, ${exampleErrors.join("; ")}` : ""),
  );

  // ready({ threads: 2 }) on a cross-origin isolated page: Web Workers on shared memory; a split
  // batch must give Node's plain-build bits, and a page that is not isolated gets a clear error.
  isolated = await serveStatic(
    ROOT,
    {
      "/checks.html": { type: "text/html; charset=utf-8", body: checksPage },
      "/cases.json": { type: "application/json", body: JSON.stringify(picked) },
    },
    0,
    { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" },
  );
  const threadsPage = await browser.newPage();
  const threadErrors = [];
  threadsPage.on("pageerror", (e) => threadErrors.push(String(e)));
  await threadsPage.goto(`${isolated.url}/checks.html?simd=threads`);
  await threadsPage.waitForFunction(() => window.__report !== undefined, null, { timeout: 60_000 });
  const threaded = await threadsPage.evaluate(() => window.__report);
  if (threaded.error || threadErrors.length) console.log(threaded.error ?? "", threadErrors.join("\n"));
  checkReport(
    `Keras cases, ready({ threads: 2 }) on a cross-origin isolated page`,
    threaded.error ? null : threaded,
    "threads",
  );
  if (!threaded.error)
    check(
      "two threads bit-identical to Node's plain build on a split batch",
      threaded.bigHash === ref.report.bigHash,
      `chromium ${threaded.bigHash}, node ${ref.report.bigHash}`,
    );
  const plainPage = await browser.newPage();
  await plainPage.goto(`${server.url}/checks.html?simd=threads`);
  await plainPage.waitForFunction(() => window.__report !== undefined, null, { timeout: 60_000 });
  const refused = await plainPage.evaluate(() => window.__report);
  check(
    "threads on a page that is not cross-origin isolated: a clear error",
    /not cross-origin isolated/.test(refused.error ?? ""),
    (refused.error ?? "no error").split("\n")[0],
  );
} catch (err) {
  check("runs", false, String(err && err.stack ? err.stack : err));
} finally {
  await browser?.close();
  await server?.close();
  await isolated?.close();
  app.remove();
}
finish();
