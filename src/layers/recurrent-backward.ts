// What the recurrent layers' backwards share: the gradients of the returned states and output go
// into dh (dc), the cell's kernel runs the steps in reverse into the pre-activation gradients dz
// (by input step, packed column order), then the weight gradients are whole-sequence products;
// and Keras's input `dropout` while training, around any of them.
import { trainKernels } from "../core/train-kernels.js";
import { heapF32 } from "../core/wasm.js";
import { addInputGradient, addRows, type Backward, type BackwardCall } from "./backward-base.js";
import { type Buf, carve, round16, sizeOf } from "./heap.js";
import type { Step } from "./layer.js";
import type { RecurrentLayer } from "./recurrent.js";
import {
  type ArmedBackward,
  type DropoutBufs,
  type DropoutCall,
  dropoutGates,
  withDropout,
} from "./recurrent-dropout.js";

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
  /** Recurrent dropout masks [G][B, P] (recurrent-dropout.ts), 0 = none. */
  rmask: number;
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
  // dh, dc, dhNew [B, P]; dz [B, T, N]; U^T and kernel^T packed [16-rounded rows, N]; the weight
  // gradients' packed row blocks (gemm_tn_blocked)
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
      tn: trainKernels().tn_blocked_scratch_bytes(B, T, Math.max(I, H), N),
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
      const { dh, dc, dhNew, dz, ut, wt, tn } = layout(step, scratch);
      heapF32().fill(0, dhNew >>> 2, (dhNew >>> 2) + B * P);
      const dy = seedStateGradients(call, dh, opts.states > 1 ? dc : 0);
      const mask = stepMask(step);
      const [kernel, recurrent] = layer.paramBlocks();
      k.pack_transpose_panels(4, recurrent!.ptr, P, N, H, ut);
      const drop = (call as DropoutCall).drop;
      opts.kernel(layer, { B, T, trace, dy, dh, dc, dz, mask, ut, dhNew, rmask: drop?.rmask ?? 0 });
      const back = layer.goBackwards ? 1 : 0;
      const W = layer.traceWidth * P;
      const x = step.inputs[0]!.ptr,
        hPrev = trace + opts.hPrevAt(P) * 4;
      if (drop) {
        // per-gate masked inputs and states (one shared copy: gate stride 0)
        const gsX = drop.gi > 1 ? B * T * I : 0;
        if (drop.gi) k.gated_tn(4, B, T, I, drop.xm, I, gsX, 0, dz, N, N, dParams[0]!, I);
        else k.gemm_tn_blocked(4, B, T, dz, N, N, tn, I, x, I, 0, dParams[0]!, I, 0, 0, 0, 0, 0, 0);
        if (drop.rmask) k.gated_tn(4, B, T, H, drop.hm, P, drop.G > 1 ? B * T * P : 0, back, dz, N, N, dParams[1]!, P);
        else k.gemm_tn_blocked(4, B, T, dz, N, N, tn, H, hPrev, W, back, dParams[1]!, P, 0, 0, 0, 0, 0, 0);
      } else {
        // dKernel = x^T dz and dRecurrent = h_{t-1}^T dz, over one packing of dz
        k.gemm_tn_blocked(4, B, T, dz, N, N, tn, I, x, I, 0, dParams[0]!, I, H, hPrev, W, back, dParams[1]!, P);
      }
      if (layer.useBias) k.colsum_acc(B * T, N, dz, N, dParams[2]!);
      if (dIn[0]) addDroppedInputGradient(drop, dropoutGates(layer), 4, kernel!.ptr, I, N, dz, B, T, wt, dIn[0]);
      initialStateGradients(call, dh, opts.states > 1 ? dc : 0);
    },
  };
}

/**
 * dx += dz kernel^T (addInputGradient), through the input dropout masks when the forward had
 * them: sum over gates of (dz_g kernel_g^T) * m_g (one shared mask: G = 1).
 */
export function addDroppedInputGradient(
  drop: DropoutBufs | undefined,
  gates: number,
  NV: number,
  kernel: number,
  I: number,
  N: number,
  dz: number,
  B: number,
  T: number,
  wt: number,
  dx: number,
): void {
  if (!drop?.gi) {
    addInputGradient(NV, kernel, I, N, dz, B * T, wt, dx);
    return;
  }
  const k = trainKernels();
  k.pack_transpose_panels(NV, kernel, I, N, I, wt);
  k.gated_nt(B * T, I, N, dz, N, wt, drop.gi > 1 ? gates : 1, drop.imask, B * I, I, T, dx, I, 1);
}

/**
 * The layer's backward as training may run it: the plain one without dropout; Keras's input
 * dropout alone (one mask) wrapped as before; with recurrent dropout (or per-gate input masks)
 * the dropout cells (recurrent-dropout.ts). Keras applies a rate only for 0 < rate < 1. `armed`
 * is the variant Bidirectional runs (any dropout, through the dropout cells).
 */
export function recurrentBackwardFor(
  layer: RecurrentLayer,
  _who: string,
  plain: Backward,
): Backward & { armed?: ArmedBackward } {
  const input = layer.dropout > 0 && layer.dropout < 1,
    recurrent = layer.recurrentDropout > 0 && layer.recurrentDropout < 1;
  if (!input && !recurrent) return plain;
  const armed = withDropout(plain, layer);
  // one input mask (Keras's implementation 2, or SimpleRNN): the masked copy and the usual kernels
  if (!recurrent && (layer.recurrentDropout === 0 || dropoutGates(layer) === 1))
    return { ...withInputDropout(plain, layer.dropout), armed };
  return { ...armed, armed };
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
