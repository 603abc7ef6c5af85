#!/usr/bin/env python3
"""Keras 3 cases of the 1-D convolutions and the 1-D padding layers (tools/layer_cases.py harness):
Conv1D (every padding mode x strides x dilation, groups, use_bias, activations, odd sizes, batch 1),
SeparableConv1D and DepthwiseConv1D (depth_multiplier), ZeroPadding1D, Cropping1D, UpSampling1D, and
realistic stacks (Embedding(mask_zero) / Masking -> Conv1D -> LSTM -> Dense: Conv1D drops the mask, as
Keras 3). Writes test/cases/layers_conv.json and test/models/layers/<case>/. `--only=a,b` redoes some."""
import numpy as np

import layer_cases as lc  # first: it sets the environment before TensorFlow loads
from keras_common import padded_tokens, uni


GENERATOR = "tools/gen_keras_layers_conv.py"


def chain(name, seed, shape, layers, description, batch=2, dtype=None, inputs=None, train=True, loss=None, files=True):
    """A chain of layers on one input [batch, *shape]: `layers` are (class, config) pairs."""
    inp = {"id": "x", "shape": shape}
    if dtype:
        inp["dtype"] = dtype
    specs, prev = [], "x"
    for i, (cls, cfg) in enumerate(layers):
        specs.append({"id": f"l{i}", "class": cls, "config": cfg, "inputs": [prev]})
        prev = f"l{i}:0"
    spec = {"inputs": [inp], "layers": specs, "outputs": [prev]}
    make_inputs = inputs or (lambda rng: [uni(rng, batch, *shape)])

    def case():
        return lc.make_case(name, spec, make_inputs, seed, description, train=train, files=files, loss=loss)

    case.__name__ = name
    return case


def conv(filters, k, **kw):
    return ("Conv1D", {"filters": filters, "kernelSize": k, **kw})


