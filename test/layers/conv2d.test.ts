// Conv2D against real Keras 3 (test/cases/layers_td.json, tools/gen_keras_layers_td.py): each option, odd sizes,
// batch 1, groups, chunked im2col; files and one SGD step. Then our saved .keras and TF.js files load back (in
// loadModel and in real Keras 3) with the same predictions, and the refusals.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Conv2D, Input, loadModel, Model, ready, saveModel, type Tensor, tensor } from "../../src/index.js";
import { asList, decode, expectClose, KERAS_PYTHON, loadCases, ROOT } from "../helpers/cases.js";
import { expectError, ramp } from "../helpers/errors.js";
import { buildCase, decodeAny } from "../helpers/family.js";
import { describeLayerCases, type LayerFileCase } from "../helpers/layer-cases.js";

const work = mkdtempSync(join(tmpdir(), "wasm-rnn-conv2d-"));
beforeAll(async () => {
  await ready();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describeLayerCases("layers_td.json", /^conv2d_/);

const TOL = { atol: 1e-5, rtol: 1e-4 };

describe("Conv2D, pooling and TimeDistributed models we save load back (loadModel and real Keras 3)", () => {
  const file = loadCases<LayerFileCase>("layers_td.json");
  const names = ["conv2d_same_strides", "conv2d_groups", "conv2d_dilation", "avgpool2d_same", "maxpool2d_same"];
  names.push("td_lrcn", "td_lrcn_deep", "td_lstm", "td_td_dense", "td_dense_masked");
  names.push("convlstm2d_same_sequences", "convlstm2d_strides_state_backwards", "convlstm2d_dilation_batch1");
  const cases = names.map((n) => file.cases.find((c) => c.name === n)!);
  const saved: { path: string; inputs: Tensor[]; want: Tensor[] }[] = [];

  for (const c of cases) {
    it(`${c.name}: .keras and TF.js round trips predict as before`, async () => {
      const { model } = buildCase(c.model);
      const inputs = c.inputs.map(decodeAny);
      const want = asList(model.predict(inputs.length === 1 ? inputs[0]! : inputs));
      want.forEach((w, i) => expectClose(w, decode(c.outputs[i]!), `${c.name} output ${i}`, TOL));
      const path = join(work, `${c.name}.keras`);
      await saveModel(model, path);
      await saveModel(model, join(work, c.name));
      for (const p of [path, join(work, c.name, "model.json")]) {
        const again = await loadModel(p);
        const got = asList(again.predict(inputs.length === 1 ? inputs[0]! : inputs));
        got.forEach((g, i) => expect([...g.data], `${p} output ${i}`).toEqual([...want[i]!.data]));
        again.dispose();
      }
      saved.push({ path, inputs, want });
      model.dispose();
    });
  }

  it("real Keras 3 loads every .keras we wrote and predicts the same", () => {
    expect(saved.length).toBe(cases.length);
    const script = `
import os, sys, json
os.environ["CUDA_VISIBLE_DEVICES"] = ""; os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, keras
out = []
for job in json.load(open(sys.argv[1])):
    m = keras.models.load_model(job["path"])
    xs = [np.array(a["data"], dtype=a["dtype"]).reshape(a["shape"]) for a in job["inputs"]]
    ys = m.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    ys = ys if isinstance(ys, list) else [ys]
    out.append([{"shape": list(y.shape), "data": [float(v) for v in np.ravel(y)]} for y in ys])
print(json.dumps(out))
`;
    const jobs = saved.map((s) => ({
      path: s.path,
      inputs: s.inputs.map((t) => ({ shape: t.shape, dtype: t.dtype, data: [...t.data] })),
    }));
    const jobFile = join(work, "jobs.json");
    writeFileSync(jobFile, JSON.stringify(jobs));
    const res = spawnSync(KERAS_PYTHON, ["-c", script, jobFile], { encoding: "utf8", timeout: 300_000 });
    expect(res.status, res.stderr.slice(-3000)).toBe(0);
    const got = JSON.parse(res.stdout.trim().split("\n").pop()!) as { shape: number[]; data: number[] }[][];
    got.forEach((ys, j) =>
      ys.forEach((y, i) =>
        expectClose(
          tensor(Float32Array.from(y.data), y.shape),
          saved[j]!.want[i]!,
          `${saved[j]!.path} in Keras, output ${i}`,
          TOL,
        ),
      ),
    );
  }, 300_000);
});

describe("Keras 1 / 2 spellings in files", () => {
  const file = loadCases<LayerFileCase>("layers_td.json");
  type Cfg = Record<string, unknown>;
  /** The case's TF.js files with each layer config rewritten by `edit` (class name, config), in a temp folder. */
  async function edited(name: string, edit: (cls: string, c: Cfg) => string) {
    const src = join(ROOT, "test", "models", "layers", name, "tfjs");
    const doc = JSON.parse(readFileSync(join(src, "model.json"), "utf8"));
    for (const l of doc.modelTopology.model_config.config.layers) l.class_name = edit(l.class_name, l.config);
    const dir = join(work, `legacy-${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "model.json"), JSON.stringify(doc));
    copyFileSync(join(src, "case-weights.bin"), join(dir, "case-weights.bin"));
    const c = file.cases.find((k) => k.name === name)!;
    const model = await loadModel(join(dir, "model.json"));
    const got = asList(model.predict(c.inputs.map(decodeAny)[0]!));
    got.forEach((g, i) => expectClose(g, decode(c.outputs[i]!), `${name} (legacy keys) output ${i}`, TOL));
    model.dispose();
  }
  const move = (c: Cfg, from: string, to: string) => {
    c[to] = c[from];
    delete c[from];
  };

  it("Convolution2D(nb_filter, nb_row, nb_col, subsample, border_mode, dim_ordering, bias)", async () => {
    await edited("conv2d_same_strides", (cls, c) => {
      if (cls !== "Conv2D") return cls;
      const [r, k] = c.kernel_size as number[];
      c.nb_row = r;
      c.nb_col = k;
      delete c.kernel_size;
      move(c, "filters", "nb_filter");
      move(c, "strides", "subsample");
      move(c, "padding", "border_mode");
      move(c, "use_bias", "bias");
      delete c.data_format;
      c.dim_ordering = "tf";
      return "Convolution2D";
    });
  });

  it("MaxPool2D / AvgPool2D aliases with border_mode and strides null (= pool_size)", async () => {
    await edited("maxpool2d_valid", (cls, c) => {
      if (cls !== "MaxPooling2D") return cls;
      move(c, "padding", "border_mode");
      c.strides = null;
      return "MaxPool2D";
    });
    await edited("avgpool2d_same", (cls) => (cls === "AveragePooling2D" ? "AvgPool2D" : cls));
  });

  it("refuses channels_first and unknown padding in a file, naming the layer", async () => {
    await expect(
      edited("conv2d_valid", (cls, c) => {
        if (cls === "Conv2D") c.data_format = "channels_first";
        return cls;
      }),
    ).rejects.toThrow(/layer 'conv2d' \(Conv2D\).*channels_last/);
    await expect(
      edited("maxpool2d_same", (cls, c) => {
        if (cls === "MaxPooling2D") c.padding = "full";
        return cls;
      }),
    ).rejects.toThrow(/MaxPooling2D.*padding "valid" or "same"/);
  });
});

describe("Conv2D refusals name the layer", () => {
  it("refuses bad options", () => {
    expectError(() => new Conv2D({ filters: 0, kernelSize: 3 }), "Conv2D", "filters", "positive integer");
    expectError(() => new Conv2D({ filters: 2 } as never), "Conv2D", "kernelSize");
    expectError(() => new Conv2D({ filters: 2, kernelSize: [3, 0] }), "Conv2D", "kernelSize", "[3,0]");
    expectError(() => new Conv2D({ filters: 2, kernelSize: 3, padding: "causal" as never }), "Conv2D", "padding");
    expectError(
      () => new Conv2D({ filters: 2, kernelSize: 3, dataFormat: "channels_first" as never }),
      "channels_last",
    );
    expectError(
      () => new Conv2D({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 }),
      "Conv2D",
      "strides",
      "dilationRate",
    );
    expectError(() => new Conv2D({ filters: 3, kernelSize: 3, groups: 2 }), "Conv2D", "divisible by groups");
    expectError(() => new Conv2D({ filters: 2, kernelSize: 3, bogus: 1 } as never), "Conv2D", "bogus");
  });

  it("refuses bad input shapes", () => {
    const conv = new Conv2D({ filters: 2, kernelSize: 3, name: "c3" });
    expectError(() => conv.apply(Input({ shape: [5, 4] })), "Conv2D 'c3'", "rank >= 4");
    expectError(() => conv.apply(Input({ shape: [2, 5, 3] })), "Conv2D 'c3'", "at least as large as the kernel");
    expectError(
      () => new Conv2D({ filters: 2, kernelSize: 1, groups: 2 }).apply(Input({ shape: [4, 4, 3] })),
      "divisible by groups",
    );
    const y = conv.apply(Input({ shape: [5, 5, 3] }));
    expect(y.shape).toEqual([null, 3, 3, 2]);
    expectError(
      () => new Model({ inputs: Input({ shape: [5, 5, 4] }), outputs: conv.apply(Input({ shape: [5, 5, 4] })) }),
      "3 channels",
    );
  });

  it("runs eagerly on a 4-D tensor and its weights round-trip in Keras order", () => {
    const conv = new Conv2D({ filters: 3, kernelSize: [2, 3], groups: 1, useBias: true });
    const x = tensor(ramp(2 * 4 * 5 * 2), [2, 4, 5, 2]);
    const y = conv.apply(x);
    expect(y.shape).toEqual([2, 3, 3, 3]);
    const w = conv.getWeights();
    expect(w.map((t) => t.shape)).toEqual([[2, 3, 2, 3], [3]]);
    conv.setWeights(w);
    expect([...conv.apply(x).data]).toEqual([...y.data]);
  });
});
