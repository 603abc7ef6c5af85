// LSTM forward benchmark: wasm-rnn against onnxruntime-node, onnxruntime-web and tfjs-backend-wasm,
// and against the machine's own WebAssembly SIMD128 peak (peak.mjs), measured in this process.
//
//   npm run bench              full run (a few minutes): results/<date>.json, latest.svg, benny-<date>.json
//   npm run bench -- --quick   under a minute: fewer, shorter rounds, no benny, no shape d (relaxed SIMD on b,
//                              two threads on c); results/<date>-quick.json
//   node bench/run.mjs --shapes=b,c   only some shapes (needs `npm run build` first)
//   node bench/run.mjs --profile      where the time goes: the kernels' parts timed apart (profile.mjs);
//                                     --cells=LSTM,GRU,SimpleRNN and --shapes=a,b,c,d pick some;
//                                     --profile --train: the LSTM backward's pieces;
//                                     --profile --train: the LSTM backward's pieces
//
// Why the timing is done this way (timing.mjs): the machine is shared and noisy (absolute times
// drift 10-50 % between runs), so all implementations run in ONE process, in short blocks
// interleaved round by round, and the comparison is the ratio of their medians. The peak kernel is
// one more entry of every shape's rounds, so a shape's share of the peak compares two numbers
// measured under the same load; the peak is also measured alone at the start and at the end.
// After the LSTM shapes and the GRU/SimpleRNN cells: int8 against onnxruntime-node's float32
// (quant-speed.mjs, both SIMD builds; results/quant-speed-<date>.json).
// benny (benchmark.js) runs each case on its own, one after the other; its ops/s are recorded as
// a second opinion but never used for the ratios.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  loadOrtNode,
  loadOrtWeb,
  loadOurs,
  loadTfjsWasm,
  machineInfo,
  ortNodeNotNative,
  rng,
  uniform,
} from "./adapters.mjs";
import { loadPeak, peakNow } from "./peak.mjs";
import { fmtMs, fmtNum, gflopsTable, markdownTable, peakLine, svgChart, targetsTable } from "./report.mjs";
import { targetRows } from "./targets.mjs";
import { CPU_CLOCK, interleave, pairedRatio } from "./timing.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(HERE, "results");

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const onlyArg = args.find((a) => a.startsWith("--shapes="));
// Measurements that need their own process (see runChildren): --child=relaxed|threads|memory --out=FILE
const CHILD = args.find((a) => a.startsWith("--child="))?.slice(8);
const CHILD_OUT = args.find((a) => a.startsWith("--out="))?.slice(6);
const PROFILE = args.includes("--profile");
// --clock=wall times by the wall clock instead of the main thread's CPU time (timing.mjs says why cpu)
const CLOCK = args.find((a) => a.startsWith("--clock="))?.slice(8) ?? "cpu";
if (CLOCK !== "cpu" && CLOCK !== "wall") throw new Error(`--clock: expected cpu or wall, got ${CLOCK}`);

const SHAPES = [
  { name: "a", B: 1, T: 3, I: 1, H: 1 },
  { name: "b", B: 1, T: 100, I: 32, H: 128 },
  { name: "c", B: 32, T: 50, I: 64, H: 256 },
  { name: "d", B: 64, T: 100, I: 128, H: 512 },
  { name: "step", B: 1, T: 1, I: 32, H: 128 }, // one streaming step
].filter((s) =>
  onlyArg
    ? onlyArg.slice(9).split(",").includes(s.name)
    : // d is half of a quick run on its own (a second per forward for the slowest peers, in four processes)
      !(QUICK && s.name === "d"),
);

// blockMs: a block of calls lasts at least this long (a call longer than it is a block of one);
// rounds repeat until minRounds and budgetMs are both reached.
const SETTINGS = QUICK
  ? { blockMs: 2, minRounds: 5, budgetMs: 400, warmupMs: 30, benny: false, clock: CLOCK }
  : { blockMs: 5, minRounds: 15, budgetMs: 3000, warmupMs: 150, benny: true, clock: CLOCK };

