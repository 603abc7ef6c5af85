// Trains the Keras encoder-decoder pattern in JavaScript, then decodes with it: the same three
// models as Keras's seq2seq tutorial (a training model with teacher forcing, an encoder model and
// a one-step decoder model sharing its layers). The task is small enough to learn in seconds:
// read a sequence of digits, write it reversed.
//
//   node examples/train-seq2seq.mjs
import { Dense, Input, LSTM, Model, ready, setRandomSeed, tensor } from "../dist/index.js";

await ready();
setRandomSeed(7);

const DIGITS = 10,
  START = 10,
  V = 11; // tokens 0..9, then the decoder's start token
const T = 5,
  UNITS = 64,
  N = 4000;

const oneHot = (rows, steps) => {
  const out = new Float32Array(rows.length * steps * V);
  rows.forEach((row, r) =>
    row.forEach((tok, t) => {
      out[(r * steps + t) * V + tok] = 1;
    }),
  );
  return tensor(out, [rows.length, steps, V]);
};
let seed = 12345; // a small LCG, so every run sees the same data
const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
const randomSequence = () => Array.from({ length: T }, () => Math.floor(random() * DIGITS));

// data: source, decoder input (start + target shifted right), decoder target
const sources = Array.from({ length: N }, randomSequence);
const targets = sources.map((s) => [...s].reverse());
const encoderInput = oneHot(sources, T);
const decoderInput = oneHot(
  targets.map((t) => [START, ...t.slice(0, -1)]),
  T,
);
const decoderTarget = oneHot(targets, T);

// training model: the encoder's final states start the decoder (initialState)
const encIn = Input({ shape: [null, V] });
const [, h, c] = new LSTM({ units: UNITS, returnState: true }).apply(encIn);
const decIn = Input({ shape: [null, V] });
const decoderLstm = new LSTM({ units: UNITS, returnSequences: true, returnState: true });
const decoderDense = new Dense({ units: V, activation: "softmax" });
const [decSeq] = decoderLstm.apply(decIn, { initialState: [h, c] });
const training = new Model({ inputs: [encIn, decIn], outputs: decoderDense.apply(decSeq) });
training.compile({
  optimizer: { className: "Adam", config: { learningRate: 0.01 } },
  loss: "categorical_crossentropy",
});

const started = Date.now();
const history = await training.fit([encoderInput, decoderInput], decoderTarget, {
  epochs: 8,
  batchSize: 64,
  seed: 1,
  callbacks: { onEpochEnd: (e, logs) => console.log(`epoch ${e + 1}: loss ${logs.loss.toFixed(4)}`) },
});
console.log(`trained ${history.epoch.length} epochs in ${((Date.now() - started) / 1000).toFixed(1)} s`);

// inference models, sharing the trained layers
const encoder = new Model({ inputs: encIn, outputs: [h, c] });
const stepIn = Input({ shape: [1, V] });
const hIn = Input({ shape: [UNITS] }),
  cIn = Input({ shape: [UNITS] });
const [stepSeq, hOut, cOut] = decoderLstm.apply(stepIn, { initialState: [hIn, cIn] });
const decoder = new Model({ inputs: [stepIn, hIn, cIn], outputs: [decoderDense.apply(stepSeq), hOut, cOut] });

let correct = 0;
const trials = 20;
for (let k = 0; k < trials; k++) {
  const source = randomSequence();
  let [hs, cs] = encoder.predict(oneHot([source], T));
  let token = START;
  const out = [];
  for (let t = 0; t < T; t++) {
    const [probs, h2, c2] = decoder.predict([oneHot([[token]], 1), hs, cs]);
    token = probs.data.indexOf(Math.max(...probs.data));
    out.push(token);
    [hs, cs] = [h2, c2];
  }
  const ok = out.join("") === [...source].reverse().join("");
  if (ok) correct++;
  if (k < 5) console.log(`${source.join("")} -> ${out.join("")}${ok ? "" : "  (wrong)"}`);
}
console.log(`${correct}/${trials} reversed correctly`);
