// Replays the recurrent-family cases that real Keras 3 wrote (tools/gen_keras_family.py ->
// test/cases/family_*.json): GRU, SimpleRNN, Bidirectional, stacking, initial states, masking,
// stateful layers, the layers around them, Sequential, and LSTM returnCellSequences.
import { beforeAll, describe, expect, it } from "vitest";
import { clearSession, ready, type Tensor } from "../../src/index.js";
import { decode, expectClose, loadCases } from "../helpers/cases.js";
import { buildCase, type FamilyCase, replayCase } from "../helpers/family.js";

beforeAll(async () => {
  await ready();
});

const FILES = [
  "family_gru.json",
  "family_simple_rnn.json",
  "family_bidirectional.json",
  "family_stacked.json",
  "family_masking.json",
  "family_stateful.json",
  "family_layers.json",
  "family_cell_sequences.json",
];

for (const file of FILES) {
  describe(file, () => {
    const cases = loadCases<FamilyCase>(file).cases;
    it("has cases", () => expect(cases.length).toBeGreaterThan(3));
    for (const c of cases) {
      it(c.name, () => {
        clearSession(); // Keras auto-names from a fresh session; summaries compare names
        const built = replayCase(c);
        if (c.summary) expect(built.model.summary(() => {}).trimEnd()).toBe(c.summary.text.trimEnd());
      });
    }
  });
}

describe("coverage of the generated cases", () => {
  const all = FILES.flatMap((f) => loadCases<FamilyCase>(f).cases);
  const layerSpecs = all.flatMap((c) => c.model.layers);
  const configs = (cls: string) => [
    ...layerSpecs.filter((l) => l.class === cls).map((l) => l.config),
    ...layerSpecs.filter((l) => l.layer?.class === cls).map((l) => l.layer!.config),
  ];

  it("GRU in both reset forms, every flag both ways, hard sigmoids", () => {
    const gru = configs("GRU");
    for (const v of [true, false]) expect(gru.some((c) => (c.resetAfter ?? true) === v)).toBe(true);
    for (const flag of ["returnSequences", "returnState", "goBackwards", "stateful"]) {
      expect(
        gru.some((c) => c[flag] === true),
        flag,
      ).toBe(true);
      expect(
        gru.some((c) => !c[flag]),
        flag,
      ).toBe(true);
    }
    for (const a of ["hard_sigmoid", "hard_sigmoid_legacy"])
      expect(
        gru.some((c) => c.recurrentActivation === a),
        a,
      ).toBe(true);
  });

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

  it("stateful outputs really depend on the carried state (a reset changes the next call)", () => {
    // the same input replayed after a reset must differ from the carried-state result, or the
    // stateful cases could not tell carrying from resetting
    const c = loadCases<FamilyCase>("family_stateful.json").cases.find((k) => k.name.startsWith("stateful0"))!;
    const built = buildCase(c.model);
    const x = decode(c.calls[0]!.inputs[0]!);
    replayCase({ ...c, calls: [c.calls[0]!] }, built);
    const carried = (built.model.predict(x) as { data: Float32Array }[])[0]!.data;
    built.model.resetStates();
    const fresh = (built.model.predict(x) as Tensor[])[0]!;
    expect(Array.from(fresh.data)).not.toEqual(Array.from(carried));
    // and the fresh result is the first call's Keras output again
    expectClose(fresh, decode(c.calls[0]!.outputs[0]!), "after reset, replayed");
  });
});
