// predict must not grow wasm memory once a batch shape has been planned.
import { beforeAll, describe, expect, it } from "vitest";
import { arena } from "../../src/core/arena.js";
import {
  Bidirectional,
  Dense,
  GRU,
  Input,
  LSTM,
  Masking,
  Model,
  memoryBytes,
  ready,
  SimpleRNN,
  type Tensor,
  tensor,
} from "../../src/index.js";
import { ramp } from "../helpers/errors.js";

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

  it("a masked Bidirectional GRU model and a stateful one keep wasm memory flat", () => {
    const x = Input({ shape: [12, 4] });
    const m = new Masking().apply(x);
    const bi = new Bidirectional(new GRU({ units: 16, returnSequences: true, resetAfter: false }), {
      mergeMode: "concat",
    });
    const y = new LSTM({ units: 8 }).apply(bi.apply(m) as never);
    const model = new Model({ inputs: x, outputs: y });
    const data = ramp(3 * 12 * 4);
    for (let t = 8; t < 12; t++) data.fill(0, (0 * 12 + t) * 4, (0 * 12 + t + 1) * 4); // right padding, row 0
    const input = tensor(data, [3, 12, 4]);

    const sx = Input({ batchShape: [2, 5, 3] });
    const stateful = new Model({
      inputs: sx,
      outputs: new SimpleRNN({ units: 6, stateful: true }).apply(
        new GRU({ units: 5, stateful: true, returnSequences: true }).apply(sx),
      ),
    });
    const sInput = tensor(ramp(2 * 5 * 3), [2, 5, 3]);

    const first = model.predict(input) as Tensor;
    stateful.predict(sInput);
    const bytes = memoryBytes(),
      inUse = arena.inUse;
    let last = first;
    for (let i = 0; i < 3000; i++) {
      last = model.predict(input) as Tensor;
      stateful.predict(sInput);
    }
    expect(memoryBytes()).toBe(bytes);
    expect(arena.inUse).toBe(inUse);
    expect(Array.from(last.data)).toEqual(Array.from(first.data));
  });
});
