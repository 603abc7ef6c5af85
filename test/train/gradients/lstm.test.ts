// Training gradients and loss of one batch against Keras's tf.GradientTape: LSTM (with Embedding, stacked, encoder-decoder, returned states)
// (test/cases/train_gradients.json; the replay is in test/helpers/gradients.ts).
import { beforeAll } from "vitest";
import { ready } from "../../../src/index.js";
import { describeGradients } from "../../helpers/gradients.js";

beforeAll(async () => {
  await ready();
});

describeGradients("lstm");
