// ConvLSTM2D's file entry and backward (through time: per step the cell's gradient at every position,
// then the convolutions' weight and input gradients by im2col as Conv2D's).
// What predict never needs: loaded only by the loader, the saver and fit (through src/layers/index.ts).
import { ACTIVATION_IDS } from "../core/activations.js";
import { WasmRnnError } from "../core/errors.js";
import { trainKernels } from "../core/train-kernels.js";
import { heapF32 } from "../core/wasm.js";
import type { Backward } from "./backward-base.js";
import { ConvLSTM2D, type ConvLSTM2DArgs } from "./conv_lstm2d.js";

type ConvLSTM2DActivationName = NonNullable<ConvLSTM2DArgs["activation"]>;

import { writeGeometry } from "./conv2d.js";
import { readPadding, readPair, requireChannelsLast, window2d } from "./conv2d-geometry.js";
import { baseConfig, initConfig, kerasActivation, type LayerEntry, lastDim, ZEROS } from "./entry.js";
import { carve, round16 } from "./heap.js";
import type { Step } from "./layer.js";
import { defaultRecurrentActivation } from "./recurrent-config.js";

/** Backward scratch: geometries, dz [B*P, G4], dh and dc [B*P, Fp], h's and a frame's im2col rows and their gradients, W^T. */
function backwardLayout(base: number, s: Step) {
  const l = s.layer as ConvLSTM2D;
  const x = s.inputs[0]!.shape;
  const { P, G4 } = l.layout(x);
  const rows = x[0]! * P,
    Fp = l.paddedFilters;
  return carve(base, {
    geoX: 64,
    geoH: 64,
    dz: rows * G4 * 4,
    dh: rows * Fp * 4,
    dc: rows * Fp * 4,
    hcols: rows * l.kh * 4,
    dhcols: rows * l.kh * 4,
    xcols: P * l.kx * 4,
    dxcols: P * l.kx * 4,
    kernelT: round16(l.kx) * G4 * 4,
    recT: round16(l.kh) * G4 * 4,
  });
}

const convLstm2dBackward: Backward = {
  traceBytes: (s) => (s.layer as ConvLSTM2D).traceBytes(s.inputs[0]!.shape),
  trainingForward: (s, trace) => (s.layer as ConvLSTM2D).run(s.inputs, s.outputs, s.scratch, s.masks, trace),
  scratchBytes: (s) => backwardLayout(0, s).total,
  run: ({ step, dOut, dIn, dParams, scratch, trace }) => {
    const l = step.layer as ConvLSTM2D;
    const k = trainKernels();
    const x = step.inputs[0]!;
    const [B, T] = x.shape as [number, number];
    const { g, P, G4, at } = l.layout(x.shape);
    const L = backwardLayout(scratch, step);
    const F = l.filters,
      Fp = l.paddedFilters,
      KX = l.kx,
      KH = l.kh,
      rows = B * P,
      n = rows * Fp;
    const [kb, rb] = l.blocks as [number, number];
    const z = step.scratch + at.z;
    const f32 = heapF32();
    f32.fill(0, L.dh >>> 2, (L.dh >>> 2) + n);
    f32.fill(0, L.dc >>> 2, (L.dc >>> 2) + n);
    if (!l.returnSequences && dOut[0]) k.add_blocks(rows, F, dOut[0], F, L.dh, Fp);
    if (l.returnState) {
      if (dOut[1]) k.add_blocks(rows, F, dOut[1], F, L.dh, Fp);
      if (dOut[2]) k.add_blocks(rows, F, dOut[2], F, L.dc, Fp);
    }
    const dy = l.returnSequences ? (dOut[0] ?? 0) : 0;
    const dx = dIn[0] ?? 0;
    writeGeometry(L.geoX, g);
    writeGeometry(L.geoH, window2d([B, g.OH, g.OW, Fp], l.kernelSize, [1, 1], [1, 1], "same"));
    if (dx) k.pack_transpose_panels(4, kb, KX, G4, KX, L.kernelT);
    k.pack_transpose_panels(4, rb, KH, G4, KH, L.recT);
    const act = ACTIVATION_IDS[l.activation],
      rec = ACTIVATION_IDS[l.recurrentActivation];
    const mask = step.masks.inputs[0] ?? 0;
    for (let s = T - 1; s >= 0; s--) {
      const t = l.goBackwards ? T - 1 - s : s;
      const hPrev = trace + s * 2 * n * 4,
        cPrev = hPrev + n * 4;
      k.conv_lstm2d_step_backward(B, T, P, F, t, s, z, cPrev, dy, L.dh, L.dc, L.dz, mask, act, rec);
      for (let b = 0; b < B; b++) {
        const m0 = (b * T + t) * P,
          dzb = L.dz + b * P * G4 * 4;
        k.conv2d_im2col(x.ptr, L.geoX, m0, P, L.xcols);
        k.gemm_tn_panels(4, 1, P, KX, L.xcols, KX, 0, dzb, G4, G4, dParams[0]!, KX);
        if (!dx) continue;
        k.gemm_nt_packed(P, KX, G4, dzb, G4, L.kernelT, L.dxcols, KX, 0);
        k.conv2d_col2im(L.dxcols, L.geoX, m0, P, dx);
      }
      if (l.useBias) k.colsum_acc(rows, G4, L.dz, G4, dParams[2]!);
      if (s === 0) continue; // h before the first step is zeros: no recurrent gradient
      k.conv2d_im2col(hPrev, L.geoH, 0, rows, L.hcols);
      k.gemm_tn_panels(4, 1, rows, KH, L.hcols, KH, 0, L.dz, G4, G4, dParams[1]!, KH);
      k.gemm_nt_packed(rows, KH, G4, L.dz, G4, L.recT, L.dhcols, KH, 0);
      k.conv2d_col2im(L.dhcols, L.geoH, 0, rows, L.dh);
    }
  },
};

