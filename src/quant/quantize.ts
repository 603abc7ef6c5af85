// model.quantize(mode) and loadModel's `quantize` option: int8 inference weights for every LSTM,
// GRU, SimpleRNN and Dense (inside Bidirectional and TimeDistributed too), weights rounded to
// float16, or back to float32. Opt-in and never silent: the report names every layer changed and
// every layer with weights left float32; the model's `quantization` and summary() say it after.
import { WasmRnnError } from "../core/errors.js";
import { type DotKind, loadQuantCore, quantDotKind } from "../core/quant-kernels.js";
import { type Tensor, tensor } from "../core/tensor.js";
import type { Layer } from "../layers/layer.js";
import { checkFloat16Range, roundToFloat16 } from "./float16.js";
import { hasInt8Form, type Int8State, quantizeInt8 } from "./int8.js";
import { layerQuantization, leafLayers, type QuantizeMode, setLayerQuantization } from "./state.js";

export type { QuantizeMode } from "./state.js";

const MODES: readonly string[] = ["int8", "float16", "none"];

/** What quantize() did. */
export interface QuantizeReport {
  mode: QuantizeMode;
  /** The layers it changed (Bidirectional's halves and TimeDistributed's layer by their own names). */
  quantized: string[];
  /** Layers with weights it left as they were (int8 exists for LSTM, GRU, SimpleRNN and Dense only). */
  unchanged: string[];
  /** Bytes of int8 weights the model holds beside its float32 weights. */
  int8Bytes: number;
  /**
   * int8: how this runtime forms the integer products: "relaxed-add" (i32x4.relaxed_dot_i8x16_i7x16_add_s),
   * "relaxed" (i16x8.relaxed_dot_i8x16_i7x16_s widened) or "plain" (SIMD128); the same integers in every case.
   */
  dot: DotKind | null;
}

interface QuantizableModel {
  readonly layers: Layer[];
  checkAlive(what: string): void;
}

/** The q8 state of each int8 layer, to repack after setWeights and to release. */
const int8States = new WeakMap<Layer, Int8State>();

/** Refuses anything but a known mode, naming the caller. */
export function checkQuantizeMode(who: string, mode: unknown): QuantizeMode {
  if (typeof mode !== "string" || !MODES.includes(mode)) {
    throw new WasmRnnError(
      `${who}: expected quantize "int8", "float16" or "none", got ${JSON.stringify(mode) ?? String(mode)}`,
    );
  }
  return mode as QuantizeMode;
}

/**
 * int8: q8 copies of the weights of every layer that has an int8 form, the float32 weights kept.
 * float16: every weight rounded to the nearest float16 (what a file saved with weightsDtype
 * "float16" holds); a weight float16 cannot hold is refused before any layer changes. none:
 * int8 layers back to float32 (float16 rounding cannot be undone: set the weights again).
 */
export async function quantizeModel(model: QuantizableModel, who: string, modeArg: unknown): Promise<QuantizeReport> {
  model.checkAlive("quantize");
  const mode = checkQuantizeMode(`${who}: quantize`, modeArg);
  if (mode === "int8") await loadQuantCore(who);
  model.checkAlive("quantize");
  const leaves = leafLayers(model.layers).filter((l) => l.built && l.weightSpecs().length > 0);
  const report: QuantizeReport = { mode, quantized: [], unchanged: [], int8Bytes: 0, dot: null };
  if (mode === "int8") report.dot = quantDotKind();
  if (mode === "float16") {
    const rounded = leaves.map((l) => roundedWeights(l));
    leaves.forEach((l, i) => {
      release(l);
      l.setWeights(rounded[i]!);
      setLayerQuantization(l, { mode: "float16", bytes: 0 });
      // weights set later are not rounded: the layer is float32 again, and says so
      l.afterSetWeights = () => {
        setLayerQuantization(l, null);
        l.afterSetWeights = null;
      };
      report.quantized.push(l.name);
    });
    return report;
  }
  for (const l of leaves) {
    if (mode === "none") {
      if (layerQuantization(l)?.mode === "int8") {
        release(l);
        report.quantized.push(l.name);
      } else report.unchanged.push(l.name);
      continue;
    }
    if (!hasInt8Form(l)) {
      report.unchanged.push(l.name);
      continue;
    }
    let state = int8States.get(l);
    if (!state) {
      state = quantizeInt8(l);
      int8States.set(l, state);
      setLayerQuantization(l, { mode: "int8", bytes: state.bytes });
      l.afterSetWeights = state.repack;
    }
    report.quantized.push(l.name);
    report.int8Bytes += state.bytes;
  }
  return report;
}

/** A layer's weights rounded to float16, checked to fit first. */
function roundedWeights(layer: Layer): Tensor[] {
  const specs = layer.weightSpecs();
  return layer.getWeights().map((w, i) => {
    const values = w.data as Float32Array;
    checkFloat16Range(layer.who, `weight ${specs[i]!.name}`, values);
    return tensor(roundToFloat16(values), [...w.shape]);
  });
}

/** Back to the float kernels (an int8 layer frees its q8 copies); a float32 layer is left alone. */
function release(layer: Layer): void {
  int8States.get(layer)?.release();
  int8States.delete(layer);
  setLayerQuantization(layer, null);
  layer.afterSetWeights = null;
}
