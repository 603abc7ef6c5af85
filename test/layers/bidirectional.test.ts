// Bidirectional against real Keras 3 (test/cases/family_bidirectional.json): every merge mode with and
// without states for each cell, initial states; and its refusals.
import { beforeAll, describe, expect, it } from "vitest";
import { Bidirectional, GRU, Input, LSTM, ready } from "../../src/index.js";
import { expectError } from "../helpers/errors.js";
import { allFamilyCases, describeFamily } from "../helpers/family.js";

beforeAll(async () => {
  await ready();
});

describeFamily("family_bidirectional.json");

describe("coverage of the generated cases", () => {
  const layerSpecs = allFamilyCases().flatMap((c) => c.model.layers);

  it("every Bidirectional merge mode with and without states, for each cell", () => {
    for (const cls of ["LSTM", "GRU", "SimpleRNN"]) {
      for (const merge of ["concat", "sum", "mul", "ave", null]) {
        for (const state of [true, false]) {
          const found = layerSpecs.some(
            (l) =>
              l.class === "Bidirectional" &&
              l.config.mergeMode === merge &&
              l.layer!.class === cls &&
              Boolean(l.layer!.config.returnState) === state,
          );
          expect(found, `${cls} ${merge} state=${state}`).toBe(true);
        }
      }
    }
  });
});

describe("Bidirectional and friends", () => {
  it("refuses an unknown mergeMode, a backwards layer and wrong initialState counts", () => {
    expectError(
      () => new Bidirectional(new GRU({ units: 2 }), { mergeMode: "max" as never, name: "bmm" }),
      "Bidirectional 'bmm'",
      "mergeMode",
      '"max"',
    );
    expectError(
      () => new Bidirectional(new GRU({ units: 2, goBackwards: true })),
      "goBackwards false",
      "got goBackwards true",
    );
    expectError(() => new Bidirectional({} as never), "recurrent layer");
    const bi = new Bidirectional(new LSTM({ units: 2 }), { name: "bst" });
    const h = Input({ shape: [2] });
    expectError(
      () => bi.apply(Input({ shape: [3, 1] }), { initialState: [h, h] }),
      "Bidirectional 'bst'",
      "4 tensors",
      "got 2",
    );
  });
});