const TOLERANCE = 1e-4; // max abs difference to ours before a peer's numbers count

// ---- data -------------------------------------------------------------------------------------

/** Keras-layout weights uniform(-0.1, 0.1) and input uniform(-1, 1), seeded per shape. */
function makeData({ B, T, I, H }, seed) {
  const rand = rng(seed);
  const weights = {
    kernel: uniform(rand, I * 4 * H, -0.1, 0.1),
    recurrent: uniform(rand, H * 4 * H, -0.1, 0.1),
    bias: uniform(rand, 4 * H, -0.1, 0.1),
  };
  return { weights, x: uniform(rand, B * T * I, -1, 1) };
}

/** The two matmuls per step (input and recurrent projection); gate math is not counted. */
const flops = ({ B, T, I, H }) => 2 * T * B * 4 * H * (I + H);

async function runOnce(ad) {
  return ad.async ? await ad.run() : ad.run();
}

function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

// ---- main -------------------------------------------------------------------------------------

async function loadAll(only) {
  const adapters = [];
  const skipped = {};
  // Order matters: onnxruntime-node must register its native `cpu` backend before onnxruntime-web
  // is imported (they share onnxruntime-common; the first to register keeps it).
  const loaders = [
    ["ours", loadOurs],
    ["ort-node", loadOrtNode],
    ["ort-web", loadOrtWeb],
    ["tfjs-wasm", loadTfjsWasm],
  ].filter(([name]) => !only || only.includes(name));
  for (const [name, load] of loaders) {
    try {
      adapters.push(await load());
    } catch (e) {
      if (name === "ours") throw e; // without ours there is nothing to compare against
      skipped[name] = `cannot load: ${e?.message ?? e}`;
      console.log(`SKIP ${name}: ${skipped[name]}`);
    }
  }
  return { adapters, skipped };
}

