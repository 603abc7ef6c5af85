// fit's and evaluate's data: inputs, targets and sample weights as tensors with matching rows, and
// the batches. Sample weights as Keras 3 applies them (keras/src/losses/loss.py,
// trainers/data_adapters): one weight per per-sample loss value, i.e. [N] for an output [N, F] and
// [N, T] for a sequence output [N, T, F] (a trailing axis of 1 is accepted too); each batch's loss
// is sum(weight * value) over its (unmasked) values divided by their NUMBER (not by the sum of the
// weights). classWeight {class: weight} becomes per-sample weights from the targets of a single
// [N, F] output (see classSampleWeights); classes missing from it weigh 1.
import { fmtShape, WasmRnnError } from "../core/errors.js";
import { Tensor, type TensorLike, tensor } from "../core/tensor.js";
import type { Model } from "../model/model.js";
import { firstNonFinite } from "./finite-checks.js";
import { targetsFor } from "./targets.js";
import type { Trainer } from "./trainer.js";
import type { ClassWeight, SampleWeight, Targets } from "./types.js";

/** Inputs, targets and sample weights as tensors with matching row counts. */
export function prepare(
  model: Model,
  trainer: Trainer,
  x: TensorLike | TensorLike[],
  y: Targets,
  who: string,
  sampleWeight?: SampleWeight | null,
  classWeight?: ClassWeight | null,
) {
  const xs = model.normalizeInputs(x, true);
  const names = model.outputs.map((t) => t.sourceLayer.name);
  const ys = targetsFor(who, names, trainer.hasLoss, y);
  const n = xs[0]!.shape[0]!;
  trainer.checkInputs(xs);
  trainer.checkTargets(ys, n);
  if (sampleWeight != null && classWeight != null) {
    throw new WasmRnnError(
      `${who}: expected sampleWeight or classWeight, got both (Keras: "You cannot class_weight and sample_weight at the same time")`,
    );
  }
  let ws = sampleWeights(model, sampleWeight, ys, n, who, trainer.hasLoss);
  if (classWeight != null) ws = [classSampleWeights(model, classWeight, ys, who)];
  return { xs, ys, n, ws };
}

/**
 * Keras's sample_weight as one f32 tensor per output (null: none), shaped as the output's
 * per-sample values: [N] for an output [N, F], [N, T] for [N, T, F].
 */
function sampleWeights(
  model: Model,
  sw: SampleWeight | null | undefined,
  ys: readonly (Tensor | null)[],
  n: number,
  who: string,
  hasLoss: readonly boolean[],
): (Tensor | null)[] | null {
  if (sw == null) return null;
  const outs = model.outputs;
  const isArrayLike = (v: unknown) =>
    v instanceof Tensor || Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  let list: (TensorLike | null | undefined)[];
  if (outs.length === 1) {
    list = [Array.isArray(sw) && sw.length === 1 && sw[0] instanceof Tensor ? sw[0] : (sw as TensorLike)];
  } else if (Array.isArray(sw) && sw.length === outs.length && sw.every((v) => v == null || isArrayLike(v))) {
    list = sw;
  } else {
    // Keras: one array for several outputs is replicated, and must hold one weight per sample
    const t = asTensor(sw as TensorLike, `${who}: sampleWeight`);
    if (!(t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1))) {
      throw new WasmRnnError(
        `${who}: expected sampleWeight for ${outs.length} outputs as a list of ${outs.length} arrays (one per output, null for none) ` +
          `or one array of shape [${n}] for all of them, got one array of shape ${fmtShape(t.shape)}`,
      );
    }
    list = outs.map(() => t);
  }
  return list.map((item, i) => {
    if (item == null || !hasLoss[i]) return null; // an output without a loss weighs nothing
    const what = outs.length > 1 ? `sampleWeight for output ${i} ('${outs[i]!.sourceLayer.name}')` : "sampleWeight";
    const t = asTensor(item, `${who}: ${what}`);
    const outShape = outs[i]!.shape;
    const values = [n, ...outShape.slice(1, -1).map((d, k) => d ?? ys[i]!.shape[k + 1]!)];
    const fits = (s: readonly number[]) => s.length === values.length && s.every((d, k) => d === values[k]);
    if (t.shape[0] !== n) {
      throw new WasmRnnError(`${who}: expected ${what} with ${n} rows (as the inputs), got shape ${fmtShape(t.shape)}`);
    }
    if (!fits(t.shape) && !(t.shape.at(-1) === 1 && fits(t.shape.slice(0, -1)))) {
      const seq =
        values.length > 1
          ? " (one weight per sample and step: Keras 3 multiplies sample weights into the per-step losses of a sequence output " +
            "and refuses [N]; repeat each sample's weight over its steps)"
          : "";
      throw new WasmRnnError(`${who}: expected ${what} of shape ${fmtShape(values)}${seq}, got ${fmtShape(t.shape)}`);
    }
    const data = t.dtype === "float32" ? (t.data as Float32Array) : Float32Array.from(t.data);
    const j = firstNonFinite(data);
    if (j >= 0) throw new WasmRnnError(`${who}: expected finite ${what}, got ${data[j]} at flat index ${j}`);
    return new Tensor(data, values, "float32");
  });
}

