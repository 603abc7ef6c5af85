// int8 speed: one LSTM (shape b by default: B1 T100 I32 H128, full output sequence) as wasm-rnn
// float32, wasm-rnn int8 (model.quantize("int8")) and onnxruntime-node float32 (native, one thread),
// on the same weights, in one process, timed as run.mjs times (timing.mjs: interleaved blocks of
// calls, the CPU clock); the ratios are medians of per-round ratios (pairedRatio). A process runs
// one build of the cores, so the plain-SIMD build is measured here and the relaxed-SIMD build in a
// child process (Node 20: --experimental-wasm-relaxed-simd), each against onnxruntime-node in its
// own rounds. Issue 17's goal: int8 on b at batch 1 <= 0.8 of onnxruntime-node's float32 time.
//
//   npm run build && node bench/quant-speed.mjs [--shapes=b,step,c] [--runs=3] [--quick] [--no-relaxed]
//
// --runs=N repeats every shape's rounds N times (the spread of the ratios across them is printed).
// The int8 output is checked against float32 first (max |int8 - float32| printed; within 0.05, the
// bound test/quant/int8.test.ts holds int8 to against Keras); onnxruntime's against float32 within
// 1e-4, else it is skipped. Results: bench/results/quant-speed-<date>.json (both builds). Run by
// `npm run bench` too (benchQuant).

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadOrtNode, machineInfo, ortNodeNotNative, rng, uniform } from "./adapters.mjs";
import { fmtMs, fmtNum } from "./report.mjs";
import { CPU_CLOCK, interleave, pairedRatio } from "./timing.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHAPES = [
  { name: "b", B: 1, T: 100, I: 32, H: 128 },
  { name: "step", B: 1, T: 1, I: 32, H: 128 },
  { name: "c", B: 32, T: 50, I: 64, H: 256 },
];
const GOAL = 0.8; // int8 / ort-node float32 on b

/** wasm-rnn's LSTM, float32 or int8: predict, input copied in and output out, as bench/adapters.mjs's. */
function ours(lib, name, quantize) {
  let model = null;
  let input = null;
  return {
    name,
    async: false,
    dot: null,
    async setup({ B, T, I, H }, w, x) {
      const inp = lib.Input({ shape: [T, I] });
      const lstm = new lib.LSTM({ units: H, returnSequences: true });
      model = new lib.Model({ inputs: inp, outputs: lstm.apply(inp) });
      lstm.setWeights([
        lib.tensor(w.kernel, [I, 4 * H]),
        lib.tensor(w.recurrent, [H, 4 * H]),
        lib.tensor(w.bias, [4 * H]),
      ]);
      if (quantize) this.dot = (await model.quantize("int8")).dot;
      input = lib.tensor(x, [B, T, I]);
    },
    run: () => model.predict(input),
    toBTH: (out) => out.data,
    dispose() {
      model?.dispose();
      model = null;
    },
  };
}

const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/**
 * Times the shapes in this process's build. Returns { build, dot, clock, rows }: per shape, per run,
 * the medians (ms) and the paired ratios int8/f32, int8/ort-node, f32/ort-node.
 */
export async function measureQuant({ quick = false, clock = "cpu", shapes = ["b"], runs = 1 } = {}) {
  const lib = await import("../dist/index.js");
  await lib.ready();
  let ort = null;
  let ortSkipped = null;
  try {
    ort = await loadOrtNode();
  } catch (err) {
    ortSkipped = err.message;
  }
  const settings = quick
    ? { blockMs: 2, minRounds: 5, budgetMs: 400, warmupMs: 30, clock }
    : { blockMs: 5, minRounds: 15, budgetMs: 3000, warmupMs: 150, clock };
  const build = lib.coreInfo().build;
  const rows = [];
  let dot = null;
  for (const shape of SHAPES.filter((s) => shapes.includes(s.name))) {
    const rand = rng(1234);
    const { B, T, I, H } = shape;
    const w = {
      kernel: uniform(rand, I * 4 * H, -0.1, 0.1),
      recurrent: uniform(rand, H * 4 * H, -0.1, 0.1),
      bias: uniform(rand, 4 * H, -0.1, 0.1),
    };
    const x = uniform(rand, B * T * I, -1, 1);
    const float = ours(lib, "f32", false);
    const int8 = ours(lib, "int8", true);
    await float.setup(shape, w, x);
    await int8.setup(shape, w, x);
    dot = int8.dot;
    const want = float.toBTH(float.run());
    const int8Err = maxDiff(int8.toBTH(int8.run()), want);
    if (!(int8Err < 0.05)) throw new Error(`${shape.name}: int8 output off float32's by ${int8Err}`);
    const entries = [float, int8];
    let skipped = ortSkipped;
    if (ort) {
      await ort.setup(shape, w, x);
      const d = maxDiff(ort.toBTH(await ort.run()), want);
      skipped = ortNodeNotNative(ort) ?? (d < 1e-4 ? null : `max |ort-node - float32| = ${d}`);
      if (!skipped) entries.push(ort);
    }
    const perRun = [];
    for (let r = 0; r < runs; r++) {
      const timed = await interleave(entries, settings);
      const s = (e) => timed.get(e).samples;
      const run = { ms: Object.fromEntries(entries.map((e) => [e.name, timed.get(e).medianMs])) };
      run.int8OverF32 = pairedRatio(s(int8), s(float));
      if (!skipped) {
        run.int8OverOrtNode = pairedRatio(s(int8), s(ort));
        run.f32OverOrtNode = pairedRatio(s(float), s(ort));
      }
      run.rounds = s(float).length;
      perRun.push(run);
    }
    rows.push({ shape, build, dot, int8MaxDiffVsF32: int8Err, ortNodeSkipped: skipped, runs: perRun });
    float.dispose();
    int8.dispose();
    ort?.dispose();
  }
  return { build, dot, clock, settings, rows };
}

