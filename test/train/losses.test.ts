// Losses against Keras 3 (test/cases/losses.json, written by tools/gen_keras_losses.py): the
// reduced value and its gradient with respect to the prediction, computed in wasm memory.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { arena } from "../../src/core/arena.js";
import { WasmRnnError } from "../../src/core/errors.js";
import { tensor } from "../../src/core/tensor.js";
import { loadTrainCore } from "../../src/core/train-kernels.js";
// the training core driven directly, not through fit: its pack comes with the entry, as in an app
import "../../src/entry-train.js";
import { core, ready } from "../../src/core/wasm.js";
import type { LossName } from "../../src/train/compile-names.js";
import { getLoss, type Loss, type LossSpec, logitsLossFor, type TargetDtype } from "../../src/train/losses.js";
import { decode, type EncodedArray, expectClose, loadCases, TOL } from "../helpers/cases.js";

interface Encoded extends EncodedArray {
  dtype?: "int32";
}

interface LossCase {
  name: string;
  keras: { className: LossName; config: Record<string, unknown> };
  spec: LossSpec;
  pred: Encoded;
  target: Encoded;
  mask?: Encoded;
  /** pred holds logits; Keras saw activation(pred) and gives the gradient for the logits. */
  activation?: "softmax" | "sigmoid";
  value: number;
  grad: Encoded;
}

const file = loadCases<LossCase>("losses.json");

beforeAll(async () => {
  await ready();
  await loadTrainCore();
});

const allocated: number[] = [];
afterEach(() => {
  for (const p of allocated.splice(0)) arena.free(p);
});

function alloc(bytes: number): number {
  const p = arena.alloc(bytes);
  allocated.push(p);
  return p;
}

/** The bytes of an encoded array (a copy: Buffer.from may share a pooled ArrayBuffer). */
function raw(a: Encoded): Uint8Array {
  return Uint8Array.from(Buffer.from(a.b64, "base64"));
}

/** Copies bytes into fresh wasm memory. */
function put(bytes: Uint8Array): number {
  const p = alloc(bytes.length);
  new Uint8Array(core("test").memory.buffer, p, bytes.length).set(bytes);
  return p;
}

function putF32(data: ArrayLike<number>): number {
  const f = Float32Array.from(data);
  return put(new Uint8Array(f.buffer));
}

function putI32(data: ArrayLike<number>): number {
  const f = Int32Array.from(data);
  return put(new Uint8Array(f.buffer));
}

