// The Worker's model, in its own module so that a test (or a script of yours) can build the same
// model outside the Worker: one LSTM over a stream of values and a Dense forecast on every step.
import { Dense, Input, LSTM, Model, setRandomSeed } from "wasm-rnn";

export const UNITS = 8;
export const FEATURES = 1;

/**
 * Call after `ready()`. Seeded demo weights, the same on every run and every runtime; a deployment
 * loads trained ones instead (`loadModel(...)`, or `layer.setWeights(...)`).
 */
export function buildModel() {
  setRandomSeed(42);
  const x = Input({ shape: [null, FEATURES] });
  const h = new LSTM({ units: UNITS, returnSequences: true }).apply(x);
  return new Model({ inputs: x, outputs: new Dense({ units: 1 }).apply(h) });
}