CASES = [
    # Conv1D: padding modes x strides x dilation
    chain("conv1d_valid_k3", 1, [7, 3], [conv(5, 3)], "valid, kernel 3, linear"),
    chain("conv1d_valid_s3", 2, [11, 3], [conv(4, 3, strides=3, activation="relu")], "valid, strides 3 (a step left over)"),
    chain("conv1d_valid_d3", 3, [10, 2], [conv(6, 2, dilationRate=3, activation="tanh")], "valid, dilation 3"),
    chain("conv1d_same_k3", 4, [6, 4], [conv(6, 3, padding="same", activation="tanh")], "same, kernel 3"),
    chain("conv1d_same_k4_s2", 5, [9, 2], [conv(17, 4, strides=2, padding="same", activation="relu")],
          "same, even kernel, strides 2, 17 filters (past one panel)"),
    chain("conv1d_same_s2_even", 6, [8, 3], [conv(3, 3, strides=2, padding="same")], "same, strides 2, pad only right"),
    chain("conv1d_same_d3", 7, [7, 3], [conv(5, 2, padding="same", dilationRate=3, activation="sigmoid")],
          "same, dilation 3 (pad 1 left, 2 right)"),
    chain("conv1d_same_k5_d2", 8, [6, 2], [conv(4, 5, padding="same", dilationRate=2)], "same, window wider than the input"),
    chain("conv1d_causal_k3_d2", 9, [8, 3], [conv(5, 3, padding="causal", dilationRate=2, activation="sigmoid")],
          "causal, dilation 2"),
    chain("conv1d_causal_s2", 10, [9, 2], [conv(4, 3, padding="causal", strides=2, activation="relu")], "causal, strides 2"),
    chain("conv1d_causal_wavenet", 11, [12, 2], [conv(4, 2, padding="causal", dilationRate=1, activation="tanh"),
                                                  conv(4, 2, padding="causal", dilationRate=2, activation="relu"),
                                                  conv(3, 2, padding="causal", dilationRate=4)],
          "causal dilations 1, 2, 4 stacked (WaveNet)"),
    # groups, use_bias, activations, direct (kernel 1) path, odd sizes, batch 1
    chain("conv1d_groups3", 12, [7, 6], [conv(9, 3, padding="same", groups=3, activation="relu")], "groups 3"),
    chain("conv1d_groups2_nobias", 13, [6, 4], [conv(6, 2, groups=2, useBias=False, activation="sigmoid")],
          "groups 2, no bias, sigmoid"),
    # Keras 3's hard_sigmoid (x/6+0.5): no TF.js file, where hard_sigmoid means 0.2x+0.5
    chain("conv1d_hard_sigmoid", 18, [6, 3], [conv(4, 3, padding="same", activation="hard_sigmoid")],
          "Keras 3 hard_sigmoid", files=False),
    chain("conv1d_groups_per_channel", 19, [7, 4], [conv(8, 3, groups=4, padding="same", activation="relu")],
          "groups = channels (the depthwise kernel), 2 filters per group"),
    chain("conv1d_k1_softmax", 14, [5, 7], [conv(5, 1, activation="softmax")], "kernel 1 (the input read in place), softmax"),
    chain("conv1d_k1_s2", 15, [7, 3], [conv(4, 1, strides=2)], "kernel 1, strides 2"),
    chain("conv1d_batch1_odd", 16, [13, 5], [conv(19, 5, padding="same", activation="tanh")], "batch 1, odd sizes", batch=1),
    chain("conv1d_nobias_relu", 17, [9, 17], [conv(33, 3, useBias=False, activation="relu")], "no bias, 17 channels in, 33 out",
          batch=3),
    # SeparableConv1D and DepthwiseConv1D
    chain("separable_conv1d_dm2_same", 20, [8, 3],
          [("SeparableConv1D", {"filters": 5, "kernelSize": 3, "depthMultiplier": 2, "padding": "same", "activation": "relu"})],
          "depth multiplier 2, same, relu"),
    chain("separable_conv1d_valid_s2", 21, [9, 4],
          [("SeparableConv1D", {"filters": 18, "kernelSize": 2, "strides": 2, "useBias": False})],
          "valid, strides 2, no bias, 18 filters"),
    chain("separable_conv1d_d2_dm3", 22, [10, 2],
          [("SeparableConv1D", {"filters": 4, "kernelSize": 3, "dilationRate": 2, "depthMultiplier": 3, "activation": "tanh"})],
          "dilation 2, depth multiplier 3", batch=1),
    chain("separable_conv1d_one_channel", 26, [8, 1],
          [("SeparableConv1D", {"filters": 3, "kernelSize": 3, "depthMultiplier": 2, "padding": "same"})],
          "one input channel (stage A as a GEMM)"),
    chain("depthwise_conv1d_dm2", 23, [7, 3], [("DepthwiseConv1D", {"kernelSize": 3, "depthMultiplier": 2})],
          "depth multiplier 2, valid"),
    chain("depthwise_conv1d_same_s2", 24, [9, 5],
          [("DepthwiseConv1D", {"kernelSize": 4, "strides": 2, "padding": "same", "useBias": False, "activation": "relu"})],
          "same, strides 2, no bias"),
    chain("depthwise_conv1d_d2_dm3", 25, [8, 2],
          [("DepthwiseConv1D", {"kernelSize": 2, "dilationRate": 2, "depthMultiplier": 3, "activation": "sigmoid"})],
          "dilation 2, depth multiplier 3", batch=1),
    # padding layers (a Dense first, so the gradient through them is seen)
    chain("zero_padding1d_default", 30, [4, 3], [("Dense", {"units": 3}), ("ZeroPadding1D", {})], "padding 1 each side"),
    chain("zero_padding1d_asym", 31, [5, 2], [conv(3, 2), ("ZeroPadding1D", {"padding": [1, 3]})], "padding (1, 3)"),
    chain("zero_padding1d_channels_first", 32, [3, 4],
          [("Dense", {"units": 4}), ("ZeroPadding1D", {"padding": [2, 1], "dataFormat": "channels_first"})],
          "channels_first: the last axis padded"),
    chain("cropping1d_default", 33, [6, 3], [conv(4, 2, padding="same"), ("Cropping1D", {})], "cropping 1 each side"),
    chain("cropping1d_asym", 34, [7, 2], [("Dense", {"units": 5}), ("Cropping1D", {"cropping": [3, 0]})], "cropping (3, 0)"),
    chain("up_sampling1d_default", 35, [4, 3], [("Dense", {"units": 3}), ("UpSampling1D", {})], "size 2"),
    chain("up_sampling1d_3_conv", 36, [3, 2], [("UpSampling1D", {"size": 3}), conv(3, 3, padding="same")], "size 3, then Conv1D"),
    # realistic stacks
    chain("conv1d_embed_lstm", 40, [9],
          [("Embedding", {"inputDim": 11, "outputDim": 6, "maskZero": True}), conv(8, 3, padding="same", activation="relu"),
           ("LSTM", {"units": 5}), ("Dense", {"units": 2, "activation": "softmax"})],
          "Embedding(mask_zero) -> Conv1D (drops the mask) -> LSTM -> Dense", batch=3, dtype="int32",
          inputs=lambda rng: [padded_tokens(rng, 11, [(2, 7, 0), (0, 9, 0), (4, 5, 0)])]),
    chain("conv1d_masking_lstm", 41, [8, 3],
          [("Masking", {}), conv(4, 2, padding="causal", activation="tanh"), ("LSTM", {"units": 3, "returnSequences": True})],
          "Masking -> Conv1D (drops the mask) -> LSTM", inputs=lambda rng: [masked_input(rng)]),
    chain("conv_stack_all", 42, [8],
          [("Embedding", {"inputDim": 9, "outputDim": 4, "maskZero": True}), ("ZeroPadding1D", {"padding": [2, 0]}),
           conv(6, 3, activation="relu"), ("UpSampling1D", {"size": 2}), ("Cropping1D", {"cropping": [1, 2]}),
           ("SeparableConv1D", {"filters": 5, "kernelSize": 3, "strides": 2}), ("DepthwiseConv1D", {"kernelSize": 2}),
           ("LSTM", {"units": 4}), ("Dense", {"units": 3})],
          "Embedding -> ZeroPadding1D -> Conv1D -> UpSampling1D -> Cropping1D -> SeparableConv1D -> DepthwiseConv1D -> LSTM -> Dense",
          dtype="int32", inputs=lambda rng: [padded_tokens(rng, 9, [(3, 5, 0), (0, 8, 0)])]),
    # Keras 3's other activations in Conv1D and Dense (gradients from the pre-activation)
    chain("conv1d_gelu_dense_silu", 40, [7, 3], [conv(5, 3, padding="same", activation="gelu"),
                                                 ("Dense", {"units": 4, "activation": "silu"})],
          "Conv1D gelu, then Dense silu"),
    chain("conv1d_elu_dense_log_softmax", 41, [6, 2], [conv(4, 2, activation="elu"),
                                                       ("Dense", {"units": 3, "activation": "log_softmax"})],
          "Conv1D elu, then Dense log_softmax"),
    chain("conv1d_mish_separable_selu", 42, [8, 3], [conv(4, 3, activation="mish"),
                                                     ("SeparableConv1D", {"filters": 3, "kernelSize": 2, "activation": "selu"})],
          "Conv1D mish, then SeparableConv1D selu"),
]


def masked_input(rng):
    x = uni(rng, 2, 8, 3)
    x[0, 5:] = 0.0
    x[1, :2] = 0.0
    return np.asarray(x, np.float32)


if __name__ == "__main__":
    lc.write_layer_cases("layers_conv.json", GENERATOR, "1-D convolutions and padding layers", CASES)
