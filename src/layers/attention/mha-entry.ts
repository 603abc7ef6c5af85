// MultiHeadAttention's file entry (Keras 3; Keras 2.x / tf.keras configs with query_shape / key_shape /
// value_shape) and its backward: the forward again into scratch (projections, every head's weights), then
// the output projection's, each head's and the input projections' backward (Dense's, on the flattened heads).
import { trainKernels } from "../../core/train-kernels.js";
import { heapF32 } from "../../core/wasm.js";
import type { Backward, BackwardCall } from "../backward-base.js";
import type { ConfigReader, JsonObject } from "../config.js";
import { denseEntry } from "../dense-entry.js";
import { baseConfig, initConfig, type LayerEntry } from "../entry.js";
import { carve, sizeOf } from "../heap.js";
import type { Step, SymbolicTensor } from "../layer.js";
import { MultiHeadAttention, mhaLayout } from "./multi_head_attention.js";

const dims = (s: Step, l: MultiHeadAttention) => {
  const r = l.roles(s.inputs);
  return { r, B: r.query.shape[0]!, Tq: r.query.shape[1]!, Tv: r.value.shape[1]! };
};

/**
 * Backward scratch: the forward's buffers (mhaLayout), every head's weights P (and kept weights), the
 * gradients of Q, K, V, O, one head's ds, Dense's backward scratch.
 */
function layout(base: number, s: Step) {
  const l = s.layer as MultiHeadAttention;
  const { r, B, Tq, Tv } = dims(s, l);
  const NK = l.numHeads * l.keyDim,
    NV = l.numHeads * l.valueDim;
  const fwd = mhaLayout(l, B, Tq, Tv, l.denseScratch(B * Tq, B * Tv)).total;
  const denseBack = Math.max(
    ...[
      [l.dense!.query, r.query],
      [l.dense!.key, r.key],
      [l.dense!.value, r.value],
    ].map(([d, x]) => denseStep(d as never, x as never, 0, 0).bytes),
    denseStep(l.dense!.output, { ptr: 0, shape: [B, Tq, NV], dtype: "float32" }, 0, 0).bytes,
  );
  const heads = B * l.numHeads * Tq * Tv * 4;
  return carve(base, {
    fwd,
    p: heads,
    kept: l.dropout > 0 ? heads : 0,
    dq: B * Tq * NK * 4,
    dk: B * Tv * NK * 4,
    dv: B * Tv * NV * 4,
    dO: B * Tq * NV * 4,
    ds: Tq * Tv * 4,
    dense: denseBack,
  });
}

const dense = denseEntry.backward!(null as never, "", null as never);

/** A Dense projection as a step of its own (input x, output y), for Dense's backward; `bytes`: its scratch. */
function denseStep(layer: Step["layer"], x: Step["inputs"][0], y: number, scratch: number) {
  const step: Step = {
    layer,
    inputs: [x],
    outputs: [
      { ptr: y, shape: [...x.shape.slice(0, -1), (layer as unknown as { units: number }).units], dtype: "float32" },
    ],
    scratch,
    masks: { inputs: [0], outputs: [0] },
  };
  return { step, bytes: dense.scratchBytes(step) };
}

function runDense(
  call: BackwardCall,
  layer: Step["layer"],
  x: Step["inputs"][0],
  dy: number,
  dx: number,
  params: number[],
  scratch: number,
) {
  const { step } = denseStep(layer, x, 0, 0);
  dense.run({ ...call, step, dOut: [dy], dIn: [dx], dParams: params, dSquares: [], scratch, trace: 0, dPre: 0 });
}

const keepBytes = (s: Step) => {
  const l = s.layer as MultiHeadAttention;
  const { B, Tq, Tv } = dims(s, l);
  return B * l.numHeads * Tq * Tv;
};

