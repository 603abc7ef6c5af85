// The other recurrent cells next to the LSTM, with onnxruntime-node and onnxruntime-web running the
// same weights as one ONNX GRU or RNN op (GRU reset_after = ONNX linear_before_reset): same shapes
// and timing as run.mjs (interleaved rounds of blocks, timing.mjs; outputs checked against ours
// first), with the SIMD128 peak kernel (peak.mjs) in the same rounds for the share of the peak.
// TF.js is left out: it has no reset_after GRU, the Keras 3 default.
// Run by `npm run bench` after the LSTM comparison, or alone: node bench/cells.mjs [--quick]
// (shapes b, c, step; d too in a full run).
//
// FLOPs per forward (multiply-adds x 2): 2*T*B*G*H*(I+H) with G = 4 (LSTM), 3 (GRU), 1 (SimpleRNN).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fromTimeMajor, ORT_OPTIONS, toTimeMajor } from "./adapters.mjs";
import { buildRecurrentOnnx } from "./onnx-model.mjs";
import { loadPeak } from "./peak.mjs";
import { fmtShare } from "./report.mjs";
import { interleave } from "./timing.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));

const CELLS = [
  {
    name: "GRU",
    kind: "GRU",
    gates: 3,
    onnx: { resetAfter: true },
    make: (lib, H) => new lib.GRU({ units: H, returnSequences: true }),
  },
  {
    name: "GRU resetAfter:false",
    kind: "GRU",
    gates: 3,
    onnx: { resetAfter: false },
    make: (lib, H) => new lib.GRU({ units: H, returnSequences: true, resetAfter: false }),
  },
  {
    name: "SimpleRNN",
    kind: "SimpleRNN",
    gates: 1,
    onnx: {},
    make: (lib, H) => new lib.SimpleRNN({ units: H, returnSequences: true }),
  },
];

/** onnxruntime-node, then -web (the order matters: see anchors.md), one thread each; [] if absent. */
export async function ortRuntimes() {
  const out = [];
  for (const [name, pkg, providers] of [
    ["ort-node", "onnxruntime-node", ["cpu"]],
    ["ort-web", "onnxruntime-web", ["wasm"]],
  ]) {
    try {
      const mod = await import(pkg);
      const ort = mod.default ?? mod;
      if (name === "ort-web") {
        ort.env.wasm.numThreads = 1;
        ort.env.wasm.proxy = false;
      }
      out.push({ name, ort, options: { ...ORT_OPTIONS, executionProviders: providers } });
    } catch (e) {
      console.log(`SKIP ${name} for the other cells: ${e?.message ?? e}`);
    }
  }
  return out;
}

const SHAPES = [
  { name: "b", B: 1, T: 100, I: 32, H: 128 },
  { name: "c", B: 32, T: 50, I: 64, H: 256 },
  { name: "d", B: 64, T: 100, I: 128, H: 512, full: true },
  { name: "step", B: 1, T: 1, I: 32, H: 128 },
];

/**
 * Times every cell on every shape; returns { rows, table } (and writes results/cells-<date>.json
 * when `write`). `peak` is the peak kernel of run.mjs (loaded here when absent).
 */
