// What the recurrent layers' backwards share: the gradients of the returned states and output go
// into dh (dc), the cell's kernel runs the steps in reverse into the pre-activation gradients dz
// (by input step, packed column order), then the weight gradients are whole-sequence products;
// and Keras's input `dropout` while training, around any of them.
import { WasmRnnError } from "../core/errors.js";
import { trainKernels } from "../core/train-kernels.js";
import { heapF32 } from "../core/wasm.js";
import { addInputGradient, addRows, type Backward, type BackwardCall } from "./backward-base.js";
import { type Buf, carve, round16, sizeOf } from "./heap.js";
import type { Step } from "./layer.js";
import type { RecurrentLayer } from "./recurrent.js";

/** A recurrent step's sizes. */
export function recurrentDims<L extends RecurrentLayer>(s: Step) {
  const [B, T, I] = s.inputs[0]!.shape as [number, number, number];
  const layer = s.layer as L;
  return { B, T, I, layer, H: layer.units, P: layer.stateStride };
}

/** Bytes of a step's trace: [B, T, traceWidth * stateStride] floats. */
export function recurrentTraceBytes(s: Step): number {
  const { B, T, P, layer } = recurrentDims(s);
  return B * T * layer.traceWidth * P * 4;
}

/** The forward's mask rule (recurrent.ts): an initial state turns off the carried mask. */
export function stepMask(step: Step): number {
  return step.inputs.length > 1 && !step.masks.explicit ? 0 : (step.masks.inputs[0] ?? 0);
}

/**
 * Starts a backward: zeroes the state gradients (dh, and dc when `dc` is given, each [B, P]),
 * adds the returned states' and output's gradients into them, and returns the output sequence's
 * gradient (0 without returnSequences).
 */
export function seedStateGradients(call: BackwardCall, dh: number, dc: number): number {
  const { step, dOut } = call;
  const { B, H, P, layer } = recurrentDims(step);
  const f32 = heapF32();
  for (const p of dc ? [dh, dc] : [dh]) f32.fill(0, p >>> 2, (p >>> 2) + B * P);
  if (layer.returnState) {
    if (dOut[1]) addRows(dOut[1], H, dh, P, B, H);
    if (dc && dOut[2]) addRows(dOut[2], H, dc, P, B, H);
  }
  if (layer.returnSequences) return dOut[0]!;
  if (dOut[0]) addRows(dOut[0], H, dh, P, B, H);
  return 0;
}

/** Ends a backward: the initial states' gradients are dh (dc). */
export function initialStateGradients(call: BackwardCall, dh: number, dc: number): void {
  const { B, H, P } = recurrentDims(call.step);
  if (call.dIn[1]) addRows(dh, P, call.dIn[1], H, B, H);
  if (dc && call.dIn[2]) addRows(dc, P, call.dIn[2], H, B, H);
}

/** Kernel pointers of an LSTM or SimpleRNN backward call (see recurrentBackward). */
export interface CellGradients {
  B: number;
  T: number;
  trace: number;
  dy: number;
  dh: number;
  dc: number;
  dz: number;
  mask: number;
  ut: number;
  dhNew: number;
}

/**
 * LSTM's and SimpleRNN's backward around their kernel: the kernel runs the steps in reverse into
 * dz [B, T, N] (N = columns(P) packed columns), then dKernel = x^T dz, dRecurrent = h_{t-1}^T dz
 * (h_{t-1} from the trace, `hPrevAt` floats into a row), dBias = sum dz; dx = dz kernel^T.
 */
export function recurrentBackward(opts: {
  hPrevAt: (P: number) => number;
  columns: (P: number) => number;
  /** Number of states (2: h and c). */
  states: number;
  kernel: (layer: RecurrentLayer, c: CellGradients) => void;
}): Backward {
  // dh, dc, dhNew [B, P]; dz [B, T, N]; U^T and kernel^T packed [16-rounded rows, N]
  const layout = (s: Step, base: number) => {
    const { B, T, I, H, P } = recurrentDims(s);
    const N = opts.columns(P);
    const row = B * P * 4;
    return carve(base, {
      dh: row,
      dc: row,
      dhNew: row,
      dz: B * T * N * 4,
      ut: round16(H) * N * 4,
      wt: round16(I) * N * 4,
    });
  };
  return {
    traceBytes: recurrentTraceBytes,
    scratchBytes: (s) => layout(s, 0).total,
    run: (call) => {
      const { step, dIn, dParams, scratch, trace } = call;
      const { B, T, I, layer, H, P } = recurrentDims(step);
      const k = trainKernels();
      const N = opts.columns(P);
      const { dh, dc, dhNew, dz, ut, wt } = layout(step, scratch);
      heapF32().fill(0, dhNew >>> 2, (dhNew >>> 2) + B * P);
      const dy = seedStateGradients(call, dh, opts.states > 1 ? dc : 0);
      const mask = stepMask(step);
      const [kernel, recurrent] = layer.paramBlocks();
      k.pack_transpose_panels(4, recurrent!.ptr, P, N, H, ut);
      opts.kernel(layer, { B, T, trace, dy, dh, dc, dz, mask, ut, dhNew });
      const back = layer.goBackwards ? 1 : 0;
      const W = layer.traceWidth * P;
      k.gemm_tn_panels(4, B, T, I, step.inputs[0]!.ptr, I, 0, dz, N, N, dParams[0]!, I);
      k.gemm_tn_panels(4, B, T, H, trace + opts.hPrevAt(P) * 4, W, back, dz, N, N, dParams[1]!, P);
      if (layer.useBias) k.colsum_acc(B * T, N, dz, N, dParams[2]!);
      if (dIn[0]) addInputGradient(4, kernel!.ptr, I, N, dz, B * T, wt, dIn[0]);
      initialStateGradients(call, dh, opts.states > 1 ? dc : 0);
    },
  };
}

