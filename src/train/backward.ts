// Backward passes, one per trainable layer type, kept apart from the layers so inference never
// loads them. Each reads the forward's buffers of one plan step, the gradients of its outputs, and
// ADDS the gradients of its inputs (a tensor read twice sums both) and of its packed weights.
import { ACTIVATION_IDS, type ActivationName } from "../core/activations.js";
import { WasmRnnError } from "../core/errors.js";
import { trainKernels } from "../core/train-kernels.js";
import { heapF32 } from "../core/wasm.js";
import { Bidirectional } from "../layers/bidirectional.js";
import { Dense } from "../layers/dense.js";
import { GRU } from "../layers/gru.js";
import { InputLayer } from "../layers/input.js";
import type { Step } from "../layers/layer.js";
import { type Buf, type Layer, sizeOf } from "../layers/layer.js";
import { LSTM } from "../layers/lstm.js";
import { align, RecurrentLayer } from "../layers/recurrent.js";
import {
  Activation,
  Add,
  Concatenate,
  Dropout,
  Embedding,
  Flatten,
  Masking,
  RepeatVector,
  TimeDistributed,
} from "../layers/simple.js";
import { SimpleRNN } from "../layers/simple_rnn.js";
import { addInputGradient, addRows, type Backward, none } from "./backward-base.js";
import { gruBackward } from "./backward-gru.js";

export type { Backward, BackwardCall } from "./backward-base.js";

function denseBackward(
  layer: Dense,
  x: Buf,
  y: Buf,
  dy: number,
  dPre: number,
  dx: number,
  dParams: readonly number[],
  dz: number,
): void {
  const k = trainKernels();
  const I = x.shape.at(-1)!,
    U = layer.units,
    Up = layer.paddedUnits;
  const M = sizeOf(x.shape) / I;
  const [kernel] = layer.paramBlocks();
  if (dy) k.activation_backward_rows(M, U, y.ptr, dy, dz, Up, ACTIVATION_IDS[layer.activation]);
  else heapF32().fill(0, dz >> 2, (dz >> 2) + M * Up);
  if (dPre) k.add_blocks(M, U, dPre, U, dz, Up);
  k.gemm_tn_panels(4, 1, M, I, x.ptr, I, 0, dz, Up, Up, dParams[0]!, I);
  if (layer.useBias) k.colsum_acc(M, Up, dz, Up, dParams[1]!);
  if (dx) addInputGradient(4, kernel!.ptr, I, Up, dz, M, dz + align(M * Up * 4), dx);
}

const denseBackwardStep: Backward = {
  traceBytes: none,
  // dz [M, Up], then kernel^T packed [16-rounded I, Up]
  scratchBytes: (s) => {
    const I = s.inputs[0]!.shape.at(-1)!,
      Up = (s.layer as Dense).paddedUnits;
    return align((sizeOf(s.inputs[0]!.shape) / I) * Up * 4) + ((I + 15) & ~15) * Up * 4;
  },
  run: ({ step, dOut, dIn, dParams, scratch, dPre }) => {
    if (dOut[0] || dPre)
      denseBackward(step.layer as Dense, step.inputs[0]!, step.outputs[0]!, dOut[0]!, dPre, dIn[0]!, dParams, scratch);
  },
};

/** TimeDistributed runs its layer once over all steps (simple.ts), so its backward is the layer's. */
function timeDistributed(inner: Backward): Backward {
  const unwrap = (s: Step): Step => ({ ...s, layer: (s.layer as TimeDistributed).layer });
  return {
    sparseSquares: inner.sparseSquares,
    traceBytes: (s) => inner.traceBytes(unwrap(s)),
    scratchBytes: (s) => inner.scratchBytes(unwrap(s)),
    run: (call) => inner.run({ ...call, step: unwrap(call.step) }),
  };
}

/**
 * What LSTM and SimpleRNN backward share around their kernel: the gradients of the returned
 * states and output go into dh (dc), the kernel runs the steps in reverse into dz [B, T, N] (by
 * input step, in the packed column order), then the weight gradients are whole-sequence products:
 * dKernel = x^T dz, dRecurrent = h_{t-1}^T dz (h_{t-1} from the trace), dBias = sum dz; and
 * dx = dz kernel^T, d(initial states) = dh (dc).
 */
