// Translates English to French with a character-level seq2seq model trained in Keras, step by step:
// an encoder model gives [h, c]; a decoder model takes one character and the states back in as
// initialState, and returns the next-character probabilities and the new states. Both share the
// loaded model's layers (and weights), as in Keras's lstm_seq2seq example.
//
//   node examples/translate.mjs ["English sentence" ...]
//   node examples/translate.mjs <model folder> ["English sentence" ...]
//
// The default model (examples/models/translate/) is small: tools/gen_example_translate.py trained it
// with real Keras 3 on 50 short phrases ("Hello!", "How are you?", ...), so it knows those and little
// else. The folder of the tfjs-examples model (Keras 2.2.2, trained on 150 000 pairs, TF.js format;
// ../shared/fixtures/tfjs-translation-seq2seq beside a checkout that has it) translates more.
// A folder holds model.json (TF.js) or model.keras, and metadata.json (the token indices and lengths).
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Input, loadModel, Model, tensor, WasmRnnError } from "../dist/index.js";

const DEFAULT_DIR = fileURLToPath(new URL("./models/translate/", import.meta.url));
const DEFAULT_SENTENCES = ["Go.", "Hello!", "I love you.", "How are you?"];

/** A mistake in what was passed: printed as one line, without a stack trace. */
class UsageError extends Error {}

async function loadTranslator(dir) {
  const file = ["model.json", "model.keras"].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file || !existsSync(join(dir, "metadata.json")))
    throw new UsageError(
      `${dir} holds no translation model: expected model.json or model.keras, and metadata.json ` +
        `(the default is ${relative(process.cwd(), DEFAULT_DIR) || "."})`,
    );
  const model = await loadModel(file);
  const meta = JSON.parse(await readFile(join(dir, "metadata.json"), "utf8"));
  // the lstm_seq2seq layout: the encoder's LSTM, then the decoder's, then the softmax Dense
  const lstms = model.layers.filter((l) => l.className === "LSTM");
  const dense = model.layers.findLast((l) => l.className === "Dense");
  if (lstms.length !== 2 || !dense)
    throw new UsageError(
      `${file}: expected an encoder-decoder (two LSTM layers and a Dense), got ${model.layers.length} layers`,
    );
  const [encoderLstm, decoderLstm] = lstms;
  const inIndex = meta.input_token_index,
    outIndex = meta.target_token_index;
  const nIn = Object.keys(inIndex).length,
    nOut = Object.keys(outIndex).length;
  const chars = new Map(Object.entries(outIndex).map(([ch, i]) => [i, ch]));

  const encIn = Input({ shape: [null, nIn] });
  const [, h, c] = encoderLstm.apply(encIn);
  const encoder = new Model({ inputs: encIn, outputs: [h, c] });
  const stepIn = Input({ shape: [1, nOut] });
  const hIn = Input({ shape: [decoderLstm.units] }),
    cIn = Input({ shape: [decoderLstm.units] });
  const [y, h2, c2] = decoderLstm.apply(stepIn, { initialState: [hIn, cIn] });
  const decoder = new Model({ inputs: [stepIn, hIn, cIn], outputs: [dense.apply(y), h2, c2] });

  return (sentence) => {
    const unknown = [...new Set(sentence)].filter((ch) => inIndex[ch] === undefined);
    if (unknown.length)
      throw new UsageError(
        `"${sentence}": ${unknown.map((ch) => JSON.stringify(ch)).join(", ")} not in the model's vocabulary ` +
          `(${Object.keys(inIndex).join("")})`,
      );
    const x = new Float32Array(meta.max_encoder_seq_length * nIn);
    [...sentence].slice(0, meta.max_encoder_seq_length).forEach((ch, t) => {
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
  };
}

try {
  const args = process.argv.slice(2);
  const dirGiven = args.length > 0 && existsSync(args[0]) && statSync(args[0]).isDirectory();
  if (!dirGiven && /[\\/]/.test(args[0] ?? "") && !existsSync(args[0]))
    throw new UsageError(`no such folder: ${args[0]} (pass a model folder, then the sentences)`);
  const translate = await loadTranslator(dirGiven ? args[0] : DEFAULT_DIR);
  const given = dirGiven ? args.slice(1) : args;
  for (const s of given.length ? given : DEFAULT_SENTENCES) console.log(`${s}  ->  ${translate(s)}`);
} catch (err) {
  if (!(err instanceof UsageError || err instanceof WasmRnnError)) throw err;
  console.error(`translate: ${err.message}`);
  process.exitCode = 1;
}
