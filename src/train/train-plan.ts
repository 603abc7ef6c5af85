// A trainer's plan for one batch shape: the model's forward plan plus a gradient buffer per
// intermediate tensor, a trace and backward scratch per step, target and sample-weight buffers,
// and each step's backward call with every pointer fixed. Allocated once; a batch allocates nothing.
import { arena } from "../core/arena.js";
import { WasmRnnError } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { heapF32 } from "../core/wasm.js";
import { Activation } from "../layers/activation.js";
import { backwardFor } from "../layers/backward.js";
import type { Backward, BackwardCall } from "../layers/backward-base.js";
import { ConvBase } from "../layers/conv/conv-base.js";
import { Dense } from "../layers/dense.js";
import { type Buf, checkFits, sizeOf, writeBufs } from "../layers/heap.js";
import type { Layer } from "../layers/layer.js";
import { RecurrentLayer } from "../layers/recurrent.js";
import type { Plan } from "../model/model.js";
import { logitsLossFor } from "./losses.js";
import type { Loss } from "./types.js";

/**
 * How one output's loss is computed. Keras on TensorFlow computes a crossentropy that follows a
 * softmax or sigmoid from that activation's input (the logits, `_keras_logits`), in the stable
 * form: then `logits` holds the pre-activation [M, units] and the gradient goes to `dPre`, which
 * the producing Dense/Activation adds below its activation (src/train/losses.ts, logitsLossFor).
 */
export interface OutputLoss {
  loss: Loss;
  /** The plan step producing the output, and where its pre-activation is (0: no substitution). */
  step: number;
  logits: number;
  dPre: number;
  mask: number;
  /** f32 sample weights, one per per-sample value ([B] or [B, T]), and whether this batch has them. */
  weight: number;
  weightCount: number;
  weighted: boolean;
}

export interface TrainPlan {
  plan: Plan;
  /** Gradient buffer of each intermediate tensor (by its forward buffer). */
  grads: Map<Buf, number>;
  gradBytes: { ptr: number; bytes: number }[];
  /** Per step: its backward, trace and scratch, and which recurrent layers write the trace where. */
  backwards: Backward[];
  traces: number[];
  tracers: { layer: RecurrentLayer; ptr: number }[][];
  /** Per step, the backward call (all pointers fixed by the plan). */
  calls: BackwardCall[];
  scratch: number[];
  /** Per output: its target buffer and loss, or null for an output without a loss. */
  targets: (Buf | null)[];
  outputs: (OutputLoss | null)[];
  ptrs: number[];
}

/** A layer's gradient blocks (and squared-gradient blocks), one per paramBlocks() entry. */
export interface LayerGrads {
  grads: number[];
  squares: number[];
}

/**
 * Builds the training buffers around `plan` (the model's plan for this batch shape): `ys` are the
 * targets (for their shapes and dtypes), `n` the batch's rows. `prepare` runs once the buffers
 * exist (the trainer makes its metrics and gradient blocks then); `gradsOf` gives each layer's
 * gradient blocks. When building throws, everything (the plan's buffers too) is freed again.
 */
