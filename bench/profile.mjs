// Where a recurrent forward's time goes: `node bench/run.mjs --profile [--quick] [--shapes=b,c]`.
//
// The pieces are timed apart through the core's own exports, on the library's wasm instance and
// memory, interleaved in the same rounds (timing.mjs) with the SIMD128 peak kernel (peak.mjs):
//   predict     model.predict(x): what a user pays (input in, the kernel, output out)
//   kernel      the cell's forward kernel alone (lstm_forward, gru_reset_after_forward,
//               simple_rnn_forward) on buffers of the same shapes
//   input GEMM  the kernel's first product, x . W + b for all steps (one gemm_2x16 / gemm_2x12 call)
//   rec GEMMs   the recurrent products, h . U, one gemm call per step as the kernel makes them
// and derived from those medians: gates = kernel - input GEMM - rec GEMMs (the gate pass and the
// step loop), copies = predict - kernel (copies in and out, plan lookup, checks). Each GEMM's
// GFLOP/s is also given as a share of the peak, and "ideal" is the shape's FLOPs at the peak: the
// gap between predict and ideal splits into the GEMMs' own shortfall, the gates and the copies.
//
// The recurrent GEMMs are T calls from JavaScript instead of T calls inside one wasm call: the
// difference (a few tens of ns per call) goes into "rec GEMMs", so "gates" errs low by as much.

import { loadPeak } from "./peak.mjs";
import { fmtMs, fmtNum, fmtShare } from "./report.mjs";
import { interleave } from "./timing.mjs";

const SHAPES = [
  { name: "a", B: 1, T: 3, I: 1, H: 1 },
  { name: "b", B: 1, T: 100, I: 32, H: 128 },
  { name: "c", B: 32, T: 50, I: 64, H: 256 },
  { name: "d", B: 64, T: 100, I: 128, H: 512 },
];

// Per cell: packed gate width G (columns of the packed weights), the gemm export, the state
// stride P (H padded as the kernel pads it), and the library layer.
const CELLS = {
  LSTM: { gates: 4, gemm: "gemm_2x16", pad: 4, layer: (lib, H) => new lib.LSTM({ units: H, returnSequences: true }) },
  GRU: { gates: 3, gemm: "gemm_2x12", pad: 4, layer: (lib, H) => new lib.GRU({ units: H, returnSequences: true }) },
  SimpleRNN: {
    gates: 1,
    gemm: "gemm_2x16",
    pad: 16,
    layer: (lib, H) => new lib.SimpleRNN({ units: H, returnSequences: true }),
  },
};

/** Buffers of one shape in the library's arena, filled with small seeded values; free() gives them back. */
function buffers(arena, heapF32, sizes) {
  const ptrs = {};
  for (const [name, floats] of Object.entries(sizes)) ptrs[name] = arena.alloc(Math.max(16, floats * 4));
  const f32 = heapF32();
  let s = 1;
  for (const [name, floats] of Object.entries(sizes)) {
    const at = ptrs[name] >>> 2;
    const scale = name === "x" ? 1 : name === "h" || name === "c" ? 0 : 0.1;
    for (let i = 0; i < floats; i++) {
      s = (s * 16807) % 2147483647;
      f32[at + i] = scale * ((s / 2147483647) * 2 - 1);
    }
  }
  return { ptrs, free: () => Object.values(ptrs).forEach((p) => arena.free(p)) };
}