async function benchShape(shape, adapters, skipped, bennyDir, peak) {
  const { weights, x } = makeData(shape, 0x5eed + shape.name.charCodeAt(0) * 131 + shape.H);
  const reference0 = adapters[0].name;
  const label = `${shape.name} B${shape.B} T${shape.T} I${shape.I} H${shape.H}`;
  console.log(`\n== ${label}  (${fmtNum(flops(shape) / 1e6, 3)} MFLOP per forward)`);

  const notes = {};
  const active = [];
  let reference = null;
  for (const ad of adapters) {
    if (skipped[ad.name]) continue;
    try {
      await ad.setup(shape, weights, x);
      const out = ad.toBTH(await runOnce(ad));
      if (ad.name === reference0) {
        reference = out;
        active.push(ad);
        continue;
      }
      if (ad.name === "ort-node") {
        const why = ortNodeNotNative(ad);
        if (why) throw new Error(`onnxruntime-node is not running natively: ${why}`);
      }
      const diff = maxAbsDiff(reference, out);
      const ok = diff < TOLERANCE;
      console.log(
        `check ${shape.name}: ${ad.name.padEnd(9)} max|ours - ${ad.name}| = ${diff.toExponential(2)} ${ok ? "ok" : "MISMATCH"}`,
      );
      notes[ad.name] = { maxAbsDiff: diff };
      if (!ok) throw new Error(`output differs from ours by ${diff} (tolerance ${TOLERANCE})`);
      active.push(ad);
    } catch (e) {
      notes[ad.name] = { ...notes[ad.name], skipped: e?.message ?? String(e) };
      console.log(`SKIP ${ad.name} on ${shape.name}: ${notes[ad.name].skipped}`);
      try {
        ad.dispose();
      } catch {}
    }
  }

  // Interleaved rounds of short blocks (timing.mjs), the peak kernel among them.
  const entries = peak ? [...active, peak.entry] : active;
  const timed = await interleave(entries, SETTINGS);
  const peakTimed = peak ? timed.get(peak.entry) : null;
  const peakGflops = peakTimed ? peak.flopPerCall / (peakTimed.medianMs * 1e6) : undefined;
  const oursTimed = timed.get(active[0]);
  const results = {};
  for (const ad of active) {
    const t = timed.get(ad);
    const gflops = flops(shape) / (t.medianMs * 1e6);
    results[ad.name] = {
      medianMs: t.medianMs,
      minMs: t.minMs,
      maxMs: t.maxMs,
      wallMedianMs: t.wallMedianMs,
      cpuMedianMs: t.cpuMedianMs,
      cpuOverWall: t.cpuOverWall,
      gflops,
      shareOfPeak: peakGflops ? gflops / peakGflops : undefined,
      callsPerBlock: t.callsPerBlock,
      blocksMs: t.samples,
      ...notes[ad.name],
    };
    const share = peakGflops ? `, ${((100 * gflops) / peakGflops).toFixed(1)} % of peak` : "";
    console.log(
      `${ad.name.padEnd(9)} median ${fmtMs(t.medianMs).padStart(7)} ms  (min ${fmtMs(t.minMs)}, max ${fmtMs(t.maxMs)}, ` +
        `${t.samples.length} blocks of ${t.callsPerBlock})  ${fmtNum(gflops, 3)} GFLOP/s${share}`,
    );
  }
  if (peakTimed) {
    console.log(
      `${"peak".padEnd(9)} ${fmtNum(peakGflops, 3)} GFLOP/s in the same rounds (${peakTimed.samples.length} blocks)`,
    );
  }
  for (const [name, note] of Object.entries(notes)) if (note.skipped) results[name] = note;
  const ratios = {};
  const pairedRatios = {};
  for (const ad of active) {
    if (ad.name === reference0) continue;
    ratios[`${reference0}/${ad.name}`] = results[reference0].medianMs / results[ad.name].medianMs;
    pairedRatios[`${reference0}/${ad.name}`] = pairedRatio(oursTimed.samples, timed.get(ad).samples);
  }

  if (bennyDir) await runBenny(shape, label, active, bennyDir);

  const entry = {
    ...shape,
    mflop: flops(shape) / 1e6,
    peakGflops,
    peakMsPerCall: peakTimed?.medianMs,
    results,
    ratios,
    pairedRatios,
  };
  if (shape.name === "d") {
    // After the largest shape, while its models are still alive: wasm memory only grows, so this
    // is also the peak. RSS counts every runtime in the process (all peers included).
    const ours = adapters[0];
    entry.memory = { oursWasmBytes: ours.memoryBytes(), processRssBytes: process.memoryUsage().rss };
    console.log(
      `memory after d: wasm-rnn wasm memory ${(entry.memory.oursWasmBytes / 2 ** 20).toFixed(1)} MiB, process RSS ` +
        `${(entry.memory.processRssBytes / 2 ** 20).toFixed(0)} MiB`,
    );
  }
  if (!CHILD || CHILD !== "memory") for (const ad of active) ad.dispose();
  return entry;
}

/** benny suite for one shape (sequential, not interleaved), saved in benny's own JSON format. */
async function runBenny(shape, label, active, dir) {
  const mod = await import("benny");
  const b = mod.default ?? mod;
  const cases = active.map((ad) =>
    ad.async
      ? b.add(ad.name, async () => {
          await ad.run();
        })
      : b.add(ad.name, () => {
          ad.run();
        }),
  );
  await b.suite(
    `LSTM forward ${label}`,
    ...cases,
    b.configure({ cases: { minSamples: 5, maxTime: 1 } }), // seconds per case: keeps the full run to minutes
    // One compact line instead of benny's live progress display (escape codes in logs).
    b.complete((summary) => {
      const cases = summary.results.map((r) => `${r.name} ${fmtNum(r.ops)} ops/s ±${r.margin}%`);
      console.log(`benny ${shape.name}: ${cases.join(", ")}`);
    }),
    b.save({ file: shape.name, folder: dir, format: "json", version: active[0].version }),
  );
}

