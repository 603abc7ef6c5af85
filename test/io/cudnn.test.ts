// Legacy CuDNNLSTM / CuDNNGRU Keras 2 .h5 files (tools/gen_keras_cudnn.py: the weights of a real Keras 3
// LSTM / GRU(reset_after) stored in the cuDNN layout Keras 2's loader converted): they load as LSTM and
// GRU(resetAfter), predict Keras's numbers, save as those, and train.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadModel, ready, saveModel } from "../../src/index.js";
import { asList, decode, expectClose, loadCases, ROOT } from "../helpers/cases.js";

interface CudnnCase {
  name: string;
  description: string;
  file: string;
  inputs: { shape: number[]; b64: string }[];
  outputs: { shape: number[]; b64: string }[];
}

beforeAll(() => ready());

const all = loadCases<CudnnCase>("cudnn.json");

describe(`legacy CuDNNLSTM / CuDNNGRU .h5 files (real Keras ${all.keras_version} reference)`, () => {
  for (const c of all.cases) {
    it(`${c.name}: ${c.description}`, async () => {
      const model = await loadModel(join(ROOT, c.file));
      const got = asList(model.predict(decode(c.inputs[0]!)));
      c.outputs.forEach((o, i) => expectClose(got[i]!, decode(o), `${c.name} output ${i}`, all.tolerance));
      model.dispose();
    });
  }

  it("loads as the standard cells (LSTM, GRU with resetAfter), which save and load back", async () => {
    for (const c of all.cases.filter((x) => !x.name.includes("bidirectional"))) {
      const model = await loadModel(join(ROOT, c.file));
      const rnn = model.layers[1]! as unknown as {
        className: string;
        resetAfter?: boolean;
        recurrentActivation: string;
      };
      expect(rnn.className).toBe(c.name.includes("lstm") ? "LSTM" : "GRU");
      expect(rnn.recurrentActivation).toBe("sigmoid");
      if (rnn.className === "GRU") expect(rnn.resetAfter).toBe(true);
      const path = join(mkdtempSync(join(tmpdir(), "wasm-rnn-cudnn-")), "m.keras");
      await saveModel(model, path);
      const back = await loadModel(path);
      expectClose(
        asList(back.predict(decode(c.inputs[0]!)))[0]!,
        decode(c.outputs[0]!),
        `${c.name} saved`,
        all.tolerance,
      );
      model.dispose();
      back.dispose();
    }
  });

  it("trains as the cell it became", async () => {
    const c = all.cases.find((x) => x.name === "cudnn_lstm")!;
    const model = await loadModel(join(ROOT, c.file));
    model.compile({ optimizer: "sgd", loss: "mse" });
    const x = decode(c.inputs[0]!);
    const before = (await model.evaluate(x, decode(c.outputs[0]!))) as number;
    expect(before).toBeLessThan(1e-9);
    const h = await model.fit(x, asList(model.predict(x))[0]!, { epochs: 1, verbose: 0 });
    expect(h.history.loss[0]).toBeLessThan(1e-9);
    model.dispose();
  });
});
