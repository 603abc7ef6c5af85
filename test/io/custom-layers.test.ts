// Custom layers (loadModel's customObjects, Keras's custom_objects), Lambda implementations, and the
// format gaps (dict inputs/outputs, Windows backslash weight paths, every unsupported layer in one
// error), against real Keras (tools/gen_keras_custom.py). The custom attention layer is the one of
// examples/custom-attention.mjs, which runs on dist/ as a user would: so does this test.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import * as lib from "../../dist/index.js";
import { loadCases, ROOT } from "../helpers/cases.js";

type LayerClass = new (config: lib.CustomLayerConfig) => lib.CustomLayer;
const example = (await import(pathToFileURL(join(ROOT, "examples", "custom-attention.mjs")).href)) as {
  SimpleAttention: LayerClass;
  SENTENCES: number[][];
  MODEL_FILE: string;
};
const { MODEL_FILE, SENTENCES, SimpleAttention } = example;

type Enc = { shape: number[]; b64: string; dtype?: string };
interface CustomCase {
  name: string;
  files: Record<string, string>;
  inputs: Enc[];
  outputs: Enc[];
  inputNames?: string[];
  outputNames?: string[];
  train?: { y: Enc; lossValue: number; weightNames: string[]; deltas: Enc[] };
}

const all = loadCases<CustomCase>("custom_layers.json");
const tol = all.tolerance;
const byName = (n: string) => all.cases.find((c) => c.name === n)!;
const path = (p: string) => join(ROOT, p);

/** A case array as a dist/ tensor (these tests run on dist/, the example's CustomLayer). */
function dec(a: Enc): lib.Tensor {
  const bytes = Buffer.from(a.b64, "base64");
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  if (a.dtype === "int32") return lib.tensor(new Int32Array(buf), a.shape, "int32");
  return lib.tensor(new Float32Array(buf), a.shape);
}

function close(got: lib.Tensor, want: lib.Tensor, label: string): void {
  expect(got.shape, `${label}: shape`).toEqual(want.shape);
  for (let i = 0; i < want.size; i++) {
    const g = got.data[i]!,
      w = want.data[i]!;
    if (!(Math.abs(g - w) <= tol.atol + tol.rtol * Math.abs(w)))
      throw new Error(`${label}: element ${i} is ${g}, Keras gives ${w}`);
  }
}

const list = (t: lib.Tensor | lib.Tensor[]) => (Array.isArray(t) ? t : [t]);

beforeAll(() => lib.ready());