// ---- measurements in their own process ----------------------------------------------------------
//
// relaxed: Node 20 runs relaxed SIMD only with --experimental-wasm-relaxed-simd, and a process runs
//          one build; ours (relaxed) against onnxruntime-node on b and d.
// threads: ready({ threads: 2 }) runs the threads build; ours on one thread against ours on two,
//          interleaved, on c and d.
// memory:  ours alone on d, so the RSS is ours and not every runtime's.

const CHILDREN = QUICK
  ? {
      relaxed: { flags: ["--experimental-wasm-relaxed-simd"], env: { WASM_RNN_SIMD: "relaxed" }, shapes: "b" },
      threads: { flags: [], env: {}, shapes: "c" },
    }
  : {
      relaxed: { flags: ["--experimental-wasm-relaxed-simd"], env: { WASM_RNN_SIMD: "relaxed" }, shapes: "b,d" },
      threads: { flags: [], env: {}, shapes: "c,d" },
      memory: { flags: [], env: {}, shapes: "d" },
    };

async function runChild(kind) {
  let adapters;
  let skipped = {};
  if (kind === "relaxed") ({ adapters, skipped } = await loadAll(["ours", "ort-node"]));
  else if (kind === "threads") {
    adapters = [
      await loadOurs({ name: "ours-1t", label: "wasm-rnn, 1 thread", readyOptions: { threads: 2 }, threadsOn: false }),
      await loadOurs({ name: "ours-2t", label: "wasm-rnn, 2 threads", readyOptions: { threads: 2 }, threadsOn: true }),
    ];
  } else adapters = [await loadOurs()];
  const lib = await import("../dist/index.js");
  // the relaxed build is measured against the relaxed peak (fused multiply-add)
  const peak = kind === "relaxed" ? await loadPeak("relaxed") : kind === "threads" ? null : await loadPeak("plain");
  // two threads are timed by the wall clock: CPU time would count both threads' work
  if (kind === "threads") SETTINGS.clock = "wall";
  const shapes = [];
  for (const shape of SHAPES) shapes.push(await benchShape(shape, adapters, skipped, null, peak));
  const out = { kind, build: lib.coreInfo(), clock: SETTINGS.clock, shapes };
  if (kind === "memory") {
    out.memory = { oursWasmBytes: adapters[0].memoryBytes(), processRssBytes: process.memoryUsage().rss };
  }
  writeFileSync(CHILD_OUT, JSON.stringify(out));
}

