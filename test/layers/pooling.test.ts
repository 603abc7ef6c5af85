// MaxPooling1D, AveragePooling1D, GlobalMaxPooling1D and GlobalAveragePooling1D against real Keras 3 (their
// cases in test/cases/layers_pooling.json, tools/gen_keras_layers_pooling.py: every option, masks, gradients,
// the three files), their option and shape errors, Keras 1 / 2 and TF.js spellings, and a save round trip.
import { beforeAll, describe, expect, it } from "vitest";
import {
  AveragePooling1D,
  Dense,
  Embedding,
  GlobalAveragePooling1D,
  GlobalMaxPooling1D,
  Input,
  type Layer,
  LSTM,
  loadModel,
  MaxPooling1D,
  Model,
  ready,
  saveModel,
  type Tensor,
  tensor,
  WasmRnnError,
} from "../../src/index.js";
import { describeLayerCases } from "../helpers/layer-cases.js";
import { checkSaveRoundTrip } from "./save-roundtrip.js";

beforeAll(async () => {
  await ready();
});

describeLayerCases("layers_pooling.json", /^max_pooling1d_/);
describeLayerCases("layers_pooling.json", /^average_pooling1d_/);
describeLayerCases("layers_pooling.json", /^global_max_pooling1d_/);
describeLayerCases("layers_pooling.json", /^global_average_pooling1d_/);

const x = (B: number, T: number, C: number) =>
  tensor(
    Float32Array.from({ length: B * T * C }, (_, i) => Math.sin(i * 0.37)),
    [B, T, C],
  );

