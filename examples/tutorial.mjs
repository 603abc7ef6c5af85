// The classic Keras tutorial on LSTM return_sequences and return_state, in JavaScript.
// Run with `npm start`. The tutorial's LSTM(1) gets the weights Keras 3 gave it when
// tools/gen_keras_cases.py ran the tutorial (test/cases/lstm_tutorial.json; also used by
// examples/browser/), so every number printed for models 1-4 is the one Keras printed. (Fresh
// weights are random, as in Keras; setRandomSeed makes the later, untrained models repeatable.)
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

// The weights Keras drew for LSTM(1), in Keras's order and shapes (gates i, f, c, o; forget bias 1)
const KERAS_WEIGHTS = [
  tensor([-0.5280049443244934, 0.794081449508667, 0.9604876041412354, -0.34344756603240967], [1, 4]), // kernel [I, 4H]
  tensor([0.4869709014892578, -0.691288411617279, -0.20716950297355652, -0.4919963777065277], [1, 4]), // recurrent [H, 4H]
  tensor([0, 1, 0, 0], [4]), // bias [4H]
];
// What Keras printed with them: h at every step, and the last step's c
const KERAS_SEQUENCE = [0.022890014573931694, 0.05901666358113289, 0.1014593094587326];
const KERAS_LAST_C = 0.220761239528656;
let worstKeras = 0;
const againstKeras = (t, want) => {
  for (let i = 0; i < want.length; i++) worstKeras = Math.max(worstKeras, Math.abs(t.data[i] - want[i]));
};

function tutorialModel(options) {
  const inputs1 = Input({ shape: [3, 1] });
  const lstm1 = new LSTM({ units: 1, ...options });
  const out = lstm1.apply(inputs1);
  lstm1.setWeights(KERAS_WEIGHTS);
  return new Model({ inputs: inputs1, outputs: out }).predict(data);
}

console.log("LSTM(1) on [0.1, 0.2, 0.3], with the weights Keras gave it\n");

console.log("1. Default: one output, the hidden state h after the last step");
const m1 = tutorialModel({});
againstKeras(m1, KERAS_SEQUENCE.slice(2));
console.log(show(m1), "\n");

console.log("2. returnSequences: one output per step, shape [1, 3, 1]");
const m2 = tutorialModel({ returnSequences: true });
againstKeras(m2, KERAS_SEQUENCE);
console.log(show(m2), "\n");

console.log("3. returnState: [lstm1, stateH, stateC]; lstm1 and stateH are the same last h, stateC is the cell state");
const m3 = tutorialModel({ returnState: true });
m3.forEach((t, i) => againstKeras(t, i < 2 ? KERAS_SEQUENCE.slice(2) : [KERAS_LAST_C]));
for (const t of m3) console.log(show(t));
console.log();

console.log(
  "4. returnSequences and returnState: [every step's h, last h, last c]; the sequence's last step equals stateH",
);
const m4 = tutorialModel({ returnSequences: true, returnState: true });
[KERAS_SEQUENCE, KERAS_SEQUENCE.slice(2), [KERAS_LAST_C]].forEach((want, i) => againstKeras(m4[i], want));
for (const t of m4) console.log(show(t));
console.log(`largest difference from what Keras printed for models 1-4: ${worstKeras.toExponential(2)}\n`);

// ---- Encoder-decoder: the encoder's final [h, c] start the decoder --------------------------
console.log("5. Encoder-decoder: the encoder's final [h, c] become the decoder's initialState (seeded random weights)");
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
console.log(
  "\n6. Bonus: Bidirectional(LSTM(1, returnSequences, returnState)) on [0.1, 0.2, 0.3] (seeded random weights)",
);
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
