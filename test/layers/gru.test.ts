// GRU against real Keras 3 (tools/gen_keras_family.py -> test/cases/family_gru.json): both reset forms,
// every flag, hard sigmoids, initial states. Its gradients: test/train/gradients/gru.test.ts, gru-backward.test.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { ready } from "../../src/index.js";
import { describeFamily, familyConfigs } from "../helpers/family.js";

beforeAll(async () => {
  await ready();
});

describeFamily("family_gru.json");

describe("coverage of the generated cases", () => {
  const configs = familyConfigs;

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
});
