// Shared by the runtime tests (test/runtimes/<runtime>.mjs): a throw-away app folder that has
// wasm-rnn in node_modules as a user's project would, the Keras cases each runtime replays, the
// Node reference run, and the pass/fail summary.
import { execFile } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { pickCases } from "./checks.mjs";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const HERE = join(ROOT, "test", "runtimes");
export const bin = (name) => join(ROOT, "node_modules", ".bin", name);
/** Debian's Chromium, driven by playwright-core (test:browser, test:bundlers). */
export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function loadPicked() {
  const read = (f) => JSON.parse(readFileSync(join(ROOT, "test", "cases", f), "utf8"));
  return pickCases({
    tutorial: read("lstm_tutorial.json"),
    random: read("lstm_random.json"),
    encoderDecoder: read("lstm_encoder_decoder.json"),
    dense: read("dense.json"),
    train: read("train_fit.json"),
    inputs: read("inputs_cast.json"),
  });
}

/**
 * A temp folder: package.json, node_modules/wasm-rnn (a copy of what the package ships, as npm
 * installs it: Deno reads an installed package's files without --allow-read, which Model's first
 * fit, save or quantize needs when it imports the feature's entry; model/features.ts), the checks,
 * cases, tutorial.
 */
export function makeApp(picked) {
  const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-app-"));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "app", private: true, type: "module", dependencies: { "wasm-rnn": "*" } }),
  );
  mkdirSync(join(dir, "node_modules"));
  const installed = join(dir, "node_modules", "wasm-rnn");
  mkdirSync(installed);
  for (const f of ["package.json", "dist", "bin"]) cpSync(join(ROOT, f), join(installed, f), { recursive: true });
  // and its dependencies beside it, as npm puts them
  const { dependencies } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  for (const d of Object.keys(dependencies))
    cpSync(join(ROOT, "node_modules", d), join(dir, "node_modules", d), { recursive: true, dereference: true });
  for (const f of ["main.mjs", "tutorial-plain.mjs"]) copyFileSync(join(HERE, "app", f), join(dir, f));
  copyFileSync(join(HERE, "checks.mjs"), join(dir, "checks.mjs"));
  copyFileSync(join(ROOT, "examples", "tutorial.mjs"), join(dir, "tutorial.mjs"));
  writeFileSync(join(dir, "cases.json"), JSON.stringify(picked));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a command; resolves { code, stdout, stderr } (never rejects on a non-zero exit). */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    execFile(cmd, args, { maxBuffer: 64 << 20, timeout: 120_000, ...opts }, (err, stdout, stderr) => {
      resolve({
        code: err ? (typeof err.code === "number" ? err.code : 1) : 0,
        stdout: String(stdout),
        stderr: String(stderr),
        err,
      });
    });
  });
}