/**
 * The layer's backward as training may run it: refuses recurrentDropout, wraps input dropout
 * (Keras applies either only for 0 < rate < 1; a rate of 1 drops nothing there).
 */
export function recurrentBackwardFor(layer: RecurrentLayer, who: string, plain: Backward): Backward {
  if (layer.recurrentDropout > 0 && layer.recurrentDropout < 1) {
    throw new WasmRnnError(
      `${who}: training ${layer.who} with recurrentDropout ${layer.recurrentDropout} is not supported yet; ` +
        `expected recurrentDropout 0 (dropout on the inputs, and Dropout layers, are supported), got ${layer.recurrentDropout}`,
    );
  }
  return layer.dropout > 0 && layer.dropout < 1 ? withInputDropout(plain, layer.dropout) : plain;
}

/**
 * A recurrent layer's input dropout while training (Keras `dropout` with `recurrentDropout` 0,
 * its implementation 2): one mask per row [B, I], scaled by 1 / (1 - rate) and the same at every
 * step, multiplies the input; the layer then runs on the masked copy. The copy and the mask follow
 * the inner backward's trace; the input's gradient goes through the same mask.
 */
function withInputDropout(inner: Backward, rate: number): Backward {
  const shape = (s: Step) => s.inputs[0]!.shape as [number, number, number];
  // trace: the inner trace, the masked input [B, T, I], the mask [B, I]
  const traceLayout = (s: Step, base: number) => {
    const [B, T, I] = shape(s);
    return carve(base, { inner: inner.traceBytes(s), masked: B * T * I * 4, mask: B * I * 4 });
  };
  // scratch: the inner scratch, then dx of the masked input [B, T, I]
  const scratchLayout = (s: Step, base: number) =>
    carve(base, { inner: inner.scratchBytes(s), dx: sizeOf(shape(s)) * 4 });
  const masked = (s: Step, trace: number): Buf => ({
    ptr: traceLayout(s, trace).masked,
    shape: [...shape(s)],
    dtype: "float32",
  });
  const onCopy = (s: Step, trace: number): Step => ({ ...s, inputs: [masked(s, trace), ...s.inputs.slice(1)] });
  return {
    // (the mask is the layout's last buffer: its bytes need no alignment padding)
    traceBytes: (s) => traceLayout(s, 0).mask + shape(s)[0] * shape(s)[2] * 4,
    tracedLayers: inner.tracedLayers,
    scratchBytes: (s) => scratchLayout(s, 0).total,
    trainingForward: (s, trace, seed) => {
      const k = trainKernels();
      const [B, T, I] = shape(s);
      const x = masked(s, trace),
        m = traceLayout(s, trace).mask;
      k.dropout_mask(B * I, m, rate, seed);
      k.scale_steps(B, T, I, s.inputs[0]!.ptr, m, x.ptr, 0);
      s.layer.forward([x, ...s.inputs.slice(1)], s.outputs, s.scratch, s.masks);
    },
    run: (call) => {
      const { step, dIn, scratch, trace } = call;
      const [B, T, I] = shape(step);
      const dx = dIn[0] ? scratchLayout(step, scratch).dx : 0;
      if (dx) heapF32().fill(0, dx >>> 2, (dx >>> 2) + B * T * I);
      inner.run({ ...call, step: onCopy(step, trace), dIn: [dx, ...dIn.slice(1)] });
      if (dx) trainKernels().scale_steps(B, T, I, dx, traceLayout(step, trace).mask, dIn[0]!, 1);
    },
  };
}
