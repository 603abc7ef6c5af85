// Replays the keras-js layer vectors (Python Keras 2.0.x) from ../shared/fixtures in place:
// LSTM, GRU (reset_after = false), SimpleRNN and Bidirectional. Their "hard_sigmoid" is Keras 2's,
// our hard_sigmoid_legacy. Skipped, with a message, when the fixtures folder is absent.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Bidirectional, GRU, Input, LSTM, Model, ready, SimpleRNN, type Tensor, tensor } from "../../src/index.js";
import { expectClose, FIXTURES, hasFixtures } from "../helpers/cases.js";

beforeAll(async () => {
  await ready();
});

interface Arr {
  data: number[];
  shape: number[];
}
interface Vector {
  input: Arr;
  weights: Arr[];
  expected: Arr;
}

const DIR = join(FIXTURES, "kerasjs-layer-vectors");
const load = (name: string): Record<string, Vector> => JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8"));
const t = (a: Arr, batch = true) => tensor(a.data, batch ? [1, ...a.shape] : a.shape);

// Configs per key index, transcribed from keras-js test/layers/recurrent/*.js (see the fixtures README):
// 0 base, 1 other sizes and activations, 2 returnSequences, 3 goBackwards, 4 both; 5-8 = 0, 2, 3, 4 stateful.
const FLAGS = [
  {},
  {},
  { returnSequences: true },
  { goBackwards: true },
  { returnSequences: true, goBackwards: true },
  { stateful: true },
  { stateful: true, returnSequences: true },
  { stateful: true, goBackwards: true },
  { stateful: true, returnSequences: true, goBackwards: true },
];

type Cls = "LSTM" | "GRU" | "SimpleRNN";
function cellArgs(cls: Cls, i: number, v: Vector) {
  const units = v.weights[1]!.shape[0]!;
  const gated = cls !== "SimpleRNN";
  const args: Record<string, unknown> = { units, ...FLAGS[i], useBias: v.weights.length === 3 };
  if (gated) {
    args.activation = i === 1 ? "sigmoid" : "tanh";
    args.recurrentActivation = i === 1 ? "sigmoid" : "hard_sigmoid_legacy";
  } else {
    args.activation = i === 1 ? "sigmoid" : "tanh";
  }
  if (cls === "GRU") args.resetAfter = false;
  return args;
}

function make(cls: Cls, args: Record<string, unknown>) {
  return cls === "LSTM"
    ? new LSTM(args as never)
    : cls === "GRU"
      ? new GRU(args as never)
      : new SimpleRNN(args as never);
}

describe.skipIf(!hasFixtures)("keras-js layer vectors (Keras 2.0.x)", () => {
  for (const cls of ["LSTM", "GRU", "SimpleRNN"] as const) {
    const vectors = hasFixtures ? load(cls) : {};
    for (const [key, v] of Object.entries(vectors)) {
      it(key, () => {
        const i = Number(key.split(".").pop());
        const args = cellArgs(cls, i, v);
        const x = t(v.input);
        const input = args.stateful ? Input({ batchShape: x.shape }) : Input({ shape: v.input.shape });
        const layer = make(cls, args);
        const model = new Model({ inputs: input, outputs: layer.apply(input) as never });
        layer.setWeights(v.weights.map((w) => t(w, false)));
        let y = model.predict(x) as Tensor;
        // stateful vectors: the second call on the same input continues from the first one's states
        if (args.stateful) y = model.predict(x) as Tensor;
        expectClose(y, t(v.expected), key);
      });
    }
  }

  const BIDI: [Cls, string, boolean][] = [
    ["SimpleRNN", "sum", false],
    ["SimpleRNN", "mul", false],
    ["SimpleRNN", "concat", false],
    ["SimpleRNN", "ave", false],
    ["SimpleRNN", "concat", true],
    ["GRU", "concat", true],
    ["LSTM", "concat", true],
    ["SimpleRNN", "sum", true],
  ];
  const bidi = hasFixtures ? load("Bidirectional") : {};
  for (const [key, v] of Object.entries(bidi)) {
    it(key, () => {
      const [cls, mergeMode, returnSequences] = BIDI[Number(key.split(".").pop())]!;
      const units = v.weights[1]!.shape[0]!;
      const inner = make(cls, {
        units,
        returnSequences,
        ...(cls === "SimpleRNN" ? {} : { recurrentActivation: "hard_sigmoid_legacy" }),
        ...(cls === "GRU" ? { resetAfter: false } : {}),
      });
      const input = Input({ shape: v.input.shape });
      const bi = new Bidirectional(inner, { mergeMode: mergeMode as never });
      const model = new Model({ inputs: input, outputs: bi.apply(input) as never });
      bi.setWeights(v.weights.map((w) => t(w, false)));
      expectClose(model.predict(t(v.input)) as Tensor, t(v.expected), key);
    });
  }

  it("covers all 35 vectors", () => {
    const n = ["LSTM", "GRU", "SimpleRNN", "Bidirectional"].reduce((a, f) => a + Object.keys(load(f)).length, 0);
    expect(n).toBe(35);
  });
});

describe.skipIf(hasFixtures)("keras-js layer vectors", () => {
  it("skipped: ../shared/fixtures is absent", () => {
    console.warn(`keras-js layer vectors skipped: ${DIR} not found`);
  });
});
