// `npm run test:workerd`: the package in Cloudflare's workerd (the `workerd` npm package, no
// wrangler). The test Worker (app/worker.mjs) is bundled with esbuild the way wrangler bundles
// (conditions workerd, worker, browser; `.wasm` imports left as wasm modules), served on 127.0.0.1
// by two services (plain build, auto-selected build), and asked over HTTP for its predictions; the
// replies are checked against Keras's numbers here, and the plain build's hash against Node's.
import { spawn } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { basename, join } from "node:path";
import { build } from "esbuild";
import { bin, HERE, loadPicked, makeApp, nodeReference, reporter, run } from "./harness.mjs";

const { check, checkReport, finish } = reporter("workerd");

/** esbuild plugin: keep `.wasm` imports as modules beside the bundle (workerd's `wasm` module type). */
const wasmModules = (dir) => ({
  name: "wasm-modules",
  setup(b) {
    b.onResolve({ filter: /\.wasm$/ }, (args) => {
      const path = join(args.resolveDir, args.path);
      copyFileSync(path, join(dir, basename(path)));
      return { path: `./${basename(path)}`, external: true };
    });
  },
});

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function waitFor(url, child, ms = 30_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`workerd exited with ${child.exitCode}`);
    try {
      const r = await fetch(url);
      if (r.status === 404) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`workerd did not answer ${url} within ${ms} ms`);
}

const picked = loadPicked();
const app = makeApp(picked);
let child = null;
try {
  const ref = await nodeReference(app);
  copyFileSync(join(HERE, "app", "worker.mjs"), join(app.dir, "worker.mjs"));
  await build({
    entryPoints: [join(app.dir, "worker.mjs")],
    outfile: join(app.dir, "bundle.mjs"),
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    plugins: [wasmModules(app.dir)],
    logLevel: "warning",
  });
  const ports = { plain: await freePort(), auto: await freePort() };
  const modules = `[
    (name = "bundle.mjs", esModule = embed "bundle.mjs"),
    (name = "core.wasm", wasm = embed "core.wasm"),
    (name = "core-relaxed.wasm", wasm = embed "core-relaxed.wasm"),
  ]`;
  const worker = (simd) => `(modules = ${modules}, compatibilityDate = "2025-01-01", bindings = [(name = "SIMD", text = "${simd}")])`;
  writeFileSync(
    join(app.dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "plain", worker = ${worker("plain")}),
    (name = "auto", worker = ${worker("auto")}),
  ],
  sockets = [
    (name = "plain", address = "127.0.0.1:${ports.plain}", http = (), service = "plain"),
    (name = "auto", address = "127.0.0.1:${ports.auto}", http = (), service = "auto"),
  ],
);
`,
  );
  const version = await run(bin("workerd"), ["--version"]);
  console.log(version.stdout.trim());
  let log = "";
  child = spawn(bin("workerd"), ["serve", join(app.dir, "config.capnp")], { cwd: app.dir, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  try {
    await waitFor(`http://127.0.0.1:${ports.plain}/`, child);
  } catch (err) {
    console.log(log);
    throw err;
  }

  const keras = picked.tutorial.find((c) => c.name === "tutorial_both");
  for (const simd of ["plain", "auto"]) {
    const res = await fetch(`http://127.0.0.1:${ports[simd]}/checks`);
    const text = await res.text();
    const report = res.ok ? JSON.parse(text) : null;
    if (!report) console.log(`HTTP ${res.status}: ${text}\n${log}`);
    checkReport(`Keras cases over HTTP, ready({ simd: "${simd}" })`, report, simd === "plain" ? "simd" : undefined);
    if (!report) continue;
    check(`loads the core as an imported .wasm module (${simd})`, report.loader === "module", `loader ${report.loader}`);
    // the tutorial model's reply, checked here against the numbers Keras wrote
    const worst = report.tutorialBoth
      ? Math.max(...keras.outputs.map((o, i) => {
          const want = new Float32Array(Uint8Array.from(atob(o.b64), (ch) => ch.charCodeAt(0)).buffer);
          return Math.max(...Array.from(want, (w, k) => Math.abs(report.tutorialBoth[i].data[k] - w) - (1e-5 + 1e-4 * Math.abs(w))));
        }))
      : Infinity;
    check(`the tutorial model's [seq, h, c] match Keras (${simd})`, worst <= 0, report.tutorialBoth ? `h = ${report.tutorialBoth[1].data.map((v) => v.toFixed(6)).join(", ")}` : "missing");
    if (simd === "plain") check("plain build bit-identical to Node", report.hash === ref.report.hash, `workerd ${report.hash}, node ${ref.report.hash}`);
    else console.log(`workerd picks the ${report.build === "relaxed" ? "relaxed-SIMD" : "plain SIMD"} build by default`);
  }
} catch (err) {
  check("runs", false, String(err && err.stack ? err.stack : err));
} finally {
  if (child && child.exitCode === null) child.kill("SIGTERM");
  app.remove();
}
finish();