function recurrentBackward(opts: {
  /** Trace floats per row and step, and where h_{t-1} sits in it. */
  traceWidth: (P: number) => number;
  hPrevAt: (P: number) => number;
  /** Packed columns (N) for P state floats. */
  columns: (P: number) => number;
  states: number;
  kernel: (
    layer: RecurrentLayer,
    c: {
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
    },
  ) => void;
}): Backward {
  const dims = (s: Step) => {
    const [B, T, I] = s.inputs[0]!.shape as [number, number, number];
    const layer = s.layer as RecurrentLayer;
    return { B, T, I, layer, H: layer.units, P: layer.stateStride };
  };
  return {
    traceBytes: (s) => {
      const { B, T, P } = dims(s);
      return B * T * opts.traceWidth(P) * 4;
    },
    // dh, dc [B, P]; dz [B, T, N]; dhNew [B, P]; U^T and kernel^T packed [16-rounded rows, N]
    scratchBytes: (s) => {
      const { B, T, I, H, P } = dims(s);
      const N = opts.columns(P);
      return 3 * align(B * P * 4) + align(B * T * N * 4) + align(round16(H) * N * 4) + round16(I) * N * 4;
    },
    run: ({ step, dOut, dIn, dParams, scratch, trace }) => {
      const { B, T, I, layer, H, P } = dims(step);
      if (layer instanceof LSTM && layer.returnCellSequences && dOut[dOut.length - 1]) {
        throw new WasmRnnError(
          `${layer.who}: training through returnCellSequences is not supported; expected no loss on the cell sequence`,
        );
      }
      const k = trainKernels();
      const N = opts.columns(P);
      const dh = scratch,
        dc = dh + align(B * P * 4),
        dhNew = dc + align(B * P * 4),
        dz = dhNew + align(B * P * 4);
      const ut = dz + align(B * T * N * 4),
        wt = ut + align(round16(H) * N * 4);
      heapF32().fill(0, dh >> 2, (dh + 3 * align(B * P * 4)) >> 2);
      if (layer.returnState) {
        if (dOut[1]) addRows(dOut[1], H, dh, P, B, H);
        if (opts.states > 1 && dOut[2]) addRows(dOut[2], H, dc, P, B, H);
      }
      let dy = 0;
      if (layer.returnSequences) dy = dOut[0]!;
      else if (dOut[0]) addRows(dOut[0], H, dh, P, B, H);
      // the forward's mask rule (recurrent.ts): an initial state turns off the carried mask
      const mask = step.inputs.length > 1 && !step.masks.explicit ? 0 : (step.masks.inputs[0] ?? 0);
      const [kernel, recurrent] = layer.paramBlocks();
      k.pack_transpose_panels(4, recurrent!.ptr, P, N, H, ut);
      opts.kernel(layer, { B, T, trace, dy, dh, dc, dz, mask, ut, dhNew });
      const back = layer.goBackwards ? 1 : 0;
      k.gemm_tn_panels(4, B, T, I, step.inputs[0]!.ptr, I, 0, dz, N, N, dParams[0]!, I);
      k.gemm_tn_panels(4, B, T, H, trace + opts.hPrevAt(P) * 4, opts.traceWidth(P), back, dz, N, N, dParams[1]!, P);
      if (layer.useBias) k.colsum_acc(B * T, N, dz, N, dParams[2]!);
      if (dIn[0]) addInputGradient(4, kernel!.ptr, I, N, dz, B * T, wt, dIn[0]);
      if (dIn[1]) addRows(dh, P, dIn[1], H, B, H);
      if (opts.states > 1 && dIn[2]) addRows(dc, P, dIn[2], H, B, H);
    },
  };
}

const actId = (name: ActivationName) => ACTIVATION_IDS[name];
const round16 = (n: number) => (n + 15) & ~15;

// trace rows (assembly/lstm.ts): gates [4P], c_{t-1} [P], h_{t-1} [P]
export const lstmBackward = recurrentBackward({
  traceWidth: (P) => 6 * P,
  hPrevAt: (P) => 5 * P,
  columns: (P) => 4 * P,
  states: 2,
  kernel: (layer, c) => {
    const l = layer as LSTM;
    trainKernels().lstm_backward(
      c.B,
      c.T,
      l.units,
      c.ut,
      actId(l.activation),
      actId(l.recurrentActivation),
      l.goBackwards ? 1 : 0,
      c.trace,
      c.dy,
      c.dh,
      c.dc,
      c.dz,
      c.dhNew,
      c.mask,
      l.zeroOutputForMask ? 1 : 0,
    );
  },
});

// trace rows (assembly/simple_rnn.ts): h_t [P], h_{t-1} [P]
const simpleRnnBackward = recurrentBackward({
  traceWidth: (P) => 2 * P,
  hPrevAt: (P) => P,
  columns: (P) => P,
  states: 1,
  kernel: (layer, c) => {
    trainKernels().simple_rnn_backward(
      c.B,
      c.T,
      layer.units,
      c.ut,
      actId(layer.activation),
      layer.goBackwards ? 1 : 0,
      c.trace,
      c.dy,
      c.dh,
      c.dz,
      c.dhNew,
      c.mask,
      layer.zeroOutputForMask ? 1 : 0,
    );
  },
});

