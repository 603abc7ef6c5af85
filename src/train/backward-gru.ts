// GRU backward, both Keras forms (assembly/gru_backward.ts). As the LSTM's (backward.ts,
// recurrentBackward): the gradients of the returned state and output go into dh, the kernel runs
// the steps in reverse into the pre-activation gradients (by input step, packed column order),
// then the weight gradients are whole-sequence products, in paramBlocks order (src/layers/gru.ts):
//   resetAfter:  dKernel = x^T dzx, dRecurrent = h_{t-1}^T dzu, dBias = sum dzx, dRecBias = sum dzu
//                (dzx and dzu differ in the candidate: da against the input, da r against h·Uh)
//   otherwise:   dKernel = x^T [dzr | dzh], dRecurrent = [h_{t-1}^T dzr | (r h_{t-1})^T dzh],
//                dBias = sum [dzr | dzh]
// and dx = dz kernel^T, d(initial h) = dh.
import { ACTIVATION_IDS } from "../core/activations.js";
import { trainKernels } from "../core/train-kernels.js";
import { heapF32 } from "../core/wasm.js";
import type { GRU } from "../layers/gru.js";
import type { Step } from "../layers/layer.js";
import { align } from "../layers/recurrent.js";
import { addInputGradient, addRows, type Backward } from "./backward-base.js";

const gruKernels = trainKernels;

function dims(s: Step) {
  const [B, T, I] = s.inputs[0]!.shape as [number, number, number];
  const layer = s.layer as GRU;
  const H = layer.units,
    P = layer.stateStride;
  return { B, T, I, layer, H, P, Q: (H + 15) & ~15 };
}

const round16 = (n: number) => (n + 15) & ~15;

/** Trace floats per row and step ([z, r, n | uh or r h | h_{t-1}]: assembly/gru.ts); h_{t-1} last. */
const traceWidth = (P: number) => 5 * P;

export const gruBackward: Backward = {
  traceBytes: (s) => {
    const { B, T, P } = dims(s);
    return B * T * traceWidth(P) * 4;
  },
  scratchBytes: (s) => {
    const { B, T, I, H, P, Q, layer } = dims(s);
    const h16 = round16(H),
      i16 = round16(I);
    // dh, then resetAfter: dzx + dzu [B, T, 3P], U^T [h16, 3P], kernel^T [i16, 3P];
    // resetBefore: drh [B, P], dzr [B, T, 2P], dzh [B, T, Q], Uzr^T [h16, 2P], Uh^T [h16, Q],
    // kernel parts^T [i16, 2P] and [i16, Q]
    const rest = layer.resetAfter
      ? 2 * align(B * T * 3 * P * 4) + align(h16 * 3 * P * 4) + align(i16 * 3 * P * 4)
      : align(B * P * 4) +
        align(B * T * 2 * P * 4) +
        align(B * T * Q * 4) +
        align(h16 * 2 * P * 4) +
        align(h16 * Q * 4) +
        align(i16 * 2 * P * 4) +
        align(i16 * Q * 4);
    return align(B * P * 4) + rest;
  },
  run: ({ step, dOut, dIn, dParams, scratch, trace }) => {
    const { B, T, I, layer, H, P, Q } = dims(step);
    const k = gruKernels();
    const dh = scratch;
    heapF32().fill(0, dh >> 2, (dh + align(B * P * 4)) >> 2);
    if (layer.returnState && dOut[1]) addRows(dOut[1], H, dh, P, B, H);
    let dy = 0;
    if (layer.returnSequences) dy = dOut[0]!;
    else if (dOut[0]) addRows(dOut[0], H, dh, P, B, H);
    // the forward's mask rule (recurrent.ts): an initial state turns off the carried mask
    const mask = step.inputs.length > 1 && !step.masks.explicit ? 0 : (step.masks.inputs[0] ?? 0);
    const act = ACTIVATION_IDS[layer.activation],
      recAct = ACTIVATION_IDS[layer.recurrentActivation];
    const back = layer.goBackwards ? 1 : 0,
      zero = layer.zeroOutputForMask ? 1 : 0;
    const blocks = layer.paramBlocks();
    const x = step.inputs[0]!.ptr;
    const W = traceWidth(P),
      hPrev = trace + 4 * P * 4;
    const R = B * T;
    if (layer.resetAfter) {
      const G = 3 * P;
      const dzx = dh + align(B * P * 4),
        dzu = dzx + align(R * G * 4);
      const ut = dzu + align(R * G * 4),
        wt = ut + align(round16(H) * G * 4);
      k.pack_transpose_panels(3, blocks[1]!.ptr, P, G, H, ut);
      k.gru_reset_after_backward(B, T, H, ut, act, recAct, back, trace, dy, dh, dzx, dzu, mask, zero);
      k.gemm_tn_panels(3, B, T, I, x, I, 0, dzx, G, G, dParams[0]!, I);
      k.gemm_tn_panels(3, B, T, H, hPrev, W, back, dzu, G, G, dParams[1]!, P);
      if (layer.useBias) {
        k.colsum_acc(R, G, dzx, G, dParams[2]!);
        k.colsum_acc(R, G, dzu, G, dParams[3]!);
      }
      if (dIn[0]) addInputGradient(3, blocks[0]!.ptr, I, G, dzx, R, wt, dIn[0]);
    } else {
      const G = 2 * P;
      const drh = dh + align(B * P * 4),
        dzr = drh + align(B * P * 4),
        dzh = dzr + align(R * G * 4);
      const uzrT = dzh + align(R * Q * 4),
        uhT = uzrT + align(round16(H) * G * 4);
      const wzrT = uhT + align(round16(H) * Q * 4),
        whT = wzrT + align(round16(I) * G * 4);
      k.pack_transpose_panels(2, blocks[2]!.ptr, P, G, H, uzrT);
      k.pack_transpose_panels(4, blocks[3]!.ptr, P, Q, H, uhT);
      k.gru_reset_before_backward(B, T, H, uzrT, uhT, act, recAct, back, trace, dy, dh, dzr, dzh, drh, mask, zero);
      k.gemm_tn_panels(2, B, T, I, x, I, 0, dzr, G, G, dParams[0]!, I);
      k.gemm_tn_panels(4, B, T, I, x, I, 0, dzh, Q, Q, dParams[1]!, I);
      k.gemm_tn_panels(2, B, T, H, hPrev, W, back, dzr, G, G, dParams[2]!, P);
      k.gemm_tn_panels(4, B, T, H, trace + 3 * P * 4, W, back, dzh, Q, Q, dParams[3]!, P);
      if (layer.useBias) {
        k.colsum_acc(R, G, dzr, G, dParams[4]!);
        k.colsum_acc(R, Q, dzh, Q, dParams[5]!);
      }
      if (dIn[0]) {
        addInputGradient(2, blocks[0]!.ptr, I, G, dzr, R, wzrT, dIn[0]);
        addInputGradient(4, blocks[1]!.ptr, I, Q, dzh, R, whT, dIn[0]);
      }
    }
    if (dIn[1]) addRows(dh, P, dIn[1], H, B, H);
  },
};
