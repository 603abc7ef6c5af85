// Reshape and Permute against real Keras 3 (their cases in test/cases/layers_pooling.json,
// tools/gen_keras_layers_pooling.py: -1 inference, ranks 2 to 4, masks dropped, gradients, the three files),
// their option and shape errors, and a save round trip.
import { beforeAll, describe, expect, it } from "vitest";
import {
  Dense,
  Input,
  loadModel,
  Model,
  Permute,
  Reshape,
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

describeLayerCases("layers_pooling.json", /^reshape_/);
describeLayerCases("layers_pooling.json", /^permute_/);

const seq = (B: number, ...dims: number[]) => {
  const n = B * dims.reduce((a, b) => a * b, 1);
  return tensor(
    Float32Array.from({ length: n }, (_, i) => i),
    [B, ...dims],
  );
};

describe("Reshape", () => {
  it("refuses bad targetShape options naming the layer", () => {
    for (const t of [[], [0, 2], [-1, -1], [2.5], "3"]) {
      expect(() => new Reshape({ targetShape: t as never, name: "r" })).toThrow(WasmRnnError);
      expect(() => new Reshape({ targetShape: t as never, name: "r" })).toThrow(/Reshape 'r': expected targetShape/);
    }
    expect(() => new Reshape({ targetShape: [2], dims: [1] } as never)).toThrow(/unknown option "dims"/);
  });

  it("refuses input sizes that do not fit the target, symbolic and eager", () => {
    expect(() => new Reshape({ targetShape: [-1, 4], name: "r4" }).apply(Input({ shape: [3, 3] }))).toThrow(
      /Reshape 'r4': expected an input of a multiple of 4 values per sample/,
    );
    expect(() => new Reshape({ targetShape: [5] }).apply(Input({ shape: [2, 3] }))).toThrow(/5 values per sample/);
    const free = new Reshape({ targetShape: [-1, 2], name: "rv" });
    const sym = free.apply(Input({ shape: [null, 4] }));
    expect(sym.shape).toEqual([null, null, 2]);
    expect((free.apply(seq(2, 3, 4)) as Tensor).shape).toEqual([2, 6, 2]);
    expect(() => new Reshape({ targetShape: [3, 2], name: "rc" }).apply(seq(1, 5, 1))).toThrow(/Reshape 'rc'/);
  });

  it("keeps the values in order", () => {
    const y = new Reshape({ targetShape: [2, -1] }).apply(seq(2, 3, 2)) as Tensor;
    expect(y.shape).toEqual([2, 2, 3]);
    expect([...y.data]).toEqual([...seq(2, 3, 2).data]);
  });
});

describe("Permute", () => {
  it("refuses dims that are not a permutation of 1..n, and inputs of another rank, naming the layer", () => {
    for (const d of [[], [0, 1], [1, 1], [2, 3], [1, 2.5], "21"]) {
      expect(() => new Permute({ dims: d as never, name: "p" })).toThrow(WasmRnnError);
      expect(() => new Permute({ dims: d as never, name: "p" })).toThrow(/Permute 'p': expected dims/);
    }
    expect(() => new Permute({ dims: [2, 1], name: "p3" }).apply(Input({ shape: [2, 3, 4] }))).toThrow(
      /Permute 'p3': expected input of rank 3/,
    );
  });

  it("transposes the axes after the batch (rank 5 too)", () => {
    const x = seq(2, 2, 3, 4, 5);
    const y = new Permute({ dims: [4, 2, 1, 3] }).apply(x) as Tensor;
    expect(y.shape).toEqual([2, 5, 3, 2, 4]);
    const at = (b: number, i: number, j: number, k: number, l: number) => (((b * 2 + i) * 3 + j) * 4 + k) * 5 + l;
    const want: number[] = [];
    for (let b = 0; b < 2; b++)
      for (let l = 0; l < 5; l++)
        for (let j = 0; j < 3; j++)
          for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) want.push(at(b, i, j, k, l));
    expect([...y.data]).toEqual(want);
  });
});

describe("saving Reshape and Permute", () => {
  it("round-trips through TF.js and .keras, and real Keras 3 loads our .keras with the same predictions", async () => {
    const input = Input({ shape: [4, 6] });
    const d = new Dense({ units: 6 }).apply(input);
    const r = new Reshape({ targetShape: [-1, 3, 2] }).apply(d);
    const p = new Permute({ dims: [3, 1, 2] }).apply(r);
    const out = new Dense({ units: 2 }).apply(new Reshape({ targetShape: [-1] }).apply(p));
    const model = new Model({ inputs: input, outputs: out });
    const [, keras] = await checkSaveRoundTrip(model, seq(2, 4, 6));
    expect((keras!.find((l) => l.className === "Permute") as Permute).dims).toEqual([3, 1, 2]);
    expect(keras!.filter((l) => l.className === "Reshape").map((l) => (l as Reshape).targetShape)).toEqual([
      [-1, 3, 2],
      [-1],
    ]);
    // a file's target_shape that is not a list is refused naming the layer
    const saved = await saveModel(model);
    const json = JSON.parse(JSON.stringify(saved.modelJson));
    const rl = json.modelTopology.config.layers.find((l: { class_name: string }) => l.class_name === "Reshape");
    rl.config.target_shape = 12;
    await expect(loadModel({ modelJson: json, weightData: saved.weightData })).rejects.toThrow(
      new RegExp(`layer '${rl.config.name}' \\(Reshape\\): expected target_shape to be a list`),
    );
    model.dispose();
  }, 200_000);
});
