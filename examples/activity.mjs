// Activity recognition with a CNN-LSTM trained in Keras and run in JavaScript: no Python, no converter.
// tools/gen_example_activity.py trained the model with real Keras 3 on accelerometer windows (64 steps,
// 3 axes: idle, walking, jumping) and saved it as Keras users do (model.keras), with held-out windows
// and Keras's own probabilities for them. This script loads the file, classifies the same windows and
// compares every probability with Keras's.
//
//   node examples/activity.mjs
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadModel, ready, tensor } from "../dist/index.js";

const dir = new URL("./models/activity/", import.meta.url);
const keras = JSON.parse(readFileSync(new URL("keras.json", dir), "utf8"));
const decode = (a) => {
  const bytes = Buffer.from(a.b64, "base64");
  return tensor(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice(), a.shape);
};

await ready();
const model = await loadModel(fileURLToPath(new URL("model.keras", dir)));
console.log(`${model.name}: ${model.layers.map((l) => l.className).join(" -> ")}`);

const x = decode(keras.x);
const want = decode(keras.probabilities);
const started = performance.now();
const probs = model.predict(x);
const ms = performance.now() - started;

const C = keras.classes.length;
let correct = 0,
  worst = 0;
for (let i = 0; i < keras.labels.length; i++) {
  const row = probs.data.subarray(i * C, (i + 1) * C);
  const guess = row.indexOf(Math.max(...row));
  if (guess === keras.labels[i]) correct++;
  for (let c = 0; c < C; c++) worst = Math.max(worst, Math.abs(row[c] - want.data[i * C + c]));
  if (i < 5) {
    const shown = keras.classes.map((name, c) => `${name} ${row[c].toFixed(3)}`).join(", ");
    console.log(`window ${i}: ${keras.classes[guess]} (${shown}), true ${keras.classes[keras.labels[i]]}`);
  }
}
console.log(
  `${correct}/${keras.labels.length} windows right (Keras: ${Math.round(keras.keras_accuracy * keras.labels.length)})`,
);
console.log(
  `max |wasm-rnn - Keras| over all probabilities: ${worst.toExponential(2)} (${ms.toFixed(1)} ms for the batch)`,
);
model.dispose();
