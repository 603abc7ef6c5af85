// Conv1D and MultiHeadAttention forward against the SIMD128 peak (peak.mjs) and against onnxruntime
// (web: wasm; node: native) running the same weights as a plain ONNX graph (onnx-model.mjs): one
// Conv op; MultiHeadAttention as MatMul/Add/Reshape/Transpose/Softmax. Outputs are checked against
// ours first; timing as run.mjs (interleaved blocks, timing.mjs). Run by `npm run bench` after the
// recurrent cells, or alone: node bench/layers.mjs [--quick] (after npm run build).
//
// Shapes: Conv1D B32 T100 C64 -> 64 filters, kernel 5 (Keras defaults: padding "valid", stride 1,
// linear), 2*B*To*K*C*F FLOPs; MultiHeadAttention self-attention B32 T100 D64, 4 heads, keyDim 16,
// 2*B*T*D*NK FLOPs per projection (4) + 2 * 2*B*N*T*T*Kd for the scores and the weighted sum.
// onnxruntime gets Conv1D's input channels-first [B, C, T] (the transpose done once, untimed).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { rng, uniform } from "./adapters.mjs";
import { ortRuntimes } from "./cells.mjs";
import { buildConv1dOnnx, buildMhaOnnx } from "./onnx-model.mjs";
import { loadPeak } from "./peak.mjs";
import { fmtMs, fmtNum, fmtShare } from "./report.mjs";
import { interleave } from "./timing.mjs";

const CONV = { name: "Conv1D", B: 32, T: 100, C: 64, F: 64, K: 5 };
const MHA = { name: "MultiHeadAttention", B: 32, T: 100, D: 64, heads: 4, keyDim: 16 };

/** [B, T, C] -> [B, C, T] and back. */
function swapLast(x, B, R, S) {
  const out = new Float32Array(x.length);
  for (let b = 0; b < B; b++)
    for (let r = 0; r < R; r++) for (let s = 0; s < S; s++) out[(b * S + s) * R + r] = x[(b * R + r) * S + s];
  return out;
}

