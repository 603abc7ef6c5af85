// `npm run test:workerd`: the package in Cloudflare's workerd (the `workerd` npm package, no
// wrangler). The test Worker (app/worker.mjs) is bundled with esbuild the way wrangler bundles
// (conditions workerd, worker, browser; `.wasm` imports left as wasm modules), served on 127.0.0.1
// by two services (plain build, auto-selected build), and asked over HTTP for its predictions; the
// replies are checked against Keras's numbers here, and the plain build's hash against Node's.
// A third service runs examples/worker, whose Durable Objects keep each user's stream state on disk;
// workerd-streams.mjs checks it over HTTP, restarting workerd midway.
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { basename, join } from "node:path";
import { build } from "esbuild";
import { bin, HERE, loadPicked, makeApp, nodeReference, ROOT, reporter, run } from "./harness.mjs";
import { checkStreamsExample } from "./workerd-streams.mjs";

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

/** Starts `workerd serve` on the app's config; resolves once every socket answers. */
async function startWorkerd(dir, ports) {
  let log = "";
  const child = spawn(bin("workerd"), ["serve", join(dir, "config.capnp")], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const stop = () =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => {
          child.once("exit", resolve);
          child.kill("SIGTERM");
        });
  try {
    for (const port of Object.values(ports)) await waitFor(`http://127.0.0.1:${port}/`, child);
  } catch (err) {
    console.log(log);
    await stop();
    throw err;
  }
  return { pid: child.pid, log: () => log, stop };
}

const picked = loadPicked();
const app = makeApp(picked);
let workerd = null;
try {
  const ref = await nodeReference(app);
  copyFileSync(join(HERE, "app", "worker.mjs"), join(app.dir, "worker.mjs"));
  copyFileSync(join(ROOT, "examples", "worker", "worker.mjs"), join(app.dir, "example.mjs"));
  copyFileSync(join(ROOT, "examples", "worker", "model.mjs"), join(app.dir, "model.mjs"));
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
      external: ["cloudflare:*"], // workerd's built-in modules (DurableObject), left to it as wrangler does
      plugins: [wasmModules(app.dir)],
      logLevel: "warning",
    });
  }
  const storage = join(app.dir, "durable-objects");
  mkdirSync(storage);
  const ports = { plain: await freePort(), auto: await freePort(), example: await freePort() };
  const modules = (main) => `[
    (name = "${main}", esModule = embed "${main}"),
    (name = "core.wasm", wasm = embed "core.wasm"),
    (name = "core-relaxed.wasm", wasm = embed "core-relaxed.wasm"),
    (name = "train.wasm", wasm = embed "train.wasm"),
    (name = "quant.wasm", wasm = embed "quant.wasm"),
    (name = "quant-relaxed.wasm", wasm = embed "quant-relaxed.wasm"),
  ]`;
  const worker = (simd) =>
    `(modules = ${modules("bundle.mjs")}, compatibilityDate = "2025-01-01", bindings = [(name = "SIMD", text = "${simd}")])`;
  // The example as its wrangler.toml declares it (class StreamState behind the binding STREAMS,
  // SQLite-backed), its storage in a folder on disk so that it outlives a restart of workerd.
  const example = `(
      modules = ${modules("example-bundle.mjs")},
      compatibilityDate = "2025-01-01",
      bindings = [(name = "STREAMS", durableObjectNamespace = "StreamState")],
      durableObjectNamespaces = [(className = "StreamState", uniqueKey = "wasm-rnn-example-streams", enableSql = true)],
      durableObjectStorage = (localDisk = "example-storage"),
    )`;
  writeFileSync(
    join(app.dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "plain", worker = ${worker("plain")}),
    (name = "auto", worker = ${worker("auto")}),
    (name = "example", worker = ${example}),
    (name = "example-storage", disk = (path = "${storage}", writable = true)),
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
  workerd = await startWorkerd(app.dir, ports);

  const keras = picked.tutorial.find((c) => c.name === "tutorial_both");
  for (const simd of ["plain", "auto"]) {
    const res = await fetch(`http://127.0.0.1:${ports[simd]}/checks`);
    const text = await res.text();
    const report = res.ok ? JSON.parse(text) : null;
    if (!report) console.log(`HTTP ${res.status}: ${text}\n${workerd.log()}`);
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

  // examples/worker: each user's stream state in a Durable Object, across a restart of workerd
  await checkStreamsExample({
    check,
    appDir: app.dir,
    url: `http://127.0.0.1:${ports.example}`,
    restart: async () => {
      const before = workerd.pid;
      await workerd.stop();
      workerd = await startWorkerd(app.dir, ports);
      return { before, after: workerd.pid };
    },
    log: () => workerd.log(),
  });
} catch (err) {
  check("runs", false, String(err && err.stack ? err.stack : err));
  if (workerd) console.log(workerd.log());
} finally {
  await workerd?.stop();
  app.remove();
}
finish();