export function mhaBackward(l: MultiHeadAttention): Backward {
  const rate = l.dropout;
  const heads = (s: Step) => {
    const { B, Tq, Tv } = dims(s, l);
    return { B, Tq, Tv, n: Tq * Tv, at: (b: number, h: number) => (b * l.numHeads + h) * Tq * Tv };
  };
  return {
    traceBytes: (s) => (rate > 0 ? keepBytes(s) : 0),
    scratchBytes: (s) => layout(0, s).total,
    trainingForward:
      rate > 0
        ? (s, trace, seed) => {
            const { B, Tq, Tv, n, at } = heads(s);
            const L = mhaLayout(l, B, Tq, Tv, 0);
            // the kept weights go to the scratch's scores row (the scores output keeps the weights before dropout)
            l.forwardAt(s.inputs, s.outputs, s.masks, s.scratch, undefined, (b, h, p) => {
              const dst = s.scratch + L.s;
              trainKernels().dropout_forward(n, p, dst, trace + at(b, h), rate, (seed + at(b, h)) >>> 0);
              return dst;
            });
          }
        : undefined,
    run: (call) => {
      const { step, dOut, dIn, dParams, scratch, trace } = call;
      const dy = dOut[0] ?? 0,
        dScores = dOut[1] ?? 0;
      if (!dy && !dScores) return;
      const k = trainKernels();
      const f32 = heapF32();
      const { r, B, Tq, Tv } = dims(step, l);
      const N = l.numHeads,
        K = l.keyDim,
        V = l.valueDim,
        NK = N * K,
        NV = N * V;
      const L = layout(scratch, step);
      const F = mhaLayout(l, B, Tq, Tv, l.denseScratch(B * Tq, B * Tv));
      const { n, at } = heads(step);
      const inv = 1 / (1 - rate);
      // the forward again, keeping every head's weights P (and the kept weights P')
      const out = { ptr: L.dense, shape: [B, Tq, sizeOf(l.outputDims)], dtype: "float32" as const };
      l.forwardAt(
        step.inputs,
        [out],
        step.masks,
        L.fwd,
        (b, h) => L.p + at(b, h) * 4,
        rate > 0
          ? (b, h, p) => {
              const dst = L.kept + at(b, h) * 4;
              const keep = new Uint8Array(f32.buffer, trace + at(b, h), n);
              for (let i = 0; i < n; i++) f32[(dst >>> 2) + i] = keep[i] ? f32[(p >>> 2) + i]! * inv : 0;
              return dst;
            }
          : undefined,
      );
      for (const [p, floats] of [
        [L.dq, B * Tq * NK],
        [L.dk, B * Tv * NK],
        [L.dv, B * Tv * NV],
        [L.dO, B * Tq * NV],
      ] as const)
        f32.fill(0, p >>> 2, (p >>> 2) + floats);
      const per = l.useBias ? 2 : 1;
      const params = (i: number) => dParams.slice(i * per, (i + 1) * per) as number[];
      const O = { ptr: L.fwd + F.o, shape: [B, Tq, NV], dtype: "float32" as const };
      if (dy) runDense(call, l.dense!.output, O, dy, L.dO, params(3), L.dense);
      const mask = L.fwd + F.mask;
      const scale = 1 / Math.sqrt(K);
      for (let b = 0; b < B; b++) {
        // the mask of row b again (forwardAt left only the last row's)
        const m = l.maskOf(step.inputs, step.masks, b, mask);
        for (let h = 0; h < N; h++) {
          const P = L.p + at(b, h) * 4,
            kept = rate > 0 ? L.kept + at(b, h) * 4 : P;
          const g = L.dO + (b * Tq * NV + h * V) * 4;
          const Qh = L.fwd + F.q + (b * Tq * NK + h * K) * 4,
            Kh = L.fwd + F.k + (b * Tv * NK + h * K) * 4,
            Vh = L.fwd + F.v + (b * Tv * NV + h * V) * 4;
          k.attn_dot_scores(Tq, Tv, V, g, NV, Vh, NV, 1, L.ds, Tv);
          if (rate > 0) {
            const keep = new Uint8Array(f32.buffer, trace + at(b, h), n);
            for (let i = 0; i < n; i++) f32[(L.ds >>> 2) + i] = keep[i] ? f32[(L.ds >>> 2) + i]! * inv : 0;
          }
          if (dScores) k.add_arrays(n, L.ds, dScores + at(b, h) * 4, L.ds);
          k.attn_weighted_t(Tq, Tv, V, kept, Tv, g, NV, L.dv + (b * Tv * NV + h * V) * 4, NV);
          k.attn_softmax_backward(Tq, Tv, P, Tv, L.ds, Tv, m, l.softmaxMode);
          for (let i = 0; i < n; i++) f32[(L.ds >>> 2) + i]! *= scale;
          k.attn_weighted(Tq, Tv, K, L.ds, Tv, Kh, NK, L.dq + (b * Tq * NK + h * K) * 4, NK, 1);
          k.attn_weighted_t(Tq, Tv, K, L.ds, Tv, Qh, NK, L.dk + (b * Tv * NK + h * K) * 4, NK);
        }
      }
      const dKey = l.calls.hasKey ? (dIn[2] ?? 0) : (dIn[1] ?? 0);
      runDense(call, l.dense!.query, r.query, L.dq, dIn[0] ?? 0, params(0), L.dense);
      runDense(call, l.dense!.key, r.key, L.dk, dKey, params(1), L.dense);
      runDense(call, l.dense!.value, r.value, L.dv, dIn[1] ?? 0, params(2), L.dense);
    },
  };
}

