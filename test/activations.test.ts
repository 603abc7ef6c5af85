// The wasm core's vector math against float64 references, and the hard-sigmoid definitions.
import { beforeAll, describe, expect, it } from "vitest";
import { ready } from "../src/index.js";
import { arena } from "../src/core/arena.js";
import { ACTIVATION_IDS } from "../src/core/activations.js";
import { core, heapF32 } from "../src/core/wasm.js";

beforeAll(async () => {
  await ready();
});

/** Runs a vector kernel over `xs` (length a multiple of 4) and returns the outputs. */
function runVec(xs: Float32Array, kernel: (src: number, dst: number, n: number) => void): Float32Array {
  const src = arena.alloc(xs.length * 4), dst = arena.alloc(xs.length * 4);
  try {
    heapF32().set(xs, src >> 2);
    kernel(src, dst, xs.length);
    return heapF32().slice(dst >> 2, (dst >> 2) + xs.length);
  } finally {
    arena.free(src);
    arena.free(dst);
  }
}

function grid(lo: number, hi: number, n: number): Float32Array {
  const xs = new Float32Array(n);
  for (let i = 0; i < n; i++) xs[i] = lo + ((hi - lo) * i) / (n - 1);
  return xs;
}

describe("vector exp", () => {
  it("has relative error below 1e-6 over [-87, 88]", () => {
    const xs = grid(-87, 88, 400_000);
    const ys = runVec(xs, (s, d, n) => core("test").exp_vec(s, d, n));
    let worst = 0;
    for (let i = 0; i < xs.length; i++) {
      const want = Math.exp(xs[i]!);
      worst = Math.max(worst, Math.abs(ys[i]! - want) / want);
    }
    expect(worst).toBeLessThan(1e-6);
    // the comment on expv states the measured figure; keep it honest
    expect(worst).toBeLessThan(3e-7);
  });
});

describe("element-wise activations", () => {
  const xs = grid(-12, 12, 24_004);
  const act = (name: keyof typeof ACTIVATION_IDS) =>
    runVec(xs, (s, d, n) => core("test").activate_vec(s, d, n, ACTIVATION_IDS[name]));

  it("sigmoid and tanh stay within 3e-7 absolute of float64 math", () => {
    const sig = act("sigmoid"), th = act("tanh");
    let es = 0, et = 0;
    for (let i = 0; i < xs.length; i++) {
      es = Math.max(es, Math.abs(sig[i]! - 1 / (1 + Math.exp(-xs[i]!))));
      et = Math.max(et, Math.abs(th[i]! - Math.tanh(xs[i]!)));
    }
    expect(es).toBeLessThan(3e-7);
    expect(et).toBeLessThan(3e-7);
  });

  it("tanh keeps relative precision near zero and is odd", () => {
    const small = new Float32Array([1e-8, -1e-8, 1e-4, -3e-3, 0.05, -0.0624, 0.0626, 0]);
    const th = runVec(small, (s, d, n) => core("test").activate_vec(s, d, n, ACTIVATION_IDS.tanh));
    for (let i = 0; i < small.length; i++) {
      const want = Math.tanh(small[i]!);
      expect(Math.abs(th[i]! - want)).toBeLessThanOrEqual(2e-7 * Math.abs(want));
    }
  });

  it("hard_sigmoid is Keras 3's x/6 + 0.5 and hard_sigmoid_legacy is 0.2x + 0.5 (both clipped)", () => {
    const pts = new Float32Array([-3.5, -3, -2.5, -1, 0, 1, 2.5, 3, 3.5, 10, -10, 0.3]);
    const k3 = runVec(pts, (s, d, n) => core("test").activate_vec(s, d, n, ACTIVATION_IDS.hard_sigmoid));
    const k2 = runVec(pts, (s, d, n) => core("test").activate_vec(s, d, n, ACTIVATION_IDS.hard_sigmoid_legacy));
    // Keras 3 saturates at +-3, Keras 2 at +-2.5; at -1 they give 1/3 and 0.3
    expect(Array.from(k3.slice(0, 9)).map((v) => +v.toFixed(6))).toEqual([0, 0, 0.083333, 0.333333, 0.5, 0.666667, 0.916667, 1, 1]);
    expect(Array.from(k2.slice(0, 9)).map((v) => +v.toFixed(6))).toEqual([0, 0, 0, 0.3, 0.5, 0.7, 1, 1, 1]);
  });
});
