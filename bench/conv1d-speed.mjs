// Quick Conv1D forward timing against the same-size Dense GEMM and an LSTM (GFLOP/s, one thread).
// Not a test: `npm run build && node bench/conv1d-speed.mjs`.
import { Conv1D, Dense, Input, LSTM, Model, ready, tensor } from "../dist/index.js";

await ready();
const rand = (n) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37));

function time(model, x, flops) {
  model.predict(x);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 1500) {
    model.predict(x);
    n++;
  }
  const ms = (performance.now() - t0) / n;
  return `${ms.toFixed(2)} ms, ${((flops / ms) * 1e-6).toFixed(1)} GFLOP/s`;
}

function one(shape, layer) {
  const inp = Input({ shape });
  return new Model({ inputs: inp, outputs: layer.apply(inp) });
}

for (const [B, T, C, F, K] of [
  [32, 100, 64, 128, 3],
  [8, 200, 32, 64, 5],
  [1, 100, 32, 128, 3],
]) {
  const x = tensor(rand(B * T * C), [B, T, C]);
  const conv = one([T, C], new Conv1D({ filters: F, kernelSize: K, padding: "same", activation: "relu" }));
  const dense = one([T, K * C], new Dense({ units: F, activation: "relu" }));
  const xd = tensor(rand(B * T * K * C), [B, T, K * C]);
  const flops = 2 * B * T * K * C * F;
  console.log(`B=${B} T=${T} C=${C} F=${F} K=${K}`);
  console.log(`  Conv1D same:                ${time(conv, x, flops)}`);
  console.log(`  Dense on [B, T, K*C] (GEMM): ${time(dense, xd, flops)}`);
  const H = Math.max(F / 4, 8);
  const lstm = one([T, C], new LSTM({ units: H, returnSequences: true }));
  console.log(`  LSTM(${H}) on the input:     ${time(lstm, x, 2 * B * T * (C + H) * 4 * H)}`);
  for (const m of [conv, dense, lstm]) m.dispose();
}