/** The last line of stdout as JSON, or null. */
export function lastJson(stdout) {
  const line = stdout.trim().split("\n").pop();
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

/** Collects named checks and prints the summary; `finish()` sets the exit code. */
export function reporter(runtime) {
  const results = [];
  const check = (name, ok, detail = "") => {
    results.push({ name, ok: Boolean(ok) });
    console.log(`${ok ? "PASS" : "FAIL"} ${runtime}: ${name}${detail ? ` (${detail})` : ""}`);
    return Boolean(ok);
  };
  /** Checks a runChecks report: every case within Keras tolerance. */
  const checkReport = (name, report, expectBuild) => {
    if (!report) return check(name, false, "no report");
    for (const f of report.failures) console.log(`  ${f}`);
    const buildOk = !expectBuild || report.build === expectBuild;
    return check(
      name,
      report.failed === 0 && report.passed > 0 && buildOk,
      `build ${report.build}, relaxed SIMD ${report.relaxedSimd ? "supported" : "unsupported"}, loader ${report.loader}, ` +
        `${report.passed} Keras cases passed, ${report.failed} failed, output hash ${report.hash}`,
    );
  };
  const finish = () => {
    const passed = results.filter((r) => r.ok).length,
      failed = results.length - passed;
    console.log(`${runtime}: ${failed === 0 && passed > 0 ? "PASS" : "FAIL"}`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
  };
  return { check, checkReport, finish };
}

/** Node's own run of the same checks on the plain build: the reference hash and tutorial text. */
export async function nodeReference(app) {
  const checks = await run(process.execPath, ["main.mjs", "plain"], { cwd: app.dir });
  const tutorial = await run(process.execPath, ["tutorial-plain.mjs"], { cwd: app.dir });
  if (checks.code !== 0 || tutorial.code !== 0)
    throw new Error(`node reference failed: ${checks.stderr}${tutorial.stderr}`);
  return { report: lastJson(checks.stdout), tutorial: tutorial.stdout };
}

/**
 * The Deno and Bun test: in an app folder, `command(script, args)` gives [executable, argv] to run a
 * script in the runtime. Runs the tutorial (plain build: printed text identical to Node's; auto
 * build: runs through) and the Keras cases on the plain and the auto-selected build, then the
 * runtime's own `extraChecks`, if any.
 */
export async function runtimeSuite(runtime, command, { threads = false, extraChecks, ...opts } = {}) {
  const { check, checkReport, finish } = reporter(runtime);
  const picked = loadPicked();
  const app = makeApp(picked);
  try {
    const ref = await nodeReference(app);
    const exec = (script, ...args) => {
      const [cmd, argv] = command(script, args);
      return run(cmd, argv, { cwd: app.dir, ...opts });
    };
    const version = await run(...command("--version", []), opts);
    console.log(`${runtime} ${(version.stdout || version.stderr).split("\n")[0].trim()}`);

    const tutorialPlain = await exec("tutorial-plain.mjs");
    if (tutorialPlain.code !== 0) console.log(tutorialPlain.stderr);
    check(
      "tutorial (plain build) prints exactly what Node prints",
      tutorialPlain.code === 0 && tutorialPlain.stdout === ref.tutorial,
      tutorialPlain.code === 0
        ? tutorialPlain.stdout === ref.tutorial
          ? "identical"
          : "differs from Node"
        : `exit ${tutorialPlain.code}`,
    );
    const tutorialAuto = await exec("tutorial.mjs");
    if (tutorialAuto.code !== 0) console.log(tutorialAuto.stderr);
    const diff = /largest difference from the whole-sequence pass: (\S+)/.exec(tutorialAuto.stdout);
    check(
      "tutorial (auto-selected build) runs",
      tutorialAuto.code === 0 && diff && Number(diff[1]) <= 1e-6,
      diff ? `step-by-step vs whole sequence ${diff[1]}` : `exit ${tutorialAuto.code}`,
    );

    for (const simd of ["plain", "auto"]) {
      const r = await exec("main.mjs", simd);
      if (r.code !== 0) console.log(r.stderr);
      const report = lastJson(r.stdout);
      checkReport(`Keras cases, ready({ simd: "${simd}" })`, report, simd === "plain" ? "simd" : undefined);
      if (simd === "plain" && report) {
        check(
          "plain build bit-identical to Node",
          report.hash === ref.report.hash,
          `${runtime} ${report.hash}, node ${ref.report.hash}`,
        );
      }
      if (simd === "auto" && report)
        console.log(
          `${runtime} picks the ${report.build === "relaxed" ? "relaxed-SIMD" : "plain SIMD"} build by default`,
        );
    }
    if (threads) {
      // ready({ threads: 2 }): workers on shared memory; a batch split across them must give the
      // plain build's bits
      const r = await exec("main.mjs", "threads");
      if (r.code !== 0) console.log(r.stderr);
      const report = lastJson(r.stdout);
      checkReport(`Keras cases, ready({ threads: 2 })`, report, "threads");
      if (report)
        check(
          "two threads bit-identical to Node's plain build on a split batch",
          report.bigHash === ref.report.bigHash,
          `${runtime} ${report.bigHash}, node ${ref.report.bigHash}`,
        );
    }
    // checks of one runtime only: extraChecks({ dir, check, run, opts }) in the same app folder
    if (extraChecks) await extraChecks({ dir: app.dir, check, run, opts });
  } catch (err) {
    check("runs", false, String(err && err.stack ? err.stack : err));
  } finally {
    app.remove();
  }
  finish();
}