export const convLstm2dEntry: LayerEntry<ConvLSTM2D> = {
  classNames: ["ConvLSTM2D"],
  cls: ConvLSTM2D,
  kerasVarsPath: ["cell"],
  params(cfg, inputs) {
    const [kh, kw] = readPair(cfg, "kernel_size", [1, 1]);
    const f = cfg.int("filters");
    return 4 * f * (kh * kw * (lastDim(inputs[0]) + f) + 1);
  },
  build(cfg, ctx) {
    requireChannelsLast(cfg);
    cfg.requireDefault("stateful", (v) => v === false, "stateful ConvLSTM2D is not supported yet");
    cfg.used.add("zero_output_for_mask");
    cfg.requireDefault("zero_output_for_mask", (v) => v === false, "only Keras's default (False)");
    return new ConvLSTM2D({
      name: cfg.name,
      filters: cfg.int("filters"),
      kernelSize: readPair(cfg, "kernel_size", [1, 1]),
      strides: readPair(cfg, "strides", [1, 1]),
      padding: readPadding(cfg),
      dilationRate: readPair(cfg, "dilation_rate", [1, 1]),
      // unchecked here: the constructor refuses softmax, naming the layer
      activation: (cfg.activation("activation", "tanh") ?? "linear") as ConvLSTM2DActivationName,
      recurrentActivation: (cfg.activation("recurrent_activation", defaultRecurrentActivation(ctx)) ??
        "linear") as ConvLSTM2DActivationName,
      useBias: cfg.bool("use_bias", true),
      unitForgetBias: cfg.bool("unit_forget_bias", true),
      returnSequences: cfg.bool("return_sequences", false),
      returnState: cfg.bool("return_state", false),
      goBackwards: cfg.bool("go_backwards", false),
      kernelInitializer: ZEROS,
      recurrentInitializer: ZEROS,
      biasInitializer: ZEROS,
    });
  },
  toConfig: (l, target) => ({
    ...baseConfig(l.name),
    filters: l.filters,
    kernel_size: [...l.kernelSize],
    strides: [...l.strides],
    padding: l.padding,
    data_format: "channels_last",
    dilation_rate: [...l.dilationRate],
    activation: kerasActivation(l, l.activation, target),
    recurrent_activation: kerasActivation(l, l.recurrentActivation, target),
    use_bias: l.useBias,
    kernel_initializer: initConfig("GlorotUniform", { seed: null }),
    recurrent_initializer: initConfig("Orthogonal", { gain: 1.0, seed: null }),
    bias_initializer: initConfig("Zeros"),
    unit_forget_bias: l.unitForgetBias,
    kernel_regularizer: null,
    recurrent_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    recurrent_constraint: null,
    bias_constraint: null,
    dropout: l.dropout,
    recurrent_dropout: l.recurrentDropout,
    seed: null,
    return_sequences: l.returnSequences,
    return_state: l.returnState,
    go_backwards: l.goBackwards,
    stateful: false,
  }),
  backward(l, who) {
    if (l.dropout > 0 || l.recurrentDropout > 0) {
      throw new WasmRnnError(
        `${who}: training ${l.who} with dropout ${l.dropout} / recurrentDropout ${l.recurrentDropout} is not supported yet; ` +
          "expected both 0 (inference ignores them)",
      );
    }
    return convLstm2dBackward;
  },
};
