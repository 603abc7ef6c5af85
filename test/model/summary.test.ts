// model.summary() prints what Keras prints (texts recorded by tools/gen_keras_cases.py in
// test/cases/lstm_tutorial.json), names and connections included.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clearSession, Dense, Input, LSTM, Model, ready, type SymbolicTensor } from "../../src/index.js";
import { type EncodedArray, loadCases } from "../helpers/cases.js";

beforeAll(async () => {
  await ready();
});
beforeEach(() => clearSession());

describe("summary", () => {
  interface SummaryRef {
    name: string;
    text: string;
  }
  const file = loadCases<{ name: string; config: Record<string, unknown>; inputs: EncodedArray[] }>(
    "lstm_tutorial.json",
  ) as unknown as {
    summaries: SummaryRef[];
    cases: { name: string; config: { units: number; returnSequences: boolean; returnState: boolean } }[];
  };

  for (const ref of file.summaries.filter((s) => s.name.startsWith("tutorial"))) {
    it(`prints ${ref.name} as Keras does`, () => {
      const cfg = file.cases.find((c) => c.name === ref.name)!.config;
      const x = Input({ shape: [3, 1] });
      const out = new LSTM({
        units: cfg.units,
        returnSequences: cfg.returnSequences,
        returnState: cfg.returnState as boolean,
      }).apply(x);
      const model = new Model({ inputs: x, outputs: out as SymbolicTensor | SymbolicTensor[], name: "tutorial" });
      const lines: string[] = [];
      model.summary((l) => lines.push(l));
      expect(lines.join("\n").trimEnd()).toBe(ref.text.trimEnd());
    });
  }

  it("prints the encoder-decoder with its connections as Keras does", () => {
    const ref = file.summaries.find((s) => s.name === "encoder_decoder")!;
    const encIn = Input({ shape: [5, 6] }),
      decIn = Input({ shape: [4, 6] });
    const [, h, c] = new LSTM({ units: 8, returnState: true }).apply(encIn);
    const [y, dh, dc] = new LSTM({ units: 8, returnSequences: true, returnState: true }).apply(decIn, {
      initialState: [h, c],
    });
    const probs = new Dense({ units: 10, activation: "softmax" }).apply(y);
    const model = new Model({ inputs: [encIn, decIn], outputs: [probs, dh, dc] });
    expect(model.summary(() => {}).trimEnd()).toBe(ref.text.trimEnd());
    expect(model.getLayer("lstm_1")).toBe(model.layers[3]);
    expect(model.getLayer(4).name).toBe("dense");
    expect(() => model.getLayer("nope")).toThrow(
      /named one of input_layer, input_layer_1, lstm, lstm_1, dense, got "nope"/,
    );
  });
});
