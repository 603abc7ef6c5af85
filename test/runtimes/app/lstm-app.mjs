// The LSTM inference app of the bundler matrix (test/runtimes/bundle.mjs): what an app that only
// predicts imports, bundled unchanged by every bundler. It builds Input -> LSTM -> Model from a
// Keras case (config, weights, input) and returns the predictions; the page or worker it runs in
// gets the case from the test (test/runtimes/bundlers.mjs), which checks them against Keras.
import { Input, LSTM, Model, ready, tensor } from "wasm-rnn";

async function predict({ config, weights, x }) {
  await ready();
  const input = Input({ shape: x.shape.slice(1) });
  const layer = new LSTM(config);
  const model = new Model({ inputs: input, outputs: layer.apply(input) });
  layer.setWeights(weights.map((w) => tensor(w.data, w.shape)));
  const y = model.predict(tensor(x.data, x.shape));
  const outputs = (Array.isArray(y) ? y : [y]).map((t) => ({ shape: t.shape, data: Array.from(t.data) }));
  model.dispose();
  return outputs;
}

if (typeof document === "object") {
  globalThis.wasmRnnApp = predict;
} else {
  // a Web Worker (webpack's webworker target): one case per message
  globalThis.onmessage = async (e) => {
    try {
      globalThis.postMessage({ outputs: await predict(e.data) });
    } catch (err) {
      globalThis.postMessage({ error: String(err && err.stack ? err.stack : err) });
    }
  };
}