function runChildren() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasm-rnn-bench-"));
  const results = {};
  for (const [kind, spec] of Object.entries(CHILDREN)) {
    const out = path.join(dir, `${kind}.json`);
    console.log(`\n#### ${kind} (own process)`);
    try {
      execFileSync(
        process.execPath,
        [
          ...spec.flags,
          fileURLToPath(import.meta.url),
          `--child=${kind}`,
          `--out=${out}`,
          `--shapes=${spec.shapes}`,
          ...(QUICK ? ["--quick"] : []),
        ],
        {
          stdio: "inherit",
          env: { ...process.env, ...spec.env },
        },
      );
      results[kind] = JSON.parse(readFileSync(out, "utf8"));
    } catch (e) {
      results[kind] = { error: e?.message ?? String(e) };
      console.log(`${kind} measurement failed: ${results[kind].error}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return results;
}

async function main() {
  if (CHILD) return runChild(CHILD);
  if (PROFILE) {
    const { runProfile, runTrainProfile } = await import("./profile.mjs");
    if (args.includes("--train"))
      return runTrainProfile({ quick: QUICK, only: onlyArg?.slice(9).split(","), clock: CLOCK });
    const cells = args
      .find((a) => a.startsWith("--cells="))
      ?.slice(8)
      .split(",");
    return runProfile({ quick: QUICK, only: onlyArg?.slice(9).split(","), cells, clock: CLOCK });
  }
  const { adapters, skipped } = await loadAll();
  const date = new Date().toISOString().slice(0, 10);
  console.log(
    `wasm-rnn LSTM bench${QUICK ? " (quick)" : ""}: interleaved rounds of blocks >= ${SETTINGS.blockMs} ms ` +
      `(at least ${SETTINGS.minRounds} rounds and ${SETTINGS.budgetMs} ms per shape)`,
  );
  console.log(`implementations: ${adapters.map((a) => `${a.name} ${a.version}`).join(", ")}`);
  const peak = await loadPeak("plain");
  const peakStart = { ...peakNow(peak, { clock: CLOCK }), loadAvg: os.loadavg() };
  console.log(peakLine("start", peakStart));

  const bennyDir = SETTINGS.benny ? mkdtempSync(path.join(os.tmpdir(), "wasm-rnn-benny-")) : null;
  const shapes = [];
  for (const shape of SHAPES) shapes.push(await benchShape(shape, adapters, skipped, bennyDir, peak));
  const memoryAtEnd = { oursWasmBytes: adapters[0].memoryBytes(), processRssBytes: process.memoryUsage().rss };

  const children = runChildren();
  // GRU and SimpleRNN against onnxruntime and the same peak, unless only some LSTM shapes were asked for
  const cells = onlyArg ? null : await (await import("./cells.mjs")).benchCells({ quick: QUICK, peak, clock: CLOCK });
  // Conv1D and MultiHeadAttention against onnxruntime on the same ONNX graph, and the same peak
  const layers = onlyArg
    ? null
    : await (await import("./layers.mjs")).benchLayers({ quick: QUICK, peak, clock: CLOCK });
  // int8 against onnxruntime-node float32, both builds (quant-speed.mjs: relaxed in its own process)
  const quant = onlyArg ? null : await (await import("./quant-speed.mjs")).benchQuant({ quick: QUICK, clock: CLOCK });
  const peakEnd = { ...peakNow(peak, { clock: CLOCK }), loadAvg: os.loadavg() };
  const targets = targetRows(shapes, children, cells?.rows ?? [], layers?.rows ?? []);

  const implementations = adapters.map((a) => a.name);
  const results = {
    date,
    quick: QUICK,
    machine: {
      ...machineInfo(),
      wasmRnn: adapters.find((a) => a.name === "ours")?.version ?? null,
      peers: Object.fromEntries(adapters.filter((a) => a.name !== "ours").map((a) => [a.name, a.version])),
    },
    settings: {
      ...SETTINGS,
      threads: 1,
      timed:
        "median ms per forward over interleaved rounds of blocks, by `clock` (cpu: the process's CPU time; " +
        "wall: the wall clock; both medians are kept); ours/tfjs include copying the [B,T,I] input in and " +
        "the output out; onnxruntime gets the input already time-major [T,B,I] (transpose done once, untimed)",
      tolerance: TOLERANCE,
      seed: "mulberry32, per shape; weights U(-0.1,0.1), input U(-1,1)",
      gflops: "2*T*B*4H*(I+H) / median time",
      peak: "2x16 f32x4 multiply+add register tile over L1-resident data (peak.mjs), one entry of every shape's rounds",
      shareOfPeak: "GFLOP/s / the peak kernel's GFLOP/s in the same rounds",
      cpuClock: CPU_CLOCK,
      ratios: "time ratios ours_ms / peer_ms: below 1 means ours is faster (pairedRatios: median of per-round ratios)",
    },
    peak: { start: peakStart, end: peakEnd },
    implementations,
    labels: Object.fromEntries(adapters.map((a) => [a.name, `${a.label} ${a.version ?? ""}`.trim()])),
    skipped,
    shapes,
    memoryAtEnd,
    relaxed: children.relaxed,
    threads: children.threads,
    oursAloneOnD: children.memory?.memory,
    cells: cells?.rows,
    layers: layers?.rows,
    quant: quant && { file: path.relative(HERE, quant.file), goal: quant.goalLine },
    targets,
  };

  mkdirSync(RESULTS, { recursive: true });
  const jsonPath = path.join(RESULTS, QUICK ? `${date}-quick.json` : `${date}.json`);
  writeFileSync(jsonPath, JSON.stringify(results, null, 2) + "\n");
  const written = [jsonPath];
  if (!QUICK) {
    writeFileSync(path.join(RESULTS, "latest.svg"), svgChart(results));
    written.push(path.join(RESULTS, "latest.svg"));
  }
  if (bennyDir) {
    // One benny suite per shape (so its "fastest"/"percentSlower" compare like with like); the file
    // holds benny's saved JSON of each suite, in shape order.
    const suites = SHAPES.filter((s) => readdirSync(bennyDir).includes(`${s.name}.json`)).map((s) =>
      JSON.parse(readFileSync(path.join(bennyDir, `${s.name}.json`), "utf8")),
    );
    const bennyPath = path.join(RESULTS, `benny-${date}.json`);
    writeFileSync(bennyPath, JSON.stringify(suites, null, 2) + "\n");
    rmSync(bennyDir, { recursive: true, force: true });
    written.push(bennyPath);
  }

  console.log(
    `\n## LSTM forward, float32, 1 thread — ${results.machine.cpu} (${results.machine.cpuId}), Node ${results.machine.node}, ` +
      `${date}${QUICK ? " (quick)" : ""}\n`,
  );
  console.log(`${peakLine("start", peakStart)}\n${peakLine("end", peakEnd)}\n`);
  console.log(markdownTable(shapes));
  console.log("");
  console.log(gflopsTable(shapes, implementations));
  console.log(
    "\nRatios are ours_ms / peer_ms from the interleaved medians: below 1 = ours faster. Share of peak: GFLOP/s over the" +
      " peak kernel's in the same rounds.",
  );
  const d = shapes.find((s) => s.name === "d");
  if (d?.memory) {
    console.log(
      `Memory after d: wasm-rnn wasm memory ${(d.memory.oursWasmBytes / 2 ** 20).toFixed(1)} MiB (peak: it never shrinks), process ` +
        `RSS ${(d.memory.processRssBytes / 2 ** 20).toFixed(0)} MiB (all runtimes).`,
    );
  }
  const mem = children.memory?.memory;
  if (mem) {
    console.log(
      `Memory, ours alone on d (own process): wasm memory ${(mem.oursWasmBytes / 2 ** 20).toFixed(1)} MiB (peak), process RSS ` +
        `${(mem.processRssBytes / 2 ** 20).toFixed(0)} MiB.`,
    );
  }
  if (cells) console.log(`\n${cells.table}`);
  if (layers) console.log(`\n${layers.table}`);
  if (quant)
    console.log(
      `\n## int8 LSTM against onnxruntime-node float32, 1 thread\n\n${quant.table}\n\nGoal: ${quant.goalLine}`,
    );
  if (quant) written.push(quant.file);
  console.log(`\n## Targets (issue 17)\n\n${targetsTable(targets)}`);
  for (const [name, why] of Object.entries(skipped)) console.log(`Skipped ${name}: ${why}`);
  console.log(`\nwrote ${written.map((p) => path.relative(process.cwd(), p)).join(", ")}`);
}

const STARTED = performance.now();
main()
  .then(() => {
    if (!CHILD)
      console.log(`\nbench: ${((performance.now() - STARTED) / 1000).toFixed(0)} s${QUICK ? " (quick)" : ""}`);
  })
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
