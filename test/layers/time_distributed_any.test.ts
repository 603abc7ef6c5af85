// TimeDistributed around any one-input layer (Conv2D, pooling, Flatten of rank > 3, LSTM, TimeDistributed, Dense
// with masks) against real Keras 3 (test/cases/layers_td.json, tools/gen_keras_layers_td.py): LRCN stacks,
// masks passing along time, files and one SGD step; and the refusals.
import { beforeAll, describe, expect, it } from "vitest";
import { Add, Conv2D, Dense, Flatten, Input, LSTM, ready, TimeDistributed, tensor } from "../../src/index.js";
import { expectError, ramp } from "../helpers/errors.js";
import { describeLayerCases } from "../helpers/layer-cases.js";

beforeAll(async () => {
  await ready();
});

describeLayerCases("layers_td.json", /^td_/);

describe("TimeDistributed around any layer", () => {
  it("refuses what it cannot wrap, naming the layer", () => {
    expectError(() => new TimeDistributed({} as never), "TimeDistributed", "expected a layer");
    const td = new TimeDistributed(new Conv2D({ filters: 2, kernelSize: 3 }), { name: "tdc" });
    expectError(() => td.apply(Input({ shape: [4] })), "TimeDistributed 'tdc'", "rank >= 3");
    expectError(
      () => td.apply(Input({ shape: [4, 5, 6] })),
      "TimeDistributed 'tdc'",
      "each step",
      "Conv2D",
      "rank >= 4",
    );
    // steps unknown until predict (Keras 3 runs TimeDistributed over Input((None, ...)) too)
    expect(td.apply(Input({ shape: [null, 5, 6, 1] })).shape).toEqual([null, null, 3, 4, 2]);
    expectError(
      () =>
        new TimeDistributed(new LSTM({ units: 2, returnState: true }), { name: "tds" }).apply(
          Input({ shape: [3, 4, 2] }),
        ),
      "TimeDistributed 'tds'",
      "one output",
    );
    expectError(() => new TimeDistributed(new Add()).apply(Input({ shape: [3, 4] })), "Add");
  });

  it("runs each step through the wrapped layer (eager), as the layer on each step alone", () => {
    const conv = new Conv2D({ filters: 3, kernelSize: 2, padding: "same", activation: "tanh" });
    const x = tensor(ramp(2 * 3 * 4 * 5 * 2), [2, 3, 4, 5, 2]);
    const y = new TimeDistributed(conv).apply(x);
    expect(y.shape).toEqual([2, 3, 4, 5, 3]);
    const frames = conv.apply(tensor(x.data, [6, 4, 5, 2]));
    expect([...y.data]).toEqual([...frames.data]);
    const flat = new TimeDistributed(new Flatten()).apply(y);
    expect(flat.shape).toEqual([2, 3, 60]);
    const d = new TimeDistributed(new Dense({ units: 2 })).apply(Input({ shape: [3, 4, 5] }));
    expect(d.shape).toEqual([null, 3, 4, 2]);
  });
});