/** The entries (predict, kernel, input GEMM, rec GEMMs) of one cell on one shape. */
function cellEntries(lib, core, cellName, shape) {
  const { B, T, I, H } = shape;
  const cell = CELLS[cellName];
  const P = Math.ceil(H / cell.pad) * cell.pad; // state stride
  const G = cellName === "SimpleRNN" ? P : cell.gates * P; // packed columns
  const k = core.kernels();
  const { ptrs: p, free } = buffers(core.arena, core.heapF32, {
    x: B * T * I,
    w: I * G,
    u: P * G,
    bias: G,
    rbias: G,
    h: B * P,
    c: B * P,
    xw: B * T * G,
    z: B * G,
    y: B * T * H,
    last: B * P,
  });
  const gemm = k[cell.gemm];
  const inputGemm = () => gemm(B * T, G, I, p.x, I, p.w, p.bias, 0, p.xw, G);
  const recGemms =
    cellName === "GRU"
      ? () => {
          for (let s = 0; s < T; s++) gemm(B, G, P, p.h, P, p.u, p.rbias, 0, p.z, G);
        }
      : () => {
          for (let s = 0; s < T; s++) gemm(B, G, P, p.h, P, p.u, p.xw + s * G * 4, T * G, p.z, G);
        };
  const ACT_TANH = 2,
    ACT_SIGMOID = 3;
  const kernel = {
    LSTM: () =>
      k.lstm_forward(
        B,
        T,
        I,
        H,
        p.x,
        p.w,
        p.u,
        p.bias,
        ACT_TANH,
        ACT_SIGMOID,
        0,
        p.h,
        p.c,
        p.xw,
        p.z,
        p.y,
        0,
        0,
        0,
        0,
        p.last,
      ),
    GRU: () =>
      k.gru_reset_after_forward(
        B,
        T,
        I,
        H,
        p.x,
        p.w,
        p.u,
        p.bias,
        p.rbias,
        ACT_TANH,
        ACT_SIGMOID,
        0,
        p.h,
        p.xw,
        p.z,
        p.y,
        0,
        0,
        p.last,
        0,
      ),
    SimpleRNN: () =>
      k.simple_rnn_forward(B, T, I, H, p.x, p.w, p.u, p.bias, ACT_TANH, 0, p.h, p.xw, p.z, p.y, 0, 0, p.last, 0),
  }[cellName];

  const inp = lib.Input({ shape: [T, I] });
  const layer = cell.layer(lib, H);
  const model = new lib.Model({ inputs: inp, outputs: layer.apply(inp) });
  layer.setWeights(
    layer.getWeights().map((w) =>
      lib.tensor(
        w.data.map((v) => v * 0.1),
        [...w.shape],
      ),
    ),
  );
  const x = lib.tensor(
    Float32Array.from({ length: B * T * I }, (_, i) => Math.sin(i * 0.37)),
    [B, T, I],
  );
  const entry = (name, run) => ({ name, async: false, run });
  return {
    entries: [
      entry("predict", () => model.predict(x)),
      entry("kernel", kernel),
      entry("input GEMM", inputGemm),
      entry("rec GEMMs", recGemms),
    ],
    flops: { input: 2 * B * T * G * I, rec: 2 * B * T * G * P, counted: 2 * B * T * cell.gates * H * (I + H) },
    dispose() {
      model.dispose();
      free();
    },
  };
}

/** Runs the profile and prints one table per cell. Returns the rows (for a results file). */
export async function runProfile({ quick = false, only, cells, clock = "cpu" } = {}) {
  const lib = await import("../dist/index.js");
  await lib.ready({ simd: "plain" });
  const { arena } = await import("../dist/core/arena.js");
  const { kernels, heapF32 } = await import("../dist/core/instance.js");
  const core = { arena, kernels, heapF32 };
  const peak = await loadPeak("plain");
  const settings = quick
    ? { blockMs: 2, minRounds: 5, budgetMs: 500, warmupMs: 30, clock }
    : { blockMs: 5, minRounds: 15, budgetMs: 3000, warmupMs: 150, clock };
  const rows = [];
  for (const cellName of Object.keys(CELLS).filter((c) => !cells || cells.includes(c))) {
    const lines = [
      `\n## ${cellName} forward: where the time goes (ms per forward; % of predict; GEMMs as share of the peak)\n`,
      "| shape | peak GFLOP/s | predict | kernel | input GEMM | rec GEMMs | gates (derived) | copies (derived) | ideal at peak |",
      "|---|---|---|---|---|---|---|---|---|",
    ];
    for (const shape of SHAPES.filter((s) => !only || only.includes(s.name))) {
      if (quick && shape.name === "d") continue;
      const run = cellEntries(lib, core, cellName, shape);
      const timed = await interleave([...run.entries, peak.entry], settings);
      const ms = Object.fromEntries(run.entries.map((e) => [e.name, timed.get(e).medianMs]));
      const peakGflops = peak.flopPerCall / (timed.get(peak.entry).medianMs * 1e6);
      const gates = ms.kernel - ms["input GEMM"] - ms["rec GEMMs"];
      const copies = ms.predict - ms.kernel;
      const ideal = run.flops.counted / (peakGflops * 1e6);
      const share = (flop, t) => flop / (t * 1e6) / peakGflops;
      const pct = (t) => `${fmtMs(t)} (${((100 * t) / ms.predict).toFixed(0)} %)`;
      lines.push(
        `| ${shape.name} | ${fmtNum(peakGflops, 3)} | ${fmtMs(ms.predict)} | ${pct(ms.kernel)} | ` +
          `${pct(ms["input GEMM"])}, ${fmtShare(share(run.flops.input, ms["input GEMM"]))} | ` +
          `${pct(ms["rec GEMMs"])}, ${fmtShare(share(run.flops.rec, ms["rec GEMMs"]))} | ${pct(gates)} | ${pct(copies)} | ` +
          `${pct(ideal)} |`,
      );
      rows.push({ cell: cellName, ...shape, peakGflops, ms, gates, copies, ideal, flops: run.flops });
      console.log(`profiled ${cellName} ${shape.name}`);
      run.dispose();
    }
    console.log(lines.join("\n"));
  }
  return rows;
}

