// Attention's and AdditiveAttention's backward (fit). The softmax weights are recomputed per batch row from
// the inputs; training dropout keeps its keep-mask as the trace (u8 [B, Tq, Tv]).
import { trainKernels } from "../../core/train-kernels.js";
import { heapF32 } from "../../core/wasm.js";
import type { Backward } from "../backward-base.js";
import { carve } from "../heap.js";
import type { Step } from "../layer.js";
import { AdditiveAttention } from "./additive_attention.js";
import type { Attention } from "./attention.js";
import { type BaseAttention, zeroMaskedRows } from "./base.js";
import { scoreMask } from "./call.js";

/** Per batch row: raw scores / weights p, their gradient ds [Tq, Tv], the masked dy g [Tq, Dv], the mask, two sums. */
function layout(base: number, s: Step) {
  const [, Tq, D] = s.inputs[0]!.shape as [number, number, number];
  const [, Tv, Dv] = s.inputs[1]!.shape as [number, number, number];
  return carve(base, {
    p: Tq * Tv * 4,
    raw: Tq * Tv * 4,
    ds: Tq * Tv * 4,
    g: Tq * Dv * 4,
    mask: Tq * Tv,
    tmp: ((D + 3) & ~3) * 4,
    sums: 8,
  });
}

const keepBytes = (s: Step) => s.inputs[0]!.shape[0]! * s.inputs[0]!.shape[1]! * s.inputs[1]!.shape[1]!;

