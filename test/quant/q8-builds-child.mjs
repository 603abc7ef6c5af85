// Run by test/quant/q8-builds.test.ts in a child process (Node with --experimental-wasm-relaxed-simd,
// and Deno, whose V8 computes i32x4.relaxed_dot_i8x16_i7x16_add_s right): instantiates the plain
// and relaxed-SIMD builds of the int8 core (src/core/generated/quant*.wasm) on fresh memories, runs
// every kernel on the same seeded data and prints, per build, how it forms its dot products and a
// hash of every output byte. The builds must agree bit for bit: the integer sums are exact and the
// float steps around them use no fused multiply-add.
import { readFileSync } from "node:fs";

const dir = new URL("../../src/core/generated/", import.meta.url);
let seed = 12345;
const rand = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 4294967296;
};

/** FNV-1a over bytes. */
function hash(bytes, h = 0x811c9dc5) {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 16777619) >>> 0;
  return h;
}

function run(file) {
  const memory = new WebAssembly.Memory({ initial: 64 });
  const q = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL(file, dir))), { env: { memory } })
    .exports;
  const dot = q.q8_select_dot(3, 5, 7);
  seed = 12345;
  let top = 65536;
  const alloc = (bytes) => {
    const p = top;
    top += (bytes + 63) & ~63;
    return p;
  };
  const f32 = new Float32Array(memory.buffer);
  const floats = (n, scale) => {
    const p = alloc(n * 4);
    for (let i = 0; i < n; i++) f32[(p >> 2) + i] = (rand() * 2 - 1) * scale;
    return p;
  };
  const zeros = (bytes) => {
    const p = alloc(bytes);
    new Uint8Array(memory.buffer, p, bytes).fill(0);
    return p;
  };
  // q8 blocks from random float panels: [P][Kp][4 NV] floats -> scales, sums, bytes
  const block = (NV, P, Kp) => {
    const src = floats(P * Kp * 4 * NV, 0.4);
    const dst = zeros(32 * NV * P + P * ((Kp + 3) >> 2) * 16 * NV);
    q.q8_pack(NV, P, Kp, src, dst);
    return dst;
  };
  const outs = [];
  const keep = (p, bytes) => outs.push(new Uint8Array(memory.buffer, p, bytes).slice());
  // the product alone, one and three rows (the relaxed build's tail and two-row tile)
  for (const M of [1, 3]) {
    const K = 45,
      N = 48,
      ld = 48;
    const x = floats(M * K, 1.5);
    const aq = zeros(M * ld),
      rp = zeros(M * 8);
    q.q8_rows(M, K, x, K, aq, ld, rp);
    keep(aq, M * ld);
    const w = block(4, N / 16, K);
    const bias = floats(N, 0.2),
      c = zeros(M * N * 4);
    q.q8_gemm_16(M, N, (K + 3) >> 2, aq, ld, rp, w, bias, 0, c, N);
    keep(c, M * N * 4);
  }
  // the cells: B 3, T 6, I 7, H 13 (Hp 16, Hq 16); a mask; default and other activations; backwards
  const B = 3,
    T = 6,
    I = 7,
    H = 13,
    Hp = 16;
  const x = floats(B * T * I, 1);
  const mask = alloc(B * T);
  new Uint8Array(memory.buffer, mask, B * T).set(Array.from({ length: B * T }, (_, i) => (i % 5 === 3 ? 0 : 1)));
  const qs = zeros(B * (16 + 2 * 16 + 32));
  for (const [act, rec, back, m] of [
    [2, 3, 0, 0],
    [1, 4, 1, mask],
  ]) {
    const h = floats(B * Hp, 0),
      c = floats(B * Hp, 0),
      last = zeros(B * Hp * 4);
    new Float32Array(memory.buffer, h, B * Hp).fill(0);
    new Float32Array(memory.buffer, c, B * Hp).fill(0);
    const y = zeros(B * T * H * 4),
      cseq = zeros(B * T * H * 4),
      z = zeros(B * 4 * Hp * 4);
    const w = block(4, Hp / 4, I),
      u = block(4, Hp / 4, Hp),
      bias = floats(4 * Hp, 0.1);
    q.q8_lstm_forward(B, T, I, H, x, w, u, bias, act, rec, back, h, c, z, y, cseq, m, 0, last, qs);
    keep(y, B * T * H * 4);
    keep(cseq, B * T * H * 4);
    keep(c, B * Hp * 4);
    // GRU, reset after
    const gh = zeros(B * Hp * 4),
      xw = zeros(B * 3 * Hp * 4),
      hu = zeros(B * 3 * Hp * 4),
      gy = zeros(B * T * H * 4);
    q.q8_gru_reset_after_forward(
      B,
      T,
      I,
      H,
      x,
      block(3, Hp / 4, I),
      block(3, Hp / 4, Hp),
      floats(3 * Hp, 0.1),
      floats(3 * Hp, 0.1),
      act,
      rec,
      back,
      gh,
      xw,
      hu,
      gy,
      m,
      1,
      zeros(B * Hp * 4),
      qs,
    );
    keep(gy, B * T * H * 4);
    // GRU, reset before
    const bh = zeros(B * Hp * 4),
      by = zeros(B * T * H * 4);
    q.q8_gru_reset_before_forward(
      B,
      T,
      I,
      H,
      x,
      block(2, Hp / 4, I),
      block(4, 1, I),
      block(2, Hp / 4, Hp),
      block(4, 1, Hp),
      floats(2 * Hp, 0.1),
      floats(16, 0.1),
      act,
      rec,
      back,
      bh,
      zeros(B * 2 * Hp * 4),
      zeros(B * Hp * 4),
      zeros(B * 16 * 4),
      by,
      m,
      0,
      zeros(B * Hp * 4),
      qs,
    );
    keep(by, B * T * H * 4);
    // SimpleRNN (units padded to 16)
    const sh = zeros(B * 16 * 4),
      sy = zeros(B * T * H * 4);
    q.q8_simple_rnn_forward(
      B,
      T,
      I,
      H,
      x,
      block(4, 1, I),
      block(4, 1, 16),
      floats(16, 0.1),
      act,
      back,
      sh,
      zeros(B * 16 * 4),
      sy,
      m,
      0,
      zeros(B * 16 * 4),
      qs,
    );
    keep(sy, B * T * H * 4);
  }
  let h = 0x811c9dc5;
  let nonzero = 0;
  for (const o of outs) {
    h = hash(o, h);
    nonzero += o.some((v) => v !== 0) ? 1 : 0;
  }
  return { dot, hash: h, outputs: outs.length, nonzero };
}

const results = { plain: run("quant.wasm") };
results.relaxed = run("quant-relaxed.wasm");
console.log(JSON.stringify(results));
