// The classic Keras tutorial on LSTM return_sequences and return_state, in JavaScript.
// Run with `npm start` (it builds the core first). Weights are seeded, so every run prints the same.
import { Bidirectional, Input, LSTM, Model, ready, setRandomSeed, tensor } from "wasm-rnn";

/** Prints a Tensor the way numpy prints an array (8 decimals, nested brackets). */
function show(t) {
  const fmt = (v, depth) =>
    Array.isArray(v)
      ? "[" + v.map((x) => fmt(x, depth + 1)).join(Array.isArray(v[0]) ? ",\n" + " ".repeat(depth + 1) : ", ") + "]"
      : v.toFixed(8).padStart(11);
  return fmt(t.toArray(), 0);
}

await ready();
const data = tensor([0.1, 0.2, 0.3], [1, 3, 1]); // one sample, three steps, one feature

function tutorialModel(options) {
  setRandomSeed(1); // the same weights for all four models, so their outputs can be compared
  const inputs1 = Input({ shape: [3, 1] });
  const lstm1 = new LSTM({ units: 1, ...options });
  const out = lstm1.apply(inputs1);
  return new Model({ inputs: inputs1, outputs: out }).predict(data);
}

console.log("LSTM(1) on [0.1, 0.2, 0.3]\n");

console.log("1. Default: one output, the hidden state h after the last step");
console.log(show(tutorialModel({})), "\n");

console.log("2. returnSequences: one output per step, shape [1, 3, 1]");
console.log(show(tutorialModel({ returnSequences: true })), "\n");

console.log("3. returnState: [lstm1, stateH, stateC]; lstm1 and stateH are the same last h, stateC is the cell state");
for (const t of tutorialModel({ returnState: true })) console.log(show(t));
console.log();

console.log(
  "4. returnSequences and returnState: [every step's h, last h, last c]; the sequence's last step equals stateH",
);
for (const t of tutorialModel({ returnSequences: true, returnState: true })) console.log(show(t));
console.log();

// ---- Encoder-decoder: the encoder's final [h, c] start the decoder --------------------------
console.log("5. Encoder-decoder: the encoder's final [h, c] become the decoder's initialState");
setRandomSeed(2);
const units = 4;
const encoderInputs = Input({ shape: [null, 2] });
const encoder = new LSTM({ units, returnState: true });
const [, stateH, stateC] = encoder.apply(encoderInputs);
const decoderInputs = Input({ shape: [null, 3] });
const decoder = new LSTM({ units, returnSequences: true, returnState: true });
const [decoderOutputs] = decoder.apply(decoderInputs, { initialState: [stateH, stateC] });
const training = new Model({ inputs: [encoderInputs, decoderInputs], outputs: decoderOutputs });

const source = tensor([0.5, -0.1, 0.3, 0.2, -0.4, 0.9], [1, 3, 2]); // three source steps
const target = tensor([1, 0, 0, 0, 1, 0, 0, 0, 1], [1, 3, 3]); // three decoder steps (teacher forcing)
const full = training.predict([source, target]);
console.log("decoder outputs for the whole target at once, shape", full.shape);
console.log(show(full));

// Inference as Keras users write it: an encoder model, and a decoder model that takes the states
// back in as inputs, called one step at a time. Same layers, same weights, same numbers.
const encoderModel = new Model({ inputs: encoderInputs, outputs: [stateH, stateC] });
const stepInput = Input({ shape: [1, 3] });
const hIn = Input({ shape: [units] });
const cIn = Input({ shape: [units] });
const [stepOut, hOut, cOut] = decoder.apply(stepInput, { initialState: [hIn, cIn] });
const decoderModel = new Model({ inputs: [stepInput, hIn, cIn], outputs: [stepOut, hOut, cOut] });

let [h, c] = encoderModel.predict(source);
console.log("\nthe same, one decoder step at a time, feeding [h, c] back in:");
let worst = 0;
for (let t = 0; t < 3; t++) {
  const step = tensor(target.data.slice(t * 3, t * 3 + 3), [1, 1, 3]);
  const [y, h2, c2] = decoderModel.predict([step, h, c]);
  [h, c] = [h2, c2];
  for (let k = 0; k < units; k++) worst = Math.max(worst, Math.abs(y.data[k] - full.data[t * units + k]));
  console.log(`step ${t}:`, show(y));
}
console.log(`largest difference from the whole-sequence pass: ${worst.toExponential(2)}`);

// ---- Bonus: a Bidirectional LSTM with returnState -------------------------------------------
console.log("\n6. Bonus: Bidirectional(LSTM(1, returnSequences, returnState)) on [0.1, 0.2, 0.3]");
console.log("   outputs [seq, hForward, cForward, hBackward, cBackward]; seq concatenates both directions");
setRandomSeed(1);
const biInput = Input({ shape: [3, 1] });
const bi = new Bidirectional(new LSTM({ units: 1, returnSequences: true, returnState: true }));
const biOut = new Model({ inputs: biInput, outputs: bi.apply(biInput) }).predict(data);
const [biSeq, hF, cF, hB, cB] = biOut;
console.log(show(biSeq));
for (const [name, t] of [
  ["hForward", hF],
  ["cForward", cF],
  ["hBackward", hB],
  ["cBackward", cB],
])
  console.log(`${name.padEnd(9)}`, show(t));
console.log("the forward half of the last step is hForward; the backward half of the first step is hBackward");
