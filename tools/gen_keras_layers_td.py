#!/usr/bin/env python3
"""Keras 3 cases for TimeDistributed around any layer, Conv2D, MaxPooling2D, AveragePooling2D and Flatten of
rank > 3 inside TimeDistributed (frame-by-frame CNN-LSTM / LRCN models), through the layer harness
(tools/layer_cases.py): forward, the .keras / .h5 / TF.js files, one SGD(1) step's gradients.

    .venv/bin/python tools/gen_keras_layers_td.py [--only=case,case]
"""
import layer_cases as lc  # first: it sets the environment before TensorFlow loads
from keras_common import uni

import numpy as np

GENERATOR = "tools/gen_keras_layers_td.py"


def layer(id_, cls, config, inputs, inner=None):
    spec = {"id": id_, "class": cls, "config": config, "inputs": inputs}
    if inner:
        spec["layer"] = {"class": inner[0], "config": inner[1]}
    return spec


def td(id_, cls, config, inputs):
    return layer(id_, "TimeDistributed", {}, inputs, (cls, config))


def chain(shape, layers, dtype=None):
    """A spec whose layers each take the previous one's output (`layers`: (class, config) or a full spec)."""
    inp = {"id": "x", "shape": shape}
    if dtype:
        inp["dtype"] = dtype
    specs, prev = [], "x"
    for i, l in enumerate(layers):
        s = dict(l) if isinstance(l, dict) else {"class": l[0], "config": l[1]}
        s["id"] = f"l{i}"
        s["inputs"] = [prev]
        specs.append(s)
        prev = f"l{i}:0"
    return {"inputs": [inp], "layers": specs, "outputs": [prev]}


def T(cls, config):
    """TimeDistributed(cls(config)) for chain()."""
    return {"class": "TimeDistributed", "config": {}, "layer": {"class": cls, "config": config}}


def case(name, spec, shape, seed, description, **kw):
    def make():
        return lc.make_case(name, spec, lambda rng: [uni(rng, *shape)], seed, description, **kw)
    make.__name__ = name
    return make


def int_case(name, spec, shape, vocab, seed, description, zeros, **kw):
    """Int token inputs in [1, vocab) with zeros (padding, masked by Embedding(maskZero)) where `zeros` says."""
    def inputs(rng):
        x = rng.randint(1, vocab, size=shape).astype(np.int32)
        for idx in zeros:
            x[idx] = 0
        return [x]

    def make():
        return lc.make_case(name, spec, inputs, seed, description, **kw)
    make.__name__ = name
    return make


def masked_case(name, spec, shape, seed, description, **kw):
    """Float inputs [B, T, F] whose masked steps (all zeros, for Masking) are rows 0: t 1, 3; 1: t 0 (B >= 2)."""
    def inputs(rng):
        x = uni(rng, *shape)
        x[0, 1] = 0
        x[0, 3] = 0
        x[1, 0] = 0
        return [x]

    def make():
        return lc.make_case(name, spec, inputs, seed, description, **kw)
    make.__name__ = name
    return make


