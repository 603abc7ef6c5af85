// This checkout's build against another checkout's build of wasm-rnn, in ONE process, interleaved
// round by round (A B A B): the check that a refactor made nothing slower. Both builds get the
// same weights and inputs; their outputs must agree bit for bit before any timing counts.
//
//   node bench/compare-builds.mjs ../other-checkout            LSTM, GRU, SimpleRNN forward, shapes b c d
//   node bench/compare-builds.mjs ../other --train             also one training step (fit on one batch)
//   node bench/compare-builds.mjs ../other --shapes=b,c --rounds=9
//
// Both checkouts must be built (`npm run build`). Reports each case's median time per build and
// the ratio new/old of the medians; results/compare-<date>.json keeps them.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { machineInfo, rng, uniform } from "./adapters.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const other = args.find((a) => !a.startsWith("--"));
if (!other) {
  console.error("usage: node bench/compare-builds.mjs <other checkout> [--train] [--shapes=b,c,d] [--rounds=N]");
  process.exit(2);
}
const opt = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const ROUNDS = Number(opt("rounds", 7));
const BATCH_MS = 60;
const SHAPES = [
  { name: "a", B: 1, T: 3, I: 1, H: 1 },
  { name: "b", B: 1, T: 100, I: 32, H: 128 },
  { name: "c", B: 32, T: 50, I: 64, H: 256 },
  { name: "d", B: 64, T: 100, I: 128, H: 512 },
].filter((s) => opt("shapes", "a,b,c,d").split(",").includes(s.name));

const libs = {
  new: await import(pathToFileURL(path.join(HERE, "..", "dist", "index.js")).href),
  old: await import(pathToFileURL(path.resolve(other, "dist", "index.js")).href),
};
for (const lib of Object.values(libs)) await lib.ready({ simd: "plain" });

/** One cell model per build with identical Keras-layout weights; returns a runner per build. */
function makeCase(cell, { B, T, I, H }, seed) {
  const gates = { LSTM: 4, GRU: 3, SimpleRNN: 1 }[cell];
  const rand = rng(seed);
  const w = [uniform(rand, I * gates * H, -0.1, 0.1), uniform(rand, H * gates * H, -0.1, 0.1)];
  const biasLen = cell === "GRU" ? 2 * gates * H : gates * H;
  w.push(uniform(rand, biasLen, -0.1, 0.1));
  const x = uniform(rand, B * T * I, -1, 1);
  const runners = {};
  for (const [name, lib] of Object.entries(libs)) {
    const inp = lib.Input({ shape: [T, I] });
    const layer = new lib[cell]({ units: H, returnSequences: true });
    const model = new lib.Model({ inputs: inp, outputs: layer.apply(inp) });
    const shapes = [[I, gates * H], [H, gates * H], cell === "GRU" ? [2, gates * H] : [gates * H]];
    layer.setWeights(w.map((v, i) => lib.tensor(v, shapes[i])));
    const input = lib.tensor(x, [B, T, I]);
    runners[name] = { run: () => model.predict(input), model, lib, input };
  }
  return runners;
}

function trainCase(runners, { B, T, H }, seed) {
  const rand = rng(seed + 1);
  const y = uniform(rand, B * T * H, -1, 1);
  return Object.fromEntries(
    Object.entries(runners).map(([name, r]) => {
      r.model.compile({ optimizer: "adam", loss: "mse" });
      const target = r.lib.tensor(y, [B, T, H]);
      return [name, { run: () => r.model.trainOnBatch(r.input, target) }];
    }),
  );
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Warm both, size a block of calls to ~BATCH_MS, then alternate blocks: ms per call per round. */
async function timeInterleaved(runners) {
  const iters = {};
  for (const [name, r] of Object.entries(runners)) {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await r.run();
      best = Math.min(best, performance.now() - t);
    }
    iters[name] = Math.max(1, Math.round(BATCH_MS / Math.max(best, 1e-4)));
  }
  const times = { new: [], old: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? ["old", "new"] : ["new", "old"];
    for (const name of order) {
      const t = performance.now();
      for (let i = 0; i < iters[name]; i++) await runners[name].run();
      times[name].push((performance.now() - t) / iters[name]);
    }
  }
  return { new: median(times.new), old: median(times.old) };
}

const results = [];
for (const shape of SHAPES) {
  for (const cell of ["LSTM", "GRU", "SimpleRNN"]) {
    const runners = makeCase(cell, shape, shape.H * 7 + shape.T);
    const a = runners.new.run().data;
    const b = runners.old.run().data;
    if (a.length !== b.length || a.some((v, i) => !Object.is(v, b[i]))) {
      throw new Error(`${cell} ${shape.name}: the two builds' outputs differ; refusing to time them`);
    }
    const cases = [["predict", runners]];
    if (args.includes("--train") && shape.name !== "a") cases.push(["trainOnBatch", trainCase(runners, shape, 11)]);
    for (const [what, rs] of cases) {
      const t = await timeInterleaved(rs);
      const row = { cell, shape: shape.name, what, newMs: t.new, oldMs: t.old, ratio: t.new / t.old };
      results.push(row);
      console.log(
        `${cell.padEnd(9)} ${shape.name} ${what.padEnd(12)} new ${t.new.toPrecision(4)} ms  old ${t.old.toPrecision(4)} ms` +
          `  new/old ${row.ratio.toFixed(3)}`,
      );
    }
    for (const r of Object.values(runners)) r.model.dispose();
  }
}
const ratios = results.map((r) => r.ratio);
console.log(`median new/old ${median(ratios).toFixed(3)}, worst ${Math.max(...ratios).toFixed(3)}`);
const out = path.join(HERE, "results", `compare-${new Date().toISOString().slice(0, 10)}.json`);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ machine: machineInfo(), other, rounds: ROUNDS, results }, null, 2));
console.log(`wrote ${path.relative(process.cwd(), out)}`);