/** "lo–hi" over the runs (one value when they agree at the printed precision). */
const spread = (xs, fmt = fmtNum) => {
  const v = xs.filter((x) => x !== undefined);
  if (!v.length) return "–";
  const lo = fmt(Math.min(...v)),
    hi = fmt(Math.max(...v));
  return lo === hi ? lo : `${lo}–${hi}`;
};

/** A markdown table of measureQuant results (one per build), ranges over the runs. */
export function quantTable(results) {
  const lines = [
    "| build (dot) | shape | f32 ms | int8 ms | ort-node ms | int8/f32 | int8/ort-node | f32/ort-node |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const res of results) {
    for (const r of res.rows) {
      const s = r.shape;
      const ms = (k) =>
        spread(
          r.runs.map((x) => x.ms[k]),
          fmtMs,
        );
      lines.push(
        `| ${r.build} (${r.dot}) | ${s.name}: B${s.B} T${s.T} I${s.I} H${s.H} | ${ms("f32")} | ${ms("int8")} | ` +
          `${ms("ort-node")} | ${spread(r.runs.map((x) => x.int8OverF32))} | ` +
          `${spread(r.runs.map((x) => x.int8OverOrtNode))} | ${spread(r.runs.map((x) => x.f32OverOrtNode))} |`,
      );
    }
  }
  return lines.join("\n");
}

/** The relaxed-SIMD build's measurement, in a child process (a process runs one build). */
function relaxedChild(opts) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasm-rnn-quant-"));
  const out = path.join(dir, "relaxed.json");
  try {
    execFileSync(
      process.execPath,
      [
        "--experimental-wasm-relaxed-simd",
        fileURLToPath(import.meta.url),
        `--child=${out}`,
        `--shapes=${opts.shapes.join(",")}`,
        `--runs=${opts.runs}`,
        `--clock=${opts.clock}`,
        ...(opts.quick ? ["--quick"] : []),
      ],
      { stdio: "inherit", env: { ...process.env, WASM_RNN_SIMD: "relaxed" } },
    );
    return JSON.parse(readFileSync(out, "utf8"));
  } catch (e) {
    return { error: e?.message ?? String(e) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both builds (plain here, relaxed in a child), the table, the goal's check; writes the results file. */
export async function benchQuant({
  quick = false,
  clock = "cpu",
  shapes = ["b", "step"],
  runs = 1,
  relaxed = true,
} = {}) {
  const opts = { quick, clock, shapes, runs };
  const plain = await measureQuant(opts);
  const builds = [plain];
  if (relaxed) {
    const r = relaxedChild(opts);
    if (r.error) console.log(`relaxed build skipped: ${r.error}`);
    else builds.push(r);
  }
  const b = builds.flatMap((res) => res.rows.filter((r) => r.shape.name === "b").map((r) => [res.build, r]));
  const goal = b.map(([build, r]) => {
    const worst = Math.max(...r.runs.map((x) => x.int8OverOrtNode ?? Number.NaN));
    return { build, worstInt8OverOrtNode: worst, met: worst <= GOAL };
  });
  const date = new Date().toISOString().slice(0, 10);
  // Deno and Bun run this file too (onnxruntime-node loads there as a native addon): their own file
  const runtime = globalThis.Deno ? "-deno" : globalThis.Bun ? "-bun" : "";
  const file = path.join(HERE, "results", `quant-speed-${date}${runtime}${quick ? "-quick" : ""}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  const json = {
    date,
    quick,
    runtime: globalThis.Deno
      ? `deno ${Deno.version.deno}`
      : globalThis.Bun
        ? `bun ${Bun.version}`
        : `node ${process.version}`,
    machine: machineInfo(),
    cpuClock: CPU_CLOCK,
    goal: { b: GOAL, builds: goal },
    builds,
  };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  const table = quantTable(builds);
  const goalLine = goal
    .map(
      (g) =>
        `${g.build}: int8/ort-node ${g.worstInt8OverOrtNode.toFixed(3)} (worst run) ${g.met ? "meets" : "misses"} <= ${GOAL}`,
    )
    .join("; ");
  return { builds, table, goalLine, file };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const arg = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const opts = {
    quick: args.includes("--quick"),
    clock: arg("clock", "cpu"),
    shapes: arg("shapes", "b,step").split(","),
    runs: Number(arg("runs", "1")),
  };
  const child = arg("child", null);
  if (child) writeFileSync(child, JSON.stringify(await measureQuant(opts)));
  else {
    const { table, goalLine, file } = await benchQuant({ ...opts, relaxed: !args.includes("--no-relaxed") });
    console.log(`\n## int8 LSTM against onnxruntime-node float32, 1 thread${opts.quick ? " (quick)" : ""}\n\n${table}`);
    console.log(`\nGoal (issue 17), b at batch 1: ${goalLine}\nwrote ${path.relative(process.cwd(), file)}`);
  }
}