describe(`custom layers as Keras's custom_objects (real Keras ${all.keras_version})`, () => {
  const att = byName("custom_attention");

  it("examples/custom-attention.mjs runs as a user would and prints Keras's predictions", () => {
    const out = execFileSync(process.execPath, [join(ROOT, "examples", "custom-attention.mjs")], {
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(out).toMatch(/without customObjects: .*unsupported layers: SimpleAttention \(attention\)/);
    const json = JSON.parse(/^JSON (.*)$/m.exec(out)![1]!) as number[];
    close(lib.tensor(Float32Array.from(json), [SENTENCES.length, 2]), dec(att.outputs[0]!), "example");
    expect(out).toMatch(/fit through the custom layer: loss/);
  });

  for (const kind of ["keras", "h5"]) {
    it(`${kind} file: the JS SimpleAttention (weights by name, the LSTM's mask) predicts as Keras`, async () => {
      const model = await lib.loadModel(path(att.files[kind]!), { customObjects: { SimpleAttention } });
      const layer = model.getLayer("attention") as unknown as lib.CustomLayer;
      expect(layer).toBeInstanceOf(SimpleAttention);
      expect(layer.className).toBe("SimpleAttention");
      expect(layer.weightSpecs().map((s) => s.name)).toEqual(["att_weight", "att_bias", "att_context"]);
      close(list(model.predict(dec(att.inputs[0]!)))[0]!, dec(att.outputs[0]!), kind);
      model.dispose();
    });
  }

  it("by its registered name too ('package>Class', as Keras's registry)", async () => {
    const model = await lib.loadModel(MODEL_FILE, {
      customObjects: { "WasmRnnExample>SimpleAttention": SimpleAttention },
    });
    close(list(model.predict(dec(att.inputs[0]!)))[0]!, dec(att.outputs[0]!), "registered name");
    model.dispose();
  });

  it("its backward trains as Keras: one SGD(1) step moves every weight (attention, LSTM, Embedding, Dense) as Keras's", async () => {
    const t = att.train!;
    const model = await lib.loadModel(MODEL_FILE, { customObjects: { SimpleAttention }, compile: false });
    const before = model.getWeights();
    model.compile({ optimizer: { className: "SGD", config: { learningRate: 1 } }, loss: "mse" });
    const loss = await model.trainOnBatch(dec(att.inputs[0]!), dec(t.y));
    expect(Math.abs(loss - t.lossValue)).toBeLessThanOrEqual(tol.atol + tol.rtol * t.lossValue);
    const after = model.getWeights();
    expect(after.length).toBe(t.deltas.length);
    t.deltas.forEach((d, i) => {
      const got = Float32Array.from(before[i]!.data, (w, j) => w - after[i]!.data[j]!);
      close(lib.tensor(got, [...before[i]!.shape]), dec(d), `w - w' of ${t.weightNames[i]}`);
    });
    model.dispose();
  });

  it("saves under its Keras class and registered name, and loads back", async () => {
    const model = await lib.loadModel(MODEL_FILE, { customObjects: { SimpleAttention } });
    const file = join(mkdtempSync(join(tmpdir(), "wasm-rnn-custom-")), "m.keras");
    await lib.saveModel(model, file);
    await expect(lib.loadModel(file)).rejects.toThrow(/unsupported layers: SimpleAttention \(attention\)/);
    const back = await lib.loadModel(file, { customObjects: { SimpleAttention } });
    close(list(back.predict(dec(att.inputs[0]!)))[0]!, dec(att.outputs[0]!), "saved and loaded");
    model.dispose();
    back.dispose();
  });

  it("fit through a custom layer without backward() is refused, naming the layer", async () => {
    type Plain = new (config: lib.CustomLayerConfig) => { backward?: unknown };
    const NoBackward = class extends (SimpleAttention as unknown as Plain) {};
    NoBackward.prototype.backward = undefined;
    const model = await lib.loadModel(MODEL_FILE, {
      customObjects: { SimpleAttention: NoBackward as unknown as LayerClass },
    });
    model.compile({ optimizer: "sgd", loss: "mse" });
    await expect(model.fit(dec(att.inputs[0]!), dec(att.train!.y), { verbose: 0 })).rejects.toThrow(
      /custom layer SimpleAttention 'attention' has no backward\(\)/,
    );
    model.dispose();
  });

  it("a custom layer written in code: built, called eagerly and in a model", () => {
    class Double extends lib.CustomLayer {
      call([x]: lib.Tensor[]) {
        return lib.tensor(
          Float32Array.from(x!.data, (v) => 2 * v),
          [...x!.shape],
        );
      }
    }
    const x = lib.Input({ shape: [3] });
    const layer = new Double({ name: "double" });
    const model = new lib.Model({ inputs: x, outputs: layer.apply(x) as lib.SymbolicTensor });
    expect(Array.from((model.predict([[1, 2, 3]]) as lib.Tensor).data)).toEqual([2, 4, 6]);
    expect(Array.from((layer.apply(lib.tensor([[1, -1, 0.5]])) as lib.Tensor).data)).toEqual([2, -2, 1]);
    expect(layer.className).toBe("Double");
    model.dispose();
  });

  it("customObjects values are checked", async () => {
    await expect(lib.loadModel(MODEL_FILE, { customObjects: { SimpleAttention: 3 as never } })).rejects.toThrow(
      /customObjects\['SimpleAttention'\] to be a CustomLayer subclass/,
    );
    await expect(
      lib.loadModel(MODEL_FILE, { customObjects: { SimpleAttention: () => null } as never }),
    ).rejects.toThrow(/must be a CustomLayer subclass/);
  });
});

describe("Lambda layers take their implementation by layer name", () => {
  const c = byName("custom_lambda");
  const scaleShift = (xs: lib.Tensor[]) =>
    lib.tensor(
      Float32Array.from(xs[0]!.data, (v) => v * 2 - 1),
      [...xs[0]!.shape],
    );

  for (const kind of ["keras", "h5"]) {
    it(`${kind} file: refused without it, Keras's numbers with it`, async () => {
      await expect(lib.loadModel(path(c.files[kind]!))).rejects.toThrow(
        /unsupported layers: Lambda \(scale_shift\): layer 'scale_shift' is a Lambda, which holds Python code; refused .*customObjects: \{ "scale_shift"/,
      );
      const model = await lib.loadModel(path(c.files[kind]!), { customObjects: { scale_shift: scaleShift } });
      close(list(model.predict(dec(c.inputs[0]!)))[0]!, dec(c.outputs[0]!), `${kind} Lambda`);
      model.dispose();
    });
  }

  it("keyed by class name it is still refused (a Lambda is known by its layer's name)", async () => {
    await expect(lib.loadModel(path(c.files.keras!), { customObjects: { Lambda: scaleShift } })).rejects.toThrow(
      /is a Lambda, which holds Python code/,
    );
  });
});

describe("format gaps", () => {
  it("dict inputs and outputs (Keras 3 .keras and .h5, and a Keras 2.8-shaped .h5): flat in sorted-key order", async () => {
    const c = byName("format_dict_io");
    const xs = c.inputs.map(dec);
    for (const [kind, file] of Object.entries(c.files)) {
      const model = await lib.loadModel(path(file));
      expect(
        model.inputs.map((t) => t.sourceLayer.name),
        kind,
      ).toEqual(c.inputNames);
      const got = list(model.predict(xs));
      c.outputs.forEach((o, i) => close(got[i]!, dec(o), `${kind} output ${c.outputNames![i]}`));
      const named = list(
        model.predict({ tokens: lib.tensor(Int32Array.from(xs[1]!.data), [...xs[1]!.shape], "int32"), feats: xs[0]! }),
      );
      close(named[1]!, dec(c.outputs[1]!), `${kind} dict predict`);
      model.dispose();
    }
  });

  it("a .keras whose weight paths use backslashes (Keras 2.15 on Windows)", async () => {
    const c = byName("format_windows");
    const model = await lib.loadModel(path(c.files.keras!));
    const x = dec(c.inputs[0]!);
    close(
      list(model.predict(lib.tensor(Int32Array.from(x.data), [...x.shape], "int32")))[0]!,
      dec(c.outputs[0]!),
      "windows",
    );
    model.dispose();
  });

  it("every unsupported layer in one error", async () => {
    const x = lib.Input({ shape: [4, 2] });
    const h = new lib.LSTM({ units: 3, returnSequences: true, name: "foo_1" }).apply(x) as lib.SymbolicTensor;
    const y = new lib.Dense({ units: 2, name: "bar" }).apply(new lib.Flatten({ name: "lam" }).apply(h));
    const model = new lib.Model({ inputs: x, outputs: y });
    const art = await lib.saveModel(model);
    const layers = (art.modelJson.modelTopology as { config: { layers: { class_name: string }[] } }).config.layers;
    layers[1]!.class_name = "Foo";
    layers[2]!.class_name = "Lambda";
    layers[3]!.class_name = "Bar";
    const msg = await lib.loadModel({ modelJson: art.modelJson, weightData: art.weightData }).then(
      () => "loaded",
      (err: Error) => err.message,
    );
    expect(msg).toMatch(/^<modelJson>: unsupported layers: Foo \(foo_1\), Lambda \(lam\), Bar \(bar\): /);
    expect(msg).toMatch(/layer 'foo_1' has class 'Foo'.*; layer 'lam' is a Lambda.*; layer 'bar' has class 'Bar'/);
    model.dispose();
  });
});
