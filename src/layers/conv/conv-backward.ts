// The backward of every convolution on ConvBase (Conv1D, DepthwiseConv1D, SeparableConv1D), for
// fit. It recomputes what the forward's scratch held (cols, and stage A's output for the pointwise
// kernel), then runs the transposed GEMMs of assembly/gemm/gemm_grad.ts and the col2im scatter, or
// the depthwise kernel's backward.
import { trainKernels } from "../../core/train-kernels.js";
import { heapF32 } from "../../core/wasm.js";
import { activationBackward, type Backward, none } from "../backward-base.js";
import { carve, round16 } from "../heap.js";
import type { Step } from "../layer.js";
import type { ConvBase } from "./conv-base.js";
import { outSteps, padLeft } from "./geometry.js";

/**
 * Backward scratch: cols [M, Kc] (none when direct or depthwise), zA and dzA [M, FAp] (pointwise),
 * dz [M, Fp], kT (stage A's kernel transposed, [Kc rounded to 16, FAp]; none for depthwise), kBT
 * ([FA rounded to 16, Fp], pointwise), dcols [M, Kc] (none when direct or depthwise).
 */
function layout(base: number, s: Step) {
  const l = s.layer as ConvBase;
  const M = s.outputs[0]!.shape[0]! * s.outputs[0]!.shape[1]!;
  const Kc = l.kernelRows,
    FAp = l.paddedA,
    Fp = l.paddedOut,
    pw = l.pointwise,
    gemm = !l.depthwise;
  return carve(base, {
    cols: l.direct || !gemm ? 0 : M * Kc * 4,
    zA: pw ? M * FAp * 4 : 0,
    dzA: pw ? M * FAp * 4 : 0,
    dz: M * Fp * 4,
    kT: gemm ? round16(Kc) * FAp * 4 : 0,
    kBT: pw ? round16(l.stageA.channels) * Fp * 4 : 0,
    dcols: l.direct || !gemm ? 0 : M * Kc * 4,
  });
}

export const convBackward: Backward = {
  traceBytes: none,
  scratchBytes: (s) => layout(0, s).total,
  run: ({ step, dOut, dIn, dParams, scratch, dPre }) => {
    const dy = dOut[0];
    if (!dy && !dPre) return;
    const layer = step.layer as ConvBase;
    const k = trainKernels();
    const x = step.inputs[0]!,
      y = step.outputs[0]!;
    const [B, T, C] = x.shape as [number, number, number];
    const M = B * y.shape[1]!;
    const Kc = layer.kernelRows,
      FA = layer.stageA.channels,
      FAp = layer.paddedA,
      F = layer.filters,
      Fp = layer.paddedOut;
    const L = layout(scratch, step);
    const blocks = layer.paramBlocks();
    const f32 = heapF32();
    if (dy) activationBackward(M, F, Fp, y.ptr, step.scratch, dy, L.dz, layer.activation);
    else f32.fill(0, L.dz >>> 2, (L.dz >>> 2) + M * Fp);
    if (dPre) k.add_blocks(M, F, dPre, F, L.dz, Fp);
    // a: stage A's GEMM rows (0 for depthwise); g: the gradient of stage A's output [M, FAp]
    let a: number;
    let g = L.dz;
    if (layer.pointwise) {
      a = layer.stageAForward(x, L.cols, L.zA, layer.zeroRow);
      k.gemm_tn_panels(4, 1, M, FA, L.zA, FAp, 0, L.dz, Fp, Fp, dParams[1]!, FA);
      if (layer.useBias) k.colsum_acc(M, Fp, L.dz, Fp, dParams[2]!);
      f32.fill(0, L.dzA >>> 2, (L.dzA >>> 2) + M * FAp);
      k.pack_transpose_panels(4, blocks[1]!.ptr, FA, Fp, FA, L.kBT);
      k.gemm_nt_packed(M, FA, Fp, L.dz, Fp, L.kBT, L.dzA, FAp, 0);
      g = L.dzA;
    } else {
      a = layer.depthwise ? 0 : layer.im2col(x, L.cols);
      if (layer.useBias) k.colsum_acc(M, Fp, L.dz, Fp, dParams[1]!);
    }
    const w = layer.window;
    const To = outSteps(w, T)!;
    const padL = padLeft(w, T);
    if (layer.depthwise) {
      k.depthwise_conv1d_backward(
        B,
        T,
        C,
        To,
        w.kernelSize,
        w.strides,
        w.dilationRate,
        padL,
        FA / C,
        x.ptr,
        blocks[0]!.ptr,
        FAp,
        g,
        FAp,
        dParams[0]!,
        dIn[0] ?? 0,
      );
      return;
    }
    k.gemm_tn_panels(4, 1, M, Kc, a, Kc, 0, g, FAp, FAp, dParams[0]!, Kc);
    layer.maskAcrossGroups(dParams[0]!);
    if (!dIn[0]) return;
    k.pack_transpose_panels(4, blocks[0]!.ptr, Kc, FAp, Kc, L.kT);
    if (layer.direct) {
      k.gemm_nt_packed(M, Kc, FAp, g, FAp, L.kT, dIn[0], Kc, 1);
      return;
    }
    k.gemm_nt_packed(M, Kc, FAp, g, FAp, L.kT, L.dcols, Kc, 0);
    k.conv1d_col2im_backward(B, T, C, To, w.kernelSize, w.strides, w.dilationRate, padL, L.dcols, dIn[0]);
  },
};
