// The tutorial's LSTM(1) (returnSequences + returnState) with the weights Keras 3 gave it in the
// tutorial case (test/cases/lstm_tutorial.json), so the numbers here are Keras's numbers.
import { coreInfo, Input, LSTM, Model, ready, tensor } from "wasm-rnn";

const KERAS_WEIGHTS = [
  tensor([-0.5280049443244934, 0.794081449508667, 0.9604876041412354, -0.34344756603240967], [1, 4]), // kernel [I, 4H]
  tensor([0.4869709014892578, -0.691288411617279, -0.20716950297355652, -0.4919963777065277], [1, 4]), // recurrent [H, 4H]
  tensor([0, 1, 0, 0], [4]), // bias (gates i, f, c, o; forget bias 1)
];
// What Keras printed for [0.1, 0.2, 0.3]: the sequence output, h and c
const KERAS_OUT = {
  seq: [0.022890014573931694, 0.05901666358113289, 0.1014593094587326],
  h: 0.1014593094587326,
  c: 0.220761239528656,
};

const $ = (id) => document.getElementById(id);
const fmt = (v) => v.toFixed(6);

await ready();
const info = coreInfo();
$("info").textContent =
  `wasm core: ${info.build === "relaxed" ? "relaxed-SIMD" : "plain SIMD"} build, loaded from ${info.loader} bytes.`;

// Any sequence length: Input shape [null, 1]. One layer, two models: the whole sequence at once,
// and one step at a time with [h, c] fed back in (the same weights), which gives c at every step.
const lstm = new LSTM({ units: 1, returnSequences: true, returnState: true });
const x = Input({ shape: [null, 1] });
const [seq, h, c] = lstm.apply(x);
const model = new Model({ inputs: x, outputs: [seq, h, c] });
lstm.setWeights(KERAS_WEIGHTS);
const xStep = Input({ shape: [1, 1] }),
  hIn = Input({ shape: [1] }),
  cIn = Input({ shape: [1] });
const [, hStep, cStep] = lstm.apply(xStep, { initialState: [hIn, cIn] });
const stepModel = new Model({ inputs: [xStep, hIn, cIn], outputs: [hStep, cStep] });

function parse(text) {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  const values = parts.map(Number);
  if (!parts.length) throw new Error("type at least one number");
  if (parts.length > 64) throw new Error("at most 64 steps, please");
  const bad = parts.find((p, i) => !Number.isFinite(values[i]));
  if (bad !== undefined) throw new Error(`"${bad}" is not a number`);
  return values;
}

function run(values) {
  const [ys, hLast, cLast] = model.predict(tensor(values, [1, values.length, 1]));
  let hs = tensor([0], [1, 1]),
    cs = tensor([0], [1, 1]);
  const cells = [];
  for (const v of values) {
    [hs, cs] = stepModel.predict([tensor([v], [1, 1, 1]), hs, cs]);
    cells.push(cs.data[0]);
  }
  return { xs: values, hs: Array.from(ys.data), cs: cells, h: hLast.data[0], c: cLast.data[0] };
}

function chart(r) {
  const W = 560,
    H = 240,
    L = 44,
    R = 12,
    T = 12,
    B = 28;
  const all = [...r.xs, ...r.hs, ...r.cs, 0];
  let lo = Math.min(...all),
    hi = Math.max(...all);
  if (hi - lo < 1e-9) {
    lo -= 1;
    hi += 1;
  }
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  const n = r.xs.length;
  const px = (i) => L + (n === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (n - 1));
  const py = (v) => T + ((hi - v) * (H - T - B)) / (hi - lo);
  const line = (vals, color) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${vals.map((v, i) => `${px(i).toFixed(1)},${py(v).toFixed(1)}`).join(" ")}"/>` +
    vals
      .map(
        (v, i) =>
          `<circle cx="${px(i).toFixed(1)}" cy="${py(v).toFixed(1)}" r="3" fill="${color}"><title>${fmt(v)}</title></circle>`,
      )
      .join("");
  const ticks = [lo + pad, (lo + hi) / 2, hi - pad]
    .map(
      (v) =>
        `<line x1="${L}" x2="${W - R}" y1="${py(v)}" y2="${py(v)}" stroke="#eef"/><text x="${L - 6}" y="${py(v) + 4}" ` +
        `text-anchor="end" font-size="11" fill="#667">${v.toFixed(2)}</text>`,
    )
    .join("");
  const zero = `<line x1="${L}" x2="${W - R}" y1="${py(0)}" y2="${py(0)}" stroke="#bbc"/>`;
  const steps = r.xs
    .map((_, i) =>
      n <= 16 || i % Math.ceil(n / 16) === 0
        ? `<text x="${px(i)}" y="${H - 8}" text-anchor="middle" font-size="11" fill="#667">${i + 1}</text>`
        : "",
    )
    .join("");
  $("chart").innerHTML = ticks + zero + steps + line(r.xs, "#9aa3b0") + line(r.hs, "#2456c6") + line(r.cs, "#d9822b");
}

function show(event) {
  event?.preventDefault();
  try {
    const r = run(parse($("seq").value));
    $("rows").innerHTML = r.xs
      .map((v, i) => `<tr><td>${i + 1}</td><td>${v}</td><td>${fmt(r.hs[i])}</td><td>${fmt(r.cs[i])}</td></tr>`)
      .join("");
    $("h").textContent = fmt(r.h);
    $("c").textContent = fmt(r.c);
    const tutorialInput = r.xs.length === 3 && r.xs.every((v, i) => Math.abs(v - [0.1, 0.2, 0.3][i]) < 1e-12);
    $("keras").textContent = tutorialInput
      ? `Keras 3 gives h = ${fmt(KERAS_OUT.h)}, c = ${fmt(KERAS_OUT.c)}, sequence [${KERAS_OUT.seq.map(fmt).join(", ")}] for this input.`
      : "Last h equals the sequence output's last step, as the tutorial says; c is the cell state.";
    chart(r);
    $("error").hidden = true;
    $("result").hidden = false;
  } catch (err) {
    $("error").textContent = String(err.message ?? err);
    $("error").hidden = false;
  }
}

$("form").addEventListener("submit", show);
show();
document.body.dataset.ready = "true";
