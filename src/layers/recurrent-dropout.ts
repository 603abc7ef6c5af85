// Keras 3's dropout inside LSTM, GRU and SimpleRNN while training, with recurrent dropout (and
// any dropout inside Bidirectional). Keras draws the masks once per call (RNN.call prepares them,
// DropoutRNNCell caches them) and reuses them at every step:
//   - SimpleRNN: one input mask [B, I] and one recurrent mask [B, H];
//   - LSTM (GRU): a recurrent_dropout other than 0 switches the cell to implementation 1, where
//     each of the 4 (3) gates has its own input mask and its own recurrent mask, and multiplies
//     x * m_g and h_{t-1} * r_g by its kernel slices; without recurrent dropout, one input mask.
// The cell then runs the training kernels of assembly/rnn/dropout_cells.ts (armed on the layer
// through `trainingCell`, so Bidirectional runs its halves as usual), and the backward reads the
// masks from the trace. Inference never comes here.

import { ACTIVATION_IDS } from "../core/activations.js";
import { trainKernels } from "../core/train-kernels.js";
import { heapF32 } from "../core/wasm.js";
import type { Backward, BackwardCall } from "./backward-base.js";
import type { GRU } from "./gru/gru.js";
import { carve } from "./heap.js";
import type { Step } from "./layer.js";
import type { LSTM } from "./lstm.js";
import type { RecurrentLayer } from "./recurrent.js";

/** The masks of one training forward, in its trace (0 where none). */
export interface DropoutBufs {
  /** Gates with their own masks. */
  G: number;
  /** Recurrent masks [G][B, P] (0 or 1 / (1 - rate)); 0 = no recurrent dropout. */
  rmask: number;
  /** The masked states h_{t-1} * r_g, [G][B, T, P] by processed step. */
  hm: number;
  /** Input masks [gi][B, I]; 0 = no input dropout. */
  imask: number;
  /** How many input masks: G (implementation 1), 1 (one shared), 0. */
  gi: number;
  /** The masked inputs x * m_g, [gi][B, T, I]. */
  xm: number;
}

/** A backward call with the forward's dropout masks (`drop` absent: no dropout). */
export type DropoutCall = BackwardCall & { drop?: DropoutBufs };

/** A backward whose dropout forward can be armed on its layer (Bidirectional arms both halves). */
export interface ArmedBackward extends Backward {
  arm(step: Step, trace: number, seed: number): void;
  disarm(step: Step): void;
}

/**
 * Test-only seam (not exported by the package): `inject` replaces the drawn masks by given ones,
 * `observe` sees the drawn ones, compact [G][B, F] (F = I for inputs, units for the state).
 */
export const dropoutMaskSeam: {
  inject:
    | ((layer: RecurrentLayer, kind: "input" | "recurrent", G: number, B: number, F: number) => Float32Array)
    | null;
  observe: ((layer: RecurrentLayer, kind: "input" | "recurrent", masks: Float32Array) => void) | null;
} = { inject: null, observe: null };

/** Gates with their own masks in Keras's implementation 1. */
export function dropoutGates(layer: RecurrentLayer): number {
  return layer.className === "LSTM" ? 4 : layer.className === "GRU" ? 3 : 1;
}

/** Wraps a recurrent layer's plain backward with Keras's dropout masks (see the file's comment). */
export function withDropout(inner: Backward, layer: RecurrentLayer): ArmedBackward {
  const G = dropoutGates(layer);
  const rate = layer.dropout,
    rrate = layer.recurrentDropout;
  const gr = rrate > 0 && rrate < 1 ? G : 0;
  // Keras: 0 < dropout < 1 masks the input; implementation 1 (any recurrent_dropout) per gate
  const gi = rate > 0 && rate < 1 ? (rrate !== 0 ? G : 1) : 0;
  const dims = (s: Step) => {
    const [B, T, I] = s.inputs[0]!.shape as [number, number, number];
    return { B, T, I, P: layer.stateStride };
  };
  const layout = (s: Step, base: number) => {
    const { B, T, I, P } = dims(s);
    return carve(base, {
      inner: inner.traceBytes(s),
      rmask: gr * B * P * 4,
      hm: gr * B * T * P * 4,
      imask: gi * B * I * 4,
      xm: gi * B * T * I * 4,
    });
  };
  const bufs = (s: Step, trace: number): DropoutBufs => {
    const at = layout(s, trace);
    return { G, rmask: gr ? at.rmask : 0, hm: at.hm, imask: gi ? at.imask : 0, gi, xm: at.xm };
  };
  const draw = (
    kind: "input" | "recurrent",
    ptr: number,
    g: number,
    B: number,
    F: number,
    ld: number,
    seed: number,
  ) => {
    const k = trainKernels();
    const r = kind === "input" ? rate : rrate;
    k.dropout_mask(g * B * ld, ptr, r, seed);
    const { inject, observe } = dropoutMaskSeam;
    if (!inject && !observe) return;
    const f32 = heapF32();
    const given = inject?.(layer, kind, g, B, F);
    const seen = new Float32Array(g * B * F);
    for (let row = 0; row < g * B; row++) {
      const at = (ptr >>> 2) + row * ld;
      for (let j = 0; j < ld; j++) {
        if (given) f32[at + j] = j < F ? given[row * F + j]! : 0;
        if (j < F) seen[row * F + j] = f32[at + j]!;
      }
    }
    observe?.(layer, kind, seen);
  };
  const arm = (s: Step, trace: number, seed: number) => {
    const { B, T, I, P } = dims(s);
    const d = bufs(s, trace);
    layer.trainingCell = (_B, _T, x, states, y, extra, mask, zeroOutput, last, scratch) => {
      const k = trainKernels();
      if (d.rmask) draw("recurrent", d.rmask, G, B, layer.units, P, seed);
      if (d.imask) {
        draw("input", d.imask, gi, B, I, I, (seed ^ 0x5bd1e995) >>> 0);
        for (let g = 0; g < gi; g++) k.scale_steps(B, T, I, x, d.imask + g * B * I * 4, d.xm + g * B * T * I * 4, 0);
      }
      runDropoutCell(layer, {
        B,
        T,
        I,
        x: d.imask ? d.xm : x,
        gs: gi > 1 ? B * T * I : 0,
        states,
        y,
        extra,
        mask,
        zero: zeroOutput ? 1 : 0,
        last,
        scratch,
        trace,
        rmask: d.rmask,
        hm: d.hm,
      });
    };
  };
  const disarm = () => {
    layer.trainingCell = null;
  };
  return {
    traceBytes: (s) => layout(s, 0).total,
    tracedLayers: inner.tracedLayers,
    scratchBytes: inner.scratchBytes,
    arm,
    disarm,
    trainingForward: (s, trace, seed) => {
      arm(s, trace, seed);
      try {
        s.layer.forward(s.inputs, s.outputs, s.scratch, s.masks);
      } finally {
        disarm();
      }
    },
    run: (call) => inner.run({ ...call, drop: bufs(call.step, call.trace) } as DropoutCall),
  };
}

