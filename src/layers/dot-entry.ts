// Dot's file entry and backward: two more batch_dot calls (each operand's gradient reads the other
// transposed), through the normalisation's backward when normalize is on.
import { trainKernels } from "../core/train-kernels.js";
import { heapF32 } from "../core/wasm.js";
import { type Backward, none } from "./backward-base.js";
import type { Json } from "./config.js";
import { Dot } from "./dot.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { carve, sizeOf } from "./heap.js";
import type { Step } from "./layer.js";

function backwardLayout(base: number, s: Step) {
  const layer = s.layer as Dot;
  const [x, y] = [s.inputs[0]!, s.inputs[1]!];
  const n = layer.normalize ? 4 : 0;
  return carve(base, {
    fwd: layer.layout(0, [x.shape, y.shape]).total,
    gx: sizeOf(x.shape) * n,
    gy: sizeOf(y.shape) * n,
  });
}

const dotBackward: Backward = {
  traceBytes: none,
  scratchBytes: (s) => backwardLayout(0, s).total,
  run: ({ step, dOut, dIn, scratch }) => {
    const dy = dOut[0];
    if (!dy || (!dIn[0] && !dIn[1])) return;
    const layer = step.layer as Dot;
    const k = trainKernels();
    const [x, y] = step.inputs as [(typeof step.inputs)[0], (typeof step.inputs)[0]];
    const L = backwardLayout(scratch, step);
    const [px, py] = layer.operandPtrs(k, step.inputs, L.fwd);
    const [ox, oy] = layer.operands(x!.shape, y!.shape);
    const [a, b] = layer.resolvedAxes(x!.shape.length, y!.shape.length);
    const B = x!.shape[0]!,
      M = ox.n,
      N = oy.n,
      K = x!.shape[a]!;
    const f32 = heapF32();
    const grad = (i: 0 | 1, tmp: number) => {
      if (!dIn[i]) return 0;
      if (!layer.normalize) return dIn[i]!;
      const n = sizeOf(step.inputs[i]!.shape);
      f32.fill(0, tmp >>> 2, (tmp >>> 2) + n);
      return tmp;
    };
    const gx = grad(0, L.gx),
      gy = grad(1, L.gy);
    // dx[b, m, k] += sum_n dout[b, m, n] y[b, k, n];  dy[b, k, n] += sum_m x[b, m, k] dout[b, m, n]
    if (gx) k.batch_dot(B, M, K, N, dy, M * N, N, 1, py, oy.b, oy.free, oy.k, gx, ox.b, ox.free, ox.k, 1);
    if (gy) k.batch_dot(B, K, N, M, px, ox.b, ox.k, ox.free, dy, M * N, N, 1, gy, oy.b, oy.k, oy.free, 1);
    if (layer.normalize) {
      if (gx) k.l2_normalize_backward(...layer.around(x!.shape, a), x!.ptr, gx, dIn[0]!);
      if (gy) k.l2_normalize_backward(...layer.around(y!.shape, b), y!.ptr, gy, dIn[1]!);
    }
  },
};

export const dotEntry: LayerEntry<Dot> = {
  classNames: ["Dot"],
  cls: Dot,
  listInput: true,
  build(cfg) {
    cfg.used.add("axes");
    const axes = cfg.raw.axes;
    const ok =
      Number.isInteger(axes) || (Array.isArray(axes) && axes.length === 2 && axes.every((v) => Number.isInteger(v)));
    if (!ok) cfg.fail(`expected axes to be an integer or a pair of integers, got ${JSON.stringify(axes)}`);
    return new Dot({
      name: cfg.name,
      axes: Array.isArray(axes) ? [axes[0] as number, axes[1] as number] : (axes as number),
      normalize: cfg.bool("normalize", false),
    });
  },
  toConfig: (l) => ({ ...baseConfig(l.name), axes: l.axes as Json, normalize: l.normalize }),
  backward: () => dotBackward,
};