// ---- the LSTM's backward (--profile --train) ----------------------------------------------------
//
// The pieces of one LSTM backward call (src/layers/recurrent-backward.ts) through the training
// core's exports, on a trace that lstm_forward wrote: the cell kernel (lstm_backward: the gate
// gradients per step and, per step, dh_{t-1} = dz_t . U^T), that per-step product alone (T calls
// of gemm_nt_packed), the weight gradients dKernel = x^T dz and dRecurrent = h_{t-1}^T dz
// (gemm_tn_blocked, with its packing), the bias gradient (colsum_acc), dx = dz . kernel^T (pack_transpose_panels +
// gemm_nt_packed) and U^T's packing. gates = cell kernel - its products (derived).

function lstmBackwardEntries(core, shape) {
  const { B, T, I, H } = shape;
  const P = Math.ceil(H / 4) * 4;
  const N = 4 * P;
  const r16 = (n) => Math.ceil(n / 16) * 16;
  const W = 6 * P; // trace row: i f c o interleaved [N], c_{t-1} [P], h_{t-1} [P]
  const f = core.kernels();
  const k = core.trainKernels();
  const { ptrs: p, free } = buffers(core.arena, core.heapF32, {
    x: B * T * I,
    w: I * N,
    u: P * N,
    bias: N,
    h: B * P,
    c: B * P,
    xw: B * T * N,
    z: B * N,
    y: B * T * H,
    last: B * P,
    trace: B * T * W,
    dh: B * P,
    dc: B * P,
    dhNew: B * P,
    dz: B * T * N,
    ut: r16(H) * N,
    wt: r16(I) * N,
    dK: I * N,
    dU: P * N,
    dB: N,
    dx: B * T * I,
    tn: Math.max(k.tn_blocked_scratch_bytes(B, T, I, N), k.tn_blocked_scratch_bytes(B, T, H, N)) / 4,
  });
  f.lstm_forward(B, T, I, H, p.x, p.w, p.u, p.bias, 2, 3, 0, p.h, p.c, p.xw, p.z, p.y, 0, p.trace, 0, 0, p.last);
  k.pack_transpose_panels(4, p.u, P, N, H, p.ut);
  const e = (name, run) => ({ name, async: false, run });
  return {
    entries: [
      e("pack U^T", () => k.pack_transpose_panels(4, p.u, P, N, H, p.ut)),
      e("cell kernel", () => k.lstm_backward(B, T, H, p.ut, 2, 3, 0, p.trace, p.y, p.dh, p.dc, p.dz, p.dhNew, 0, 0, 0)),
      e("dh products", () => {
        for (let t = 0; t < T; t++) k.gemm_nt_packed(B, H, N, p.dz + t * N * 4, T * N, p.ut, p.dhNew, P, 0);
      }),
      e("dKernel", () => k.gemm_tn_blocked(4, B, T, p.dz, N, N, p.tn, I, p.x, I, 0, p.dK, I, 0, 0, 0, 0, 0, 0)),
      e("dRecurrent", () =>
        k.gemm_tn_blocked(4, B, T, p.dz, N, N, p.tn, H, p.trace + (N + P) * 4, W, 0, p.dU, P, 0, 0, 0, 0, 0, 0),
      ),
      e("dKernel+dRecurrent", () =>
        k.gemm_tn_blocked(4, B, T, p.dz, N, N, p.tn, I, p.x, I, 0, p.dK, I, H, p.trace + (N + P) * 4, W, 0, p.dU, P),
      ),
      e("dBias", () => k.colsum_acc(B * T, N, p.dz, N, p.dB)),
      e("dx", () => {
        k.pack_transpose_panels(4, p.w, I, N, I, p.wt);
        k.gemm_nt_packed(B * T, I, N, p.dz, N, p.wt, p.dx, I, 1);
      }),
    ],
    flops: { dh: 2 * B * T * N * H, dU: 2 * B * T * N * H, dK: 2 * B * T * N * I, dx: 2 * B * T * N * I },
    dispose: free,
  };
}

