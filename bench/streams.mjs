// Per-stream inference cost: StreamPool.step and stepMany against onnxruntime-node and -web running
// the same ONNX LSTM with the states fed in and out (the implementations: stream-impls.mjs).
//
//   npm run bench:streams              full run (~2 minutes): results/streams-<date>.json, benny-streams-<date>.json
//   npm run bench:streams -- --quick   under 30 s: fewer, shorter blocks, no benny; results/streams-<date>-quick.json
//
// Each call advances N streams (1, 8, 64, 512) of an LSTM (32 or 128 units, 16 input features) by
// one step; the table gives µs per stream-step. Timing as in run.mjs: all implementations of a row
// in one process, interleaved in blocks of back-to-back calls (A B C ..., B C ... A, ...), the
// median over rounds; ratios come from those medians. benny runs each case on its own afterwards as
// a second opinion (full runs only) and never gives the ratios.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { machineInfo, ORT_OPTIONS, ortNodeNotNative, rng, uniform, versionOf } from "./adapters.mjs";
import { createStepSession, ortBatched, ortPerStream, oursStreams } from "./stream-impls.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const QUICK = process.argv.includes("--quick");
// Blocks of 20 ms or more: on a loaded machine a few-ms block is often mostly time spent descheduled
// (blocks of 4 ms measured a single step 10-20x slower than blocks of 100 ms, with other jobs running).
const SETTINGS = QUICK
  ? { rounds: 5, blockMs: 20, warmupMs: 50, warmupTotalMs: 1500, benny: false }
  : { rounds: 15, blockMs: 50, warmupMs: 200, warmupTotalMs: 3000, benny: true };
const UNITS = [32, 128];
const STREAMS = [1, 8, 64, 512];
const FEATURES = 16;
const CHECK_STEPS = 3;
const TOLERANCE = 1e-4; // max abs difference to ours (outputs and states) before a peer's numbers count
// Issue 15: one stepMany over 64 streams against 64 step calls
const REQUIRED = [
  { H: 32, N: 64, atLeast: 4 },
  { H: 128, N: 64, atLeast: 1 },
];

const now = () => performance.now();

/**
 * Mean ms per call over back-to-back calls filling at least `ms` of wall-clock time, and the
 * process's CPU time per call (every thread: onnxruntime's and V8's too). Sync implementations are
 * not awaited.
 */
