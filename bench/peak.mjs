// The machine's WebAssembly SIMD128 peak, measured in this process: the bench reports every shape's
// GFLOP/s as a share of it.
//
// The kernel is the forward GEMM's register tile (assembly/gemm/gemm_2x16.ts) with nothing around
// it: 2 rows x 16 columns, 8 f32x4 accumulators, per k two splatted loads of A, four vector loads
// of one packed panel row and 8 multiply+adds, over data that stays in L1 (A 2 x 256 floats, the
// panel 256 x 16 floats: 18 KB). It is an AssemblyScript kernel compiled here, for the bench only
// (it is no part of the library's core), in two builds: plain SIMD (multiply, then add: what the
// plain core runs) and relaxed SIMD (f32x4.relaxed_madd, where the runtime has it).

import asc from "assemblyscript/asc";
import { clocked } from "./timing.mjs";

const K = 256; // panel rows: 16 KB of panel + 2 KB of A, well inside a 32-48 KB L1
const FLOP_PER_REP = K * 2 * 16 * 2; // 2 rows x 16 columns x K multiply-adds, 2 FLOP each

const source = (madd) => `
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 { return ${madd}; }
export function peak(reps: i32, K: i32, a: usize, b: usize, out: usize): void {
  const a1 = a + (<usize>K << 2);
  for (let r = 0; r < reps; r++) {
    let x0 = v128.load(out), x1 = v128.load(out, 16), x2 = v128.load(out, 32), x3 = v128.load(out, 48);
    let y0 = v128.load(out, 64), y1 = v128.load(out, 80), y2 = v128.load(out, 96), y3 = v128.load(out, 112);
    let bk = b;
    for (let k = 0; k < K; k++) {
      const s0 = v128.load32_splat(a + (<usize>k << 2));
      const s1 = v128.load32_splat(a1 + (<usize>k << 2));
      const w0 = v128.load(bk), w1 = v128.load(bk, 16), w2 = v128.load(bk, 32), w3 = v128.load(bk, 48);
      x0 = madd(s0, w0, x0); y0 = madd(s1, w0, y0);
      x1 = madd(s0, w1, x1); y1 = madd(s1, w1, y1);
      x2 = madd(s0, w2, x2); y2 = madd(s1, w2, y2);
      x3 = madd(s0, w3, x3); y3 = madd(s1, w3, y3);
      bk += 64;
    }
    v128.store(out, x0); v128.store(out, x1, 16); v128.store(out, x2, 32); v128.store(out, x3, 48);
    v128.store(out, y0, 64); v128.store(out, y1, 80); v128.store(out, y2, 96); v128.store(out, y3, 112);
  }
}
`;

const VARIANTS = {
  plain: { madd: "f32x4.add(f32x4.mul(a, b), c)", enable: ["simd"] },
  relaxed: { madd: "f32x4.relaxed_madd(a, b, c)", enable: ["simd", "relaxed-simd"] },
};

/**
 * Compiles and instantiates the peak kernel. Returns { variant, run(ms) -> GFLOP/s of one block,
 * entry(blockMs) -> an adapter-like { name, async, run } doing `reps` per call, flopPerCall }.
 * Throws when the runtime lacks the variant's features (relaxed SIMD on Node 20 without the flag).
 */
export async function loadPeak(variant = "plain") {
  const spec = VARIANTS[variant];
  const options = { optimizeLevel: 3, runtime: "stub", noAssert: true, initialMemory: 1, enable: spec.enable };
  const { error, binary, stderr } = await asc.compileString(source(spec.madd), options);
  if (error) throw new Error(`peak kernel did not compile: ${error.message}\n${stderr}`);
  const { instance } = await WebAssembly.instantiate(binary, { env: { abort() {} } });
  const { peak, memory } = instance.exports;
  const f32 = new Float32Array(memory.buffer);
  // A at 4 KB, the panel right after, the accumulators after that; small values so nothing
  // overflows or turns denormal over millions of multiply-adds.
  const aAt = 4096,
    bAt = aAt + 2 * K * 4,
    outAt = bAt + K * 64;
  for (let i = 0; i < 2 * K; i++) f32[aAt / 4 + i] = 1e-3 * (1 + (i % 7));
  for (let i = 0; i < 16 * K; i++) f32[bAt / 4 + i] = 1e-3 * (1 + (i % 5));
  const call = (reps) => peak(reps, K, aAt, bAt, outAt);
  // about 0.5 ms per call at 50 GFLOP/s, so a 2 ms block is a few calls
  const reps = 1500;
  call(reps); // compile and warm
  return {
    variant,
    flopPerCall: reps * FLOP_PER_REP,
    /** An entry for the interleaved rounds (timing.mjs): one call = `reps` tile passes. */
    entry: { name: `peak-${variant}`, label: `SIMD128 peak (${variant})`, async: false, run: () => call(reps) },
    /** GFLOP/s over `ms` of back-to-back calls (at least one), by the wall clock or the CPU time. */
    measure(ms, clock = "cpu") {
      let n = 0;
      const t = clocked(() => {
        const t0 = performance.now();
        do {
          call(reps);
          n++;
        } while (performance.now() - t0 < ms);
      });
      const took = clock === "cpu" && !Number.isNaN(t.cpu) ? t.cpu : t.wall;
      return (n * reps * FLOP_PER_REP) / (took * 1e6);
    },
  };
}

/**
 * The peak now: the median and the best of `blocks` blocks of `blockMs`. Under load the best is the
 * closer to the machine's own peak; the median says how much of it the process got at that time.
 */
export function peakNow(peak, { blocks = 25, blockMs = 10, clock = "cpu" } = {}) {
  const xs = [];
  for (let i = 0; i < blocks; i++) xs.push(peak.measure(blockMs, clock));
  xs.sort((a, b) => a - b);
  return { medianGflops: xs[xs.length >> 1], bestGflops: xs[xs.length - 1], blocks, blockMs, clock };
}
