// SimpleRNN against real Keras 3 (test/cases/family_simple_rnn.json): every flag, initial states.
import { beforeAll } from "vitest";
import { ready } from "../../src/index.js";
import { describeFamily } from "../helpers/family.js";

beforeAll(async () => {
  await ready();
});

describeFamily("family_simple_rnn.json");
