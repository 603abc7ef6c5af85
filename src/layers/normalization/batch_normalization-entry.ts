// BatchNormalization's file entry and its training (what predict never needs).
// Training, as Keras 3's BatchNormalization.call(training=True): the batch's moments per channel
// (biased variance; with a mask, over the kept positions only, divided by their count + 1e-7), the
// output from them, and the gradient through them. The moving statistics follow as Keras assigns
// them, moving = moving * momentum + batch * (1 - momentum), in `commit` once the step is taken
// (a refused step leaves them as they were).
import { trainKernels } from "../../core/train-kernels.js";
import { heapF32 } from "../../core/wasm.js";
import type { Backward } from "../backward-base.js";
import type { ConfigReader, Json, JsonObject } from "../config.js";
import { baseConfig, initConfig, type LayerEntry } from "../entry.js";
import { carve, sizeOf } from "../heap.js";
import type { Step } from "../layer.js";
import { BatchNormalization } from "./batch_normalization.js";

/** Trace per step: the batch's mean, variance and count [C] each, and the folded a, b [C] each. */
const traceLayout = (base: number, C: number) =>
  carve(base, { mean: C * 4, vari: C * 4, cnt: C * 4, a: C * 4, b: C * 4 });

const bnOf = (s: Step) => s.layer as BatchNormalization;

const batchNormBackward: Backward = {
  traceBytes: (s) => traceLayout(0, bnOf(s).channels).total,
  scratchBytes: () => 0,
  trainingForward(s, trace) {
    const bn = bnOf(s);
    const x = s.inputs[0]!;
    const { O, N, I } = bn.groups(x.shape);
    const t = traceLayout(trace, bn.channels);
    const k = trainKernels();
    k.batch_norm_moments(O, N, I, x.ptr, s.masks.inputs[0] ?? 0, x.shape.at(-1)!, t.mean, t.vari, t.cnt);
    bn.foldAffine(t.mean, t.vari, t.a, t.b);
    k.norm_affine(O, N, I, x.ptr, t.a, t.b, s.outputs[0]!.ptr);
  },
  commit(s, trace) {
    const bn = bnOf(s);
    const t = traceLayout(trace, bn.channels);
    const { mean, variance } = bn.blocks;
    const f32 = heapF32();
    const m = Math.fround(bn.momentum),
      rest = Math.fround(1 - bn.momentum);
    for (const [moving, batch] of [
      [mean, t.mean],
      [variance, t.vari],
    ] as const) {
      for (let c = 0; c < bn.channels; c++) {
        const old = f32[(moving >>> 2) + c]!;
        f32[(moving >>> 2) + c] = Math.fround(Math.fround(old * m) + Math.fround(f32[(batch >>> 2) + c]! * rest));
      }
    }
  },
  run({ step, dOut, dIn, dParams, trace }) {
    const dy = dOut[0];
    if (!dy) return;
    const bn = bnOf(step);
    const x = step.inputs[0]!;
    const { O, N, I } = bn.groups(x.shape);
    const t = traceLayout(trace, bn.channels);
    const dGamma = bn.scale ? dParams[0]! : 0,
      dBeta = bn.center ? dParams[bn.scale ? 1 : 0]! : 0;
    const mask = step.masks.inputs[0] ?? 0;
    trainKernels().batch_norm_backward(
      O,
      N,
      I,
      x.ptr,
      dy,
      mask,
      x.shape.at(-1)!,
      t.mean,
      t.vari,
      t.cnt,
      bn.blocks.gamma,
      Math.fround(bn.epsilon),
      dIn[0] ?? 0,
      dGamma,
      dBeta,
    );
  },
};

/**
 * Frozen (trainable false), Keras 3 normalizes with the moving statistics in training too (its
 * inference forward, which leaves them unchanged): y = a x + b per channel, so dx = a dy.
 */
const frozenBatchNormBackward: Backward = {
  traceBytes: () => 0,
  scratchBytes: (s) => (2 * bnOf(s).channels + sizeOf(s.inputs[0]!.shape)) * 4,
  run({ step, dOut, dIn, scratch }) {
    const dy = dOut[0],
      dx = dIn[0];
    if (!dy || !dx) return;
    const bn = bnOf(step);
    const C = bn.channels,
      x = step.inputs[0]!;
    const a = scratch,
      b = scratch + C * 4,
      ady = scratch + 8 * C;
    bn.foldAffine(bn.blocks.mean, bn.blocks.variance, a, b);
    heapF32().fill(0, b >>> 2, (b >>> 2) + C);
    const { O, N, I } = bn.groups(x.shape);
    const k = trainKernels();
    k.norm_affine(O, N, I, dy, a, b, ady);
    k.add_arrays(sizeOf(x.shape), dx, ady, dx);
  },
};

/** Keras 2 files store axis as a list ([-1], [3]); Keras 3 as an int. */
function readAxis(cfg: ConfigReader): number {
  cfg.used.add("axis");
  const v: Json | undefined = cfg.raw.axis;
  if (v === undefined || v === null) return -1;
  const one = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (typeof one !== "number" || !Number.isInteger(one))
    cfg.fail(
      `expected axis to be an integer (or a list of one, as Keras 2 writes it), got ${JSON.stringify(v)}` +
        (Array.isArray(v) ? " (BatchNormalization over several axes is not supported)" : ""),
    );
  return one;
}

const off = (v: Json) => v === false || v === 0;

export const batchNormalizationEntry: LayerEntry<BatchNormalization> = {
  classNames: ["BatchNormalization", "BatchNormalizationV1", "BatchNormalizationV2", "SyncBatchNormalization"],
  cls: BatchNormalization,
  params: (cfg, inputs) => {
    const s = inputs[0] ?? [],
      a = readAxis(cfg);
    const d = s[a < 0 ? s.length + a : a];
    return 4 * (typeof d === "number" ? d : 0);
  },
  build(cfg) {
    cfg.requireDefault("renorm", off, "batch renormalization");
    cfg.requireDefault("virtual_batch_size", () => false, "virtual (ghost) batches");
    cfg.requireDefault("adjustment", () => false, "a custom adjustment function");
    cfg.requireDefault("mode", (v) => v === 0, "Keras 1 modes other than 0");
    for (const k of ["renorm_clipping", "renorm_momentum", "fused", "synchronized"]) cfg.used.add(k);
    return new BatchNormalization({
      name: cfg.name,
      axis: readAxis(cfg),
      momentum: cfg.num("momentum", 0.99),
      epsilon: cfg.num("epsilon", 1e-3),
      center: cfg.bool("center", true),
      scale: cfg.bool("scale", true),
      gammaInitializer: "ones",
      betaInitializer: "zeros",
      movingMeanInitializer: "zeros",
      movingVarianceInitializer: "ones",
    });
  },
  toConfig: (l, target) => {
    const cfg: JsonObject = {
      ...baseConfig(l.name),
      axis: l.axis as number,
      momentum: l.momentum,
      epsilon: l.epsilon,
      center: l.center,
      scale: l.scale,
      beta_initializer: initConfig("Zeros"),
      gamma_initializer: initConfig("Ones"),
      moving_mean_initializer: initConfig("Zeros"),
      moving_variance_initializer: initConfig("Ones"),
      beta_regularizer: null,
      gamma_regularizer: null,
      beta_constraint: null,
      gamma_constraint: null,
    };
    if (target === "keras")
      Object.assign(cfg, { synchronized: false, renorm: false, renorm_clipping: null, renorm_momentum: 0.99 });
    return cfg;
  },
  backward: (bn) => (bn.trainable ? batchNormBackward : frozenBatchNormBackward),
};