async function timeBlock(impl, ms) {
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t0 = now();
  let t = t0;
  do {
    if (impl.async) await impl.run();
    else impl.run();
    n++;
    t = now();
  } while (t - t0 < ms);
  const cpu = process.cpuUsage(cpu0);
  return { wall: (t - t0) / n, cpu: (cpu.user + cpu.system) / 1000 / n };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** onnxruntime-node, then -web (the order matters: see adapters.mjs), one thread each; [] if absent. */
async function loadPeers(skipped) {
  const peers = [];
  for (const [name, pkg, provider] of [
    ["ort-node", "onnxruntime-node", "cpu"],
    ["ort-web", "onnxruntime-web", "wasm"],
  ]) {
    try {
      const mod = await import(pkg);
      const ort = mod.default ?? mod;
      if (name === "ort-web") {
        ort.env.wasm.numThreads = 1;
        ort.env.wasm.proxy = false;
      }
      peers.push({ name, ort, version: versionOf(pkg), options: { ...ORT_OPTIONS, executionProviders: [provider] } });
    } catch (e) {
      skipped[name] = `cannot load: ${e?.message ?? e}`;
      console.log(`SKIP ${name}: ${skipped[name]}`);
    }
  }
  return peers;
}

/** The model, its weights (Keras layout, U(-0.1, 0.1)) and a batch-1 session per peer, for H units. */
async function setupUnits(lib, peers, H) {
  const rand = rng(0x57ea + H);
  const w = {
    kernel: uniform(rand, FEATURES * 4 * H, -0.1, 0.1),
    recurrent: uniform(rand, H * 4 * H, -0.1, 0.1),
    bias: uniform(rand, 4 * H, -0.1, 0.1),
  };
  const x = lib.Input({ shape: [null, FEATURES] });
  const lstm = new lib.LSTM({ units: H });
  const model = new lib.Model({ inputs: x, outputs: lstm.apply(x) });
  lstm.setWeights([
    lib.tensor(w.kernel, [FEATURES, 4 * H]),
    lib.tensor(w.recurrent, [H, 4 * H]),
    lib.tensor(w.bias, [4 * H]),
  ]);
  const single = new Map();
  for (const peer of peers) single.set(peer, await createStepSession(peer, { B: 1, I: FEATURES, H }, w));
  return { model, w, single };
}

/** Runs CHECK_STEPS steps from zero states on every implementation; drops peers that differ from ours. */
async function checkRow(impls, dims, rand, notes) {
  const inputs = Array.from({ length: CHECK_STEPS }, () => uniform(rand, dims.N * FEATURES, -1, 1));
  const reads = [];
  for (const impl of impls) {
    for (const x of inputs) {
      impl.feed(x);
      if (impl.async) await impl.run();
      else impl.run();
    }
    reads.push(impl.read());
  }
  const ref = reads[0];
  const kept = [impls[0]];
  impls.forEach((impl, i) => {
    if (i === 0) return;
    const diff = Math.max(...["y", "h", "c"].map((k) => maxAbsDiff(reads[i][k], ref[k])));
    const ok = diff < TOLERANCE;
    notes[impl.name] = { maxAbsDiff: diff };
    console.log(
      `check H${dims.H} N${dims.N}: ${impl.name.padEnd(19)} max|ours - it| over y, h, c after ${CHECK_STEPS} steps = ` +
        `${diff.toExponential(2)} ${ok ? "ok" : "MISMATCH"}`,
    );
    // ours' own step path must agree as well; a mismatch there is a bug to report, so it stays timed
    if (ok || impl.name.startsWith("ours")) kept.push(impl);
    else notes[impl.name].skipped = `differs from ours by ${diff}`;
  });
  return kept;
}

/** Every implementation for N streams of `unit`, and the sessions made for them (to release). */
async function makeImpls(lib, peers, unit, N) {
  const dims = { N, I: FEATURES, H: unit.H };
  const impls = [oursStreams(lib, unit.model, dims, "many"), oursStreams(lib, unit.model, dims, "step")];
  const sessions = [];
  for (const peer of peers) {
    const batched =
      N === 1 ? unit.single.get(peer) : await createStepSession(peer, { B: N, I: FEATURES, H: unit.H }, unit.w);
    if (N !== 1) sessions.push(batched);
    if (peer.name === "ort-node") {
      const why = ortNodeNotNative({ session: () => batched });
      if (why) throw new Error(`onnxruntime-node is not running natively: ${why}`);
    }
    impls.push(ortBatched(peer, batched, dims), ortPerStream(peer, unit.single.get(peer), dims));
  }
  return { impls, sessions };
}

/**
 * Untimed blocks of every implementation on 8 streams until WARMUP_MS have passed: a new process
 * (or new sessions) runs several times slower for its first second or so (JIT tiers, the peers'
 * wasm compiled again in the background), which would otherwise land in the first row measured.
 */
async function warmUp(lib, peers, unit) {
  const { impls, sessions } = await makeImpls(lib, peers, unit, 8);
  const x = uniform(rng(1), 8 * FEATURES, -1, 1);
  for (const impl of impls) impl.feed(x);
  const t0 = now();
  while (now() - t0 < SETTINGS.warmupTotalMs) for (const impl of impls) await timeBlock(impl, SETTINGS.blockMs);
  for (const impl of impls) impl.dispose();
  for (const s of sessions) await s.release();
}

async function benchRow(lib, peers, unit, N, bennyDir) {
  const { H } = unit;
  const dims = { N, I: FEATURES, H };
  const rand = rng(0xb0b + 17 * N + H);
  const { impls, sessions } = await makeImpls(lib, peers, unit, N);
  console.log(`\n== LSTM ${H} units, ${FEATURES} features, ${N} stream${N > 1 ? "s" : ""}, one step each per call`);
  const notes = {};
  const active = await checkRow(impls, { ...dims }, rand, notes);
  const x = uniform(rand, N * FEATURES, -1, 1);
  for (const impl of active) impl.feed(x);

  for (const impl of active) await timeBlock(impl, SETTINGS.warmupMs);
  const samples = new Map(active.map((impl) => [impl, []]));
  for (let r = 0; r < SETTINGS.rounds; r++) {
    for (let k = 0; k < active.length; k++) {
      const impl = active[(r + k) % active.length];
      samples.get(impl).push(await timeBlock(impl, SETTINGS.blockMs));
    }
  }
  const us = (ms) => (ms * 1000) / N;
  const results = Object.fromEntries(
    active.map((impl) => {
      const wall = samples.get(impl).map((b) => b.wall);
      const cpu = samples.get(impl).map((b) => b.cpu);
      return [
        impl.name,
        {
          usPerStreamStep: us(median(wall)),
          minUs: us(Math.min(...wall)),
          maxUs: us(Math.max(...wall)),
          cpuUsPerStreamStep: us(median(cpu)),
          samplesMs: wall,
          cpuSamplesMs: cpu,
        },
      ];
    }),
  );
  const ratiosOf = (key) => {
    const t = (name) => results[name]?.[key];
    const ratio = (a, b) => (t(a) && t(b) ? t(a) / t(b) : undefined);
    return {
      "ours step / ours stepMany": ratio("ours step", "ours stepMany"),
      "ours stepMany / ort-node batched": ratio("ours stepMany", "ort-node batched"),
      "ours stepMany / ort-web batched": ratio("ours stepMany", "ort-web batched"),
      "ours step / ort-node per stream": ratio("ours step", "ort-node per stream"),
      "ours step / ort-web per stream": ratio("ours step", "ort-web per stream"),
    };
  };
  const ratios = ratiosOf("usPerStreamStep");
  const cpuRatios = ratiosOf("cpuUsPerStreamStep");
  for (const [name, r] of Object.entries(results))
    console.log(
      `  ${name.padEnd(19)} ${fmt(r.usPerStreamStep)} µs per stream-step (${fmt(r.minUs)} .. ${fmt(r.maxUs)}), ` +
        `CPU ${fmt(r.cpuUsPerStreamStep)} µs`,
    );
  if (bennyDir) await runBenny(`H${H}-N${N}`, active, bennyDir);
  for (const impl of active) impl.dispose();
  for (const s of sessions) await s.release();
  return { H, N, I: FEATURES, results, ratios, cpuRatios, checks: notes };
}

/** benny suite for one row (sequential, not interleaved), in benny's own saved JSON. */
async function runBenny(name, active, dir) {
  const mod = await import("benny");
  const b = mod.default ?? mod;
  await b.suite(
    `streams ${name}`,
    ...active.map((impl) =>
      impl.async
        ? b.add(impl.name, async () => {
            await impl.run();
          })
        : b.add(impl.name, () => {
            impl.run();
          }),
    ),
    b.configure({ cases: { minSamples: 5, maxTime: 0.5 } }),
    b.complete((summary) => {
      console.log(`  benny: ${summary.results.map((r) => `${r.name} ${fmt(r.ops)} ops/s ±${r.margin}%`).join(", ")}`);
    }),
    b.save({ file: name, folder: dir, format: "json" }),
  );
}

const fmt = (v) => (v === undefined ? "-" : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** Markdown table of µs per stream-step (`key` of each result) and the ratios (`ratiosKey` of each row). */
function table(rows, key, ratiosKey) {
  const cols = [
    "ours stepMany",
    "ours step",
    "ort-node batched",
    "ort-node per stream",
    "ort-web batched",
    "ort-web per stream",
  ];
  const ratioCols = Object.keys(rows[0][ratiosKey]);
  const lines = [
    `| units | streams | ${cols.join(" | ")} | ${ratioCols.join(" | ")} |`,
    `|---:|---:|${cols.map(() => "---:").join("|")}|${ratioCols.map(() => "---:").join("|")}|`,
  ];
  for (const r of rows)
    lines.push(
      `| ${r.H} | ${r.N} | ${cols.map((c) => fmt(r.results[c]?.[key])).join(" | ")} | ` +
        `${ratioCols.map((c) => (r[ratiosKey][c] === undefined ? "-" : r[ratiosKey][c].toFixed(2))).join(" | ")} |`,
    );
  return lines.join("\n");
}

async function main() {
  const lib = await import("../dist/index.js");
  await lib.ready();
  const skipped = {};
  const peers = await loadPeers(skipped);
  const started = now();
  console.log(
    `wasm-rnn per-stream bench${QUICK ? " (quick)" : ""}: ${SETTINGS.rounds} interleaved rounds of blocks >= ${SETTINGS.blockMs} ms, ` +
      `build ${lib.coreInfo().build}; peers: ${peers.map((p) => `${p.name} ${p.version}`).join(", ") || "none"}`,
  );
  const bennyDir = SETTINGS.benny ? mkdtempSync(path.join(os.tmpdir(), "wasm-rnn-benny-")) : null;
  const rows = [];
  for (const H of UNITS) {
    const unit = { H, ...(await setupUnits(lib, peers, H)) };
    await warmUp(lib, peers, unit);
    for (const N of STREAMS) rows.push(await benchRow(lib, peers, unit, N, bennyDir));
    for (const s of unit.single.values()) await s.release();
    unit.model.dispose();
  }
  const required = REQUIRED.map(({ H, N, atLeast }) => {
    const row = rows.find((r) => r.H === H && r.N === N);
    const value = row?.ratios["ours step / ours stepMany"];
    const cpu = row?.cpuRatios["ours step / ours stepMany"];
    const holds = (v) => (v === undefined ? null : v >= atLeast);
    return { H, N, atLeast, value, cpu, holds: holds(value), holdsInCpuTime: holds(cpu) };
  });

  const date = new Date().toISOString().slice(0, 10);
  const machine = machineInfo();
  console.log(
    `\n## Per-stream LSTM steps, float32, 1 thread — ${machine.cpu} (${machine.cpuId}), Node ${machine.node}, ` +
      `${date}${QUICK ? " (quick)" : ""}\n\nµs per stream-step (one call advances every stream by one step; ` +
      `time per call / streams); ratios of those times, below 1 = the left one faster.\n`,
  );
  console.log(table(rows, "usPerStreamStep", "ratios"));
  console.log(
    "\nThe same in CPU time (process.cpuUsage over each block, every thread; unlike wall-clock time, it does not " +
      "count time spent descheduled on a busy machine, nor a call's idle waits):\n",
  );
  console.log(table(rows, "cpuUsPerStreamStep", "cpuRatios"));
  console.log(`\n## Issue 15: one stepMany against as many step calls (load average ${os.loadavg()[0].toFixed(1)})\n`);
  const verdict = (v, holds) => (v === undefined ? "not measured" : `${v.toFixed(2)}x ${holds ? "PASS" : "FAIL"}`);
  for (const r of required)
    console.log(
      `${r.N} streams of a ${r.H}-unit LSTM, ${r.N} step calls / one stepMany (needs >= ${r.atLeast}x): ` +
        `wall-clock ${verdict(r.value, r.holds)}, CPU time ${verdict(r.cpu, r.holdsInCpuTime)}`,
    );
  for (const [name, why] of Object.entries(skipped)) console.log(`Skipped ${name}: ${why}`);

  const results = {
    date,
    quick: QUICK,
    machine: {
      ...machine,
      wasmRnn: JSON.parse(readFileSync(path.join(HERE, "..", "package.json"), "utf8")).version,
      build: lib.coreInfo().build,
      peers: Object.fromEntries(peers.map((p) => [p.name, p.version])),
    },
    settings: {
      ...SETTINGS,
      features: FEATURES,
      checkSteps: CHECK_STEPS,
      tolerance: TOLERANCE,
      timed:
        "median over interleaved rounds of the mean time per call in a block, divided by the streams; ours " +
        "includes making the step's result tensors; the peers' batched calls include gathering inputs and states " +
        "and scattering the new states",
    },
    skipped,
    rows,
    required,
    memoryAtEnd: { oursWasmBytes: lib.memoryBytes(), processRssBytes: process.memoryUsage().rss },
  };
  const dir = path.join(HERE, "results");
  mkdirSync(dir, { recursive: true });
  const written = [path.join(dir, `streams-${date}${QUICK ? "-quick" : ""}.json`)];
  writeFileSync(written[0], `${JSON.stringify(results, null, 2)}\n`);
  if (bennyDir) {
    const suites = readdirSync(bennyDir)
      .sort()
      .map((f) => JSON.parse(readFileSync(path.join(bennyDir, f), "utf8")));
    written.push(path.join(dir, `benny-streams-${date}.json`));
    writeFileSync(written[1], `${JSON.stringify(suites, null, 2)}\n`);
    rmSync(bennyDir, { recursive: true, force: true });
  }
  console.log(
    `\nwrote ${written.map((p) => path.relative(process.cwd(), p)).join(", ")} in ${((now() - started) / 1000).toFixed(1)} s`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
