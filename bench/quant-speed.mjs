// int8 speed: one LSTM (shape b by default: B1 T100 I32 H128, full output sequence) as wasm-rnn
// float32, wasm-rnn int8 (model.quantize("int8")) and onnxruntime-node float32 (native), on the
// same weights, interleaved in one process (round by round, each round a block of calls of at
// least 2 ms per implementation, starting with a different one each round); ratios of medians.
//
//   npm run build && node bench/quant-speed.mjs [--shapes=b,step] [--rounds=21]
//   node --experimental-wasm-relaxed-simd bench/quant-speed.mjs     relaxed-SIMD build (Node 20)
//
// The int8 output is checked against float32 first (max |int8 - float32| printed); onnxruntime's
// against float32 within 1e-4, else it is skipped. Results: bench/results/quant-speed-<date>[-relaxed].json.

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { loadOrtNode, machineInfo, ortNodeNotNative, rng, uniform } from "./adapters.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const ROUNDS = Number(arg("rounds", "21"));
const BLOCK_MS = 2;
const SHAPES = [
  { name: "b", B: 1, T: 100, I: 32, H: 128 },
  { name: "step", B: 1, T: 1, I: 32, H: 128 },
  { name: "c", B: 32, T: 50, I: 64, H: 256 },
].filter((s) => arg("shapes", "b").split(",").includes(s.name));

const lib = await import("../dist/index.js");
await lib.ready();

/** wasm-rnn's LSTM, float32 or int8: predict, input in and output out, as bench/adapters.mjs's. */
function ours(name, quantize) {
  let model = null;
  let input = null;
  return {
    name,
    async: false,
    report: null,
    async setup({ B, T, I, H }, w, x) {
      const inp = lib.Input({ shape: [T, I] });
      const lstm = new lib.LSTM({ units: H, returnSequences: true });
      model = new lib.Model({ inputs: inp, outputs: lstm.apply(inp) });
      lstm.setWeights([
        lib.tensor(w.kernel, [I, 4 * H]),
        lib.tensor(w.recurrent, [H, 4 * H]),
        lib.tensor(w.bias, [4 * H]),
      ]);
      if (quantize) this.report = await model.quantize("int8");
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
const float = ours("f32", false);
const int8 = ours("int8", true);
let ort = null;
try {
  ort = await loadOrtNode();
} catch (err) {
  console.log(`ort-node skipped: ${err.message}`);
}
const info = lib.coreInfo();
console.log(`build ${info.build}, node ${process.versions.node}, v8 ${process.versions.v8}`);

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const results = [];
for (const shape of SHAPES) {
  const rand = rng(1234);
  const { B, T, I, H } = shape;
  const w = {
    kernel: uniform(rand, I * 4 * H, -0.1, 0.1),
    recurrent: uniform(rand, H * 4 * H, -0.1, 0.1),
    bias: uniform(rand, 4 * H, -0.1, 0.1),
  };
  const x = uniform(rand, B * T * I, -1, 1);
  const peers = [float, int8];
  await float.setup(shape, w, x);
  await int8.setup(shape, w, x);
  const report = int8.report;
  const want = float.toBTH(float.run());
  const got = int8.toBTH(int8.run());
  let maxErr = 0;
  for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(want[i] - got[i]));
  console.log(`${shape.name}: int8 (${report.dot} dot) max |int8 - float32| = ${maxErr.toExponential(2)}`);
  if (ort) {
    await ort.setup(shape, w, x);
    const why = ortNodeNotNative(ort);
    const o = ort.toBTH(await ort.run());
    let d = 0;
    for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(want[i] - o[i]));
    if (why || d >= 1e-4) console.log(`ort-node skipped on ${shape.name}: ${why ?? `max diff ${d}`}`);
    else peers.push(ort);
  }
  // calls per block: enough for BLOCK_MS
  const iters = new Map();
  for (const p of peers) {
    let n = 1;
    for (;;) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) p.async ? await p.run() : p.run();
      if (performance.now() - t0 >= BLOCK_MS) break;
      n *= 2;
    }
    iters.set(p, n);
  }
  const times = new Map(peers.map((p) => [p, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < peers.length; k++) {
      const p = peers[(r + k) % peers.length];
      const n = iters.get(p);
      const t0 = performance.now();
      if (p.async) for (let i = 0; i < n; i++) await p.run();
      else for (let i = 0; i < n; i++) p.run();
      times.get(p).push((performance.now() - t0) / n);
    }
  }
  const ms = Object.fromEntries(peers.map((p) => [p.name, median(times.get(p))]));
  const row = { shape, ms, maxErrVsFloat: maxErr, dot: report.dot, build: info.build };
  if (ms["ort-node"]) {
    row.int8OverOrtNode = ms.int8 / ms["ort-node"];
    row.f32OverOrtNode = ms.f32 / ms["ort-node"];
  }
  row.int8OverF32 = ms.int8 / ms.f32;
  results.push(row);
  const f = (v) => (v === undefined ? "-" : v < 0.01 ? v.toPrecision(3) : v.toFixed(4));
  console.log(
    `${shape.name}: float32 ${f(ms.f32)} ms, int8 ${f(ms.int8)} ms, ort-node ${f(ms["ort-node"])} ms; ` +
      `int8/f32 ${row.int8OverF32.toFixed(2)}, int8/ort-node ${row.int8OverOrtNode?.toFixed(2) ?? "-"}, ` +
      `f32/ort-node ${row.f32OverOrtNode?.toFixed(2) ?? "-"}`,
  );
  float.dispose();
  int8.dispose();
  ort?.dispose();
}

const date = new Date().toISOString().slice(0, 10);
mkdirSync(path.join(HERE, "results"), { recursive: true });
const file = path.join(HERE, "results", `quant-speed-${date}${info.build === "relaxed" ? "-relaxed" : ""}.json`);
writeFileSync(file, `${JSON.stringify({ date, machine: machineInfo(), rounds: ROUNDS, results }, null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), file)}`);