function shapeList(v: unknown): number[] | null {
  return Array.isArray(v) && v.every((n) => Number.isInteger(n)) ? (v as number[]) : null;
}

export const multiHeadAttentionEntry: LayerEntry<MultiHeadAttention> = {
  classNames: ["MultiHeadAttention"],
  cls: MultiHeadAttention,
  tensorArgs: ["value", "key", "attention_mask"],
  build(cfg: ConfigReader) {
    cfg.requireDefault("use_gate", (v) => v === false, "the gated variant is not implemented");
    cfg.requireDefault("sliding_window", () => false, "sliding-window masks are not implemented");
    cfg.requireDefault("flash_attention", (v) => v === false, "flash attention gives the same values: save without it");
    for (const k of ["query_shape", "key_shape", "value_shape", "seed", "kernel_initializer", "bias_initializer"])
      cfg.used.add(k);
    const os = cfg.raw.output_shape;
    const outputShape =
      os == null
        ? null
        : typeof os === "number"
          ? os
          : (shapeList(os) ??
            cfg.fail(`expected output_shape to be an int or a list of ints, got ${JSON.stringify(os)}`));
    cfg.used.add("output_shape");
    cfg.used.add("attention_axes");
    const axes = cfg.raw.attention_axes;
    const dropout = cfg.num("dropout", 0);
    if (!(dropout >= 0 && dropout < 1)) cfg.fail(`expected dropout in [0, 1), got ${dropout}`);
    return new MultiHeadAttention({
      name: cfg.name,
      numHeads: cfg.int("num_heads"),
      keyDim: cfg.int("key_dim"),
      valueDim: cfg.has("value_dim") ? cfg.int("value_dim") : null,
      dropout,
      useBias: cfg.bool("use_bias", true),
      outputShape,
      attentionAxes:
        axes == null
          ? null
          : typeof axes === "number"
            ? axes
            : (shapeList(axes) ??
              cfg.fail(`expected attention_axes to be a list of ints, got ${JSON.stringify(axes)}`)),
      kernelInitializer: "zeros",
      biasInitializer: "zeros",
    });
  },
  call(layer, inputs, _states, call) {
    const l = layer as MultiHeadAttention;
    const names = call?.names ?? [];
    const o: JsonObject = call?.options ?? {};
    const by = (n: string) => (names.includes(n) ? inputs[1 + names.indexOf(n)] : undefined);
    const value = by("value") ?? inputs[1]!;
    const key = by("key");
    const kw = {
      useCausalMask: o.use_causal_mask === true,
      returnAttentionScores: o.return_attention_scores === true,
      ...(by("attention_mask") ? { attentionMask: by("attention_mask")! } : {}),
    };
    const out = key ? l.apply(inputs[0]!, value, key, kw) : l.apply(inputs[0]!, value, kw);
    return Array.isArray(out) ? out : [out as SymbolicTensor];
  },
  toConfig: (l) => ({
    ...baseConfig(l.name),
    num_heads: l.numHeads,
    key_dim: l.keyDim,
    value_dim: l.valueDim,
    dropout: l.dropout,
    use_bias: l.useBias,
    output_shape: l.outputShape,
    attention_axes: [1],
    kernel_initializer: initConfig("GlorotUniform", { seed: null }),
    bias_initializer: initConfig("Zeros"),
    kernel_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
    seed: l.seed,
  }),
  saveCall: (l) => {
    const node = l.inboundNodes[0]!;
    const shape = (i: number) => [...node.inputs[i]!.shape];
    return {
      positional: l.calls.hasKey ? 2 : 1,
      kwargs: l.calls.kwargs(),
      kwargTensors: l.calls.hasAttentionMask ? ["attention_mask"] : [],
      buildConfig: {
        shapes_dict: {
          query_shape: shape(0),
          value_shape: shape(1),
          ...(l.calls.hasKey ? { key_shape: shape(2) } : {}),
        },
      },
    };
  },
  kerasVarsPaths: (l) =>
    ["query_dense", "key_dense", "value_dense", "output_dense"].map((p) => ({ path: [p], count: l.useBias ? 2 : 1 })),
  backward: (l) => mhaBackward(l),
};
