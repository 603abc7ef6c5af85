// Masks against real Keras 3 (test/cases/family_masking.json): Masking before every cell and Bidirectional,
// with left, right, inner and mixed padding, initial states, masks through merges; eager masks.
// Embedding(maskZero)'s cases: test/layers/embedding.test.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { GRU, Input, LSTM, ready, tensor } from "../../src/index.js";
import { expectError, ramp, values } from "../helpers/errors.js";
import { allFamilyCases, describeFamily } from "../helpers/family.js";

beforeAll(async () => {
  await ready();
});

describeFamily("family_masking.json", "masking");

describe("coverage of the generated cases", () => {
  const all = allFamilyCases();

  it("masking with left, right and inner padding, with initial states; stateful runs with and without reset", () => {
    for (const pad of ["left", "right", "inner"])
      expect(
        all.some((c) => c.name.includes(`_${pad}`)),
        pad,
      ).toBe(true);
    expect(all.some((c) => c.name.startsWith("mask") && c.name.endsWith("_init"))).toBe(true);
    const stateful = all.filter((c) => c.calls.filter((k) => !k.reset).length === 3);
    expect(stateful.some((c) => c.calls.some((k) => k.reset))).toBe(true);
    expect(stateful.some((c) => !c.calls.some((k) => k.reset))).toBe(true);
  });
});

describe("masks", () => {
  it("an eager mask of the wrong shape or values names the layer and both shapes", () => {
    const gru = new GRU({ units: 3, name: "mask_gru" });
    const x = tensor(ramp(2 * 4 * 2), [2, 4, 2]);
    expectError(() => gru.apply(x, { mask: tensor([1, 1, 1, 1, 1, 0], [2, 3]) }), "GRU 'mask_gru'", "[2, 4]", "[2, 3]");
    expectError(() => gru.apply(x, { mask: tensor([1, 1, 1, 1, 1, 1, 2, 1], [2, 4]) }), "mask values 0 or 1", "2");
    expectError(() => gru.apply(Input({ shape: [4, 2] }), { mask: Input({ shape: [4] }) }), "Masking or Embedding");
  });

  it("an explicit eager mask keeps states over masked steps (same as dropping those steps)", () => {
    const lstm = new LSTM({ units: 3, returnState: true });
    const x = tensor(ramp(1 * 5 * 2), [1, 5, 2]);
    const [y, h, c] = lstm.apply(x, { mask: tensor([1, 0, 1, 0, 0], [1, 5]) });
    const kept = tensor([...x.data.slice(0, 2), ...x.data.slice(4, 6)], [1, 2, 2]);
    const same = new LSTM({ units: 3, returnState: true });
    same.apply(Input({ shape: [null, 2] }));
    same.setWeights(lstm.getWeights());
    const [y2, h2, c2] = same.apply(kept);
    expect(values([y, h, c])).toEqual(values([y2, h2, c2]));
  });
});
