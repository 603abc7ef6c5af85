// Translates English to French with the trained seq2seq model from tfjs-examples (Keras 2.2.2,
// TF.js layers format), step by step: an encoder model gives [h, c]; a decoder model takes one
// character and the states back in as initialState, and returns the next-character
// probabilities and the new states. Both share the loaded model's layers (and weights).
//
//   node examples/translate.mjs ["English sentence" ...]
//   node examples/translate.mjs <fixture dir> ["English sentence" ...]
//   (default dir: ../shared/fixtures/tfjs-translation-seq2seq, beside the checkout)
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Input, loadModel, Model, tensor } from "../dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const dirGiven = args.length > 0 && existsSync(args[0]) && statSync(args[0]).isDirectory();
const dir = resolve(dirGiven ? args[0] : join(here, "..", "..", "shared", "fixtures", "tfjs-translation-seq2seq"));
const given = dirGiven ? args.slice(1) : args;
const sentences = given.length ? given : ["Go.", "Hello!", "I love you.", "How are you?"];

const model = await loadModel(join(dir, "model.json"));
const meta = JSON.parse(await readFile(join(dir, "metadata.json"), "utf8"));
const inIndex = meta.input_token_index,
  outIndex = meta.target_token_index;
const nIn = Object.keys(inIndex).length,
  nOut = Object.keys(outIndex).length;
const chars = new Map(Object.entries(outIndex).map(([ch, i]) => [i, ch]));

const encoderLstm = model.getLayer("lstm_1"),
  decoderLstm = model.getLayer("lstm_2"),
  dense = model.getLayer("dense_1");
const units = decoderLstm.units;

const encIn = Input({ shape: [null, nIn] });
const [, h, c] = encoderLstm.apply(encIn);
const encoder = new Model({ inputs: encIn, outputs: [h, c] });

const stepIn = Input({ shape: [1, nOut] });
const hIn = Input({ shape: [units] }),
  cIn = Input({ shape: [units] });
const [y, h2, c2] = decoderLstm.apply(stepIn, { initialState: [hIn, cIn] });
const decoder = new Model({ inputs: [stepIn, hIn, cIn], outputs: [dense.apply(y), h2, c2] });

function translate(sentence) {
  const x = new Float32Array(meta.max_encoder_seq_length * nIn);
  [...sentence].slice(0, meta.max_encoder_seq_length).forEach((ch, t) => {
    if (inIndex[ch] === undefined) throw new Error(`no token for ${JSON.stringify(ch)} in the model's vocabulary`);
    x[t * nIn + inIndex[ch]] = 1;
  });
  let [sh, sc] = encoder.predict(tensor(x, [1, meta.max_encoder_seq_length, nIn]));
  let token = outIndex["\t"];
  let out = "";
  while (out.length < meta.max_decoder_seq_length) {
    const step = new Float32Array(nOut);
    step[token] = 1;
    const [probs, nh, nc] = decoder.predict([tensor(step, [1, 1, nOut]), sh, sc]);
    token = probs.data.indexOf(Math.max(...probs.data));
    if (chars.get(token) === "\n") break;
    out += chars.get(token);
    [sh, sc] = [nh, nc];
  }
  return out;
}

for (const s of sentences) console.log(`${s}  ->  ${translate(s)}`);
