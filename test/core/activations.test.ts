// The wasm core's vector math against float64 references, and the hard-sigmoid definitions.
import { beforeAll, describe, expect, it } from "vitest";
import { ACTIVATION_IDS } from "../../src/core/activations.js";
import { arena } from "../../src/core/arena.js";
import { core, heapF32 } from "../../src/core/wasm.js";
import { ready, tensor } from "../../src/index.js";
import { decode, type EncodedArray, expectClose, loadCases } from "../helpers/cases.js";

beforeAll(async () => {
  await ready();
});

/** Runs a vector kernel over `xs` (length a multiple of 4) and returns the outputs. */
function runVec(xs: Float32Array, kernel: (src: number, dst: number, n: number) => void): Float32Array {
  const src = arena.alloc(xs.length * 4),
    dst = arena.alloc(xs.length * 4);
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

describe("element-wise activations against Keras (test/cases/activations.json)", () => {
  interface ActCase {
    name: keyof typeof ACTIVATION_IDS;
    inputs: EncodedArray[];
    outputs: EncodedArray[];
  }
  const file = loadCases<ActCase>("activations.json");

  it("covers every element-wise activation of the core", () => {
    expect(file.cases.map((c) => c.name).sort()).toEqual([
      "hard_sigmoid",
      "hard_sigmoid_legacy",
      "linear",
      "relu",
      "sigmoid",
      "tanh",
    ]);
  });

  for (const c of file.cases) {
    it(`${c.name} matches Keras on the edge points and a grid`, () => {
      const xs = decode(c.inputs[0]!);
      const want = decode(c.outputs[0]!);
      // the kernel works on whole vectors: pad to a multiple of 4
      const padded = new Float32Array(Math.ceil(xs.size / 4) * 4);
      padded.set(xs.data);
      const got = runVec(padded, (s, d, n) => core("test").activate_vec(s, d, n, ACTIVATION_IDS[c.name]));
      expectClose(tensor(got.slice(0, xs.size), [...xs.shape]), want, c.name, { atol: 3e-7, rtol: 1e-6 });
    });
  }

  it("the two hard sigmoids differ where Keras 2 and Keras 3 do (so the choice by file version matters)", () => {
    const k3 = decode(file.cases.find((c) => c.name === "hard_sigmoid")!.outputs[0]!);
    const k2 = decode(file.cases.find((c) => c.name === "hard_sigmoid_legacy")!.outputs[0]!);
    let differ = 0;
    for (let i = 0; i < k3.size; i++) if (Math.abs(k3.data[i]! - k2.data[i]!) > 1e-3) differ++;
    expect(differ).toBeGreaterThan(100);
  });
});
