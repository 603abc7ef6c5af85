// predict must not grow wasm memory once a batch shape has been planned.
import { beforeAll, describe, expect, it } from "vitest";
import { arena } from "../../src/core/arena.js";
import { Dense, Input, LSTM, Model, memoryBytes, ready, tensor } from "../../src/index.js";

beforeAll(async () => {
  await ready();
});

describe("memory", () => {
  it("10,000 predictions keep wasm memory and the arena flat", () => {
    const x = Input({ shape: [20, 8] });
    const enc = new LSTM({ units: 32, returnSequences: true, returnState: true });
    const [seq, h, c] = enc.apply(x);
    const probs = new Dense({ units: 10, activation: "softmax" }).apply(seq);
    const model = new Model({ inputs: x, outputs: [probs, h, c] });
    const input = tensor(
      Float32Array.from({ length: 2 * 20 * 8 }, (_, i) => Math.sin(i)),
      [2, 20, 8],
    );
    const first = model.predict(input);
    const bytes = memoryBytes(),
      inUse = arena.inUse;
    let last = first;
    for (let i = 0; i < 10_000; i++) last = model.predict(input);
    expect(memoryBytes()).toBe(bytes);
    expect(arena.inUse).toBe(inUse);
    // same input, same numbers: nothing accumulates between calls
    expect(Array.from((last as { data: Float32Array }[])[0]!.data)).toEqual(
      Array.from((first as { data: Float32Array }[])[0]!.data),
    );
  });

  it("freed plans and replaced weights are reused, not leaked", () => {
    const x = Input({ shape: [null, 4] });
    const lstm = new LSTM({ units: 16 });
    const model = new Model({ inputs: x, outputs: lstm.apply(x) });
    const weights = lstm.getWeights();
    for (let i = 0; i < 3; i++) model.predict(tensor(new Float32Array(5 * 4), [1, 5, 4]));
    const inUse = arena.inUse;
    for (let i = 0; i < 200; i++) {
      lstm.setWeights(weights);
      model.predict(tensor(new Float32Array(5 * 4), [1, 5, 4]));
    }
    expect(arena.inUse).toBe(inUse);
    // many distinct step counts: the plan cache stays bounded
    for (let t = 1; t <= 40; t++) model.predict(tensor(new Float32Array(t * 4), [1, t, 4]));
    const afterMany = arena.inUse;
    for (let t = 41; t <= 80; t++) model.predict(tensor(new Float32Array(t * 4), [1, t, 4]));
    expect(arena.inUse).toBeLessThanOrEqual(afterMany + 8 * 80 * 4 * 64 * 4 * 2);
    model.releasePlans();
    expect(arena.inUse).toBeLessThan(inUse);
  });
});