function asTensor(v: TensorLike, who: string): Tensor {
  if (v instanceof Tensor) return v;
  try {
    return tensor(v as never);
  } catch (err) {
    throw new WasmRnnError(
      `${who}: expected a Tensor, a typed array or a nested array of numbers, got ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** numpy's round: halves to even. */
const roundHalfEven = (v: number) => {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/**
 * Keras's class_weight_to_sample_weights: one weight per sample from the targets of the single
 * output: targets [N] or [N, 1] give the class round(y) (numpy's round, halves to even: binary 0/1
 * targets, class ids), one-hot [N, C] the argmax (the first of equal maxima); the weight is
 * classWeight[class], 1 for a class it does not list.
 */
export function classSampleWeights(model: Model, cw: ClassWeight, ys: readonly (Tensor | null)[], who: string): Tensor {
  if (model.outputs.length !== 1) {
    throw new WasmRnnError(
      `${who}: expected classWeight only with a single-output model (as Keras), got ${model.outputs.length} outputs; pass sampleWeight per output instead`,
    );
  }
  if (typeof cw !== "object" || cw === null || cw instanceof Tensor) {
    throw new WasmRnnError(
      `${who}: expected classWeight as { class index: weight }, got ${cw === null ? "null" : typeof cw}`,
    );
  }
  const weights = new Map<number, number>();
  for (const [k, v] of Object.entries(cw)) {
    if (!/^-?\d+$/.test(k))
      throw new WasmRnnError(
        `${who}: expected classWeight keys to be class indices (integers), got ${JSON.stringify(k)}`,
      );
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new WasmRnnError(
        `${who}: expected classWeight values to be finite numbers, got ${JSON.stringify(v) ?? String(v)} for class ${k}`,
      );
    }
    weights.set(Number(k), v);
  }
  const out = model.outputs[0]!;
  if (out.shape.length > 2) {
    throw new WasmRnnError(
      `${who}: expected classWeight with an output of shape [N, units], got output shape ${fmtShape(out.shape)}: Keras turns class ` +
        `weights into one weight per sample, which a sequence output cannot take; pass sampleWeight of shape [N, T] instead`,
    );
  }
  const y = ys[0]!;
  const n = y.shape[0]!;
  const C = y.shape.length > 1 ? y.size / n : 1;
  if (y.shape.length > 2)
    throw new WasmRnnError(
      `${who}: expected classWeight targets of shape [N], [N, 1] or [N, classes], got ${fmtShape(y.shape)}`,
    );
  const w = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let cls: number;
    if (C === 1) cls = roundHalfEven(y.data[r]!);
    else {
      cls = 0;
      for (let j = 1; j < C; j++) if (y.data[r * C + j]! > y.data[r * C + cls]!) cls = j;
    }
    w[r] = weights.get(cls) ?? 1;
  }
  return new Tensor(w, [n], "float32");
}

export function batches(n: number, batchSize: number, order: readonly number[]): number[][] {
  const out: number[][] = [];
  for (let b0 = 0; b0 < n; b0 += batchSize) out.push(order.slice(b0, Math.min(n, b0 + batchSize)));
  return out;
}

export const sequential = (n: number) => Array.from({ length: n }, (_, i) => i);