/**
 * Bidirectional: the merged gradient is split into the halves' output gradients (the backward
 * half's sequence in its processing order), then each half runs its own recurrent backward on the
 * same input, adding into dx; the halves' traces sit one after the other in the step's trace.
 */
const MERGE_IDS = { concat: 0, sum: 1, mul: 2, ave: 3 } as const;
function bidirectional(who: string, layer: Bidirectional): Backward {
  const fw = backwardFor(layer.forwardLayer, who),
    bw = backwardFor(layer.backwardLayer, who);
  if (fw.trainingForward) {
    throw new WasmRnnError(
      `${who}: training ${layer.who} with dropout ${layer.forwardLayer.dropout} inside is not supported yet; expected dropout 0 in the wrapped layer (a Dropout layer before it works)`,
    );
  }
  const half = (s: Step, l: RecurrentLayer, mask: number): Step => {
    const S = l.stateNames.length,
      first = l === layer.forwardLayer ? 0 : S;
    const [B, T] = s.inputs[0]!.shape as [number, number];
    const y: Buf = { ptr: 0, shape: layer.returnSequences ? [B, T, l.units] : [B, l.units], dtype: "float32" };
    return {
      layer: l,
      inputs: [s.inputs[0]!, ...s.inputs.slice(1 + first, 1 + first + (s.inputs.length > 1 ? S : 0))],
      outputs: [y],
      scratch: 0,
      masks: { inputs: [mask], outputs: [], explicit: s.masks.explicit },
    };
  };
  const halfBytes = (s: Step) => {
    const [B, T] = s.inputs[0]!.shape as [number, number];
    return align(B * (layer.returnSequences ? T : 1) * layer.forwardLayer.units * 4);
  };
  const fwTrace = (s: Step) => fw.traceBytes(half(s, layer.forwardLayer, 0));
  return {
    traceBytes: (s) => fwTrace(s) + bw.traceBytes(half(s, layer.backwardLayer, 0)),
    tracedLayers: (s) => [
      { layer: layer.forwardLayer, offset: 0 },
      { layer: layer.backwardLayer, offset: fwTrace(s) },
    ],
    scratchBytes: (s) =>
      2 * halfBytes(s) +
      Math.max(fw.scratchBytes(half(s, layer.forwardLayer, 0)), bw.scratchBytes(half(s, layer.backwardLayer, 0))),
    run: ({ step, dOut, dIn, dParams, scratch, trace }) => {
      const k = trainKernels();
      const [B, T] = step.inputs[0]!.shape as [number, number];
      const H = layer.forwardLayer.units,
        S = layer.forwardLayer.stateNames.length;
      const seq = layer.returnSequences,
        Ts = seq ? T : 1;
      const dF = scratch,
        dB = scratch + halfBytes(step),
        sub = dB + halfBytes(step);
      const merged = layer.mergeMode !== null;
      const first = merged ? 1 : 2;
      if (merged) {
        // the forward pass left the halves' outputs at the start of its own scratch (bidirectional.ts)
        const yF = step.scratch,
          yB = step.scratch + halfBytes(step);
        k.merge_pair_backward(B, Ts, H, dOut[0]!, yF, yB, seq ? 1 : 0, MERGE_IDS[layer.mergeMode!], dF, dB);
      } else {
        const f32 = heapF32();
        f32.copyWithin(dF >> 2, dOut[0]! >> 2, (dOut[0]! >> 2) + B * Ts * H);
        if (seq) k.reverse_time(B, T, H, dOut[1]!, dB);
        else f32.copyWithin(dB >> 2, dOut[1]! >> 2, (dOut[1]! >> 2) + B * H);
      }
      const mask = step.inputs.length > 1 && !step.masks.explicit ? 0 : (step.masks.inputs[0] ?? 0);
      const nF = layer.forwardLayer.paramBlocks().length;
      const states = dOut.slice(first, first + 2 * S),
        dStates = dIn.slice(1);
      const fwTraceBytes = fwTrace(step);
      fw.run({
        step: half(step, layer.forwardLayer, mask),
        dOut: [dF, ...states.slice(0, S)],
        dIn: [dIn[0]!, ...dStates.slice(0, S)],
        dParams: dParams.slice(0, nF),
        dSquares: [],
        scratch: sub,
        trace,
        dPre: 0,
      });
      bw.run({
        step: half(step, layer.backwardLayer, mask),
        dOut: [dB, ...states.slice(S)],
        dIn: [dIn[0]!, ...dStates.slice(S)],
        dParams: dParams.slice(nF),
        dSquares: [],
        scratch: sub,
        trace: trace + fwTraceBytes,
        dPre: 0,
      });
    },
  };
}