function maxAbsDiff(a, b) {
  let d = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length && d < Infinity; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** One layer case: ours, and each onnxruntime on the same graph (skipped with the reason if it disagrees). */
async function layerCase(lib, peers, spec) {
  const rand = rng(0x1a7e + spec.B);
  let model, x, xOnnx, flops, onnx, toOurs;
  if (spec.name === "Conv1D") {
    const { B, T, C, F, K } = spec;
    const inp = lib.Input({ shape: [T, C] });
    const layer = new lib.Conv1D({ filters: F, kernelSize: K });
    model = new lib.Model({ inputs: inp, outputs: layer.apply(inp) });
    const kernel = uniform(rand, K * C * F, -0.1, 0.1),
      bias = uniform(rand, F, -0.1, 0.1);
    layer.setWeights([lib.tensor(kernel, [K, C, F]), lib.tensor(bias, [F])]);
    const data = uniform(rand, B * T * C, -1, 1);
    x = lib.tensor(data, [B, T, C]);
    xOnnx = { dims: [B, C, T], data: swapLast(data, B, T, C) };
    onnx = buildConv1dOnnx(spec, kernel, bias);
    toOurs = (y) => swapLast(y, B, F, T - K + 1);
    flops = 2 * B * (T - K + 1) * K * C * F;
  } else {
    const { B, T, D, heads, keyDim } = spec;
    const inp = lib.Input({ shape: [T, D] });
    const layer = new lib.MultiHeadAttention({ numHeads: heads, keyDim });
    model = new lib.Model({ inputs: inp, outputs: layer.apply(inp, inp) });
    const ws = layer.getWeights().map((w) => lib.tensor(uniform(rand, w.data.length, -0.2, 0.2), [...w.shape]));
    layer.setWeights(ws);
    const data = uniform(rand, B * T * D, -1, 1);
    x = lib.tensor(data, [B, T, D]);
    xOnnx = { dims: [B, T, D], data };
    onnx = buildMhaOnnx(
      spec,
      layer.getWeights().map((w) => w.data),
    );
    toOurs = (y) => y;
    const NK = heads * keyDim;
    flops = 4 * 2 * B * T * D * NK + 2 * 2 * B * heads * T * T * keyDim;
  }
  const ours = model.predict(x).data;
  const entries = [{ name: "ours", async: false, run: () => model.predict(x) }];
  const notes = {};
  for (const peer of peers) {
    try {
      const session = await peer.ort.InferenceSession.create(onnx, peer.options);
      const feeds = { X: new peer.ort.Tensor("float32", xOnnx.data, xOnnx.dims) };
      const diff = maxAbsDiff(ours, toOurs((await session.run(feeds)).Y.data));
      notes[peer.name] = { maxAbsDiff: diff };
      console.log(`check ${spec.name}: max|ours - ${peer.name}| = ${diff.toExponential(2)}`);
      if (!(diff < 1e-4)) throw new Error(`output differs from ours by ${diff}`);
      entries.push({ name: peer.name, async: true, run: () => session.run(feeds), session });
    } catch (e) {
      notes[peer.name] = { ...notes[peer.name], skipped: e?.message ?? String(e) };
      console.log(`SKIP ${peer.name} for ${spec.name}: ${notes[peer.name].skipped}`);
    }
  }
  return { entries, flops, notes, dispose: () => (model.dispose(), entries.forEach((e) => e.session?.release())) };
}

/** Times both layers; returns { rows, table }. */
export async function benchLayers({ quick = false, peak = null, clock = "cpu" } = {}) {
  const peers = await ortRuntimes();
  const lib = await import("../dist/index.js");
  await lib.ready();
  peak ??= await loadPeak("plain");
  const settings = quick
    ? { blockMs: 2, minRounds: 5, budgetMs: 400, warmupMs: 30, clock }
    : { blockMs: 5, minRounds: 15, budgetMs: 3000, warmupMs: 150, clock };
  const rows = [];
  for (const spec of [CONV, MHA]) {
    const c = await layerCase(lib, peers, spec);
    const timed = await interleave([...c.entries, peak.entry], settings);
    const peakGflops = peak.flopPerCall / (timed.get(peak.entry).medianMs * 1e6);
    const ms = Object.fromEntries(c.entries.map((e) => [e.name, timed.get(e).medianMs]));
    const gflops = c.flops / (ms.ours * 1e6);
    rows.push({
      ...spec,
      mflop: c.flops / 1e6,
      ms,
      gflops,
      peakGflops,
      shareOfPeak: gflops / peakGflops,
      notes: c.notes,
    });
    console.log(
      `${spec.name}: ours ${fmtMs(ms.ours)} ms, ${fmtNum(gflops, 3)} GFLOP/s = ${fmtShare(gflops / peakGflops)} of ` +
        `${fmtNum(peakGflops, 3)}; ${c.entries
          .slice(1)
          .map((e) => `${e.name} ${fmtMs(ms[e.name])} ms`)
          .join(", ")}`,
    );
    c.dispose();
  }
  const ratio = (r, peer) => (r.ms[peer] ? fmtNum(r.ms.ours / r.ms[peer]) : "–");
  const lines = [
    `## Conv1D and MultiHeadAttention, float32, 1 thread${quick ? " (quick)" : ""}\n`,
    "| layer | shape | MFLOP | ours ms | ort-web ms | ort-node ms | GFLOP/s ours | share of peak | ours/ort-web | ours/ort-node |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    const shape =
      r.name === "Conv1D"
        ? `B${r.B} T${r.T} C${r.C} -> ${r.F} filters, kernel ${r.K}`
        : `B${r.B} T${r.T} D${r.D}, ${r.heads} heads x ${r.keyDim}`;
    lines.push(
      `| ${r.name} | ${shape} | ${fmtNum(r.mflop, 3)} | ${fmtMs(r.ms.ours)} | ${fmtMs(r.ms["ort-web"])} | ${fmtMs(r.ms["ort-node"])} | ` +
        `${fmtNum(r.gflops, 3)} | ${fmtShare(r.shareOfPeak)} | ${ratio(r, "ort-web")} | ${ratio(r, "ort-node")} |`,
    );
  }
  return { rows, table: lines.join("\n") };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  benchLayers({ quick: process.argv.includes("--quick") })
    .then(({ table }) => console.log(`\n${table}`))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