export function buildTrainPlan(
  plan: Plan,
  ys: readonly (Tensor | null)[],
  n: number,
  losses: readonly (Loss | null)[],
  who: string,
  prepare: (plan: Plan) => void,
  gradsOf: (layer: Layer) => LayerGrads | undefined,
): TrainPlan {
  const ptrs = [...plan.ptrs];
  const alloc = (bytes: number) => {
    const p = arena.alloc(Math.max(bytes, 4));
    ptrs.push(p);
    return p;
  };
  try {
    const grads = new Map<Buf, number>();
    const gradBytes: { ptr: number; bytes: number }[] = [];
    for (const s of plan.steps) {
      for (const b of s.outputs) {
        const bytes = sizeOf(b.shape) * 4;
        const ptr = alloc(bytes);
        grads.set(b, ptr);
        gradBytes.push({ ptr, bytes });
      }
    }
    const backwards = plan.steps.map((s) => backwardFor(s.layer, who));
    const traces = plan.steps.map((s, i) => {
      const bytes = backwards[i]!.traceBytes(s);
      return bytes ? alloc(bytes) : 0;
    });
    const scratch = plan.steps.map((s, i) => {
      const bytes = backwards[i]!.scratchBytes(s);
      return bytes ? alloc(bytes) : 0;
    });
    const targets = plan.outputs.map((out, i) => {
      const y = ys[i];
      if (!losses[i] || !y) return null;
      losses[i]!.checkTarget(out.shape, [n, ...y.shape.slice(1)], y.dtype, `${who} output ${i}`);
      const shape = [n, ...y.shape.slice(1)];
      // int targets of a non-sparse loss are written as floats (Keras casts them), so the loss
      // needs no conversion buffer per batch
      const dtype = losses[i]!.sparse ? y.dtype : "float32";
      return { ptr: alloc(sizeOf(shape) * 4), shape, dtype };
    });
    const tracers = plan.steps.map((s, i) => {
      if (!traces[i]) return [];
      const at =
        backwards[i]!.tracedLayers?.(s) ?? (s.layer instanceof RecurrentLayer ? [{ layer: s.layer, offset: 0 }] : []);
      return at.map(({ layer, offset }) => ({ layer, ptr: traces[i]! + offset }));
    });
    const outputs = plan.outputs.map((out, i) => (losses[i] ? outputLoss(plan, out, losses[i]!, alloc) : null));
    prepare(plan);
    const calls = plan.steps.map(
      (step, i): BackwardCall => ({
        step,
        dOut: step.outputs.map((b) => grads.get(b) ?? 0),
        dIn: step.inputs.map((b) => grads.get(b) ?? 0),
        dParams: gradsOf(step.layer)?.grads ?? [],
        dSquares: gradsOf(step.layer)?.squares ?? [],
        scratch: scratch[i]!,
        trace: traces[i]!,
        dPre: outputs.find((o) => o && o.step === i && o.dPre)?.dPre ?? 0,
      }),
    );
    return { plan, grads, gradBytes, backwards, traces, tracers, calls, scratch, targets, outputs, ptrs };
  } catch (err) {
    for (const p of ptrs) arena.free(p);
    throw err;
  }
}

function outputLoss(plan: Plan, out: Buf, loss: Loss, alloc: (bytes: number) => number): OutputLoss {
  const step = plan.steps.findIndex((s) => s.outputs.includes(out));
  const s = plan.steps[step]!;
  const mask = s.masks.outputs[s.outputs.indexOf(out)] ?? 0;
  const layer = s.layer;
  const weightCount = sizeOf(out.shape) / out.shape[out.shape.length - 1]!;
  const weights = { weight: alloc(weightCount * 4), weightCount, weighted: false };
  const activation =
    layer instanceof Dense || layer instanceof ConvBase || layer instanceof Activation ? layer.activation : null;
  const logitsLoss = activation && !loss.fromLogits ? logitsLossFor(loss, activation) : null;
  if (!logitsLoss || s.outputs[0] !== out) return { loss, step, logits: 0, dPre: 0, mask, ...weights };
  const n = sizeOf(out.shape);
  return {
    loss: logitsLoss,
    step,
    logits: preActivation(layer) ? alloc(n * 4) : s.inputs[0]!.ptr,
    dPre: alloc(n * 4),
    mask,
    ...weights,
  };
}

/** Copies rows `rows` of `t` (all rows when omitted) into a batch buffer, converting to its dtype. */
export function writeRows(b: Buf, t: Tensor, rows?: readonly number[], who = "wasm-rnn training"): void {
  const rowSize = t.shape[0] ? t.size / t.shape[0] : 0;
  checkFits(b, rows ? rows.length * rowSize : t.size, who);
  if (rows?.some((r) => !(Number.isInteger(r) && r >= 0 && r < t.shape[0]!))) {
    throw new WasmRnnError(`${who}: expected row indices below ${t.shape[0]}, got one outside`);
  }
  if (!rows && b.dtype === t.dtype) {
    writeBufs([b], [t]);
    return;
  }
  const f32 = heapF32();
  const view = b.dtype === "int32" ? new Int32Array(f32.buffer) : f32;
  if (!rows) {
    view.set(t.data, b.ptr >>> 2);
    return;
  }
  rows.forEach((r, i) => view.set(t.data.subarray(r * rowSize, (r + 1) * rowSize), (b.ptr >>> 2) + i * rowSize));
}

/**
 * Where a layer that keeps its pre-activation in its scratch has it (Dense, the convolutions: z
 * [M, padded] from the scratch's start), or null for one that does not (Activation reads its input).
 */
export function preActivation(layer: Layer): { units: number; padded: number } | null {
  if (layer instanceof Dense) return { units: layer.units, padded: layer.paddedUnits };
  if (layer instanceof ConvBase) return { units: layer.filters, padded: layer.paddedOut };
  return null;
}
