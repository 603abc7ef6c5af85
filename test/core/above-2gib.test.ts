// Issue 12, item 10: a model whose blocks sit past 2 GiB of wasm memory computes as one below it
// (offsets are unsigned: `>>> 2`). Runs the built package in a child process so that the 2 GiB
// memory (committed lazily, about 50 MB resident) goes away with it; takes well under a second.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dist = fileURLToPath(new URL("../../dist/", import.meta.url));

const script = `
import { Dense, Input, LSTM, Model, memoryBytes, ready, tensor } from ${JSON.stringify(`${dist}index.js`)};
import { arena } from ${JSON.stringify(`${dist}core/arena.js`)};
await ready();
const x = tensor(Float32Array.from({ length: 2 * 5 * 3 }, (_, i) => Math.sin(i)), [2, 5, 3]);
const build = () => {
  const xi = Input({ shape: [5, 3] });
  const lstm = new LSTM({ units: 8, kernelInitializer: "ones", recurrentInitializer: "ones" });
  return new Model({ inputs: xi, outputs: new Dense({ units: 2, kernelInitializer: "ones" }).apply(lstm.apply(xi)) });
};
const low = build();
const want = JSON.stringify(Array.from(low.predict(x).data));
const filler = arena.alloc(2 ** 31 + 2 ** 20); // everything after this lies past 2 GiB
const high = build();
const out = { bytes: memoryBytes(), same: JSON.stringify(Array.from(high.predict(x).data)) === want };
high.setWeights(low.getWeights());
out.weights = JSON.stringify(high.getWeights().map((t) => Array.from(t.data))) ===
  JSON.stringify(low.getWeights().map((t) => Array.from(t.data)));
arena.free(filler);
console.log(JSON.stringify(out));
`;

describe("wasm memory above 2 GiB", () => {
  it.skipIf(!existsSync(`${dist}index.js`))("a model built past 2 GiB predicts and sets weights as one below", () => {
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.stderr).toBe("");
    const out = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    expect(out.bytes).toBeGreaterThan(2 ** 31);
    expect(out.same).toBe(true);
    expect(out.weights).toBe(true);
  });
});