export function attentionBackward(layer: BaseAttention): Backward {
  const rate = layer.dropout;
  return {
    traceBytes: (s) => (rate > 0 ? keepBytes(s) : 0),
    scratchBytes: (s) => layout(0, s).total,
    trainingForward:
      rate > 0
        ? (s, trace, seed) => {
            const [, Tq] = s.inputs[0]!.shape as [number, number];
            const Tv = s.inputs[1]!.shape[1]!;
            // the forward with dropout on each row's weights; the keep masks are the trace
            layer.forwardRows(s.inputs, s.outputs, s.scratch, s.masks, (b, p) =>
              trainKernels().dropout_forward(Tq * Tv, p, p, trace + b * Tq * Tv, rate, (seed + b * 7919) >>> 0),
            );
          }
        : undefined,
    run: ({ step, dOut, dIn, dParams, scratch, trace }) => {
      const dy = dOut[0] ?? 0,
        dScores = dOut[1] ?? 0;
      if (!dy && !dScores) return;
      const k = trainKernels();
      const f32 = heapF32();
      const [q, v] = step.inputs as [Step["inputs"][0], Step["inputs"][0]];
      const key = step.inputs[2] ?? v;
      const [B, Tq, D] = q.shape as [number, number, number];
      const [, Tv, Dv] = v.shape as [number, number, number];
      const L = layout(scratch, step);
      const dq = dIn[0] ?? 0,
        dv = dIn[1] ?? 0,
        dk = step.inputs[2] ? (dIn[2] ?? 0) : dv;
      const additive = layer instanceof AdditiveAttention;
      const att = layer as Attention;
      const dot = !additive && att.scoreMode === "dot";
      const { scale, concat } = additive ? { scale: 1, concat: 1 } : att.factors;
      const w = additive ? (layer as AdditiveAttention).scalePtr : 0;
      let dScale = 0,
        dConcat = 0;
      f32.fill(0, L.sums >>> 2, (L.sums >>> 2) + 2);
      for (let b = 0; b < B; b++) {
        const qb = q.ptr + b * Tq * D * 4,
          kb = key.ptr + b * Tv * D * 4,
          vb = v.ptr + b * Tv * Dv * 4;
        // the weights again: raw scores, masked softmax, dropout's kept weights
        layer.scores(qb, kb, Tq, Tv, D, L.p, L.tmp);
        f32.copyWithin(L.raw >>> 2, L.p >>> 2, (L.p >>> 2) + Tq * Tv);
        const m = scoreMask(L.mask, b, Tq, Tv, {
          query: 0,
          value: step.masks.inputs[1] ?? 0,
          key: 0,
          causal: layer.calls.causal,
          tensor: 0,
        });
        k.attn_softmax(Tq, Tv, L.p, Tv, m, 0);
        // g: dy with the query-masked rows zeroed (the forward's where(q_mask, out, 0))
        if (dy) f32.copyWithin(L.g >>> 2, (dy + b * Tq * Dv * 4) >>> 2, ((dy + b * Tq * Dv * 4) >>> 2) + Tq * Dv);
        else f32.fill(0, L.g >>> 2, (L.g >>> 2) + Tq * Dv);
        if (step.masks.inputs[0]) zeroMaskedRows(L.g, step.masks.inputs[0] + b * Tq, Tq, Dv);
        // d(kept weights) = g . v^T (+ the scores output's gradient: it is the kept weights), through the
        // dropout's keep mask; dv += kept weights^T . g
        k.attn_dot_scores(Tq, Tv, Dv, L.g, Dv, vb, Dv, 1, L.ds, Tv);
        if (dScores) k.add_arrays(Tq * Tv, L.ds, dScores + b * Tq * Tv * 4, L.ds);
        if (rate > 0) {
          const keep = new Uint8Array(f32.buffer, trace + b * Tq * Tv, Tq * Tv);
          const inv = 1 / (1 - rate);
          for (let i = 0; i < Tq * Tv; i++) {
            const f = keep[i] ? inv : 0;
            f32[(L.ds >>> 2) + i] = f32[(L.ds >>> 2) + i]! * f;
          }
        }
        if (dv) {
          if (rate > 0) {
            // the kept weights, in raw's place (dot mode's scale recomputes raw below)
            const keep = new Uint8Array(f32.buffer, trace + b * Tq * Tv, Tq * Tv);
            const inv = 1 / (1 - rate);
            for (let i = 0; i < Tq * Tv; i++) f32[(L.raw >>> 2) + i] = keep[i] ? f32[(L.p >>> 2) + i]! * inv : 0;
            k.attn_weighted_t(Tq, Tv, Dv, L.raw, Tv, L.g, Dv, vb - v.ptr + dv, Dv);
          } else k.attn_weighted_t(Tq, Tv, Dv, L.p, Tv, L.g, Dv, vb - v.ptr + dv, Dv);
        }
        k.attn_softmax_backward(Tq, Tv, L.p, Tv, L.ds, Tv, m, 0);
        const dqb = dq ? dq + b * Tq * D * 4 : 0,
          dkb = dk ? dk + b * Tv * D * 4 : 0;
        if (dot) {
          // raw = scale * q.k: d scale = sum(ds * raw) / scale, recomputed without the scale when it is 0
          if (att.useScale) {
            k.attn_dot_scores(Tq, Tv, D, qb, D, kb, D, 1, L.raw, Tv);
            for (let i = 0; i < Tq * Tv; i++) dScale += f32[(L.ds >>> 2) + i]! * f32[(L.raw >>> 2) + i]!;
          }
          for (let i = 0; i < Tq * Tv; i++) f32[(L.ds >>> 2) + i]! *= scale;
          if (dqb) k.attn_weighted(Tq, Tv, D, L.ds, Tv, kb, D, dqb, D, 1);
          if (dkb) k.attn_weighted_t(Tq, Tv, D, L.ds, Tv, qb, D, dkb, D);
        } else {
          k.attn_additive_backward(
            Tq,
            Tv,
            D,
            qb,
            D,
            kb,
            D,
            w,
            scale,
            concat,
            L.ds,
            Tv,
            dqb,
            dkb,
            dParams[0] ?? 0,
            L.sums,
          );
        }
      }
      if (!additive) {
        if (!dot) {
          dScale = f32[L.sums >>> 2]!;
          dConcat = f32[(L.sums >>> 2) + 1]!;
        }
        let i = 0;
        if (att.useScale) f32[dParams[i++]! >>> 2]! += dScale;
        if (att.scoreMode === "concat") f32[dParams[i]! >>> 2]! += dConcat;
      }
    },
  };
}