export async function benchCells({ quick = false, write = true, peak = null, clock = "cpu" } = {}) {
  const peers = await ortRuntimes();
  const lib = await import("../dist/index.js");
  await lib.ready();
  peak ??= await loadPeak("plain");
  const settings = quick
    ? { blockMs: 2, minRounds: 5, budgetMs: 400, warmupMs: 30, clock }
    : { blockMs: 5, minRounds: 15, budgetMs: 3000, warmupMs: 150, clock };
  const rows = [];
  for (const shape of SHAPES.filter((s) => !quick || !s.full)) {
    const { B, T, I, H } = shape;
    const xData = Float32Array.from({ length: B * T * I }, (_, i) => Math.sin(i * 0.37));
    const x = lib.tensor(xData, [B, T, I]);
    for (const cell of CELLS) {
      const inp = lib.Input({ shape: [T, I] });
      const layer = cell.make(lib, H);
      const model = new lib.Model({ inputs: inp, outputs: layer.apply(inp) });
      // small weights keep every cell in its working range
      layer.setWeights(
        layer.getWeights().map((w) =>
          lib.tensor(
            w.data.map((v) => v * 0.1),
            [...w.shape],
          ),
        ),
      );
      const ours = model.predict(x).data;
      const impls = [{ name: "ours", async: false, run: () => model.predict(x) }];
      const notes = {};
      if (cell.onnx) {
        const [kernel, recurrent, bias] = layer.getWeights().map((w) => w.data);
        const bytes = buildRecurrentOnnx(
          cell.kind,
          shape,
          { kernel, recurrent, bias: bias ?? new Float32Array(cell.gates * H) },
          cell.onnx,
        );
        for (const peer of peers) {
          try {
            const session = await peer.ort.InferenceSession.create(bytes, peer.options);
            const feeds = { X: new peer.ort.Tensor("float32", toTimeMajor(xData, B, T, I), [T, B, I]) };
            const got = fromTimeMajor((await session.run(feeds)).Y.data, B, T, H);
            let diff = 0;
            for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - ours[i]));
            notes[peer.name] = diff;
            if (!(diff < 1e-4)) throw new Error(`output differs from ours by ${diff}`);
            impls.push({ name: peer.name, async: true, run: () => session.run(feeds), session });
          } catch (e) {
            console.log(`SKIP ${peer.name} for ${cell.name} on ${shape.name}: ${e?.message ?? e}`);
          }
        }
      }
      const timed = await interleave([...impls, peak.entry], settings);
      const ms = Object.fromEntries(impls.map((i) => [i.name, timed.get(i).medianMs]));
      const gflops = (2 * T * B * cell.gates * H * (I + H)) / (ms.ours * 1e6);
      const peakGflops = peak.flopPerCall / (timed.get(peak.entry).medianMs * 1e6);
      const shareOfPeak = gflops / peakGflops;
      const blocks = timed.get(impls[0]).samples.length;
      rows.push({
        shape: shape.name,
        B,
        T,
        I,
        H,
        cell: cell.name,
        ms: ms.ours,
        gflops,
        peakGflops,
        shareOfPeak,
        blocks,
        peers: ms,
      });
      rows.at(-1).maxAbsDiff = notes;
      console.log(
        `cells ${shape.name} ${cell.name}: ours ${fmt(ms.ours)} ms, ${gflops.toFixed(1)} GFLOP/s = ${fmtShare(shareOfPeak)} of ` +
          `${peakGflops.toFixed(1)}; ${impls
            .slice(1)
            .map((i) => `${i.name} ${fmt(ms[i.name])} ms`)
            .join(", ")}`,
      );
      for (const i of impls) i.session?.release();
      model.dispose();
    }
  }
  const lines = [
    `## Other cells, float32, 1 thread${quick ? " (quick)" : ""} (LSTM: see the main table)\n`,
    "| shape | B, T, I, H | cell | ours ms | ort-node ms | ort-web ms | ours/ort-web | ours/ort-node | GFLOP/s ours | share of peak |",
    "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    const p = r.peers;
    const ratio = (peer) => (p[peer] ? (r.ms / p[peer]).toFixed(2) : "-");
    lines.push(
      `| ${r.shape} | ${r.B}, ${r.T}, ${r.I}, ${r.H} | ${r.cell} | ${fmt(r.ms)} | ${fmt(p["ort-node"])} | ${fmt(p["ort-web"])} | ` +
        `${ratio("ort-web")} | ${ratio("ort-node")} | ${r.gflops.toFixed(1)} | ${fmtShare(r.shareOfPeak)} |`,
    );
  }
  const table = lines.join("\n");
  if (write) {
    console.log(`\n${table}`);
    const date = new Date().toISOString().slice(0, 10);
    const file = path.join(HERE, "results", `cells-${date}${quick ? "-quick" : ""}.json`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ date, quick, settings, rows }, null, 2) + "\n");
    console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  }
  return { rows, table };
}

const fmt = (v) => (v === undefined ? "-" : v < 0.01 ? v.toPrecision(3) : v.toFixed(3));

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  benchCells({
    quick: process.argv.includes("--quick"),
    clock: process.argv.includes("--clock=wall") ? "wall" : "cpu",
  }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
