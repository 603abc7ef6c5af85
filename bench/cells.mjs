// The other recurrent cells next to the LSTM: ours only, same shapes and timing style as run.mjs
// (median of interleaved rounds of back-to-back predicts, input copied in and output out).
// Run by `npm run bench` after the LSTM comparison, or alone: node bench/cells.mjs [--quick].
//
// FLOPs per forward (multiply-adds x 2): 2*T*B*G*H*(I+H) with G = 4 (LSTM), 3 (GRU), 1 (SimpleRNN).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));

const CELLS = [
  { name: "LSTM", gates: 4, make: (lib, H) => new lib.LSTM({ units: H, returnSequences: true }) },
  { name: "GRU", gates: 3, make: (lib, H) => new lib.GRU({ units: H, returnSequences: true }) },
  { name: "GRU resetAfter:false", gates: 3, make: (lib, H) => new lib.GRU({ units: H, returnSequences: true, resetAfter: false }) },
  { name: "SimpleRNN", gates: 1, make: (lib, H) => new lib.SimpleRNN({ units: H, returnSequences: true }) },
];

const SHAPES = [
  { name: "b", B: 1, T: 100, I: 32, H: 128 },
  { name: "c", B: 32, T: 50, I: 64, H: 256 },
  { name: "step", B: 1, T: 1, I: 32, H: 128 },
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Mean ms per call over back-to-back calls filling about `ms`. */
function timeBatch(fn, ms) {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    fn();
    n++;
    t = performance.now();
  } while (t - t0 < ms);
  return (t - t0) / n;
}

export async function benchCells({ quick = false, write = true } = {}) {
  const lib = await import("../dist/index.js");
  await lib.ready();
  const rounds = quick ? 5 : 15, batchMs = quick ? 30 : 100;
  const rows = [];
  for (const shape of SHAPES) {
    const { B, T, I, H } = shape;
    const x = lib.tensor(Float32Array.from({ length: B * T * I }, (_, i) => Math.sin(i * 0.37)), [B, T, I]);
    const runs = CELLS.map((cell) => {
      const inp = lib.Input({ shape: [T, I] });
      const layer = cell.make(lib, H);
      const model = new lib.Model({ inputs: inp, outputs: layer.apply(inp) });
      // small weights keep every cell in its working range
      layer.setWeights(layer.getWeights().map((w) => lib.tensor(w.data.map((v) => v * 0.1), [...w.shape])));
      model.predict(x);
      return { cell, model, times: [] };
    });
    for (let r = 0; r < rounds; r++) for (const run of runs) run.times.push(timeBatch(() => run.model.predict(x), batchMs));
    for (const run of runs) {
      const ms = median(run.times);
      const gflops = (2 * T * B * run.cell.gates * H * (I + H)) / (ms * 1e6);
      rows.push({ shape: shape.name, B, T, I, H, cell: run.cell.name, ms, gflops });
      run.model.dispose();
    }
  }
  console.log(`\n## Other cells (wasm-rnn only), float32, 1 thread${quick ? " (quick)" : ""}\n`);
  console.log("| shape | B, T, I, H | cell | ms / forward | GFLOP/s |");
  console.log("|---|---|---|---:|---:|");
  for (const r of rows) console.log(`| ${r.shape} | ${r.B}, ${r.T}, ${r.I}, ${r.H} | ${r.cell} | ${r.ms.toFixed(3)} | ${r.gflops.toFixed(2)} |`);
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
