// This checkout's build against another checkout's build of wasm-rnn, in ONE process, interleaved
// round by round (A B A B): the check that a refactor made nothing slower. Both builds get the
// same weights and inputs; their outputs must agree bit for bit before any timing counts.
//
//   node bench/compare-builds.mjs ../other-checkout            LSTM, GRU, SimpleRNN forward, shapes b c d
//   node bench/compare-builds.mjs ../other --train             also one training step (fit on one batch)
//   node bench/compare-builds.mjs ../other --shapes=b,c --rounds=9 --cells=LSTM --out=NAME
//
// Timing as run.mjs (timing.mjs): blocks of >= 5 ms interleaved, by the main thread's time on the
// CPU (--clock=wall for the wall clock). --out=NAME writes results/compare-NAME.json (default: the
// date).
// Both checkouts must be built (`npm run build`). Reports each case's median time per build and
// the ratio new/old of the medians; results/compare-<date>.json keeps them.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gitDescribe, machineInfo, rng, uniform } from "./adapters.mjs";
import { CPU_CLOCK, interleave, median } from "./timing.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const other = args.find((a) => !a.startsWith("--"));
if (!other) {
  console.error("usage: node bench/compare-builds.mjs <other checkout> [--train] [--shapes=b,c,d] [--rounds=N]");
  process.exit(2);
}
const opt = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const ROUNDS = Number(opt("rounds", 7));
const CLOCK = opt("clock", "cpu");
const CELLS = opt("cells", "LSTM,GRU,SimpleRNN").split(",");
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

/** Both builds in interleaved blocks (timing.mjs): median ms per call of each. */
async function timeInterleaved(runners) {
  const entries = Object.entries(runners).map(([name, r]) => ({ name, async: true, run: r.run }));
  const t = await interleave(entries, { blockMs: 5, warmupMs: 100, minRounds: ROUNDS, budgetMs: 2000, clock: CLOCK });
  return Object.fromEntries(entries.map((e) => [e.name, t.get(e).medianMs]));
}

const results = [];
for (const shape of SHAPES) {
  for (const cell of CELLS) {
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
const out = path.join(HERE, "results", `compare-${opt("out", new Date().toISOString().slice(0, 10))}.json`);
mkdirSync(path.dirname(out), { recursive: true });
const settings = { minRounds: ROUNDS, blockMs: 5, clock: CLOCK, cpuClock: CPU_CLOCK };
// the other build by its commit, not its path (a path names one machine's folders)
const otherBuild = { git: gitDescribe(path.resolve(other)) };
writeFileSync(out, JSON.stringify({ machine: machineInfo(), other: otherBuild, settings, results }, null, 2));
console.log(`wrote ${path.relative(process.cwd(), out)}`);
