// ConvLSTM2D's file entry. No backward yet: fit refuses a model with a ConvLSTM2D (backwardFor names it).
// What predict never needs: loaded only by the loader and the saver (through src/layers/index.ts).

import { ConvLSTM2D } from "./conv_lstm2d.js";
import { readPadding, readPair, requireChannelsLast } from "./conv2d-geometry.js";
import { baseConfig, initConfig, kerasActivation, type LayerEntry, lastDim, ZEROS } from "./entry.js";
import { defaultRecurrentActivation } from "./recurrent-config.js";

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
      activation: cfg.activation("activation", "tanh") ?? "linear",
      recurrentActivation: cfg.activation("recurrent_activation", defaultRecurrentActivation(ctx)) ?? "linear",
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
};
