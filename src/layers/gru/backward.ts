// GRU backward, both Keras forms (assembly/rnn/gru.ts). As the LSTM's (recurrent-backward.ts):
// the gradients of the returned state and output go into dh, the kernel runs the steps in reverse
// into the pre-activation gradients (by input step, packed column order), then the weight
// gradients are whole-sequence products, in paramBlocks order (gru.ts):
//   resetAfter:  dKernel = x^T dzx, dRecurrent = h_{t-1}^T dzu, dBias = sum dzx, dRecBias = sum dzu
//                (dzx and dzu differ in the candidate: da against the input, da r against h·Uh)
//   otherwise:   dKernel = x^T [dzr | dzh], dRecurrent = [h_{t-1}^T dzr | (r h_{t-1})^T dzh],
//                dBias = sum [dzr | dzh]
// and dx = dz kernel^T, d(initial h) = dh.
import { ACTIVATION_IDS } from "../../core/activations.js";
import { trainKernels } from "../../core/train-kernels.js";
import type { Backward } from "../backward-base.js";
import { carve, round16 } from "../heap.js";
import type { Step } from "../layer.js";
import {
  addDroppedInputGradient,
  initialStateGradients,
  recurrentDims,
  recurrentTraceBytes,
  seedStateGradients,
  stepMask,
} from "../recurrent-backward.js";
import type { DropoutCall } from "../recurrent-dropout.js";
import type { GRU } from "./gru.js";

/** Trace offsets in a row, in floats of P (gru.ts traceWidth): r·h_{t-1} then h_{t-1}. */
const RH_AT = 3,
  HPREV_AT = 4;

/**
 * Scratch: dh [B, P], then resetAfter: dzx, dzu [B, T, 3P], U^T [h16, 3P], kernel^T [i16, 3P];
 * resetBefore: drh [B, P], dzr [B, T, 2P], dzh [B, T, Q], Uzr^T [h16, 2P], Uh^T [h16, Q],
 * kernel parts^T [i16, 2P] and [i16, Q]; and the weight gradients' packed row blocks.
 */
function layout(s: Step, base: number) {
  const { B, T, I, H, P, layer } = recurrentDims<GRU<boolean>>(s);
  const R = B * T,
    Q = round16(H),
    h16 = round16(H),
    i16 = round16(I);
  // the weight gradients' packed row blocks (gemm_tn_blocked), for the widest product
  const tn = trainKernels().tn_blocked_scratch_bytes(
    B,
    T,
    Math.max(I, H),
    layer.resetAfter ? 3 * P : Math.max(2 * P, Q),
  );
  if (layer.resetAfter) {
    const G = 3 * P * 4;
    return carve(base, { dh: B * P * 4, dzx: R * G, dzu: R * G, ut: h16 * G, wt: i16 * G, tn });
  }
  return carve(base, {
    tn,
    dh: B * P * 4,
    drh: B * P * 4,
    dzr: R * 2 * P * 4,
    dzh: R * Q * 4,
    uzrT: h16 * 2 * P * 4,
    uhT: h16 * Q * 4,
    wzrT: i16 * 2 * P * 4,
    whT: i16 * Q * 4,
  });
}

