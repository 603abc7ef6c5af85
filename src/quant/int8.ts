// int8 inference weights for one layer (LSTM, GRU in both forms, SimpleRNN, Dense): each float
// weight block the layer packed (gate-interleaved or 16-wide panels) gets a q8 copy (one scale per
// output column, assembly/quant/q8.ts) in the layer's own wasm blocks, and the layer's forward is
// pointed at the int8 kernels (RecurrentLayer.quantCell, Dense.quantProduct). Biases, states and
// the gate math stay float32. The float weights stay too: getWeights, saving and quantize("none")
// give them back unchanged.
import { ACTIVATION_IDS } from "../core/activations.js";
import { quantKernels } from "../core/quant-kernels.js";
import type { Dense } from "../layers/dense.js";
import type { GRU } from "../layers/gru/gru.js";
import { sameShapeLayout } from "../layers/heap.js";
import type { Layer } from "../layers/layer.js";
import type { LSTM } from "../layers/lstm.js";
import type { RecurrentLayer } from "../layers/recurrent.js";

// By class name, not instanceof: quantizing then imports no layer class an app does not use.
const isDense = (l: Layer): l is Dense => l.className === "Dense";
const isLSTM = (l: Layer): l is LSTM => l.className === "LSTM";
const isGRU = (l: Layer): l is GRU => l.className === "GRU";
const isSimpleRNN = (l: Layer): boolean => l.className === "SimpleRNN";

/** One q8 copy: which float block it is made from, its panel width NV (vectors), panels P and rows Kp. */
type Q8Spec = [block: number, NV: number, P: number, Kp: number];

/** Bytes of a q8 block (q8_pack): scales and column sums [N] f32, then panels [P][Kq][16 NV]. */
export function q8BlockBytes(NV: number, P: number, Kp: number): number {
  return 8 * 4 * NV * P + P * ((Kp + 3) >> 2) * 16 * NV;
}

/** A layer running on int8 weights: its q8 blocks, their bytes, and how to undo it. */
export interface Int8State {
  bytes: number;
  /** Packs the q8 copies again from the float weights (after setWeights). */
  repack(): void;
  /** Back to the float kernels; frees the q8 blocks. */
  release(): void;
}

/** Whether `layer` has an int8 form here. */
export function hasInt8Form(layer: Layer): boolean {
  return isDense(layer) || isLSTM(layer) || isGRU(layer) || isSimpleRNN(layer);
}

const inputDim = (layer: Layer) => layer.weightSpecs()[0]!.shape[0]!;

/** The q8 copies a layer needs, from its float blocks (see each kernel in assembly/quant). */
function specsOf(layer: Layer): Q8Spec[] {
  const I = inputDim(layer);
  if (isDense(layer)) return [[0, 4, layer.paddedUnits / 16, I]];
  const S = (layer as RecurrentLayer).stateStride;
  const Hq = (S + 15) & ~15;
  if (isLSTM(layer))
    return [
      [0, 4, S / 4, I],
      [1, 4, S / 4, S],
    ];
  if (isSimpleRNN(layer))
    return [
      [0, 4, S / 16, I],
      [1, 4, S / 16, S],
    ];
  const gru = layer as GRU;
  if (gru.resetAfter)
    return [
      [0, 3, S / 4, I],
      [1, 3, S / 4, S],
    ];
  return [
    [0, 2, S / 4, I],
    [1, 4, Hq / 16, I],
    [2, 2, S / 4, S],
    [3, 4, Hq / 16, S],
  ];
}

/** The float blocks of a built layer, in its blockLengths order. */
function floatBlocks(layer: Layer): readonly number[] {
  if (isDense(layer)) return [layer.paramBlocks()[0]!.ptr];
  return (layer as RecurrentLayer).cellBuffers(1, 1).blocks;
}

