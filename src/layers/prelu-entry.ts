// PReLU's file entry and backward: the alpha gradient per position, summed over the shared axes.
import { trainKernels } from "../core/train-kernels.js";
import { heapF32 } from "../core/wasm.js";
import type { Backward } from "./backward-base.js";
import { baseConfig, initConfig, type LayerEntry, ZEROS } from "./entry.js";
import { carve, sizeOf } from "./heap.js";
import type { Step } from "./layer.js";
import { PReLU } from "./prelu.js";

function backwardLayout(base: number, s: Step) {
  const layer = s.layer as PReLU;
  const x = s.inputs[0]!.shape;
  return carve(base, { fwd: layer.layout(0, x).total, dAlpha: layer.plan(x) ? sizeOf(x.slice(1)) * 4 : 0 });
}

const preluBackward: Backward = {
  traceBytes: () => 0,
  scratchBytes: (s) => backwardLayout(0, s).total,
  run: ({ step, dOut, dIn, dParams, scratch }) => {
    if (!dOut[0]) return;
    const layer = step.layer as PReLU;
    const k = trainKernels();
    const x = step.inputs[0]!;
    const L = backwardLayout(scratch, step);
    const alpha = layer.alphaFor(k, x.shape, L.fwd);
    const S = sizeOf(x.shape.slice(1));
    const plan = layer.plan(x.shape);
    const dA = plan ? L.dAlpha : dParams[0]!;
    if (plan) heapF32().fill(0, dA >>> 2, (dA >>> 2) + S);
    k.param_act_backward(sizeOf(x.shape), x.ptr, 2, 0, 0, 0, alpha, S, dOut[0], dIn[0] ?? 0, dA);
    if (plan) k.broadcast_4d_backward(...plan, dA, dParams[0]!);
  },
};

export const preluEntry: LayerEntry<PReLU> = {
  classNames: ["PReLU"],
  cls: PReLU,
  params: (_cfg, inputs) => sizeOf((inputs[0] ?? []).slice(1).map((d) => d ?? 0)),
  build(cfg) {
    cfg.used.add("shared_axes");
    for (const key of ["alpha_initializer", "alpha_regularizer", "alpha_constraint"]) cfg.used.add(key);
    const s = cfg.raw.shared_axes;
    const ok =
      s === undefined || s === null || Number.isInteger(s) || (Array.isArray(s) && s.every((v) => Number.isInteger(v)));
    if (!ok) cfg.fail(`expected shared_axes to be null, an axis or a list of axes, got ${JSON.stringify(s)}`);
    return new PReLU({
      name: cfg.name,
      alphaInitializer: ZEROS,
      sharedAxes: s === undefined || s === null ? null : (s as number | number[]),
    });
  },
  toConfig: (l) => ({
    ...baseConfig(l.name),
    alpha_initializer: initConfig("Zeros"),
    alpha_regularizer: null,
    alpha_constraint: null,
    shared_axes: l.sharedAxes,
  }),
  backward: () => preluBackward,
};
