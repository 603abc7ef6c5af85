// A Keras model with a custom attention layer, loaded and run in JavaScript. The model
// (test/models/custom/custom_attention.keras, trained by tools/gen_keras_custom.py with real Keras)
// is Embedding(mask_zero) -> LSTM -> SimpleAttention -> Dense, where SimpleAttention is a Python
// `keras.layers.Layer` subclass, the kind most published attention models define. Keras loads it with
// `custom_objects={"SimpleAttention": SimpleAttention}`; here the same layer is written in JS as a
// CustomLayer subclass and given to loadModel as `customObjects`. Its weights come from the file by
// name, its forward runs on Tensors in plain JS, it takes the LSTM's mask, and its backward lets
// fit train the whole model.
//
//   node examples/custom-attention.mjs
import { fileURLToPath } from "node:url";
import { CustomLayer, loadModel, ready, tensor } from "../dist/index.js";

/**
 * score_t = u . tanh(x_t W + b), a = softmax over the unmasked steps, out = sum_t a_t x_t:
 * [batch, steps, features] -> [batch, features]. The Python layer's weights are att_weight [F, U],
 * att_bias [U] and att_context [U], created in that order; `units` comes from its config.
 */
export class SimpleAttention extends CustomLayer {
  supportsMasking = true;

  buildWeights([x]) {
    const f = x.at(-1);
    const u = this.config.units ?? f;
    this.addWeight("att_weight", [f, u]);
    this.addWeight("att_bias", [u]);
    this.addWeight("att_context", [u]);
  }

  computeOutputShape([x]) {
    return [x[0], x.at(-1)];
  }

  /** The output is one vector per sequence: no mask goes on (Keras: compute_mask returns None). */
  computeMask() {
    return null;
  }

  /** Per sequence: the tanh activations e [T, U] and the attention weights a [T]. */
  attend(x, mask, b) {
    const [, T, F] = x.shape;
    const W = this.weight("att_weight").data,
      bias = this.weight("att_bias").data,
      u = this.weight("att_context").data;
    const U = bias.length;
    const e = new Float32Array(T * U),
      s = new Float32Array(T);
    for (let t = 0; t < T; t++) {
      const xt = (b * T + t) * F;
      let score = 0;
      for (let j = 0; j < U; j++) {
        let z = bias[j];
        for (let i = 0; i < F; i++) z += x.data[xt + i] * W[i * U + j];
        e[t * U + j] = Math.tanh(z);
        score += e[t * U + j] * u[j];
      }
      s[t] = mask && mask.data[b * T + t] === 0 ? -1e9 : score;
    }
    const max = Math.max(...s);
    let sum = 0;
    const a = s.map((v) => Math.exp(v - max));
    for (const v of a) sum += v;
    for (let t = 0; t < T; t++) a[t] /= sum;
    return { e, a, W, u, U };
  }

  call([x], { masks }) {
    const [B, T, F] = x.shape;
    const out = new Float32Array(B * F);
    for (let b = 0; b < B; b++) {
      const { a } = this.attend(x, masks[0], b);
      for (let t = 0; t < T; t++) for (let i = 0; i < F; i++) out[b * F + i] += a[t] * x.data[(b * T + t) * F + i];
    }
    return tensor(out, [B, F]);
  }

  backward({ inputs: [x], dOutputs: [dy], masks }) {
    const [B, T, F] = x.shape;
    const dx = new Float32Array(x.size);
    let dW, db, du;
    for (let b = 0; b < B; b++) {
      const { e, a, W, u, U } = this.attend(x, masks[0], b);
      dW ??= new Float32Array(W.length);
      db ??= new Float32Array(U);
      du ??= new Float32Array(U);
      const g = dy.data.subarray(b * F, (b + 1) * F);
      const da = new Float32Array(T);
      let dot = 0;
      for (let t = 0; t < T; t++) {
        for (let i = 0; i < F; i++) da[t] += g[i] * x.data[(b * T + t) * F + i];
        dot += a[t] * da[t];
      }
      for (let t = 0; t < T; t++) {
        const xt = (b * T + t) * F;
        for (let i = 0; i < F; i++) dx[xt + i] += a[t] * g[i];
        const ds = a[t] * (da[t] - dot);
        for (let j = 0; j < U; j++) {
          const ej = e[t * U + j];
          du[j] += ds * ej;
          const dz = ds * u[j] * (1 - ej * ej);
          db[j] += dz;
          for (let i = 0; i < F; i++) {
            dW[i * U + j] += x.data[xt + i] * dz;
            dx[xt + i] += W[i * U + j] * dz;
          }
        }
      }
    }
    return { dInputs: [tensor(dx, [...x.shape])], dWeights: { att_weight: dW, att_bias: db, att_context: du } };
  }
}

/** Token ids as a tokenizer gives them (0 pads); Keras's predictions for them are in test/cases/custom_layers.json. */
export const SENTENCES = [
  [16, 5, 4, 8, 0, 0, 0, 0],
  [9, 8, 7, 5, 17, 0, 0, 0],
  [12, 7, 13, 0, 0, 0, 0, 0],
  [15, 7, 5, 15, 10, 4, 4, 9],
  [17, 2, 1, 17, 13, 8, 11, 10],
];

export const MODEL_FILE = fileURLToPath(new URL("../test/models/custom/custom_attention.keras", import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await ready();
  // without customObjects the file is refused, naming the layer and what to pass
  await loadModel(MODEL_FILE).catch((err) => console.log(`without customObjects: ${err.message.slice(0, 150)}...`));
  const model = await loadModel(MODEL_FILE, { customObjects: { SimpleAttention } });
  model.summary();
  const probs = model.predict(SENTENCES);
  console.log("P(class) per sentence:");
  for (const row of probs.toArray()) console.log(`  ${row.map((p) => p.toFixed(6)).join("  ")}`);
  console.log(`JSON ${JSON.stringify(Array.from(probs.data))}`);
  // the attention layer trains with the rest of the model: one step of SGD on its own predictions' labels
  model.compile({ optimizer: "adam", loss: "categorical_crossentropy" });
  const labels = probs.toArray().map((r) => (r[0] > r[1] ? [1, 0] : [0, 1]));
  const history = await model.fit(SENTENCES, labels, { epochs: 3, verbose: 0 });
  console.log(`fit through the custom layer: loss ${history.history.loss.map((l) => l.toFixed(4)).join(" -> ")}`);
}
