// Time-series forecasting in JavaScript: an LSTM learns to predict the next value of a noisy
// signal from the 24 before it, with Keras's callbacks doing what they do in Python: EarlyStopping
// stops when the validation loss stops improving and puts back the best weights,
// ReduceLROnPlateau halves the learning rate on a plateau. Then the model forecasts 30 steps ahead,
// feeding its own predictions back, against a naive forecast (the last value, repeated).
//
//   node examples/forecast.mjs
import {
  Dense,
  EarlyStopping,
  Input,
  LSTM,
  Model,
  ReduceLROnPlateau,
  ready,
  setRandomSeed,
  tensor,
} from "../dist/index.js";

await ready();
setRandomSeed(3);

const WINDOW = 24,
  HORIZON = 30,
  LENGTH = 900;
let seed = 2024; // a small LCG, so every run sees the same noise
const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
const signal = (t) => Math.sin(0.21 * t) + 0.5 * Math.sin(0.037 * t);
const series = Array.from({ length: LENGTH }, (_, t) => signal(t) + 0.1 * (random() - 0.5));

// windows [N, WINDOW, 1] -> next value [N, 1]; the last HORIZON steps are kept for the forecast
const train = series.slice(0, LENGTH - HORIZON);
const N = train.length - WINDOW;
const x = new Float32Array(N * WINDOW);
const y = new Float32Array(N);
for (let i = 0; i < N; i++) {
  x.set(train.slice(i, i + WINDOW), i * WINDOW);
  y[i] = train[i + WINDOW];
}

const input = Input({ shape: [WINDOW, 1] });
const model = new Model({
  inputs: input,
  outputs: new Dense({ units: 1 }).apply(new LSTM({ units: 16 }).apply(input)),
});
model.compile({ optimizer: { className: "Adam", config: { learningRate: 0.01 } }, loss: "mse" });

const stopping = new EarlyStopping({ monitor: "val_loss", patience: 8, minDelta: 1e-5, restoreBestWeights: true });
const started = performance.now();
const history = await model.fit(tensor(x, [N, WINDOW, 1]), tensor(y, [N, 1]), {
  epochs: 60,
  batchSize: 32,
  validationSplit: 0.2,
  seed: 1,
  callbacks: [new ReduceLROnPlateau({ monitor: "val_loss", factor: 0.5, patience: 3, minDelta: 1e-5 }), stopping],
  // verbose "auto" (the default, as Keras): a progress bar per epoch in a terminal, one line per epoch in a log
});
const ran = history.epoch.length;
console.log(
  `${ran} epochs in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
    (stopping.stoppedEpoch ? `stopped early at epoch ${stopping.stoppedEpoch + 1}, ` : "ran every epoch, ") +
    `weights from the best epoch, ${stopping.bestEpoch + 1} (val_loss ${Math.min(...history.history.val_loss).toFixed(5)})`,
);

// forecast HORIZON steps: each prediction becomes the newest value of the next window
const window = train.slice(-WINDOW);
const forecast = [];
for (let s = 0; s < HORIZON; s++) {
  const next = model.predict(tensor(Float32Array.from(window), [1, WINDOW, 1])).data[0];
  forecast.push(next);
  window.shift();
  window.push(next);
}
const truth = Array.from({ length: HORIZON }, (_, s) => signal(LENGTH - HORIZON + s));
const rmse = (pred) => Math.sqrt(pred.reduce((a, p, s) => a + (p - truth[s]) ** 2, 0) / HORIZON);
console.log(
  `forecast RMSE over ${HORIZON} steps: LSTM ${rmse(forecast).toFixed(4)}, naive ${rmse(truth.map(() => train.at(-1))).toFixed(4)}`,
);
model.dispose();
