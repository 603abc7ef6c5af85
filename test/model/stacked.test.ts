// Stacks of recurrent layers and encoder-decoders against real Keras 3 (test/cases/family_stacked.json).
import { beforeAll } from "vitest";
import { ready } from "../../src/index.js";
import { describeFamily } from "../helpers/family.js";

beforeAll(async () => {
  await ready();
});

describeFamily("family_stacked.json");