/** Dropout while training: the keep mask (u8 per value) is the trace (assembly/dropout.ts). */
const dropoutBackward: Backward = {
  traceBytes: (s) => sizeOf(s.inputs[0]!.shape),
  scratchBytes: none,
  trainingForward: (s, trace, seed) => {
    trainKernels().dropout_forward(
      sizeOf(s.inputs[0]!.shape),
      s.inputs[0]!.ptr,
      s.outputs[0]!.ptr,
      trace,
      (s.layer as Dropout).rate,
      seed,
    );
  },
  run: ({ step, dOut, dIn, trace }) => {
    if (dOut[0] && dIn[0])
      trainKernels().dropout_backward(
        sizeOf(step.outputs[0]!.shape),
        dOut[0],
        trace,
        (step.layer as Dropout).rate,
        dIn[0],
      );
  },
};

/**
 * A recurrent layer's input dropout while training (Keras `dropout` with `recurrentDropout` 0,
 * its implementation 2): one mask per row [B, I], scaled by 1 / (1 - rate) and the same at every
 * step, multiplies the input; the layer then runs on the masked copy. The copy and the mask follow
 * the inner backward's trace; the input's gradient goes through the same mask.
 */
function withInputDropout(inner: Backward, rate: number): Backward {
  const shape = (s: Step) => s.inputs[0]!.shape as [number, number, number];
  const copyBytes = (s: Step) => align(sizeOf(shape(s)) * 4);
  // the masked input as a buffer: after the inner trace, then the mask [B, I]
  const masked = (s: Step, trace: number): Buf => ({
    ptr: trace + align(inner.traceBytes(s)),
    shape: [...shape(s)],
    dtype: "float32",
  });
  const maskAt = (s: Step, trace: number) => masked(s, trace).ptr + copyBytes(s);
  const onCopy = (s: Step, trace: number): Step => ({ ...s, inputs: [masked(s, trace), ...s.inputs.slice(1)] });
  return {
    traceBytes: (s) => align(inner.traceBytes(s)) + copyBytes(s) + shape(s)[0] * shape(s)[2] * 4,
    tracedLayers: inner.tracedLayers,
    scratchBytes: (s) => align(inner.scratchBytes(s)) + copyBytes(s),
    trainingForward: (s, trace, seed) => {
      const k = trainKernels();
      const [B, T, I] = shape(s);
      const x = masked(s, trace),
        m = maskAt(s, trace);
      k.dropout_mask(B * I, m, rate, seed);
      k.scale_steps(B, T, I, s.inputs[0]!.ptr, m, x.ptr, 0);
      s.layer.forward([x, ...s.inputs.slice(1)], s.outputs, s.scratch, s.masks);
    },
    run: (call) => {
      const { step, dIn, scratch, trace } = call;
      const [B, T, I] = shape(step);
      const dx = dIn[0] ? scratch + align(inner.scratchBytes(step)) : 0;
      if (dx) heapF32().fill(0, dx >> 2, (dx >> 2) + B * T * I);
      inner.run({ ...call, step: onCopy(step, trace), dIn: [dx, ...dIn.slice(1)] });
      if (dx) trainKernels().scale_steps(B, T, I, dx, maskAt(step, trace), dIn[0]!, 1);
    },
  };
}

/** A layer whose output is its input's values (copies): the gradient passes through. */
const identity: Backward = {
  traceBytes: none,
  scratchBytes: none,
  run: ({ step, dOut, dIn }) => {
    if (dOut[0] && dIn[0]) trainKernels().add_arrays(sizeOf(step.outputs[0]!.shape), dIn[0], dOut[0], dIn[0]);
  },
};

