// TimeDistributed against real Keras 3 (its cases in test/cases/family_layers.json, tools/gen_keras_family.py).
import { beforeAll } from "vitest";
import { ready } from "../../src/index.js";
import { describeFamily } from "../helpers/family.js";

beforeAll(async () => {
  await ready();
});

describeFamily("family_layers.json", "time_distributed");
