// `npm run test:workerd`: the package in Cloudflare's workerd (the `workerd` npm package, no
// wrangler). The test Worker (app/worker.mjs) is bundled with esbuild the way wrangler bundles
// (conditions workerd, worker, browser; `.wasm` imports left as wasm modules), served on 127.0.0.1
// by two services (plain build, auto-selected build), and asked over HTTP for its predictions; the
// replies are checked against Keras's numbers here, and the plain build's hash against Node's.
// A third service runs examples/worker (per-user LSTM state between requests) and checks that a
// sequence sent in two requests gives what it gives in one.
import { spawn } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { basename, join } from "node:path";
import { build } from "esbuild";
import { bin, HERE, loadPicked, makeApp, nodeReference, ROOT, reporter, run } from "./harness.mjs";

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
  copyFileSync(join(ROOT, "examples", "worker", "worker.mjs"), join(app.dir, "example.mjs"));
  for (const [from, to] of [
    ["worker.mjs", "bundle.mjs"],
    ["example.mjs", "example-bundle.mjs"],
  ]) {
    await build({
      entryPoints: [join(app.dir, from)],
      outfile: join(app.dir, to),
      bundle: true,
      format: "esm",
      platform: "neutral",
      conditions: ["workerd", "worker", "browser"],
      plugins: [wasmModules(app.dir)],
      logLevel: "warning",
    });
  }
  const ports = { plain: await freePort(), auto: await freePort(), example: await freePort() };
  const modules = (main) => `[
    (name = "${main}", esModule = embed "${main}"),
    (name = "core.wasm", wasm = embed "core.wasm"),
    (name = "core-relaxed.wasm", wasm = embed "core-relaxed.wasm"),
    (name = "train.wasm", wasm = embed "train.wasm"),
  ]`;
  const worker = (simd) =>
    `(modules = ${modules("bundle.mjs")}, compatibilityDate = "2025-01-01", bindings = [(name = "SIMD", text = "${simd}")])`;
  writeFileSync(
    join(app.dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "plain", worker = ${worker("plain")}),
    (name = "auto", worker = ${worker("auto")}),
    (name = "example", worker = (modules = ${modules("example-bundle.mjs")}, compatibilityDate = "2025-01-01")),
  ],
  sockets = [
    (name = "plain", address = "127.0.0.1:${ports.plain}", http = (), service = "plain"),
    (name = "auto", address = "127.0.0.1:${ports.auto}", http = (), service = "auto"),
    (name = "example", address = "127.0.0.1:${ports.example}", http = (), service = "example"),
  ],
);
`,
  );
  const version = await run(bin("workerd"), ["--version"]);
  console.log(version.stdout.trim());
  let log = "";
  child = spawn(bin("workerd"), ["serve", join(app.dir, "config.capnp")], {
    cwd: app.dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
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
    check(
      `loads the core as an imported .wasm module (${simd})`,
      report.loader === "module",
      `loader ${report.loader}`,
    );
    // the tutorial model's reply, checked here against the numbers Keras wrote
    const worst = report.tutorialBoth
      ? Math.max(
          ...keras.outputs.map((o, i) => {
            const want = new Float32Array(Uint8Array.from(atob(o.b64), (ch) => ch.charCodeAt(0)).buffer);
            return Math.max(
              ...Array.from(want, (w, k) => Math.abs(report.tutorialBoth[i].data[k] - w) - (1e-5 + 1e-4 * Math.abs(w))),
            );
          }),
        )
      : Infinity;
    check(
      `the tutorial model's [seq, h, c] match Keras (${simd})`,
      worst <= 0,
      report.tutorialBoth ? `h = ${report.tutorialBoth[1].data.map((v) => v.toFixed(6)).join(", ")}` : "missing",
    );
    if (simd === "plain")
      check(
        "plain build bit-identical to Node",
        report.hash === ref.report.hash,
        `workerd ${report.hash}, node ${ref.report.hash}`,
      );
    else
      console.log(`workerd picks the ${report.build === "relaxed" ? "relaxed-SIMD" : "plain SIMD"} build by default`);
  }

  // examples/worker: per-user state between requests
  const post = async (path, body) => {
    const r = await fetch(`http://127.0.0.1:${ports.example}${path}`, { method: "POST", body: JSON.stringify(body) });
    return { status: r.status, body: await r.json() };
  };
  const whole = await post("/predict", { user: "bob", x: [0.1, 0.2, 0.3, 0.4] });
  const first = await post("/predict", { user: "alice", x: [0.1, 0.2] });
  const second = await post("/predict", { user: "alice", x: [0.3, 0.4], state: first.body.state });
  await post("/predict", { user: "carol", x: [0.1, 0.2] });
  const carol = await post("/predict", { user: "carol", x: [0.3, 0.4] }); // continues from the state kept for carol
  const bad = await post("/predict", { user: "dave", x: [0.1, "a"] });
  const flat = (rows) => rows.flat();
  const maxDiff = (a, b) => (a.length === b.length ? Math.max(...a.map((v, i) => Math.abs(v - b[i]))) : Infinity);
  const ok = whole.status === 200 && first.status === 200 && second.status === 200 && carol.status === 200;
  if (!ok) console.log(JSON.stringify({ whole, first, second, carol }).slice(0, 2000), log);
  const dState = ok
    ? maxDiff(
        [...flat(first.body.y), ...flat(second.body.y), ...second.body.state.h, ...second.body.state.c],
        [...flat(whole.body.y), ...whole.body.state.h, ...whole.body.state.c],
      )
    : Infinity;
  check(
    "examples/worker: a sequence in two requests, state passed back, equals it in one",
    dState <= 1e-6,
    `largest difference ${dState}`,
  );
  const dKept = ok
    ? maxDiff(
        [...flat(carol.body.y), ...carol.body.state.h],
        [...flat(whole.body.y).slice(2 * 8), ...whole.body.state.h],
      )
    : Infinity;
  check(
    "examples/worker: without state in the request, continues from the state it kept for the user",
    dKept <= 1e-6,
    `largest difference ${dKept}`,
  );
  check(
    "examples/worker: bad input is a 400 naming the field",
    bad.status === 400 && /^x:/.test(bad.body.error),
    `${bad.status} ${JSON.stringify(bad.body)}`,
  );
} catch (err) {
  check("runs", false, String(err && err.stack ? err.stack : err));
} finally {
  if (child && child.exitCode === null) child.kill("SIGTERM");
  app.remove();
}
finish();
