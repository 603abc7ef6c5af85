// The other recurrent cells next to the LSTM, with onnxruntime-node and onnxruntime-web running the
// same weights as one ONNX GRU or RNN op (GRU reset_after = ONNX linear_before_reset): same shapes
// and timing style as run.mjs (median of interleaved rounds; outputs checked against ours first).
// TF.js is left out: it has no reset_after GRU, the Keras 3 default.
// Run by `npm run bench` after the LSTM comparison, or alone: node bench/cells.mjs [--quick].
//
// FLOPs per forward (multiply-adds x 2): 2*T*B*G*H*(I+H) with G = 4 (LSTM), 3 (GRU), 1 (SimpleRNN).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fromTimeMajor, ORT_OPTIONS, toTimeMajor } from "./adapters.mjs";
import { buildRecurrentOnnx } from "./onnx-model.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));

const CELLS = [
  { name: "LSTM", kind: "LSTM", gates: 4, make: (lib, H) => new lib.LSTM({ units: H, returnSequences: true }) },
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
async function ortRuntimes() {
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

/** Mean ms per call over back-to-back awaited calls filling about `ms`. */
async function timeBatchAsync(fn, ms) {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    await fn();
    n++;
    t = performance.now();
  } while (t - t0 < ms);
  return (t - t0) / n;
}

const SHAPES = [
  { name: "b", B: 1, T: 100, I: 32, H: 128 },
  { name: "c", B: 32, T: 50, I: 64, H: 256 },
  { name: "step", B: 1, T: 1, I: 32, H: 128 },
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchCells({ quick = false, write = true } = {}) {
  const peers = await ortRuntimes();
  const lib = await import("../dist/index.js");
  await lib.ready();
  const rounds = quick ? 5 : 15,
    batchMs = quick ? 30 : 100;
  const rows = [];
  for (const shape of SHAPES) {
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
      const impls = [{ name: "ours", run: async () => model.predict(x), times: [] }];
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
            impls.push({ name: peer.name, run: () => session.run(feeds), times: [], session });
          } catch (e) {
            console.log(`SKIP ${peer.name} for ${cell.name} on ${shape.name}: ${e?.message ?? e}`);
          }
        }
      }
      for (let r = 0; r < rounds; r++) {
        for (let k = 0; k < impls.length; k++) {
          const impl = impls[(r + k) % impls.length];
          impl.times.push(await timeBatchAsync(impl.run, batchMs));
        }
      }
      const ms = Object.fromEntries(impls.map((i) => [i.name, median(i.times)]));
      const gflops = (2 * T * B * cell.gates * H * (I + H)) / (ms.ours * 1e6);
      rows.push({ shape: shape.name, B, T, I, H, cell: cell.name, ms: ms.ours, gflops, peers: ms, maxAbsDiff: notes });
      for (const i of impls) i.session?.release();
      model.dispose();
    }
  }
  const fmt = (v) => (v === undefined ? "-" : v < 0.01 ? v.toPrecision(3) : v.toFixed(3));
  console.log(`\n## Other cells, float32, 1 thread${quick ? " (quick)" : ""} (LSTM: see the main table)\n`);
  console.log(
    "| shape | B, T, I, H | cell | ours ms | ort-node ms | ort-web ms | ours/ort-web | ours/ort-node | GFLOP/s ours |",
  );
  console.log("|---|---|---|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const p = r.peers;
    console.log(
      `| ${r.shape} | ${r.B}, ${r.T}, ${r.I}, ${r.H} | ${r.cell} | ${fmt(r.ms)} | ${fmt(p["ort-node"])} | ${fmt(p["ort-web"])} | ` +
        `${p["ort-web"] ? (r.ms / p["ort-web"]).toFixed(2) : "-"} | ${p["ort-node"] ? (r.ms / p["ort-node"]).toFixed(2) : "-"} | ${r.gflops.toFixed(1)} |`,
    );
  }
  if (write) {
    const date = new Date().toISOString().slice(0, 10);
    const file = path.join(HERE, "results", `cells-${date}${quick ? "-quick" : ""}.json`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ date, quick, rounds, batchMs, rows }, null, 2) + "\n");
    console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  benchCells({ quick: process.argv.includes("--quick") }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
