// SpatialDropout1D, GaussianDropout and GaussianNoise: exact at inference against real Keras 3 (their cases in
// test/cases/layers_pooling.json, tools/gen_keras_layers_pooling.py, also through the three files, and the
// gradient through them at rate 0); their training noise checked statistically (Keras's own random stream
// cannot be reproduced): keep rate, whole channels, mean and variance, and the backward against the forward's
// own noise. Each loads as itself (no longer as Dropout) and saves back.
import { beforeAll, describe, expect, it } from "vitest";
import { arena } from "../../src/core/arena.js";
import { loadTrainCore } from "../../src/core/train-kernels.js";
// the training core driven directly, not through fit: its pack comes with the entry, as in an app
import "../../src/entry-train.js";
import { heapF32 } from "../../src/core/wasm.js";
import {
  Dense,
  Dropout,
  GaussianDropout,
  GaussianNoise,
  Input,
  type Layer,
  LSTM,
  loadModel,
  Model,
  ready,
  SpatialDropout1D,
  saveModel,
  type Tensor,
  tensor,
  WasmRnnError,
} from "../../src/index.js";
import { registerBuiltinLayers } from "../../src/layers/index.js";
import type { Step } from "../../src/layers/layer.js";
import { entryForLayer } from "../../src/layers/registry.js";
import { describeLayerCases } from "../helpers/layer-cases.js";
import { checkSaveRoundTrip } from "./save-roundtrip.js";

beforeAll(async () => {
  await ready();
  await loadTrainCore();
  registerBuiltinLayers();
});

describeLayerCases("layers_pooling.json", /^spatial_dropout1d_/);
describeLayerCases("layers_pooling.json", /^gaussian_dropout_/);
describeLayerCases("layers_pooling.json", /^gaussian_noise_/);

/**
 * The layer's training forward on x [B, T, C] (values 1 + (i mod 7) / 7, never 0) and its backward with
 * dy = 1: returns x, y and dx.
 */
function trainingStep(layer: Layer, shape: [number, number, number], seed: number) {
  const n = shape[0] * shape[1] * shape[2];
  const backward = entryForLayer(layer)!.backward!(layer, layer.who, () => {
    throw new Error("no inner layer");
  });
  const xp = arena.alloc(n * 4),
    yp = arena.alloc(n * 4),
    dyp = arena.alloc(n * 4),
    dxp = arena.alloc(n * 4);
  const step: Step = {
    layer,
    inputs: [{ ptr: xp, shape: [...shape], dtype: "float32" }],
    outputs: [{ ptr: yp, shape: [...shape], dtype: "float32" }],
    scratch: 0,
    masks: { inputs: [0], outputs: [0] },
  };
  const trace = arena.alloc(Math.max(backward.traceBytes(step), 4));
  try {
    const f32 = heapF32();
    const x = Float32Array.from({ length: n }, (_, i) => 1 + (i % 7) / 7);
    f32.set(x, xp >>> 2);
    f32.fill(1, dyp >>> 2, (dyp >>> 2) + n);
    f32.fill(0, dxp >>> 2, (dxp >>> 2) + n);
    expect(backward.trainingForward, `${layer.who} has its own training forward`).toBeTypeOf("function");
    backward.trainingForward!(step, trace, seed);
    backward.run({ step, dOut: [dyp], dIn: [dxp], dParams: [], dSquares: [], scratch: 0, trace, dPre: 0 });
    const h = heapF32();
    return { x, y: h.slice(yp >>> 2, (yp >>> 2) + n), dx: h.slice(dxp >>> 2, (dxp >>> 2) + n) };
  } finally {
    for (const p of [xp, yp, dyp, dxp, trace]) arena.free(p);
  }
}

const meanVar = (v: ArrayLike<number>) => {
  let s = 0,
    s2 = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  const m = s / v.length;
  for (let i = 0; i < v.length; i++) s2 += (v[i]! - m) ** 2;
  return { mean: m, variance: s2 / v.length };
};