/** What a dropout cell kernel call needs (pointers; x the masked inputs, gs floats between copies). */
interface CellCall {
  B: number;
  T: number;
  I: number;
  x: number;
  gs: number;
  states: readonly number[];
  y: number;
  extra: readonly { ptr: number }[];
  mask: number;
  zero: number;
  last: number;
  scratch: number;
  trace: number;
  rmask: number;
  hm: number;
}

/** The input projections (per-gate operands) and the cell's dropout kernel (assembly/rnn/dropout_cells.ts). */
function runDropoutCell(layer: RecurrentLayer, c: CellCall): void {
  const k = trainKernels();
  const { B, T, I, x, gs } = c;
  const H = layer.units,
    P = layer.stateStride;
  const { blocks: p, at } = layer.cellBuffers(B, T);
  const act = ACTIVATION_IDS[layer.activation];
  // (a SimpleRNN has no recurrent activation; its kernel takes none)
  const rec = ACTIVATION_IDS[(layer as LSTM | GRU).recurrentActivation ?? "sigmoid"];
  const back = layer.goBackwards ? 1 : 0;
  const s = (name: string) => c.scratch + at[name]!;
  if (layer.className === "LSTM") {
    const N = 4 * P;
    k.gated_gemm(4, B * T, N, I, x, I, gs, p[0]!, p[2]!, 0, s("xw"), N);
    const cseq = (layer as LSTM).returnCellSequences ? c.extra[0]!.ptr : 0;
    k.lstm_dropout_forward(
      B,
      T,
      H,
      s("xw"),
      p[1]!,
      act,
      rec,
      back,
      c.states[0]!,
      c.states[1]!,
      s("z"),
      c.y,
      cseq,
      c.trace,
      c.mask,
      c.zero,
      c.last,
      c.rmask,
      c.hm,
    );
  } else if (layer.className === "GRU" && (layer as GRU).resetAfter) {
    const N = 3 * P;
    k.gated_gemm(3, B * T, N, I, x, I, gs, p[0]!, p[2]!, 0, s("xw"), N);
    k.gru_after_dropout_forward(
      B,
      T,
      H,
      s("xw"),
      p[1]!,
      p[3]!,
      act,
      rec,
      back,
      c.states[0]!,
      s("hu"),
      c.y,
      c.mask,
      c.zero,
      c.last,
      c.trace,
      c.rmask,
      c.hm,
    );
  } else if (layer.className === "GRU") {
    const Q = (H + 15) & ~15;
    k.gated_gemm(2, B * T, 2 * P, I, x, I, gs, p[0]!, p[4]!, 0, s("xzr"), 2 * P);
    k.gated_gemm(4, B * T, Q, I, x + 2 * gs * 4, I, 0, p[1]!, p[5]!, 0, s("xh"), Q);
    k.gru_before_dropout_forward(
      B,
      T,
      H,
      s("xzr"),
      s("xh"),
      p[2]!,
      p[3]!,
      act,
      rec,
      back,
      c.states[0]!,
      s("zr"),
      s("rh"),
      s("hh"),
      c.y,
      c.mask,
      c.zero,
      c.last,
      c.trace,
      c.rmask,
      c.hm,
    );
  } else {
    k.gated_gemm(4, B * T, P, I, x, I, 0, p[0]!, p[2]!, 0, s("xw"), P);
    k.simple_rnn_dropout_forward(
      B,
      T,
      H,
      s("xw"),
      p[1]!,
      act,
      back,
      c.states[0]!,
      s("z"),
      c.y,
      c.mask,
      c.zero,
      c.last,
      c.trace,
      c.rmask,
      c.hm,
    );
  }
}
