// Concatenate and Add against real Keras 3 (their cases in test/cases/family_layers.json); their refusals.
import { beforeAll, describe, it } from "vitest";
import { Concatenate, Input, Masking, ready } from "../../src/index.js";
import { expectError } from "../helpers/errors.js";
import { describeFamily } from "../helpers/family.js";

beforeAll(async () => {
  await ready();
});

describeFamily("family_layers.json", "merge");

describe("masks", () => {
  it("Concatenate refuses masked inputs joined on a non-feature axis", () => {
    const a = new Masking().apply(Input({ shape: [3, 2] }));
    const b = Input({ shape: [3, 2] });
    expectError(
      () => new Concatenate({ axis: 1, name: "cat1" }).apply([a, b]),
      "Concatenate 'cat1'",
      "last axis",
      "got axis 1",
    );
  });
});
