// model.quantize and loadModel's `quantize` (src/quant/quantize.ts): what it changes and reports,
// that it is never silent (the report, `quantization`, summary()), what it refuses, and training.
import { beforeAll, describe, expect, it } from "vitest";
import {
  Bidirectional,
  Conv1D,
  coreInfo,
  Dense,
  GRU,
  Input,
  LSTM,
  loadModel,
  Model,
  ready,
  SimpleRNN,
  saveModel,
  TimeDistributed,
  tensor,
  WasmRnnError,
} from "../../src/index.js";
import { ramp } from "../helpers/errors.js";

beforeAll(async () => {
  await ready();
});

function mixed() {
  const x = Input({ shape: [6, 4] });
  const conv = new Conv1D({ filters: 3, kernelSize: 2, padding: "same", name: "conv" });
  const bi = new Bidirectional(new GRU({ units: 5, returnSequences: true, resetAfter: false }), { name: "bi" });
  const lstm = new LSTM({ units: 7, returnSequences: true, name: "lstm" });
  const td = new TimeDistributed(new Dense({ units: 2, name: "head" }), { name: "td" });
  const y = td.apply(lstm.apply(bi.apply(conv.apply(x))));
  const model = new Model({ inputs: x, outputs: y, name: "mixed" });
  model.setWeights(
    model.getWeights().map((w, i) =>
      tensor(
        ramp(w.size, 0.3 + i / 10).map((v) => v * 0.5),
        [...w.shape],
      ),
    ),
  );
  return model;
}
const input = tensor(ramp(2 * 6 * 4, 0.71), [2, 6, 4]);

describe("quantize reports what it does", () => {
  it("int8: every LSTM, GRU, SimpleRNN and Dense, wrappers opened; other layers named as unchanged", async () => {
    const model = mixed();
    const float = model.predict(input) as ReturnType<typeof tensor>;
    const plainSummary = model.summary(() => {});
    expect(plainSummary).not.toMatch(/Quantized/);
    const report = await model.quantize("int8");
    expect(report.mode).toBe("int8");
    expect(report.quantized).toEqual(["forward_gru", "backward_gru", "lstm", "head"]);
    expect(report.unchanged).toEqual(["conv"]);
    expect(report.int8Bytes).toBeGreaterThan(0);
    expect(report.dot).toBe(coreInfo().build === "relaxed" ? "relaxed" : "plain");
    expect(model.quantization).toBe("int8");
    const summary = model.summary(() => {});
    expect(summary.startsWith(plainSummary)).toBe(true);
    expect(summary.slice(plainSummary.length)).toBe("\n Quantized: int8 (forward_gru, backward_gru, lstm, head)");
    const q = model.predict(input) as ReturnType<typeof tensor>;
    let diff = 0;
    for (let i = 0; i < q.size; i++) diff = Math.max(diff, Math.abs(q.data[i]! - float.data[i]!));
    expect(diff).toBeGreaterThan(1e-6); // int8 really runs
    expect(diff).toBeLessThan(5e-2);
    // again: nothing new is allocated, the same report
    const again = await model.quantize("int8");
    expect(again.int8Bytes).toBe(report.int8Bytes);
    expect(Array.from((model.predict(input) as typeof q).data)).toEqual(Array.from(q.data));
    const none = await model.quantize("none");
    expect(none.quantized).toEqual(["forward_gru", "backward_gru", "lstm", "head"]);
    expect(model.quantization).toBeNull();
    expect(model.summary(() => {})).toBe(plainSummary);
    expect(Array.from((model.predict(input) as typeof q).data)).toEqual(Array.from(float.data));
    model.dispose();
  });

  it("a layer shared with another model runs int8 there too, and that model says so", async () => {
    const x = Input({ shape: [5, 3] });
    const rnn = new SimpleRNN({ units: 4 });
    const a = new Model({ inputs: x, outputs: rnn.apply(x) });
    const b = new Model({ inputs: x, outputs: new Dense({ units: 1 }).apply(rnn.apply(x)) });
    await a.quantize("int8");
    expect(b.quantization).toBe("int8");
    expect(b.summary(() => {})).toMatch(/Quantized: int8 \(simple_rnn(_\d+)?\)$/);
    a.dispose();
    b.dispose();
  });

  it("loadModel({ quantize: 'int8' }) loads and quantizes", async () => {
    const model = mixed();
    const saved = await saveModel(model);
    const loaded = await loadModel(saved, { quantize: "int8" });
    expect(loaded.quantization).toBe("int8");
    await model.quantize("int8");
    expect(Array.from((loaded.predict(input) as ReturnType<typeof tensor>).data)).toEqual(
      Array.from((model.predict(input) as ReturnType<typeof tensor>).data),
    );
    model.dispose();
    loaded.dispose();
  });
});

describe("quantize refuses", () => {
  it("an unknown mode, naming the model and what came (and loadModel before reading anything)", async () => {
    const model = mixed();
    await expect(model.quantize("int4" as never)).rejects.toThrow(
      /Model 'mixed': quantize: expected quantize "int8", "float16" or "none", got "int4"/,
    );
    await expect(model.quantize(undefined as never)).rejects.toThrow(WasmRnnError);
    expect(model.quantization).toBeNull();
    await expect(loadModel("/no/such/file.keras", { quantize: 8 as never })).rejects.toThrow(
      /loadModel: expected quantize "int8", "float16" or "none", got 8/,
    );
    model.dispose();
    await expect(model.quantize("int8")).rejects.toThrow(/freed by dispose/);
  });

  it("training an int8 model (fit, trainOnBatch), until quantize('none'); evaluate runs int8", async () => {
    const x = Input({ shape: [4, 2] });
    const model = new Model({ inputs: x, outputs: new Dense({ units: 1 }).apply(new LSTM({ units: 3 }).apply(x)) });
    model.compile({ optimizer: "sgd", loss: "mse" });
    const xs = tensor(ramp(8 * 4 * 2), [8, 4, 2]),
      ys = tensor(ramp(8, 0.5), [8, 1]);
    await model.quantize("int8");
    await expect(model.fit(xs, ys, { epochs: 1, verbose: 0 } as never)).rejects.toThrow(
      /fit: expected float32 layers for training, got int8 inference weights in lstm(_\d+)?, dense(_\d+)? \(call quantize\("none"\) first\)/,
    );
    await expect(model.trainOnBatch(xs, ys)).rejects.toThrow(WasmRnnError);
    const loss8 = (await model.evaluate(xs, ys)) as number;
    await model.quantize("none");
    const loss32 = (await model.evaluate(xs, ys)) as number;
    expect(loss8).not.toBe(loss32);
    expect(Math.abs(loss8 - loss32)).toBeLessThan(1e-2);
    await expect(model.trainOnBatch(xs, ys)).resolves.toBeTypeOf("number");
    model.dispose();
  });
});
