// Puts weights read from a file into a built model: per layer, by weight name when the names say
// which is which (kernel, recurrent_kernel, bias), else in file order (as Keras's own loader does),
// always checking shapes and counts first and naming the file, layer and weight on a mismatch.
import { fmtShape, WasmRnnError } from "../core/errors.js";
import { Tensor } from "../core/tensor.js";
import { sameShape } from "../core/validate.js";
import { fromCudnn } from "../layers/cudnn.js";
import type { Layer, WeightSpec } from "../layers/layer.js";
import type { Model } from "../model/model.js";

export interface FileWeight {
  /** As the file names it (e.g. "lstm_1/kernel:0", "layers/lstm/cell/vars/0"). */
  name: string;
  shape: number[];
  /** Reads the values (lazily: shapes are checked before any data is decoded). */
  read(): Float32Array;
}

/** One layer's weights as a file holds them, in file order. */
export interface WeightGroup {
  layerName: string;
  weights: FileWeight[];
}

const basename = (n: string) => n.replace(/:\d+$/, "").split("/").pop()!;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/**
 * Weights a legacy CuDNNLSTM / CuDNNGRU wrote (alone or inside Bidirectional), found as Keras 2's
 * loader found them, by the bias: 8H values where an LSTM takes 4H, 6H where a GRU(reset_after)
 * takes [2, 3H]. Each such (kernel, recurrent kernel, bias) triple is converted to Keras's layout
 * on read; anything else is returned as it is.
 */
function cudnnWeights(specs: readonly WeightSpec[], weights: FileWeight[]): FileWeight[] {
  if (specs.length % 3 !== 0 || weights.length !== specs.length) return weights;
  const out = [...weights];
  for (let i = 0; i < specs.length; i += 3) {
    const [k, r, b] = [specs[i]!.shape, specs[i + 1]!.shape, specs[i + 2]!.shape];
    const fb = weights[i + 2]!.shape;
    if (k.length !== 2 || r.length !== 2 || fb.length !== 1) continue;
    const [I, W] = k as [number, number];
    const H = r[0]!;
    const gates =
      W === 4 * H && sameShape(b, [4 * H]) && fb[0] === 8 * H
        ? 4
        : W === 3 * H && sameShape(b, [2, 3 * H]) && fb[0] === 6 * H
          ? 3
          : 0;
    if (!gates || !sameShape(weights[i]!.shape, k) || !sameShape(weights[i + 1]!.shape, r)) continue;
    const src = weights.slice(i, i + 3);
    let done: Float32Array[] | null = null;
    const convert = () => (done ??= fromCudnn(gates, src[0]!.read(), src[1]!.read(), src[2]!.read(), I, H));
    for (let j = 0; j < 3; j++) {
      out[i + j] = {
        name: `${src[j]!.name} (cuDNN layout)`,
        shape: [...specs[i + j]!.shape],
        read: () => convert()[j]!,
      };
    }
  }
  return out;
}

/** Orders one layer's file weights to match its specs, checking count and shapes. */
function matchLayer(file: string, layer: Layer, weights: FileWeight[]): Tensor[] {
  const specs = layer.weightSpecs();
  const listSpecs = () => specs.map((s) => `${s.name} ${fmtShape(s.shape)}`).join(", ");
  if (weights.length !== specs.length) {
    throw new WasmRnnError(
      `${file}: layer '${layer.name}' (${layer.className}) expects ${specs.length} weights (${listSpecs()}), ` +
        `the file has ${weights.length}${weights.length ? ` (${weights.map((w) => `${w.name} ${fmtShape(w.shape)}`).join(", ")})` : ""}`,
    );
  }
  let ordered = weights;
  const fileNames = weights.map((w) => basename(w.name));
  const specNames = specs.map((s) => basename(s.name));
  if (new Set(fileNames).size === fileNames.length && specNames.every((n) => fileNames.includes(n))) {
    ordered = specNames.map((n) => weights[fileNames.indexOf(n)]!);
  }
  ordered = cudnnWeights(specs, ordered);
  return ordered.map((w, i) => {
    const spec = specs[i]!;
    if (!sameShape(w.shape, spec.shape)) {
      throw new WasmRnnError(
        `${file}: layer '${layer.name}' (${layer.className}) expects ${spec.name} of shape ${fmtShape(spec.shape)}, ` +
          `weight '${w.name}' has shape ${fmtShape(w.shape)}`,
      );
    }
    let data: Float32Array;
    try {
      data = w.read();
    } catch (err) {
      if (err instanceof WasmRnnError) throw err;
      throw new WasmRnnError(
        `${file}: could not read weight '${w.name}' of layer '${layer.name}': ${String((err as Error)?.message ?? err)}`,
      );
    }
    if (data.length !== size(spec.shape)) {
      throw new WasmRnnError(
        `${file}: weight '${w.name}' of layer '${layer.name}' should hold ${size(spec.shape)} values, the file has ${data.length}`,
      );
    }
    return new Tensor(data, spec.shape, "float32");
  });
}

/**
 * Sets the weights of every layer that has some. `byName`: groups are matched to layers by layer
 * name; when that fails and `allowOrder` is set, layers with weights are matched to non-empty
 * groups in order (Keras `load_weights` by topology).
 */
export function assignWeights(file: string, model: Model, groups: WeightGroup[], allowOrder = false): void {
  const layers = model.layers.filter((l) => l.weightSpecs().length > 0);
  const byName = new Map(groups.map((g) => [g.layerName, g]));
  const nonEmpty = groups.filter((g) => g.weights.length > 0);
  let pairs: [Layer, WeightGroup | undefined][] = layers.map((l) => [l, byName.get(l.name)]);
  const allNamed = pairs.every(([, g]) => g !== undefined);
  if (!allNamed && allowOrder && nonEmpty.length === layers.length) pairs = layers.map((l, i) => [l, nonEmpty[i]]);
  const missing = pairs.filter(([, g]) => !g).map(([l]) => l.name);
  if (missing.length) {
    const has = nonEmpty.map((g) => `'${g.layerName}'`).join(", ") || "no layer";
    throw new WasmRnnError(
      `${file}: no weights for layer(s) ${missing.map((n) => `'${n}'`).join(", ")}; the file has weights for ${has}`,
    );
  }
  const used = new Set(pairs.map(([, g]) => g));
  const extra = nonEmpty.filter((g) => !used.has(g));
  if (extra.length) {
    throw new WasmRnnError(
      `${file}: weights for layer(s) ${extra.map((g) => `'${g.layerName}'`).join(", ")} match no layer of model '${model.name}'`,
    );
  }
  // decode and check everything before changing any layer
  const values = pairs.map(([l, g]) => matchLayer(file, l, g!.weights));
  const before = pairs.map(([l]) => l.getWeights());
  try {
    pairs.forEach(([l], i) => l.setWeights(values[i]!));
  } catch (err) {
    pairs.forEach(([l], i) => {
      if (before[i]!.length) l.setWeights(before[i]!);
    });
    if (err instanceof WasmRnnError) throw new WasmRnnError(`${file}: ${err.message}`);
    throw err;
  }
}