export const gruBackward: Backward = {
  traceBytes: recurrentTraceBytes,
  scratchBytes: (s) => layout(s, 0).total,
  run: (call) => {
    const { step, dIn, dParams, scratch, trace } = call;
    const { B, T, I, layer, H, P } = recurrentDims<GRU<boolean>>(step);
    const Q = round16(H);
    const k = trainKernels();
    const l = layout(step, scratch) as Record<string, number>;
    const dh = l.dh!,
      tn = l.tn!;
    const dy = seedStateGradients(call, dh, 0);
    // Keras dropout (recurrent-dropout.ts): per-gate masked inputs xm and states hm
    const drop = (call as DropoutCall).drop;
    const rmask = drop?.rmask ?? 0;
    const gsX = drop && drop.gi > 1 ? B * T * I : 0,
      gsH = B * T * P;
    const mask = stepMask(step);
    const act = ACTIVATION_IDS[layer.activation],
      recAct = ACTIVATION_IDS[layer.recurrentActivation];
    const back = layer.goBackwards ? 1 : 0,
      zero = layer.zeroOutputForMask ? 1 : 0;
    const blocks = layer.paramBlocks();
    const x = step.inputs[0]!.ptr;
    const W = layer.traceWidth * P,
      hPrev = trace + HPREV_AT * P * 4;
    const R = B * T;
    if (layer.resetAfter) {
      const G = 3 * P;
      const { dzx, dzu, ut, wt } = l as Record<"dzx" | "dzu" | "ut" | "wt", number>;
      k.pack_transpose_panels(3, blocks[1]!.ptr, P, G, H, ut);
      k.gru_reset_after_backward(B, T, H, ut, act, recAct, back, trace, dy, dh, dzx, dzu, mask, zero, rmask);
      if (drop?.gi) k.gated_tn(3, B, T, I, drop.xm, I, gsX, 0, dzx, G, G, dParams[0]!, I);
      else k.gemm_tn_blocked(3, B, T, dzx, G, G, tn, I, x, I, 0, dParams[0]!, I, 0, 0, 0, 0, 0, 0);
      if (rmask) k.gated_tn(3, B, T, H, drop!.hm, P, gsH, back, dzu, G, G, dParams[1]!, P);
      else k.gemm_tn_blocked(3, B, T, dzu, G, G, tn, H, hPrev, W, back, dParams[1]!, P, 0, 0, 0, 0, 0, 0);
      if (layer.useBias) {
        k.colsum_acc(R, G, dzx, G, dParams[2]!);
        k.colsum_acc(R, G, dzu, G, dParams[3]!);
      }
      if (dIn[0]) addDroppedInputGradient(drop, 3, 3, blocks[0]!.ptr, I, G, dzx, B, T, wt, dIn[0]);
    } else {
      const G = 2 * P;
      const { drh, dzr, dzh, uzrT, uhT, wzrT, whT } = l as Record<
        "drh" | "dzr" | "dzh" | "uzrT" | "uhT" | "wzrT" | "whT",
        number
      >;
      k.pack_transpose_panels(2, blocks[2]!.ptr, P, G, H, uzrT);
      k.pack_transpose_panels(4, blocks[3]!.ptr, P, Q, H, uhT);
      k.gru_reset_before_backward(
        B,
        T,
        H,
        uzrT,
        uhT,
        act,
        recAct,
        back,
        trace,
        dy,
        dh,
        dzr,
        dzh,
        drh,
        mask,
        zero,
        rmask,
      );
      // the candidate's input is the third masked copy; its state operand is the traced r ⊙ h
      const xh = drop?.gi ? drop.xm + 2 * gsX * 4 : x;
      if (drop?.gi) k.gated_tn(2, B, T, I, drop.xm, I, gsX, 0, dzr, G, G, dParams[0]!, I);
      else if (!rmask) {
        // the z-r part's kernel and recurrent gradients over one packing of dzr
        k.gemm_tn_blocked(2, B, T, dzr, G, G, tn, I, x, I, 0, dParams[0]!, I, H, hPrev, W, back, dParams[2]!, P);
      } else k.gemm_tn_blocked(2, B, T, dzr, G, G, tn, I, x, I, 0, dParams[0]!, I, 0, 0, 0, 0, 0, 0);
      if (rmask) k.gated_tn(2, B, T, H, drop!.hm, P, gsH, back, dzr, G, G, dParams[2]!, P);
      else if (drop?.gi) k.gemm_tn_blocked(2, B, T, dzr, G, G, tn, H, hPrev, W, back, dParams[2]!, P, 0, 0, 0, 0, 0, 0);
      // the candidate's: x (or its masked copy) and the traced r ⊙ h_{t-1} against dzh
      const rh = trace + RH_AT * P * 4;
      k.gemm_tn_blocked(4, B, T, dzh, Q, Q, tn, I, xh, I, 0, dParams[1]!, I, H, rh, W, back, dParams[3]!, P);
      if (layer.useBias) {
        k.colsum_acc(R, G, dzr, G, dParams[4]!);
        k.colsum_acc(R, Q, dzh, Q, dParams[5]!);
      }
      if (dIn[0]) {
        addDroppedInputGradient(drop, 2, 2, blocks[0]!.ptr, I, G, dzr, B, T, wzrT, dIn[0]);
        // the candidate's mask: the third (or the one shared) input mask
        const hDrop = drop?.gi ? { ...drop, imask: drop.imask + (drop.gi > 1 ? 2 * B * I * 4 : 0), gi: 1 } : drop;
        addDroppedInputGradient(hDrop, 1, 4, blocks[1]!.ptr, I, Q, dzh, B, T, whT, dIn[0]);
      }
    }
    initialStateGradients(call, dh, 0);
  },
};
