// Issue 12, "Also": models (and layers) never disposed give their wasm memory back once garbage
// collected (FinalizationRegistry). Runs the built package in a child `node --expose-gc`, builds
// and drops many models, forces collection and checks the arena's usage returns to its start,
// (trained ones included), while a live model sharing a layer with the dropped ones keeps predicting the same.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dist = fileURLToPath(new URL("../../dist/", import.meta.url));

const script = `
import { Dense, Input, LSTM, Model, ready, tensor } from ${JSON.stringify(`${dist}index.js`)};
import { arena } from ${JSON.stringify(`${dist}core/arena.js`)};
await ready();
const x = tensor(Float32Array.from({ length: 2 * 5 * 3 }, (_, i) => Math.sin(i)), [2, 5, 3]);
const shared = new LSTM({ units: 16 });
const x0 = Input({ shape: [5, 3] });
const live = new Model({ inputs: x0, outputs: shared.apply(x0) });
const first = Array.from(live.predict(x).data);
const start = arena.inUse;
for (let i = 0; i < 300; i++) {
  const xi = Input({ shape: [5, 3] });
  const m = new Model({ inputs: xi, outputs: new Dense({ units: 4 }).apply(new LSTM({ units: 64 }).apply(xi)) });
  m.predict(x);
  if (i % 30 === 0) {
    // a trained one leaves training plans, gradients and Adam's slots too
    m.compile({ optimizer: "adam", loss: "mse" });
    await m.trainOnBatch(x, tensor(new Float32Array(8), [2, 4]));
  }
  const xs = Input({ shape: [5, 3] });
  new Model({ inputs: xs, outputs: shared.apply(xs) }).predict(x); // dropped, but its layer lives on
}
const peak = arena.inUse;
for (let k = 0; k < 20 && arena.inUse > start; k++) {
  globalThis.gc();
  await new Promise((r) => setTimeout(r, 20));
}
const same = JSON.stringify(Array.from(live.predict(x).data)) === JSON.stringify(first);
console.log(JSON.stringify({ start, peak, end: arena.inUse, same }));
`;

describe("dropped models return their wasm memory", () => {
  it.skipIf(!existsSync(`${dist}index.js`))("after garbage collection, arena usage is back near its start", () => {
    const run = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.stderr).toBe("");
    const { start, peak, end, same } = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    expect(peak - start).toBeGreaterThan(10_000_000); // 300 LSTM(64) models and their plans
    expect(end - start).toBeLessThan((peak - start) / 50);
    expect(same).toBe(true);
  });
});