/** Gives `layer` int8 weights and points its forward at the int8 kernels. The layer must be built. */
export function quantizeInt8(layer: Layer): Int8State {
  const k = quantKernels();
  const specs = specsOf(layer);
  const q8 = specs.map(([, NV, P, Kp]) => layer.wasmBlocks.alloc(q8BlockBytes(NV, P, Kp)));
  const repack = () => {
    const src = floatBlocks(layer);
    specs.forEach(([block, NV, P, Kp], i) => k.q8_pack(NV, P, Kp, src[block]!, q8[i]!));
  };
  repack();
  install(layer, q8);
  return {
    bytes: specs.reduce((n, [, NV, P, Kp]) => n + q8BlockBytes(NV, P, Kp), 0),
    repack,
    release: () => {
      if (isDense(layer)) layer.quantProduct = null;
      else (layer as RecurrentLayer).quantCell = null;
      for (const p of q8) layer.wasmBlocks.free(p);
    },
  };
}

/** Sets the layer's int8 forward: the kernel call with its q8 blocks, float biases and scratch. */
function install(layer: Layer, q8: number[]): void {
  const k = quantKernels();
  const I = inputDim(layer);
  if (isDense(layer)) {
    const Up = layer.paddedUnits,
      ldx = (I + 15) & ~15;
    layer.quantProduct = (x, M, z, q, bias) => {
      const rp = q + M * ldx;
      k.q8_rows(M, I, x, I, q, ldx, rp);
      k.q8_gemm_16(M, Up, (I + 3) >> 2, q, ldx, rp, q8[0]!, bias, 0, z, Up);
    };
    return;
  }
  const cell = layer as RecurrentLayer;
  const H = cell.units;
  const act = ACTIVATION_IDS[cell.activation];
  const back = cell.goBackwards ? 1 : 0;
  const f = cell.cellBuffers(1, 1).blocks;
  // the cell's scratch layout for a shape, kept while the shape stays (as the float kernels do)
  const at = sameShapeLayout((B, T) => cell.cellBuffers(B, T).at);
  if (isLSTM(cell)) {
    const rec = ACTIVATION_IDS[cell.recurrentActivation];
    cell.quantCell = (B, T, x, states, y, extra, mask, zeroOutput, last, scratch, qs) => {
      const cseq = cell.returnCellSequences ? extra[0]!.ptr : 0;
      k.q8_lstm_forward(
        B,
        T,
        I,
        H,
        x,
        q8[0]!,
        q8[1]!,
        f[2]!,
        act,
        rec,
        back,
        states[0]!,
        states[1]!,
        scratch + at(B, T).z!,
        y,
        cseq,
        mask,
        zeroOutput ? 1 : 0,
        last,
        qs,
      );
    };
  } else if (isSimpleRNN(cell)) {
    cell.quantCell = (B, T, x, states, y, _extra, mask, zeroOutput, last, scratch, qs) => {
      k.q8_simple_rnn_forward(
        B,
        T,
        I,
        H,
        x,
        q8[0]!,
        q8[1]!,
        f[2]!,
        act,
        back,
        states[0]!,
        scratch + at(B, T).z!,
        y,
        mask,
        zeroOutput ? 1 : 0,
        last,
        qs,
      );
    };
  } else {
    const gru = cell as GRU;
    const rec = ACTIVATION_IDS[gru.recurrentActivation];
    cell.quantCell = (B, T, x, states, y, _extra, mask, zeroOutput, last, scratch, qs) => {
      const o = at(B, T),
        zero = zeroOutput ? 1 : 0;
      if (gru.resetAfter) {
        k.q8_gru_reset_after_forward(
          B,
          T,
          I,
          H,
          x,
          q8[0]!,
          q8[1]!,
          f[2]!,
          f[3]!,
          act,
          rec,
          back,
          states[0]!,
          scratch + o.xw!,
          scratch + o.hu!,
          y,
          mask,
          zero,
          last,
          qs,
        );
      } else {
        k.q8_gru_reset_before_forward(
          B,
          T,
          I,
          H,
          x,
          q8[0]!,
          q8[1]!,
          q8[2]!,
          q8[3]!,
          f[4]!,
          f[5]!,
          act,
          rec,
          back,
          states[0]!,
          scratch + o.zr!,
          scratch + o.rh!,
          scratch + o.hh!,
          y,
          mask,
          zero,
          last,
          qs,
        );
      }
    };
  }
}
