// Sequential against real Keras 3 (its cases in test/cases/family_layers.json), and what it refuses.
import { beforeAll, describe, expect, it } from "vitest";
import { Input, LSTM, RepeatVector, ready, Sequential, SimpleRNN, type Tensor, tensor } from "../../src/index.js";
import { expectError, ramp } from "../helpers/errors.js";
import { describeFamily } from "../helpers/family.js";

beforeAll(async () => {
  await ready();
});

describeFamily("family_layers.json", "sequential");

describe("Bidirectional and friends", () => {
  it("Sequential refuses an Input after layers and multi-output layers, staying usable", () => {
    const seq = new Sequential({
      layers: [Input({ shape: [3, 2] }), new SimpleRNN({ units: 2, returnSequences: true })],
    });
    expectError(() => seq.add(Input({ shape: [3, 2] })), "Input only as the first item");
    expectError(() => seq.add(new LSTM({ units: 2, returnState: true, name: "multi" })), "one output", "LSTM 'multi'");
    expectError(() => seq.add(new RepeatVector({ n: 2 })), "RepeatVector", "rank 2", "[null, 3, 2]");
    expect(seq.layers.length).toBe(1);
    expect((seq.predict(tensor(ramp(6), [1, 3, 2])) as Tensor).shape).toEqual([1, 3, 2]);
  });
});
