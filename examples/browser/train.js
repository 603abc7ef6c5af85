// The training tab: an LSTM learns to forecast a noisy signal in this page with `fit`, and a callback
// draws each epoch's loss and val_loss as it comes (History is plain arrays, ready to plot).
import { Dense, Input, LSTM, Model, setRandomSeed, tensor } from "wasm-rnn";

const $ = (id) => document.getElementById(id);
const WINDOW = 16;

function data() {
  let seed = 7; // a small LCG: every run sees the same noise
  const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
  const series = Array.from(
    { length: 400 },
    (_, t) => Math.sin(0.2 * t) + 0.4 * Math.sin(0.05 * t) + 0.1 * (random() - 0.5),
  );
  const n = series.length - WINDOW;
  const x = new Float32Array(n * WINDOW);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x.set(series.slice(i, i + WINDOW), i * WINDOW);
    y[i] = series[i + WINDOW];
  }
  return { x: tensor(x, [n, WINDOW, 1]), y: tensor(y, [n, 1]) };
}

/** loss and val_loss per epoch on a log scale. */
function plot(history) {
  const W = 560,
    H = 240,
    L = 52,
    R = 12,
    T = 12,
    B = 28;
  const { loss = [], val_loss: val = [] } = history;
  const all = [...loss, ...val].filter((v) => v > 0);
  if (!all.length) return;
  const lo = Math.log10(Math.min(...all)),
    hi = Math.max(Math.log10(Math.max(...all)), lo + 1e-6);
  const epochs = Math.max(loss.length, 2);
  const px = (i) => L + (i * (W - L - R)) / (epochs - 1);
  const py = (v) => T + ((hi - Math.log10(v)) * (H - T - B)) / (hi - lo);
  const points = (vals) => vals.map((v, i) => `${px(i).toFixed(1)},${py(v).toFixed(1)}`).join(" ");
  const line = (vals, color, cls) =>
    `<polyline class="${cls}" fill="none" stroke="${color}" stroke-width="2" points="${points(vals)}"/>`;
  const ticks = [lo, (lo + hi) / 2, hi]
    .map(
      (e) =>
        `<line x1="${L}" x2="${W - R}" y1="${py(10 ** e)}" y2="${py(10 ** e)}" stroke="#eef"/>` +
        `<text x="${L - 6}" y="${py(10 ** e) + 4}" text-anchor="end" font-size="11" fill="#667">${(10 ** e).toPrecision(2)}</text>`,
    )
    .join("");
  $("lossChart").innerHTML = ticks + line(loss, "#2456c6", "loss") + line(val, "#d9822b", "val_loss");
}

async function train(event) {
  event.preventDefault();
  const epochs = Number($("epochs").value);
  $("trainButton").disabled = true;
  setRandomSeed(1);
  const x = Input({ shape: [WINDOW, 1] });
  const model = new Model({ inputs: x, outputs: new Dense({ units: 1 }).apply(new LSTM({ units: 16 }).apply(x)) });
  model.compile({ optimizer: "adam", loss: "mse" });
  const { x: xs, y: ys } = data();
  const history = { loss: [], val_loss: [] };
  const started = performance.now();
  await model.fit(xs, ys, {
    epochs,
    batchSize: 32,
    validationSplit: 0.2,
    seed: 1,
    callbacks: {
      onEpochEnd: (epoch, logs) => {
        history.loss.push(logs.loss);
        history.val_loss.push(logs.val_loss);
        plot(history);
        $("trainStatus").textContent =
          `epoch ${epoch + 1}/${epochs}: loss ${logs.loss.toFixed(5)}, val_loss ${logs.val_loss.toFixed(5)}`;
      },
    },
  });
  const s = ((performance.now() - started) / 1000).toFixed(1);
  $("trainStatus").textContent += ` (trained in ${s} s, in this page)`;
  document.body.dataset.trained = String(history.loss.length);
  model.dispose();
  $("trainButton").disabled = false;
}

$("trainForm").addEventListener("submit", train);