function readF32(ptr: number, n: number): Float32Array {
  return new Float32Array(core("test").memory.buffer, ptr, n).slice();
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

interface Run {
  value: number;
  grad: Float32Array;
}

/** Writes one case into wasm memory and computes it; `inPlace` writes the gradient over pred. */
function run(loss: Loss, c: LossCase, inPlace = false): Run {
  const predPtr = put(raw(c.pred));
  const dtype: TargetDtype = c.target.dtype === "int32" ? "int32" : "float32";
  loss.checkTarget(c.pred.shape, c.target.shape, dtype, c.name);
  const targetPtr = put(raw(c.target));
  const n = size(c.pred.shape);
  const gradPtr = inPlace ? predPtr : alloc(4 * n);
  let maskPtr = 0;
  if (c.mask) {
    const b = raw(c.mask);
    const m = new Int32Array(b.buffer, b.byteOffset, b.length / 4);
    maskPtr = put(Uint8Array.from(m, (v) => (v ? 1 : 0)));
  }
  const value = loss.compute(predPtr, c.pred.shape, targetPtr, dtype, gradPtr, maskPtr);
  return { value, grad: readF32(gradPtr, n) };
}

function expectValue(got: number, want: number, label: string): void {
  const excess = Math.abs(got - want) - (TOL.atol + TOL.rtol * Math.abs(want));
  if (!(excess <= 0)) expect.fail(`${label}: value ${got}, Keras gives ${want} (over tolerance by ${excess})`);
}

describe("losses match Keras", () => {
  it("has the expected cases", () => {
    expect(file.cases.length).toBeGreaterThanOrEqual(50);
    expect(file.keras_version.startsWith("3.")).toBe(true);
  });

  for (const c of file.cases) {
    it(c.name, () => {
      const spec = getLoss(c.spec);
      expect(spec.getConfig()).toEqual(c.keras.config);
      const loss = c.activation ? logitsLossFor(spec, c.activation)! : spec;
      expect(loss.fromLogits).toBe(c.activation ? true : spec.fromLogits);
      const got = run(loss, c);
      expectValue(got.value, c.value, c.name);
      expectClose(tensor(got.grad, c.pred.shape), decode(c.grad), `${c.name}: gradient`);
    });
  }

  it("the Keras config form gives the same loss as the spec", () => {
    for (const c of file.cases) {
      let loss = getLoss({ className: c.keras.className, config: c.keras.config });
      expect(loss.getConfig(), c.name).toEqual(c.keras.config);
      if (c.activation) loss = logitsLossFor(loss, c.activation)!;
      expectValue(run(loss, c).value, c.value, `${c.name} (from its Keras config)`);
    }
  });

  it("computes in place (gradient over the prediction) and value-only", () => {
    for (const c of file.cases) {
      const loss = c.activation ? logitsLossFor(getLoss(c.spec), c.activation)! : getLoss(c.spec);
      const got = run(loss, c, true);
      expectValue(got.value, c.value, `${c.name} in place`);
      expectClose(tensor(got.grad, c.pred.shape), decode(c.grad), `${c.name}: gradient in place`);
      const predPtr = put(raw(c.pred));
      const targetPtr = put(raw(c.target));
      const dtype: TargetDtype = c.target.dtype === "int32" ? "int32" : "float32";
      if (!c.mask)
        expectValue(loss.compute(predPtr, c.pred.shape, targetPtr, dtype, 0), c.value, `${c.name} value only`);
    }
  });

  it("int32 targets of the element-wise losses are cast to float32, as Keras does", () => {
    const c = file.cases.find((k) => k.name === "bce_2d")!;
    const loss = getLoss(c.spec);
    const targets = decode(c.target).data;
    const predPtr = put(raw(c.pred)),
      gradPtr = alloc(4 * targets.length);
    const before = arena.inUse;
    const value = loss.compute(predPtr, c.pred.shape, putI32(targets), "int32", gradPtr);
    expectValue(value, c.value, "bce with int32 targets");
    expectClose(tensor(readF32(gradPtr, targets.length), c.pred.shape), decode(c.grad), "bce int32 gradient");
    expect(arena.inUse).toBe(before + 64 * Math.ceil((4 * targets.length) / 64)); // only the target block stays
  });
});

describe("loss specs", () => {
  it("accepts Keras names, aliases, class names and serialised functions", () => {
    expect(getLoss("mse").name).toBe("mean_squared_error");
    expect(getLoss("MSE").name).toBe("mean_squared_error");
    expect(getLoss("mae").className).toBe("MeanAbsoluteError");
    expect(getLoss("msle").name).toBe("mean_squared_logarithmic_error");
    expect(getLoss("kld").name).toBe("kl_divergence");
    expect(getLoss("CategoricalCrossentropy").name).toBe("categorical_crossentropy");
    expect(getLoss({ class_name: "function", config: "mse" }).name).toBe("mean_squared_error");
    const s = getLoss({ className: "SparseCategoricalCrossentropy", config: { from_logits: true } });
    expect([s.name, s.fromLogits, s.sparse]).toEqual(["sparse_categorical_crossentropy", true, true]);
    const k = getLoss({
      module: "keras.losses",
      class_name: "SparseCategoricalCrossentropy",
      registered_name: null,
      config: {
        name: "sparse_categorical_crossentropy",
        reduction: "sum_over_batch_size",
        from_logits: true,
        ignore_class: null,
      },
    });
    expect(k.fromLogits).toBe(true);
    expect(getLoss({ name: "huber", delta: 2 }).getConfig()).toEqual({
      name: "huber_loss",
      reduction: "sum_over_batch_size",
      delta: 2,
    });
    const same = getLoss("mse");
    expect(getLoss(same)).toBe(same);
  });

  const bad: [string, unknown, RegExp][] = [
    [
      "unknown name",
      "mean_squared_errr",
      /who: unknown loss "mean_squared_errr"; expected one of "mean_squared_error"\/"mse"\/"MSE"\/"meanSquaredError", .*"sparse_categorical_crossentropy"/,
    ],
    ["unknown class", { className: "Poisson", config: {} }, /who: unknown loss "Poisson"/],
    [
      "fromLogits on mse",
      { name: "mse", fromLogits: true },
      /who: loss "mean_squared_error": expected fromLogits false/,
    ],
    [
      "fromLogits not boolean",
      { name: "binary_crossentropy", fromLogits: 1 },
      /expected fromLogits to be a boolean, got 1/,
    ],
    [
      "label smoothing on scce",
      { name: "sparse_categorical_crossentropy", labelSmoothing: 0.1 },
      /expected no label smoothing .* got 0.1/,
    ],
    [
      "label smoothing out of range",
      { name: "categorical_crossentropy", labelSmoothing: 1.5 },
      /expected labelSmoothing to be a number in \[0, 1\], got 1.5/,
    ],
    ["delta on mse", { name: "mse", delta: 2 }, /expected no delta \(only huber takes it\), got 2/],
    [
      "reduction none",
      { name: "mse", reduction: "none" },
      /expected reduction .* got "none" \(reduction "none" gives no single value/,
    ],
    [
      "reduction null in a config",
      { className: "MeanSquaredError", config: { reduction: null } },
      /expected reduction .* got null/,
    ],
    [
      "ignore_class",
      { className: "SparseCategoricalCrossentropy", config: { ignore_class: 0 } },
      /expected ignore_class null, got 0/,
    ],
    [
      "axis",
      { className: "CategoricalCrossentropy", config: { axis: 1 } },
      /expected axis -1 \(the last axis\), got 1/,
    ],
    [
      "from_logits in an MSE config",
      { className: "MeanSquaredError", config: { from_logits: true } },
      /unknown key "from_logits" in config; expected one of name, reduction, dtype/,
    ],
    ["unknown option", { name: "mse", fromLogit: true }, /who: unknown key "fromLogit" in loss options/],
    [
      "not a spec",
      42,
      /who: expected a loss name, \{ name, \.\.\. \} or a Keras config \{ className, config \}, got 42/,
    ],
  ];
  for (const [label, spec, re] of bad) {
    it(`refuses ${label}`, () => {
      expect(() => getLoss(spec as LossSpec, "who")).toThrow(WasmRnnError);
      expect(() => getLoss(spec as LossSpec, "who")).toThrow(re);
    });
  }
});

describe("logitsLossFor", () => {
  it("gives the logits form of the crossentropies after softmax and sigmoid only", () => {
    for (const name of [
      "binary_crossentropy",
      "categorical_crossentropy",
      "sparse_categorical_crossentropy",
    ] as const) {
      for (const act of ["softmax", "sigmoid"]) {
        const l = logitsLossFor(getLoss(name), act)!;
        expect([l.name, l.fromLogits], `${name} after ${act}`).toEqual([name, true]);
      }
      for (const act of ["linear", "tanh", "relu", "hard_sigmoid"])
        expect(logitsLossFor(getLoss(name), act)).toBeNull();
    }
    for (const name of ["mse", "mae", "huber", "msle", "kld", "cosine_similarity"] as const) {
      expect(logitsLossFor(getLoss(name), "softmax")).toBeNull();
    }
    const cce = getLoss({ name: "categorical_crossentropy", fromLogits: true });
    expect(logitsLossFor(cce, "softmax")).toBe(cce);
  });
});

describe("target checks", () => {
  it("checks target shapes against the prediction", () => {
    const mse = getLoss("mse"),
      cce = getLoss("categorical_crossentropy"),
      scce = getLoss("sparse_categorical_crossentropy");
    expect(() => mse.checkTarget([2, 3, 4], [2, 3, 4], "float32", "fit")).not.toThrow();
    expect(() => mse.checkTarget([2, 3, 1], [2, 3], "float32", "fit")).not.toThrow(); // Keras squeezes
    expect(() => mse.checkTarget([2, 3], [2, 3, 1], "float32", "fit")).not.toThrow();
    expect(() => mse.checkTarget([2, 3, 4], [2, 4, 3], "float32", "fit")).toThrow(
      /^fit: loss "mean_squared_error": expected targets of the prediction's shape \[2, 3, 4\], got \[2, 4, 3\]$/,
    );
    expect(() => cce.checkTarget([2, 3, 1], [2, 3], "float32", "fit")).toThrow(WasmRnnError);
    expect(() => cce.checkTarget([2, 5], [2], "int32", "fit")).toThrow(
      /class ids go with sparse_categorical_crossentropy/,
    );
    for (const t of [
      [2, 3],
      [2, 3, 1],
    ])
      expect(() => scce.checkTarget([2, 3, 5], t, "int32", "fit")).not.toThrow();
    expect(() => scce.checkTarget([2, 3, 5], [2, 3, 5], "float32", "fit")).toThrow(
      new RegExp(
        /^fit: loss "sparse_categorical_crossentropy": expected class-id targets of shape \[2, 3\] or \[2, 3, 1\] /
          .source + /for a prediction of shape \[2, 3, 5\], got \[2, 3, 5\]$/.source,
      ),
    );
    expect(() => mse.checkTarget([2, 3], [2, 3], "float64" as TargetDtype, "fit")).toThrow(
      /expected targets of dtype "float32" or "int32", got "float64"/,
    );
  });

  it("reports class ids out of range with their index and value, before writing anything", () => {
    const loss = getLoss({ name: "sparse_categorical_crossentropy", fromLogits: true }, "model.fit");
    const pred = putF32([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]); // [2, 3]
    const grad = putF32([7, 7, 7, 7, 7, 7]);
    expect(() => loss.compute(pred, [2, 3], putI32([0, 3]), "int32", grad)).toThrow(
      /^model\.fit: loss "sparse_categorical_crossentropy": expected class ids in \[0, 3\) \(the prediction's last axis\), got 3 at flat target index 1$/,
    );
    expect(() => loss.compute(pred, [2, 3], putF32([-1, 0]), "float32", grad)).toThrow(/got -1 at flat target index 0/);
    expect(() => loss.compute(pred, [2, 3], putF32([1, NaN]), "float32", grad)).toThrow(
      /got NaN at flat target index 1/,
    );
    expect(Array.from(readF32(grad, 6))).toEqual([7, 7, 7, 7, 7, 7]);
    // float ids are truncated toward zero, as Keras's cast: 2.7 -> 2, -0.5 -> 0
    const a = loss.compute(pred, [2, 3], putF32([2.7, -0.5]), "float32", 0);
    const b = loss.compute(pred, [2, 3], putI32([2, 0]), "int32", 0);
    expect(a).toBe(b);
  });

  it("reports non-finite targets", () => {
    const loss = getLoss("binary_crossentropy", "train");
    const pred = putF32([0.5, 0.5, 0.5, 0.5]);
    expect(() => loss.compute(pred, [2, 2], putF32([0, 1, Infinity, 0]), "float32", 0)).toThrow(
      /^train: loss "binary_crossentropy": expected finite targets, got Infinity at flat index 2$/,
    );
    expect(() => getLoss("mse").compute(pred, [4], putF32([0, NaN, 0, 0]), "float32", 0)).toThrow(
      /^loss "mean_squared_error": expected finite targets, got NaN at flat index 1$/,
    );
  });

  it("an empty batch gives 0", () => {
    expect(getLoss("mse").compute(alloc(64), [0, 3], alloc(64), "float32", alloc(64))).toBe(0);
  });
});
