// Where an int8 LSTM forward's time goes (shape b: B1 T100 I32 H128), timed as the other benches
// (timing.mjs: interleaved blocks, the CPU clock): the whole predict (wasm-rnn, model.quantize("int8")),
// the int8 core's q8_lstm_forward alone on its own memory, and its parts run apart for the same T
// steps: quantizing the activations (q8_rows on x_t and h), the two q8 products (q8_gemm_16 on
// x_t . W and h . U, with their dequantizing epilogues; the forward fuses them into one pass with
// one epilogue, so their sum is an upper bound), and the gates (the rest of the forward).
//
//   npm run build && node bench/quant-profile.mjs                                 plain SIMD build
//   WASM_RNN_SIMD=relaxed node --experimental-wasm-relaxed-simd bench/quant-profile.mjs   relaxed build

import { readFileSync } from "node:fs";
import { rng, uniform } from "./adapters.mjs";
import { fmtMs } from "./report.mjs";
import { interleave } from "./timing.mjs";

const [B, T, I, H] = [1, 100, 32, 128];
const lib = await import("../dist/index.js");
await lib.ready();
const build = lib.coreInfo().build;
const file = build === "relaxed" ? "quant-relaxed.wasm" : "quant.wasm";
const memory = new WebAssembly.Memory({ initial: 256 });
const bytes = readFileSync(new URL(`../src/core/generated/${file}`, import.meta.url));
const q = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
const dot = q.q8_select_dot(3, 5, 7);

let top = 1 << 16;
const alloc = (n) => {
  const p = top;
  top += (n + 63) & ~63;
  return p;
};
const f32 = new Float32Array(memory.buffer);
const rand = rng(1234);
const floats = (n, lo, hi) => {
  const p = alloc(n * 4);
  f32.set(uniform(rand, n, lo, hi), p >> 2);
  return p;
};
// q8 blocks from gate-interleaved float panels [P][Kp][16] (NV 4): the layout does not change the time
const Hp = H;
const block = (Kp) => {
  const P = Hp / 4;
  const src = floats(P * Kp * 16, -0.1, 0.1);
  const dst = alloc(32 * 4 * P + P * ((Kp + 3) >> 2) * 64);
  q.q8_pack(4, P, Kp, src, dst);
  return dst;
};
const w = block(I),
  u = block(Hp);
const bias = floats(4 * Hp, -0.1, 0.1);
const x = floats(B * T * I, -1, 1);
const h = floats(B * Hp, 0, 0),
  c = floats(B * Hp, 0, 0),
  z = alloc(B * 4 * Hp * 4),
  y = alloc(B * T * H * 4);
const ldx = (I + 15) & ~15,
  ldh = (Hp + 15) & ~15;
const qs = alloc(B * (ldx + ldh + 16));
const xq = qs,
  hq = qs + B * ldx,
  rpx = hq + B * ldh,
  rph = rpx + B * 8;
const [TANH, SIGMOID] = [2, 3];

const forward = () => q.q8_lstm_forward(B, T, I, H, x, w, u, bias, TANH, SIGMOID, 0, h, c, z, y, 0, 0, 0, 0, qs);
const rows = () => {
  for (let t = 0; t < T; t++) {
    q.q8_rows(B, I, x + t * I * 4, T * I, xq, ldx, rpx);
    q.q8_rows(B, H, h, Hp, hq, ldh, rph);
  }
};
const products = () => {
  for (let t = 0; t < T; t++) {
    q.q8_gemm_16(B, 4 * Hp, (I + 3) >> 2, xq, ldx, rpx, w, bias, 0, z, 4 * Hp);
    q.q8_gemm_16(B, 4 * Hp, Hp >> 2, hq, ldh, rph, u, z, 4 * Hp, z, 4 * Hp);
  }
};

// the library's int8 model on the same shape (weights of its own: the time does not depend on them)
const inp = lib.Input({ shape: [T, I] });
const model = new lib.Model({ inputs: inp, outputs: new lib.LSTM({ units: H, returnSequences: true }).apply(inp) });
await model.quantize("int8");
const input = lib.tensor(uniform(rand, B * T * I, -1, 1), [B, T, I]);

const entries = [
  { name: "predict (int8 model)", run: () => model.predict(input) },
  { name: "q8_lstm_forward", run: forward },
  { name: "quantize activations (q8_rows x, h)", run: rows },
  { name: "two q8 products + epilogues", run: products },
];
const timed = await interleave(entries, { blockMs: 5, minRounds: 15, budgetMs: 3000, warmupMs: 150 });
const ms = entries.map((e) => timed.get(e).medianMs);
const [all, fwd, rq, prod] = ms;
console.log(`int8 LSTM B${B} T${T} I${I} H${H}, ${build} build (dot ${dot}), per forward:\n`);
console.log("| part | ms | share of predict |\n|---|---:|---:|");
const row = (name, v) => console.log(`| ${name} | ${fmtMs(v)} | ${((100 * v) / all).toFixed(0)} % |`);
row("predict (int8 model)", all);
// an upper bound too: the kernel here runs on its own memory and buffers, not the model's
row("  the rest: input and output copies, JS (predict minus the kernel alone)", all - fwd);
row("  q8_lstm_forward", fwd);
row("    quantizing x_t and h (q8_rows)", rq);
row("    int8 products + dequantizing (two q8_gemm_16: upper bound)", prod);
row("    gates and state (the rest)", fwd - rq - prod);
model.dispose();
