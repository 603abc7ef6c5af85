// Block-interleaved timing, shared by the benches.
//
// Each entry ({ name, async, run, before? }) runs in blocks: back-to-back calls filling at least `blockMs`
// (at least one call), timed as one, giving a mean ms per call. A round runs one block of every
// entry (A B C, then B C A, ...: the first entry rotates, so none always follows the same
// neighbour). Rounds repeat until every entry has `minRounds` blocks and `budgetMs` has passed
// (at most `maxRounds`). An entry's time is the median of its blocks. `before()`, when an entry
// has it, runs untimed before each of its blocks (resetting weights, switching a backend). An
// entry with `timeBlock(n)` times itself (a child process running its own block) and returns
// { wall, cpu } per call.
//
// Why blocks: a call of a few microseconds timed on its own is mostly timer and loop overhead,
// and awaiting a synchronous call adds a microtask per call (a 0.44 µs predict read as 4 µs).
// Sync entries are called in a plain loop, never awaited; async ones (onnxruntime's `run`) are
// awaited call by call, which is what their users pay. Why interleaved, short blocks: on a shared
// machine the load changes within seconds, and entries timed side by side see the same load, so
// their ratio holds where absolute times drift.
//
// Which clock: every block is timed by the wall clock and by the main thread's time on the CPU.
// On a quiet machine the two agree; on a shared one the wall clock also counts the time the
// scheduler gave other processes, which lands on whichever entry was running. Every timed library
// runs its calls on the main thread (wasm-rnn, tfjs, onnxruntime-web without workers, and
// onnxruntime-node, whose session.run computes on the calling thread with intraOpNumThreads 1), so
// the CPU clock is the wall clock minus the time the main thread waited in the run queue while
// runnable (Linux /proc/thread-self/schedstat, second field, in nanoseconds: updated exactly when
// the thread gets the CPU back, unlike the first field, the time on the CPU, which moves only on
// scheduler ticks, 4 ms here). Two other CPU clocks were tried and are not used: the process's CPU
// time (process.cpuUsage) also counts V8's background threads, whose garbage collection after one
// library's large allocations lands on whatever runs next (it doubled the peak kernel's time after
// shape d); the thread's own CPU time is tick-granular. Elsewhere than Linux the CPU clock falls
// back to process.cpuUsage. `clock: "cpu"` (the default) times by it, `clock: "wall"` by the wall
// clock (needed where the work runs on other threads: the worker pool); both medians are kept.

import { openSync, readSync } from "node:fs";
import { performance } from "node:perf_hooks";

const now = () => performance.now();

const runQueueWaitMs = (() => {
  try {
    const fd = openSync("/proc/thread-self/schedstat", "r");
    const buf = Buffer.alloc(64);
    const read = () => Number(buf.toString("latin1", 0, readSync(fd, buf, 0, 64, 0)).split(" ")[1]) / 1e6;
    if (Number.isFinite(read())) return read;
  } catch {}
  return null;
})();

/** Where the CPU clock comes from (for the results file). */
export const CPU_CLOCK = runQueueWaitMs
  ? "wall clock minus the main thread's run-queue wait (/proc/thread-self/schedstat)"
  : "process CPU time (process.cpuUsage)";

/** Runs fn() and returns { wall, cpu } in ms (cpu: see CPU_CLOCK). */
export function clocked(fn) {
  const c0 = runQueueWaitMs ? runQueueWaitMs() : process.cpuUsage();
  const t0 = now();
  const r = fn();
  return r instanceof Promise ? r.then(() => finish(t0, c0)) : finish(t0, c0);
}

function finish(t0, c0) {
  const wall = now() - t0;
  if (!runQueueWaitMs) {
    const c = process.cpuUsage(c0);
    return { wall, cpu: (c.user + c.system) / 1000 };
  }
  // a wait that began before the block can be booked in it: then the block says nothing (NaN)
  const cpu = wall - (runQueueWaitMs() - c0);
  return { wall, cpu: cpu > 0.02 * wall ? cpu : Number.NaN };
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Mean ms per call over `n` back-to-back calls, by both clocks: { wall, cpu }. */
export async function timeBlock(entry, n) {
  let t;
  // a block the CPU clock cannot judge (see finish) is run again, up to twice
  for (let tries = 0; tries < 3; tries++) {
    if (entry.before) await entry.before();
    if (entry.timeBlock) return entry.timeBlock(n);
    t = entry.async
      ? await clocked(async () => {
          for (let i = 0; i < n; i++) await entry.run();
        })
      : clocked(() => {
          for (let i = 0; i < n; i++) entry.run();
        });
    if (!Number.isNaN(t.cpu)) break;
  }
  return { wall: t.wall / n, cpu: (Number.isNaN(t.cpu) ? t.wall : t.cpu) / n };
}

/** Warm-up (JIT tiers, caches, lazy allocations), then the calls per block that fill `blockMs`. */
export async function callsPerBlock(entry, opts) {
  const blockMs = entry.blockMs ?? opts.blockMs; // an entry may ask for shorter or longer blocks
  const warmupMs = opts.warmupMs;
  let n = 1;
  let calls = 0;
  const t0 = now();
  // doubling blocks until one lasts blockMs, for at least warmupMs and two calls in all
  for (;;) {
    const took = (await timeBlock(entry, n)).wall * n;
    calls += n;
    if (took >= blockMs && calls >= 2 && now() - t0 >= warmupMs) return n;
    if (took < blockMs) n = Math.max(n + 1, Math.ceil((n * blockMs * 1.2) / Math.max(took, 1e-3)));
  }
}

/**
 * Interleaved rounds over `entries`. Returns Map entry -> { samples (ms per call by opts.clock, one
 * per block, in round order, so two entries' samples pair up by round), medianMs, minMs, maxMs,
 * wallMedianMs, cpuMedianMs, cpuOverWall (median per block), callsPerBlock }.
 * @param {{ blockMs: number, warmupMs: number, minRounds: number, budgetMs: number, maxRounds?: number,
 *   clock?: "cpu" | "wall" }} opts
 */
export async function interleave(entries, opts) {
  const maxRounds = opts.maxRounds ?? 400;
  const calls = new Map();
  for (const e of entries) calls.set(e, await callsPerBlock(e, opts));
  const samples = new Map(entries.map((e) => [e, []]));
  const t0 = now();
  for (let r = 0; r < maxRounds; r++) {
    if (r >= opts.minRounds && now() - t0 >= opts.budgetMs) break;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[(r + k) % entries.length];
      samples.get(e).push(await timeBlock(e, calls.get(e)));
    }
  }
  const clock = opts.clock ?? "cpu";
  const out = new Map();
  for (const e of entries) {
    const blocks = samples.get(e);
    const s = blocks.map((b) => b[clock]);
    out.set(e, {
      samples: s,
      medianMs: median(s),
      minMs: Math.min(...s),
      maxMs: Math.max(...s),
      wallMedianMs: median(blocks.map((b) => b.wall)),
      cpuMedianMs: median(blocks.map((b) => b.cpu)),
      cpuOverWall: median(blocks.map((b) => b.cpu / b.wall)),
      callsPerBlock: calls.get(e),
    });
  }
  return out;
}

/** Median over rounds of a[r] / b[r]: the ratio of two entries timed in the same rounds. */
export function pairedRatio(a, b) {
  const n = Math.min(a.length, b.length);
  const rs = [];
  for (let i = 0; i < n; i++) rs.push(a[i] / b[i]);
  return median(rs);
}