describe("SpatialDropout1D's training noise", () => {
  const rate = 0.3,
    [B, T, C] = [64, 5, 50];
  it("drops whole channels per sample with probability rate, scaling the rest by 1 / (1 - rate); dx = dy times the same", () => {
    const { x, y, dx } = trainingStep(new SpatialDropout1D({ rate }), [B, T, C], 1234);
    const scale = Math.fround(1 / (1 - rate));
    let kept = 0;
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < C; c++) {
        const first = y[b * T * C + c]! / x[b * T * C + c]!;
        const keep = first !== 0;
        kept += keep ? 1 : 0;
        for (let t = 0; t < T; t++) {
          const i = (b * T + t) * C + c;
          expect(y[i], `y[${b}, ${t}, ${c}]: the same decision at every step`).toBe(
            keep ? Math.fround(x[i]! * scale) : 0,
          );
          expect(dx[i], `dx[${b}, ${t}, ${c}]`).toBe(keep ? scale : 0);
        }
      }
    }
    // 3200 channel decisions: the keep rate within 5 standard deviations of 0.7
    const sd = Math.sqrt((rate * (1 - rate)) / (B * C));
    expect(Math.abs(kept / (B * C) - (1 - rate))).toBeLessThan(5 * sd);
  });

  it("draws other channels for another seed", () => {
    const a = trainingStep(new SpatialDropout1D({ rate }), [4, 3, 40], 1).y;
    const b = trainingStep(new SpatialDropout1D({ rate }), [4, 3, 40], 2).y;
    expect([...a]).not.toEqual([...b]);
  });
});

describe("GaussianDropout's training noise", () => {
  it("multiplies by N(1, rate / (1 - rate)): mean 1 and that variance; dx = dy times the same noise", () => {
    const rate = 0.3;
    const { x, y, dx } = trainingStep(new GaussianDropout({ rate }), [40, 10, 50], 99);
    const noise = Float64Array.from(y, (v, i) => v / x[i]!);
    const { mean, variance } = meanVar(noise);
    const n = noise.length,
      want = rate / (1 - rate);
    expect(Math.abs(mean - 1)).toBeLessThan(5 * Math.sqrt(want / n));
    expect(Math.abs(variance - want)).toBeLessThan(5 * want * Math.sqrt(2 / n));
    for (let i = 0; i < n; i++)
      expect(Math.abs(dx[i]! * x[i]! - y[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(y[i]!)));
  });
});

describe("GaussianNoise's training noise", () => {
  it("adds N(0, stddev^2) noise; the gradient passes through unchanged", () => {
    const stddev = 0.4;
    const { x, y, dx } = trainingStep(new GaussianNoise({ stddev }), [40, 10, 50], 7);
    const { mean, variance } = meanVar(Float64Array.from(y, (v, i) => v - x[i]!));
    const n = y.length;
    expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt((stddev * stddev) / n));
    expect(Math.abs(variance - stddev * stddev)).toBeLessThan(5 * stddev * stddev * Math.sqrt(2 / n));
    expect([...dx].every((v) => v === 1)).toBe(true);
  });
});

