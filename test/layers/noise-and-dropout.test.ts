// Training-only options and layers across save/load and fit: a recurrent layer's dropout rates
// survive a round trip; GaussianNoise and AlphaDropout load as themselves (the identity at
// inference), GaussianNoise trains with Keras's additive noise, AlphaDropout refuses fit.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AlphaDropout,
  Dense,
  GaussianNoise,
  GRU,
  Input,
  type Layer,
  LSTM,
  loadModel,
  Model,
  ready,
  SimpleRNN,
  type Tensor,
  tensor,
  WasmRnnError,
} from "../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-noise-"));
beforeAll(() => ready());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const x = tensor(
  Float32Array.from({ length: 2 * 4 * 3 }, (_, i) => Math.sin(i)),
  [2, 4, 3],
);
const y = tensor(
  Float32Array.from({ length: 2 * 2 }, (_, i) => Math.cos(i)),
  [2, 2],
);
const byName = (m: Model, name: string): Layer => m.layers.find((l) => l.name === name)!;
const predicted = (m: Model) => Array.from((m.predict(x) as Tensor).data);

describe("a recurrent layer's dropout and recurrentDropout", () => {
  const make = () => {
    const input = Input({ shape: [4, 3] });
    const a = new LSTM({ units: 3, returnSequences: true, dropout: 0.25, name: "lstm_d" }).apply(input);
    const b = new GRU({
      units: 3,
      returnSequences: true,
      recurrentDropout: 0.5,
      resetAfter: false,
      name: "gru_d",
    }).apply(a);
    const c = new SimpleRNN({ units: 2, dropout: 0.125, recurrentDropout: 0.375, name: "rnn_d" }).apply(b);
    return new Model({ inputs: input, outputs: c });
  };
  const rates = (m: Model) =>
    ["lstm_d", "gru_d", "rnn_d"].map((n) => {
      const l = byName(m, n) as LSTM;
      return [l.dropout, l.recurrentDropout];
    });
  const want = [
    [0.25, 0],
    [0, 0.5],
    [0.125, 0.375],
  ];

  it("survive a TF.js save and load", async () => {
    const again = await loadModel(await make().save());
    expect(rates(again)).toEqual(want);
  });

  it("survive a .keras save and load", async () => {
    const file = join(dir, "dropout.keras");
    await make().save(file);
    expect(rates(await loadModel(file))).toEqual(want);
  });

  it("still govern training after loading: fit with a seed draws the same masks as before saving", async () => {
    const m = make();
    const again = await loadModel(await m.save());
    const trained = async (model: Model) => {
      model.compile({ optimizer: "sgd", loss: "mse" });
      await model.fit(x, y, { epochs: 2, batchSize: 1, shuffle: false, seed: 21 });
      return model.getWeights().map((w) => Array.from(w.data));
    };
    const before = m.getWeights();
    const want = await trained(m);
    expect(await trained(again)).toEqual(want);
    // and they did something: without the rates the same start trains differently
    const input = Input({ shape: [4, 3] });
    const plain = new Model({
      inputs: input,
      outputs: new SimpleRNN({ units: 2 }).apply(
        new GRU({ units: 3, returnSequences: true, resetAfter: false }).apply(
          new LSTM({ units: 3, returnSequences: true }).apply(input),
        ),
      ),
    });
    plain.setWeights(before);
    expect(await trained(plain)).not.toEqual(want);
  });
});

/** Input [4, 3] -> noise layer -> Dense(2) on the last step's features, with fixed weights. */
function withNoise(noise: Layer | null): Model {
  const input = Input({ shape: [4, 3] });
  const h = noise ? (noise as GaussianNoise).apply(input) : input;
  const out = new LSTM({ units: 2, name: "lstm_n", kernelInitializer: "ones", recurrentInitializer: "zeros" }).apply(h);
  return new Model({ inputs: input, outputs: new Dense({ units: 2, kernelInitializer: "ones" }).apply(out) });
}
const lstmKernel = (m: Model) => Array.from((byName(m, "lstm_n").getWeights()[0] as Tensor).data);

describe("GaussianNoise", () => {
  it("is the identity at inference and loads back as GaussianNoise with its stddev", async () => {
    const m = withNoise(new GaussianNoise({ stddev: 0.7, name: "noise" }));
    expect(predicted(m)).toEqual(predicted(withNoise(null)));
    const again = await loadModel(await m.save());
    const l = byName(again, "noise");
    expect(l).toBeInstanceOf(GaussianNoise);
    expect((l as GaussianNoise).stddev).toBe(0.7);
    expect(predicted(again)).toEqual(predicted(m));
  });

  it("adds noise while training (stddev 0 trains as no layer at all)", async () => {
    const train = async (m: Model) => {
      m.compile({ optimizer: { className: "SGD", config: { learningRate: 0.5 } }, loss: "mse" });
      await m.fit(x, y, { epochs: 1, batchSize: 2, shuffle: false, seed: 7 });
      return lstmKernel(m);
    };
    const plain = await train(withNoise(null));
    expect(await train(withNoise(new GaussianNoise({ stddev: 0 })))).toEqual(plain);
    const noisy = await train(withNoise(new GaussianNoise({ stddev: 1 })));
    expect(noisy).not.toEqual(plain);
    expect(noisy.every(Number.isFinite)).toBe(true);
  });

  it("checks its options", () => {
    expect(() => new GaussianNoise({ stddev: -1 })).toThrow(WasmRnnError);
    expect(() => new GaussianNoise({ stddev: 0.1, rate: 0.1 } as never)).toThrow(WasmRnnError);
  });
});

describe("AlphaDropout", () => {
  it("is the identity at inference and loads back as AlphaDropout with its rate", async () => {
    const m = withNoise(new AlphaDropout({ rate: 0.2, name: "alpha" }));
    expect(predicted(m)).toEqual(predicted(withNoise(null)));
    const again = await loadModel(await m.save());
    const l = byName(again, "alpha");
    expect(l).toBeInstanceOf(AlphaDropout);
    expect((l as AlphaDropout).rate).toBe(0.2);
  });

  it("refuses fit with a clear error naming the layer (rate 0 trains as the identity)", async () => {
    const m = withNoise(new AlphaDropout({ rate: 0.2, name: "alpha" }));
    m.compile({ optimizer: "sgd", loss: "mse" });
    await expect(m.fit(x, y, { epochs: 1 })).rejects.toThrow(WasmRnnError);
    await expect(m.fit(x, y, { epochs: 1 })).rejects.toThrow(/AlphaDropout 'alpha'.*rate 0\.2/);
    const zero = withNoise(new AlphaDropout({ rate: 0 }));
    zero.compile({ optimizer: "sgd", loss: "mse" });
    await expect(zero.fit(x, y, { epochs: 1 })).resolves.toBeTruthy();
  });
});