describe("pooling options", () => {
  it("take Keras 3's defaults: poolSize 2, strides = poolSize, valid, channels_last, keepdims false", () => {
    const m = new MaxPooling1D();
    expect([m.poolSize, m.strides, m.padding, m.dataFormat]).toEqual([2, 2, "valid", "channels_last"]);
    const a = new AveragePooling1D({ poolSize: [3] });
    expect([a.poolSize, a.strides]).toEqual([3, 3]);
    const g = new GlobalAveragePooling1D();
    expect([g.dataFormat, g.keepdims]).toEqual(["channels_last", false]);
  });

  it("refuse bad options with an error naming the layer", () => {
    const bad: [() => unknown, RegExp][] = [
      [() => new MaxPooling1D({ poolSize: 0 }), /MaxPooling1D 'max_pooling1d.*poolSize/],
      [() => new MaxPooling1D({ poolSize: [2, 2] as never }), /poolSize/],
      [() => new AveragePooling1D({ strides: 1.5 }), /AveragePooling1D.*strides/],
      [() => new MaxPooling1D({ padding: "causal" as never }), /padding "valid" or "same", got "causal"/],
      [() => new MaxPooling1D({ dataFormat: "channelsLast" as never }), /dataFormat/],
      [() => new MaxPooling1D({ pool_size: 2 } as never), /unknown option "pool_size"/],
      [() => new GlobalMaxPooling1D({ keepdims: 1 as never }), /GlobalMaxPooling1D.*keepdims/],
      [() => new GlobalAveragePooling1D({ poolSize: 2 } as never), /unknown option "poolSize"/],
    ];
    for (const [f, re] of bad) {
      expect(f).toThrow(WasmRnnError);
      expect(f).toThrow(re);
    }
  });

  it("refuse bad input shapes with an error naming the layer", () => {
    expect(() => new MaxPooling1D({ name: "mp" }).apply(Input({ shape: [4] }))).toThrow(
      /MaxPooling1D 'mp': expected input of rank >= 3/,
    );
    expect(() => new MaxPooling1D({ poolSize: 5, name: "mp5" }).apply(Input({ shape: [4, 2] }))).toThrow(
      /MaxPooling1D 'mp5': expected at least poolSize=5 steps with padding "valid"/,
    );
    expect(() => new GlobalMaxPooling1D({ name: "g" }).apply(Input({ shape: [3, 4, 2] }))).toThrow(
      /GlobalMaxPooling1D 'g'.*rank 3/,
    );
    expect(() => new GlobalAveragePooling1D().apply(Input({ shape: [3, null] }))).toThrow(/known channels/);
    // a mask cannot describe the steps of a channels_first tensor
    const tok = Input({ shape: [5], dtype: "int32" });
    const e = new Embedding({ inputDim: 4, outputDim: 5, maskZero: true }).apply(tok);
    expect(() => new GlobalAveragePooling1D({ dataFormat: "channels_first", name: "cf" }).apply(e)).toThrow(
      /GlobalAveragePooling1D 'cf': expected an unmasked input with dataFormat "channels_first"/,
    );
    // but "same" padding takes fewer steps than the pool, and unknown steps are fine
    const s = new MaxPooling1D({ poolSize: 5, padding: "same" }).apply(Input({ shape: [3, 2] }));
    expect(s.shape).toEqual([null, 1, 2]);
    expect(new AveragePooling1D({ strides: 3 }).apply(Input({ shape: [null, 2] })).shape).toEqual([null, null, 2]);
  });

  it("run eagerly, and in a model of variable steps", () => {
    const y = new MaxPooling1D({ poolSize: 2 }).apply(x(1, 5, 1)) as Tensor;
    const v = [...x(1, 5, 1).data];
    expect(y.shape).toEqual([1, 2, 1]);
    expect([...y.data]).toEqual([Math.fround(Math.max(v[0]!, v[1]!)), Math.fround(Math.max(v[2]!, v[3]!))]);
    const input = Input({ shape: [null, 2] });
    const m = new Model({ inputs: input, outputs: new AveragePooling1D({ padding: "same" }).apply(input) });
    expect((m.predict(x(2, 7, 2)) as Tensor).shape).toEqual([2, 4, 2]);
    expect((m.predict(x(1, 4, 2)) as Tensor).shape).toEqual([1, 2, 2]);
    m.dispose();
  });

  it("are named as Keras names them (max_pooling1d, not max_pooling1_d)", () => {
    expect(new MaxPooling1D().name).toMatch(/^max_pooling1d(_\d+)?$/);
    expect(new AveragePooling1D().name).toMatch(/^average_pooling1d(_\d+)?$/);
    expect(new GlobalMaxPooling1D().name).toMatch(/^global_max_pooling1d(_\d+)?$/);
    expect(new GlobalAveragePooling1D().name).toMatch(/^global_average_pooling1d(_\d+)?$/);
  });
});

/** A model of every pooling layer and option (channels_first and keepdims too, which TF.js cannot run). */
function poolModel(all: boolean): { model: Model; input: Tensor } {
  const tok = Input({ shape: [9], dtype: "int32" });
  const e = new Embedding({ inputDim: 7, outputDim: 5, maskZero: true }).apply(tok);
  const d = new Dense({ units: 4 }).apply(e);
  const gap = new GlobalAveragePooling1D({ keepdims: all }).apply(d);
  const mp = new MaxPooling1D({ poolSize: 3, strides: 2, padding: "same" }).apply(d);
  const ap = new AveragePooling1D({ poolSize: 2, dataFormat: all ? "channels_first" : "channels_last" }).apply(mp);
  const l = new LSTM({ units: 3, returnSequences: true }).apply(ap);
  const gmp = new GlobalMaxPooling1D({ dataFormat: all ? "channels_first" : "channels_last" }).apply(l);
  const out = new Dense({ units: 2 }).apply(gmp);
  const second = all ? new GlobalMaxPooling1D({ keepdims: true }).apply(gap) : new Dense({ units: 1 }).apply(gap);
  const model = new Model({ inputs: tok, outputs: [out, second] });
  const input = tensor(Int32Array.from([0, 0, 1, 2, 3, 4, 5, 6, 1, 3, 3, 0, 2, 6, 6, 1, 0, 0]), [2, 9], "int32");
  return { model, input };
}

describe("saving the pooling layers", () => {
  it("round-trip through .keras with every option, and real Keras 3 loads our .keras with the same predictions", async () => {
    const { model, input } = poolModel(true);
    const [keras] = await checkSaveRoundTrip(model, input, false);
    const mp = keras!.find((l) => l.className === "MaxPooling1D") as MaxPooling1D;
    expect([mp.poolSize, mp.strides, mp.padding]).toEqual([3, 2, "same"]);
    const ap = keras!.find((l) => l.className === "AveragePooling1D") as AveragePooling1D;
    expect(ap.dataFormat).toBe("channels_first");
    const gmps = keras!.filter((l: Layer) => l.className === "GlobalMaxPooling1D") as GlobalMaxPooling1D[];
    expect(gmps.map((l) => [l.dataFormat, l.keepdims])).toEqual([
      ["channels_first", false],
      ["channels_last", true],
    ]);
    // TF.js's pooling layers run channels_last only and have no keepdims: refused naming the layer
    await expect(saveModel(model)).rejects.toThrow(
      /saveModel: AveragePooling1D '.*' uses dataFormat "channels_first", which TF.js/,
    );
    model.dispose();
  }, 200_000);

  it("round-trip through TF.js and .keras (channels_last), and real Keras 3 loads our .keras the same", async () => {
    const { model, input } = poolModel(false);
    await checkSaveRoundTrip(model, input);
    model.dispose();
  }, 200_000);

  it("loads Keras 1 / 2 and TF.js spellings (MaxPool1D, AvgPool1D, GlobalMaxPool1D, GlobalAvgPool1D, pool_length, stride, border_mode)", async () => {
    const { model, input } = poolModel(false);
    const want = (model.predict(input) as Tensor[]).map((t) => [...t.data]);
    const saved = await saveModel(model);
    const json = JSON.parse(JSON.stringify(saved.modelJson));
    const layers = json.modelTopology.config.layers as {
      class_name: string;
      config: Record<string, unknown>;
    }[];
    const rename: Record<string, string> = {
      MaxPooling1D: "MaxPool1D",
      AveragePooling1D: "AvgPool1D",
      GlobalMaxPooling1D: "GlobalMaxPool1D",
      GlobalAveragePooling1D: "GlobalAvgPool1D",
    };
    for (const l of layers) {
      const c = l.config;
      if (l.class_name === "MaxPooling1D") {
        Object.assign(c, { pool_length: 3, stride: 2, border_mode: "same" });
        delete c.pool_size;
        delete c.strides;
        delete c.padding;
      }
      if (c.data_format === "channels_last") c.data_format = "channelsLast";
      l.class_name = rename[l.class_name] ?? l.class_name;
    }
    const again = await loadModel({ modelJson: json, weightData: saved.weightData });
    expect((again.predict(input) as Tensor[]).map((t) => [...t.data])).toEqual(want);
    // and unsupported values are refused naming the file's layer
    const bad = JSON.parse(JSON.stringify(saved.modelJson));
    const mp = bad.modelTopology.config.layers.find((l: { class_name: string }) => l.class_name === "MaxPooling1D");
    mp.config.padding = "causal";
    await expect(loadModel({ modelJson: bad, weightData: saved.weightData })).rejects.toThrow(
      new RegExp(`layer '${mp.config.name}' \\(MaxPooling1D\\): expected padding "valid" or "same", got "causal"`),
    );
    mp.config.padding = "valid";
    mp.config.pool_size = [2, 2];
    await expect(loadModel({ modelJson: bad, weightData: saved.weightData })).rejects.toThrow(/pool_size/);
    model.dispose();
    again.dispose();
  });
});