/** Times the LSTM backward's pieces on shapes b, c, d and prints the split. */
export async function runTrainProfile({ quick = false, only, clock = "cpu" } = {}) {
  const lib = await import("../dist/index.js");
  await lib.ready({ simd: "plain" });
  const { arena } = await import("../dist/core/arena.js");
  const { kernels, heapF32 } = await import("../dist/core/instance.js");
  const { loadTrainCore, trainKernels } = await import("../dist/core/train-kernels.js");
  await loadTrainCore("profile");
  const core = { arena, kernels, heapF32, trainKernels };
  const peak = await loadPeak("plain");
  const settings = quick
    ? { blockMs: 2, minRounds: 5, budgetMs: 500, warmupMs: 30, clock }
    : { blockMs: 5, minRounds: 15, budgetMs: 3000, warmupMs: 150, clock };
  const lines = [
    "\n## LSTM backward: where the time goes (ms per call; products as share of the peak)\n",
    "| shape | peak GFLOP/s | all | cell kernel | of which dh products | gates (derived) | dKernel | dRecurrent | both in one call " +
      "| dBias | dx | pack U^T | backward share |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  const rows = [];
  for (const shape of SHAPES.filter((s) => s.name !== "a" && (!only || only.includes(s.name)))) {
    if (quick && shape.name === "d") continue;
    const run = lstmBackwardEntries(core, shape);
    const timed = await interleave([...run.entries, peak.entry], settings);
    const ms = Object.fromEntries(run.entries.map((e) => [e.name, timed.get(e).medianMs]));
    const peakGflops = peak.flopPerCall / (timed.get(peak.entry).medianMs * 1e6);
    // the layer makes both weight gradients in one call (one packing of dz)
    const all = ms["pack U^T"] + ms["cell kernel"] + ms["dKernel+dRecurrent"] + ms.dBias + ms.dx;
    const total = run.flops.dh + run.flops.dU + run.flops.dK + run.flops.dx;
    const share = (flop, t) => fmtShare(flop / (t * 1e6) / peakGflops);
    const pct = (t) => `${fmtMs(t)} (${((100 * t) / all).toFixed(0)} %)`;
    lines.push(
      `| ${shape.name} | ${fmtNum(peakGflops, 3)} | ${fmtMs(all)} | ${pct(ms["cell kernel"])} | ` +
        `${pct(ms["dh products"])}, ${share(run.flops.dh, ms["dh products"])} | ${pct(ms["cell kernel"] - ms["dh products"])} | ` +
        `${pct(ms.dKernel)}, ${share(run.flops.dK, ms.dKernel)} | ${pct(ms.dRecurrent)}, ${share(run.flops.dU, ms.dRecurrent)} | ` +
        `${pct(ms["dKernel+dRecurrent"])}, ${share(run.flops.dK + run.flops.dU, ms["dKernel+dRecurrent"])} | ` +
        `${pct(ms.dBias)} | ${pct(ms.dx)}, ${share(run.flops.dx, ms.dx)} | ${pct(ms["pack U^T"])} | ${share(total, all)} |`,
    );
    rows.push({ ...shape, peakGflops, ms, flops: run.flops });
    console.log(`profiled LSTM backward ${shape.name}`);
    run.dispose();
  }
  console.log(lines.join("\n"));
  return rows;
}