CASES = [
    # ---- Conv2D on its own (4-D input) ----
    case("conv2d_valid", chain([7, 6, 3], [("Conv2D", {"filters": 5, "kernelSize": 3})]), [2, 7, 6, 3], 1301,
         "Conv2D 3x3 valid, defaults"),
    case("conv2d_same_strides", chain([9, 8, 3], [
        ("Conv2D", {"filters": 4, "kernelSize": [3, 2], "strides": [2, 3], "padding": "same", "activation": "tanh"}),
        ("Conv2D", {"filters": 3, "kernelSize": 2, "activation": "relu"})]), [2, 9, 8, 3], 1302,
        "Conv2D same padding, strides [2, 3], tanh, into a second Conv2D (its input gradient)"),
    case("conv2d_valid_strides", chain([8, 9, 2], [
        ("Conv2D", {"filters": 3, "kernelSize": 3, "strides": 2}),
        ("Conv2D", {"filters": 2, "kernelSize": [2, 1], "strides": [1, 2], "useBias": False})]), [3, 8, 9, 2], 1303,
        "Conv2D valid with strides 2 and [1, 2] (odd leftovers), no bias"),
    case("conv2d_dilation", chain([9, 7, 2], [
        ("Conv2D", {"filters": 6, "kernelSize": 3, "dilationRate": [2, 1], "padding": "same", "activation": "sigmoid"}),
        ("Conv2D", {"filters": 2, "kernelSize": 1}),
        ("Conv2D", {"filters": 3, "kernelSize": 2, "dilationRate": 2})]), [2, 9, 7, 2], 1304,
        "Conv2D dilation [2, 1] same, a 1x1 conv (direct path), dilation 2 valid"),
    case("conv2d_groups", chain([6, 5, 6], [
        ("Conv2D", {"filters": 6, "kernelSize": 1, "padding": "same"}),
        ("Conv2D", {"filters": 9, "kernelSize": 3, "groups": 3, "padding": "same", "useBias": False}),
        ("Conv2D", {"filters": 6, "kernelSize": 2, "groups": 3})]), [2, 6, 5, 6], 1305,
        "Conv2D groups 3 twice (block-diagonal kernels), after a 1x1 conv"),
    case("conv2d_batch1_softmax", chain([5, 9, 1], [
        ("Conv2D", {"filters": 17, "kernelSize": [2, 3], "activation": "softmax"})]), [1, 5, 9, 1], 1306,
        "Conv2D batch 1, one channel, 17 filters (past one panel), softmax over channels"),
    case("conv2d_chunks", chain([40, 38, 8], [
        ("Conv2D", {"filters": 20, "kernelSize": 3, "activation": "relu"}),
        ("Conv2D", {"filters": 3, "kernelSize": 3, "strides": 2})]), [2, 40, 38, 8], 1307,
        "Conv2D over more output positions than one im2col chunk", scale=0.5),
    # ---- pooling ----
    case("maxpool2d_valid", chain([7, 9, 3], [("Conv2D", {"filters": 5, "kernelSize": 2}), ("MaxPooling2D", {})]),
         [2, 7, 9, 3], 1311, "MaxPooling2D defaults (2x2, strides = poolSize, valid) after Conv2D, odd sizes"),
    case("maxpool2d_same", chain([7, 8, 2], [
        ("Conv2D", {"filters": 3, "kernelSize": 2, "padding": "same"}),
        ("MaxPooling2D", {"poolSize": [3, 2], "strides": [2, 1], "padding": "same"})]), [2, 7, 8, 2], 1312,
        "MaxPooling2D [3, 2] strides [2, 1] same"),
    case("avgpool2d_valid", chain([8, 7, 2], [
        ("Conv2D", {"filters": 5, "kernelSize": 1}),
        ("AveragePooling2D", {"poolSize": 3, "strides": [2, 1]})]), [2, 8, 7, 2], 1313,
        "AveragePooling2D 3x3 strides [2, 1] valid"),
    case("avgpool2d_same", chain([7, 7, 3], [
        ("Conv2D", {"filters": 4, "kernelSize": 3, "padding": "same", "activation": "tanh"}),
        ("AveragePooling2D", {"poolSize": 3, "strides": 2, "padding": "same"})]), [1, 7, 7, 3], 1314,
        "AveragePooling2D 3x3 strides 2 same (padding not counted), batch 1"),
    # ---- TimeDistributed: LRCN stacks ----
    case("td_lrcn", chain([4, 9, 8, 2], [
        T("Conv2D", {"filters": 4, "kernelSize": 3, "activation": "relu"}), T("MaxPooling2D", {"poolSize": 2}),
        T("Flatten", {}), ("LSTM", {"units": 5}), ("Dense", {"units": 3, "activation": "softmax"})]),
        [2, 4, 9, 8, 2], 1321, "LRCN: TimeDistributed(Conv2D, MaxPooling2D, Flatten) -> LSTM -> Dense"),
    case("td_lrcn_deep", chain([3, 10, 9, 3], [
        T("Conv2D", {"filters": 6, "kernelSize": 3, "padding": "same", "activation": "relu"}),
        T("Conv2D", {"filters": 5, "kernelSize": 3, "strides": 2, "activation": "tanh"}),
        T("AveragePooling2D", {"poolSize": 2, "padding": "same"}), T("Flatten", {}),
        ("LSTM", {"units": 4, "returnSequences": True}), T("Dense", {"units": 2})]),
        [2, 3, 10, 9, 3], 1322, "two TimeDistributed(Conv2D), AveragePooling2D same, LSTM sequences, TD(Dense)"),
    case("td_lrcn_batch1", chain([5, 6, 7, 1], [
        T("Conv2D", {"filters": 3, "kernelSize": [3, 2], "dilationRate": [1, 2]}),
        T("MaxPooling2D", {"poolSize": [2, 3], "strides": 1, "padding": "same"}), T("Flatten", {}),
        ("GRU", {"units": 3})]), [1, 5, 6, 7, 1], 1323, "batch 1: TD(Conv2D dilated), TD(MaxPooling2D same), GRU"),
    # ---- TimeDistributed around other layers ----
    case("td_lstm", chain([3, 5, 4], [T("LSTM", {"units": 3}), ("LSTM", {"units": 2})]), [2, 3, 5, 4], 1331,
         "TimeDistributed(LSTM) over sentences of words, then an LSTM (hierarchical)"),
    case("td_td_dense", chain([3, 4, 5], [
        {"class": "TimeDistributed", "config": {}, "layer": {"class": "TimeDistributed", "config": {},
                                                             "layer": {"class": "Dense", "config": {"units": 3}}}},
        T("Flatten", {}), ("Dense", {"units": 2})]), [2, 3, 4, 5], 1332, "TimeDistributed(TimeDistributed(Dense))"),
    case("td_flatten_dense", chain([4, 3, 2], [T("Flatten", {}), T("Dense", {"units": 3, "activation": "relu"})]),
         [3, 4, 3, 2], 1333, "TimeDistributed(Flatten) of rank 4, TimeDistributed(Dense)", train=False),
    # ---- masks pass along time ----
    masked_case("td_dense_masked", chain([5, 4], [
        ("Masking", {}), T("Dense", {"units": 5, "activation": "tanh"}), ("LSTM", {"units": 3})]), [3, 5, 4], 1341,
        "Masking -> TimeDistributed(Dense) -> LSTM: the mask passes TimeDistributed"),
    masked_case("td_dense_masked_sequences", chain([6, 3], [
        ("Masking", {}), T("Dense", {"units": 4}), ("LSTM", {"units": 3, "returnSequences": True}),
        T("Dense", {"units": 2})]), [2, 6, 3], 1342, "masked TimeDistributed(Dense) on both sides of an LSTM"),
    masked_case("td_flatten_masked", chain([5, 3], [
        ("Masking", {}), T("RepeatVector", {"n": 2}), T("Flatten", {}), T("Dense", {"units": 4}),
        ("LSTM", {"units": 3})]), [3, 5, 3], 1343,
        "Masking -> TD(RepeatVector) -> TD(Flatten) of rank 4 -> TD(Dense) -> LSTM: the mask passes them all"),
    int_case("td_conv2d_masked", chain([3, 5, 4], [
        ("Embedding", {"inputDim": 7, "outputDim": 2, "maskZero": True}),
        T("Conv2D", {"filters": 3, "kernelSize": 2}), T("MaxPooling2D", {}), T("Flatten", {})], dtype="int32"),
        [2, 3, 5, 4], 7, 1344, "Embedding(maskZero) on frames -> TD(Conv2D) -> TD(MaxPooling2D) -> TD(Flatten) with the mask",
        [(0, 1, 2, 3), (1, 0)], train=False),
    # ---- ConvLSTM2D ----
    case("convlstm2d_valid", chain([4, 6, 5, 2], [("ConvLSTM2D", {"filters": 3, "kernelSize": 3})]), [2, 4, 6, 5, 2], 1351,
         "ConvLSTM2D defaults (tanh, sigmoid, valid, last output)"),
    case("convlstm2d_same_sequences", chain([3, 5, 6, 3], [
        ("ConvLSTM2D", {"filters": 5, "kernelSize": [3, 2], "padding": "same", "returnSequences": True,
                        "recurrentActivation": "tanh"}),
        T("Flatten", {}), ("LSTM", {"units": 3}), ("Dense", {"units": 2})]), [2, 3, 5, 6, 3], 1352,
        "ConvLSTM2D same padding, returnSequences, tanh gates -> TD(Flatten) -> LSTM -> Dense"),
    case("convlstm2d_strides_state_backwards", {
        "inputs": [{"id": "x", "shape": [5, 7, 6, 2]}],
        "layers": [{"id": "c", "class": "ConvLSTM2D", "inputs": ["x"], "config": {
            "filters": 4, "kernelSize": 3, "strides": [2, 1], "padding": "same", "returnState": True, "goBackwards": True,
            "unitForgetBias": False, "activation": "relu"}}],
        "outputs": ["c:0", "c:1", "c:2"]}, [2, 5, 7, 6, 2], 1353,
        "ConvLSTM2D strides [2, 1], returnState (h, c), goBackwards, relu"),
    case("convlstm2d_dilation_batch1", chain([3, 8, 7, 1], [
        ("ConvLSTM2D", {"filters": 6, "kernelSize": 2, "dilationRate": [2, 3], "useBias": False,
                        "returnSequences": True, "goBackwards": True})]), [1, 3, 8, 7, 1], 1354,
        "ConvLSTM2D dilation [2, 3], no bias, 6 filters (padded to 8), batch 1, sequences backwards"),
]

if __name__ == "__main__":
    lc.write_layer_cases("layers_td.json", GENERATOR, "TimeDistributed around any layer, Conv2D, pooling 2-D, LRCN", CASES)
