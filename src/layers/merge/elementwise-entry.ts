// The file entries and backward of Subtract, Multiply, Average, Maximum, Minimum: the forward's folds
// run again keeping every running value, then merge_rows_backward walks them back.
import { trainKernels } from "../../core/train-kernels.js";
import { heapF32 } from "../../core/wasm.js";
import { type Backward, none } from "../backward-base.js";
import { baseConfig, type LayerEntry } from "../entry.js";
import { carve, maskBytes, sizeOf } from "../heap.js";
import type { Step } from "../layer.js";
import { broadcastPlan, mergeShapes } from "./broadcast.js";
import {
  Average,
  type ElementwiseMerge,
  foldsOf,
  Maximum,
  Minimum,
  Multiply,
  orMasks,
  Subtract,
} from "./elementwise.js";

function backwardLayout(base: number, s: Step) {
  const layer = s.layer as ElementwiseMerge;
  const out = s.outputs[0]!.shape;
  const n = sizeOf(out) * 4,
    R = maskBytes(out);
  const { folds } = foldsOf(
    layer.kind,
    s.inputs.length,
    s.masks.inputs.map((p) => p !== 0),
  );
  const fwd = layer.layout(
    0,
    s.inputs.map((b) => b.shape),
  );
  return carve(base, {
    fwd: fwd.total,
    states: n * (folds.length + 1),
    masks: R * (folds.length + 1),
    or: R,
    g0: n,
    g1: n,
    gx: n,
  });
}

const mergeBackward: Backward = {
  traceBytes: none,
  scratchBytes: (s) => backwardLayout(0, s).total,
  run: ({ step, dOut, dIn, scratch }) => {
    if (!dOut[0]) return;
    const layer = step.layer as ElementwiseMerge;
    const k = trainKernels();
    const f32 = heapF32();
    const out = step.outputs[0]!.shape;
    const N = sizeOf(out),
      R = maskBytes(out),
      F = out.at(-1)!;
    const L = backwardLayout(scratch, step);
    const at = layer.layout(
      L.fwd,
      step.inputs.map((b) => b.shape),
    );
    const xs = layer.readInputs(k, step.inputs, out, at);
    const masks = step.masks.inputs;
    const { start, folds } = foldsOf(
      layer.kind,
      xs.length,
      masks.map((p) => p !== 0),
    );
    const S = (i: number) => L.states + i * N * 4;
    if (start === "ones") f32.fill(1, S(0) >>> 2, (S(0) >>> 2) + N);
    else f32.copyWithin(S(0) >>> 2, xs[0]! >>> 2, (xs[0]! >>> 2) + N);
    const orMask = folds.some((f) => f.xm === "or")
      ? orMasks(
          k,
          R,
          masks,
          xs.map((_, i) => i),
          L.or,
        )
      : 0;
    const args = folds.map((f, i) => {
      const om = orMasks(k, R, masks, f.om, L.masks + i * R);
      const xm = f.xm === "or" ? orMask : f.xm === null ? 0 : masks[f.xm]!;
      const x = f.x < 0 ? S(i) : xs[f.x]!;
      k.merge_rows(R, F, S(i), om, x, xm, f.op, f.s, S(i + 1));
      return { om, xm, x };
    });
    // the gradient of each input in the output's shape: straight into dIn, or gx then summed over
    // the broadcast axes
    const { padded } = mergeShapes(
      step.inputs.map((b) => b.shape),
      layer.who,
    );
    const plans = step.inputs.map((_, i) => broadcastPlan(padded[i] as number[], out, layer.who));
    const flush = (i: number) => {
      if (dIn[i] && plans[i]) k.broadcast_4d_backward(...plans[i]!, L.gx, dIn[i]!);
    };
    const target = (i: number) => {
      if (i < 0 || !dIn[i]) return 0;
      if (!plans[i]) return dIn[i]!;
      f32.fill(0, L.gx >>> 2, (L.gx >>> 2) + N);
      return L.gx;
    };
    let g = L.g0,
      gPrev = L.g1;
    f32.copyWithin(g >>> 2, dOut[0] >>> 2, (dOut[0] >>> 2) + N);
    for (let i = folds.length - 1; i >= 0; i--) {
      const f = folds[i]!,
        a = args[i]!;
      const dx = target(f.x);
      k.merge_rows_backward(R, F, S(i), a.om, a.x, a.xm, f.op, f.s, g, gPrev, dx);
      if (dx) flush(f.x);
      [g, gPrev] = [gPrev, g];
    }
    if (start === "x0" && dIn[0]) {
      const dx = target(0);
      k.add_arrays(N, dx, g, dx);
      flush(0);
    }
  },
};

function entry<L extends ElementwiseMerge>(cls: new (a: { name?: string }) => L, name: string): LayerEntry<L> {
  return {
    classNames: [name],
    cls,
    listInput: true,
    build: (cfg) => new cls({ name: cfg.name }),
    toConfig: (l) => baseConfig(l.name),
    backward: () => mergeBackward,
  };
}

export const subtractEntry = entry(Subtract, "Subtract");
export const multiplyEntry = entry(Multiply, "Multiply");
export const averageEntry = entry(Average, "Average");
export const maximumEntry = entry(Maximum, "Maximum");
export const minimumEntry = entry(Minimum, "Minimum");
