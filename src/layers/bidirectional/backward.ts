// Bidirectional backward: the merged gradient is split into the halves' output gradients (the
// backward half's sequence in its processing order), then each half runs its own recurrent
// backward on the same input, adding into dx; the halves' traces sit one after the other in the
// step's trace.
import { WasmRnnError } from "../../core/errors.js";
import { trainKernels } from "../../core/train-kernels.js";
import { heapF32 } from "../../core/wasm.js";
import type { Backward } from "../backward-base.js";
import type { BackwardOf } from "../entry.js";
import { carve } from "../heap.js";
import type { Step } from "../layer.js";
import type { RecurrentLayer } from "../recurrent.js";
import { stepMask } from "../recurrent-backward.js";
import type { ArmedBackward } from "../recurrent-dropout.js";
import { type Bidirectional, MERGE_IDS } from "./bidirectional.js";

export function bidirectionalBackward(layer: Bidirectional, who: string, backwardOf: BackwardOf): Backward {
  // with dropout inside, each half runs its dropout cells with its own masks (Keras: two layers)
  const armedOf = (l: RecurrentLayer) => {
    const b = backwardOf(l, who) as Backward & { armed?: ArmedBackward };
    if (b.trainingForward && !b.armed)
      throw new WasmRnnError(`${who}: training ${layer.who}: expected a recurrent layer's backward inside`);
    return b.armed ?? b;
  };
  const fw = armedOf(layer.forwardLayer),
    bw = armedOf(layer.backwardLayer);
  const half = (s: Step, l: RecurrentLayer, mask: number): Step => {
    const S = l.stateNames.length,
      first = l === layer.forwardLayer ? 0 : S;
    const [B, T] = s.inputs[0]!.shape as [number, number];
    const shape = layer.returnSequences ? [B, T, l.units] : [B, l.units];
    return {
      layer: l,
      inputs: [s.inputs[0]!, ...s.inputs.slice(1 + first, 1 + first + (s.inputs.length > 1 ? S : 0))],
      outputs: [{ ptr: 0, shape, dtype: "float32" }],
      scratch: 0,
      masks: { inputs: [mask], outputs: [], explicit: s.masks.explicit },
    };
  };
  const traces = (s: Step, base: number) =>
    carve(base, {
      fw: fw.traceBytes(half(s, layer.forwardLayer, 0)),
      bw: bw.traceBytes(half(s, layer.backwardLayer, 0)),
    });
  // scratch: the halves' output gradients dF, dB (as the forward's yF, yB), then either half's scratch
  const scratch = (s: Step, base: number) => {
    const [B, T] = s.inputs[0]!.shape as [number, number];
    const bytes = B * (layer.returnSequences ? T : 1) * layer.forwardLayer.units * 4;
    const sub = Math.max(
      fw.scratchBytes(half(s, layer.forwardLayer, 0)),
      bw.scratchBytes(half(s, layer.backwardLayer, 0)),
    );
    return carve(base, { dF: bytes, dB: bytes, sub });
  };
  const armed = (b: Backward): b is ArmedBackward => "arm" in b;
  const trainingForward =
    armed(fw) && armed(bw)
      ? (s: Step, trace: number, seed: number) => {
          const t = traces(s, trace);
          fw.arm(half(s, layer.forwardLayer, 0), t.fw, seed);
          bw.arm(half(s, layer.backwardLayer, 0), t.bw, (Math.imul(seed, 0x9e3779b1) ^ 0x7f4a7c15) >>> 0);
          try {
            layer.forward(s.inputs, s.outputs, s.scratch, s.masks);
          } finally {
            fw.disarm(s);
            bw.disarm(s);
          }
        }
      : undefined;
  return {
    ...(trainingForward ? { trainingForward } : {}),
    // (no padding after the last trace: the halves' traces are summed as they are)
    traceBytes: (s) => traces(s, 0).bw + bw.traceBytes(half(s, layer.backwardLayer, 0)),
    tracedLayers: (s) => [
      { layer: layer.forwardLayer, offset: 0 },
      { layer: layer.backwardLayer, offset: traces(s, 0).bw },
    ],
    scratchBytes: (s) => scratch(s, 0).total,
    run: ({ step, dOut, dIn, dParams, scratch: base, trace }) => {
      const k = trainKernels();
      const [B, T] = step.inputs[0]!.shape as [number, number];
      const H = layer.forwardLayer.units,
        S = layer.forwardLayer.stateNames.length;
      const seq = layer.returnSequences,
        Ts = seq ? T : 1;
      const { dF, dB, sub } = scratch(step, base);
      const merged = layer.mergeMode !== null;
      const first = merged ? 1 : 2;
      if (merged) {
        // the forward pass left the halves' outputs at the start of its own scratch (bidirectional.ts)
        const { yF, yB } = layer.layout(step.scratch, [step.inputs[0]!.shape]);
        k.merge_pair_backward(B, Ts, H, dOut[0]!, yF, yB, seq ? 1 : 0, MERGE_IDS[layer.mergeMode!], dF, dB);
      } else {
        const f32 = heapF32();
        f32.copyWithin(dF >>> 2, dOut[0]! >>> 2, (dOut[0]! >>> 2) + B * Ts * H);
        if (seq) k.reverse_time(B, T, H, dOut[1]!, dB);
        else f32.copyWithin(dB >>> 2, dOut[1]! >>> 2, (dOut[1]! >>> 2) + B * H);
      }
      const mask = stepMask(step);
      const nF = layer.forwardLayer.paramBlocks().length;
      const states = dOut.slice(first, first + 2 * S),
        dStates = dIn.slice(1);
      const t = traces(step, trace);
      fw.run({
        step: half(step, layer.forwardLayer, mask),
        dOut: [dF, ...states.slice(0, S)],
        dIn: [dIn[0]!, ...dStates.slice(0, S)],
        dParams: dParams.slice(0, nF),
        dSquares: [],
        scratch: sub,
        trace: t.fw,
        dPre: 0,
      });
      bw.run({
        step: half(step, layer.backwardLayer, mask),
        dOut: [dB, ...states.slice(S)],
        dIn: [dIn[0]!, ...dStates.slice(S)],
        dParams: dParams.slice(nF),
        dSquares: [],
        scratch: sub,
        trace: t.bw,
        dPre: 0,
      });
    },
  };
}