describe("the noise layers' options, files and fit", () => {
  it("refuse bad options naming the layer", () => {
    const bad: [() => unknown, RegExp][] = [
      [() => new SpatialDropout1D({ rate: 1, name: "s" }), /SpatialDropout1D 's': expected rate/],
      [() => new SpatialDropout1D({ rate: -0.1 }), /rate/],
      [() => new GaussianDropout({ rate: 1, name: "g" }), /GaussianDropout 'g': expected rate/],
      [() => new GaussianDropout({ rate: 0.1, stddev: 1 } as never), /unknown option "stddev"/],
      [() => new GaussianNoise({ stddev: Number.NaN }), /stddev/],
    ];
    for (const [f, re] of bad) {
      expect(f).toThrow(WasmRnnError);
      expect(f).toThrow(re);
    }
    expect(() => new SpatialDropout1D({ rate: 0.2, name: "s2" }).apply(Input({ shape: [4] }))).toThrow(
      /SpatialDropout1D 's2': expected input of rank >= 3/,
    );
  });

  it("save and load as themselves (not Dropout), and real Keras 3 loads our .keras the same", async () => {
    const input = Input({ shape: [6, 4] });
    const d = new Dense({ units: 4 }).apply(input);
    const s = new SpatialDropout1D({ rate: 0.25 }).apply(d);
    const g = new GaussianDropout({ rate: 0.125 }).apply(s);
    const n = new GaussianNoise({ stddev: 0.5 }).apply(g);
    const model = new Model({
      inputs: input,
      outputs: new LSTM({ units: 3 }).apply(new Dropout({ rate: 0.5 }).apply(n)),
    });
    const x = tensor(
      Float32Array.from({ length: 2 * 6 * 4 }, (_, i) => Math.cos(i)),
      [2, 6, 4],
    );
    for (const layers of await checkSaveRoundTrip(model, x)) {
      expect((layers.find((l) => l.className === "SpatialDropout1D") as SpatialDropout1D).rate).toBe(0.25);
      expect((layers.find((l) => l.className === "GaussianDropout") as GaussianDropout).rate).toBe(0.125);
      expect((layers.find((l) => l.className === "GaussianNoise") as GaussianNoise).stddev).toBe(0.5);
    }
    model.dispose();
  }, 200_000);

  it("load Keras 1's spellings (p, sigma) and refuse bad rates naming the file's layer", async () => {
    const input = Input({ shape: [3, 2] });
    const s = new SpatialDropout1D({ rate: 0.25 }).apply(input);
    const g = new GaussianDropout({ rate: 0.125 }).apply(s);
    const model = new Model({ inputs: input, outputs: new GaussianNoise({ stddev: 0.5 }).apply(g) });
    const saved = await saveModel(model);
    const json = JSON.parse(JSON.stringify(saved.modelJson));
    const layers = json.modelTopology.config.layers as { class_name: string; config: Record<string, unknown> }[];
    for (const l of layers) {
      const key = l.class_name === "GaussianNoise" ? "stddev" : "rate";
      if (l.config[key] === undefined) continue;
      l.config[key === "rate" ? "p" : "sigma"] = l.config[key];
      delete l.config[key];
    }
    const again = await loadModel({ modelJson: json, weightData: saved.weightData });
    expect(again.layers.map((l) => (l as SpatialDropout1D).rate ?? (l as GaussianNoise).stddev)).toEqual([
      undefined,
      0.25,
      0.125,
      0.5,
    ]);
    const gd = layers.find((l) => l.class_name === "GaussianDropout")!;
    gd.config.p = 1;
    await expect(loadModel({ modelJson: json, weightData: saved.weightData })).rejects.toThrow(
      new RegExp(`layer '${gd.config.name}' \\(GaussianDropout\\): expected p to be a number in \\[0, 1\\)`),
    );
    const gn = layers.find((l) => l.class_name === "GaussianNoise")!;
    gd.config.p = 0.1;
    gn.config.sigma = -1;
    await expect(loadModel({ modelJson: json, weightData: saved.weightData })).rejects.toThrow(
      /\(GaussianNoise\): expected sigma to be a number >= 0, got -1/,
    );
    model.dispose();
    again.dispose();
  });

  it("train: fit moves the weights through their noise (rate 0 trains as no layer at all)", async () => {
    const x = tensor(
      Float32Array.from({ length: 4 * 5 * 3 }, (_, i) => Math.sin(i)),
      [4, 5, 3],
    );
    const y = tensor(
      Float32Array.from({ length: 4 * 2 }, (_, i) => Math.cos(i)),
      [4, 2],
    );
    const train = async (noise: Layer | null) => {
      const input = Input({ shape: [5, 3] });
      const d = new Dense({ units: 3, kernelInitializer: "ones", name: "dn" }).apply(input);
      const h = noise ? (noise as SpatialDropout1D).apply(d) : d;
      const m = new Model({
        inputs: input,
        outputs: new LSTM({ units: 2, kernelInitializer: "ones", recurrentInitializer: "zeros" }).apply(h),
      });
      m.compile({ optimizer: { className: "SGD", config: { learningRate: 0.5 } }, loss: "mse" });
      await m.fit(x, y, { epochs: 2, batchSize: 2, shuffle: false, seed: 3 });
      const w = [...(m.layers.find((l) => l.name === "dn")!.getWeights()[0] as Tensor).data];
      m.dispose();
      return w;
    };
    const plain = await train(null);
    for (const [zero, noisy] of [
      [new SpatialDropout1D({ rate: 0 }), new SpatialDropout1D({ rate: 0.5 })],
      [new GaussianDropout({ rate: 0 }), new GaussianDropout({ rate: 0.5 })],
    ] as const) {
      expect(await train(zero), zero.className).toEqual(plain);
      const w = await train(noisy);
      expect(w, noisy.className).not.toEqual(plain);
      expect(w.every(Number.isFinite)).toBe(true);
    }
  });
});