const BACKWARDS = new Map<Function, Backward | null>([
  [GRU, gruBackward],
  [LSTM, lstmBackward],
  [SimpleRNN, simpleRnnBackward],
  [Dense, denseBackwardStep],
  [
    Activation,
    {
      traceBytes: none,
      scratchBytes: (s) => sizeOf(s.outputs[0]!.shape) * 4,
      run: ({ step, dOut, dIn, scratch, dPre }) => {
        if (!dIn[0]) return;
        const y = step.outputs[0]!;
        const F = y.shape.at(-1)!,
          n = sizeOf(y.shape);
        const k = trainKernels();
        if (dOut[0]) {
          k.activation_backward_rows(
            n / F,
            F,
            y.ptr,
            dOut[0],
            scratch,
            F,
            ACTIVATION_IDS[(step.layer as Activation).activation],
          );
          k.add_arrays(n, dIn[0], scratch, dIn[0]);
        }
        if (dPre) k.add_arrays(n, dIn[0], dPre, dIn[0]);
      },
    },
  ],
  [
    Embedding,
    {
      sparseSquares: true,
      traceBytes: none,
      scratchBytes: none,
      run: ({ step, dOut, dParams, dSquares }) => {
        if (!dOut[0]) return;
        const ids = step.inputs[0]!;
        const layer = step.layer as Embedding;
        trainKernels().embedding_backward(
          sizeOf(ids.shape),
          layer.outputDim,
          ids.ptr,
          ids.dtype === "float32" ? 1 : 0,
          dOut[0],
          dParams[0]!,
          dSquares[0] ?? 0,
        );
      },
    },
  ],
  [
    Masking,
    {
      traceBytes: none,
      scratchBytes: none,
      run: ({ step, dOut, dIn }) => {
        if (!dOut[0] || !dIn[0]) return;
        const x = step.inputs[0]!;
        const F = x.shape.at(-1)!;
        trainKernels().masking_backward(sizeOf(x.shape) / F, F, step.masks.outputs[0]!, dOut[0], dIn[0]);
      },
    },
  ],
  [
    RepeatVector,
    {
      traceBytes: none,
      scratchBytes: none,
      run: ({ step, dOut, dIn }) => {
        if (!dOut[0] || !dIn[0]) return;
        const [B, F] = step.inputs[0]!.shape as [number, number];
        trainKernels().repeat_rows_backward(B, (step.layer as RepeatVector).n, F, dOut[0], dIn[0]);
      },
    },
  ],
  [
    Concatenate,
    {
      traceBytes: none,
      scratchBytes: none,
      run: ({ step, dOut, dIn }) => {
        if (!dOut[0]) return;
        const out = step.outputs[0]!;
        const a = (step.layer as Concatenate).resolvedAxis(out.shape.length);
        const outer = sizeOf(out.shape.slice(0, a)),
          stride = sizeOf(out.shape.slice(a));
        let offset = 0;
        step.inputs.forEach((x, i) => {
          const chunk = sizeOf(x.shape.slice(a));
          if (dIn[i]) trainKernels().add_blocks(outer, chunk, dOut[0]! + offset * 4, stride, dIn[i]!, chunk);
          offset += chunk;
        });
      },
    },
  ],
  [
    Add,
    {
      traceBytes: none,
      scratchBytes: none,
      run: ({ step, dOut, dIn }) => {
        if (!dOut[0]) return;
        const n = sizeOf(step.outputs[0]!.shape);
        for (const d of dIn) if (d) trainKernels().add_arrays(n, d, dOut[0], d);
      },
    },
  ],
  [Flatten, identity],
]);

/** The backward for a layer, or an error naming what is not trainable yet. */
export function backwardFor(layer: Layer, who: string): Backward {
  if (layer instanceof Dropout) return layer.rate === 0 ? identity : dropoutBackward;
  // Keras applies either only for 0 < rate < 1 (a rate of 1 drops nothing there)
  if (layer instanceof RecurrentLayer && layer.recurrentDropout > 0 && layer.recurrentDropout < 1) {
    throw new WasmRnnError(
      `${who}: training ${layer.who} with recurrentDropout ${layer.recurrentDropout} is not supported yet; ` +
        `expected recurrentDropout 0 (dropout on the inputs, and Dropout layers, are supported), got ${layer.recurrentDropout}`,
    );
  }
  if (layer instanceof RecurrentLayer && layer.dropout > 0 && layer.dropout < 1) {
    const inner = BACKWARDS.get(layer.constructor);
    if (!inner) throw new WasmRnnError(`${who}: training is not supported for ${layer.who} yet`);
    return withInputDropout(inner, layer.dropout);
  }
  if (layer instanceof TimeDistributed) return timeDistributed(backwardFor(layer.layer, who));
  if (layer instanceof Bidirectional) return bidirectional(who, layer);
  const b = layer instanceof InputLayer ? identity : BACKWARDS.get(layer.constructor);
  if (!b) {
    throw new WasmRnnError(
      `${who}: training is not supported for ${layer.who} yet; expected layers of the kinds LSTM, GRU, SimpleRNN, Bidirectional, Dense, Embedding, ` +
        `TimeDistributed, Activation, Masking, RepeatVector, Concatenate, Add, Flatten, Dropout(0), got ${layer.className}`,
    );
  }
  return b;
}
