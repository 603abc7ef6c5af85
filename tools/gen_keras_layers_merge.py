#!/usr/bin/env python3
"""Keras 3 cases for the merge layers (Subtract, Multiply, Average, Maximum, Minimum, Dot), the activation layers
(Softmax, ReLU, LeakyReLU, PReLU, ELU) and the Activation layer's Keras 3 activations, through the layer harness
(tools/layer_cases.py): forward, .keras / .h5 / TF.js files, one SGD(1) step checked against GradientTape.

    .venv/bin/python tools/gen_keras_layers_merge.py [--only=name,...]   # writes test/cases/layers_merge.json
"""
import numpy as np

import layer_cases as lc  # first: it sets the environment before TensorFlow loads
from keras_common import uni


GENERATOR = "tools/gen_keras_layers_merge.py"


def inp(i, shape, dtype=None):
    s = {"id": i, "shape": list(shape)}
    if dtype:
        s["dtype"] = dtype
    return s


def L(i, cls, cfg, inputs, **kw):
    return {"id": i, "class": cls, "config": cfg, "inputs": inputs, **kw}


def tokens(rng, b, t, vocab, zero_from=None):
    """Token ids in [1, vocab) with trailing zeros (padding) from a per-row position."""
    x = rng.randint(1, vocab, size=(b, t)).astype(np.int32)
    for r in range(b):
        z = zero_from[r] if zero_from else rng.randint(1, t + 1)
        x[r, z:] = 0
    return x


# ---- element-wise merges ---------------------------------------------------------------------------

def three_inputs(cls, name, seed, desc, b=2, f=7):
    def case():
        spec = {"inputs": [inp("a", [5]), inp("b", [f]), inp("c", [f])],
                "layers": [L("d", "Dense", {"units": f}, ["a"]),
                           L("e", "Dense", {"units": f}, ["b"]),
                           L("m", cls, {}, ["d:0", "e:0", "c"], inputsAs="list")],
                "outputs": ["m:0"]}
        return lc.make_case(name, spec, lambda rng: [uni(rng, b, 5), uni(rng, b, f), uni(rng, b, f)], seed, desc)
    case.__name__ = name
    return case


def two_inputs(cls, name, seed, desc, b=3, shapes=((4, 5), (4, 5))):
    def case():
        s0, s1 = shapes
        spec = {"inputs": [inp("a", s0[:-1] + (3,)), inp("b", s1)],
                "layers": [L("d", "Dense", {"units": s0[-1]}, ["a"]),
                           L("m", cls, {}, ["d:0", "b"], inputsAs="list")],
                "outputs": ["m:0"]}
        return lc.make_case(name, spec, lambda rng: [uni(rng, b, *s0[:-1], 3), uni(rng, b, *s1)], seed, desc)
    case.__name__ = name
    return case


def masked_lstm(cls, name, seed, desc, both=True, n=2):
    """Embedding(maskZero) branches (the last one unmasked unless `both`) merged, then an LSTM over the mask."""
    def case():
        ins = [inp(f"t{i}", [6], "int32") for i in range(n)]
        layers = [L(f"e{i}", "Embedding", {"inputDim": 9, "outputDim": 5, "maskZero": both or i < n - 1}, [f"t{i}"])
                  for i in range(n)]
        layers.append(L("m", cls, {}, [f"e{i}:0" for i in range(n)], inputsAs="list"))
        layers.append(L("l", "LSTM", {"units": 3, "returnSequences": True}, ["m:0"]))
        spec = {"inputs": ins, "layers": layers, "outputs": ["l:0"]}
        pads = [[6, 3, 4], [2, 6, 5], [4, 1, 6]]
        return lc.make_case(name, spec, lambda rng: [tokens(rng, 3, 6, 9, pads[i]) for i in range(n)], seed, desc)
    case.__name__ = name
    return case


CASES = [
    three_inputs("Multiply", "multiply_three", 1, "Multiply of three inputs, a Dense before two"),
    three_inputs("Average", "average_three", 2, "Average of three inputs"),
    three_inputs("Maximum", "maximum_three", 3, "Maximum of three inputs"),
    three_inputs("Minimum", "minimum_three", 4, "Minimum of three inputs"),
    two_inputs("Subtract", "subtract_seq", 5, "Subtract of two sequences (odd sizes)"),
    two_inputs("Subtract", "subtract_batch1", 6, "Subtract, batch 1", b=1, shapes=((5,), (5,))),
    two_inputs("Multiply", "multiply_broadcast", 7, "Multiply of [4, 6] and [1, 6] (broadcast)", shapes=((4, 6), (1, 6))),
    two_inputs("Maximum", "maximum_rank", 8, "Maximum of [4, 6] and [6] (lower rank: axis 1 added)", shapes=((4, 6), (6,))),
    two_inputs("Average", "average_broadcast", 9, "Average of [4, 6] and [4, 1]", shapes=((4, 6), (4, 1))),
    masked_lstm("Multiply", "multiply_masked_lstm", 10, "two Embedding(maskZero) branches multiplied, then LSTM"),
    masked_lstm("Maximum", "maximum_masked_lstm", 11, "two masked branches, Maximum, LSTM"),
    masked_lstm("Minimum", "minimum_masked_lstm3", 12, "three masked branches, Minimum, LSTM", n=3),
    masked_lstm("Average", "average_masked_lstm", 13, "two masked branches, Average, LSTM"),
    masked_lstm("Subtract", "subtract_masked_lstm", 14, "two masked branches, Subtract, LSTM"),
    masked_lstm("Multiply", "multiply_half_masked", 15, "a masked and an unmasked branch multiplied (no output mask)",
                both=False),
    masked_lstm("Maximum", "maximum_half_masked3", 16, "two masked and one unmasked branch, Maximum", both=False, n=3),
]


# ---- Dot -------------------------------------------------------------------------------------------

def dot_case(name, seed, desc, sa, sb, cfg, b=2):
    def case():
        spec = {"inputs": [inp("a", sa[:-1] + (3,)), inp("b", sb)],
                "layers": [L("d", "Dense", {"units": sa[-1]}, ["a"]),
                           L("m", "Dot", cfg, ["d:0", "b"], inputsAs="list")],
                "outputs": ["m:0"]}
        return lc.make_case(name, spec, lambda rng: [uni(rng, b, *sa[:-1], 3), uni(rng, b, *sb)], seed, desc)
    case.__name__ = name
    return case


def dot_attention():
    spec = {"inputs": [inp("enc", [5, 3]), inp("dec", [4, 2])],
            "layers": [L("le", "LSTM", {"units": 6, "returnSequences": True}, ["enc"]),
                       L("ld", "LSTM", {"units": 6, "returnSequences": True}, ["dec"]),
                       L("sc", "Dot", {"axes": [2, 2]}, ["ld:0", "le:0"], inputsAs="list"),
                       L("sm", "Softmax", {}, ["sc:0"]),
                       L("ctx", "Dot", {"axes": [2, 1]}, ["sm:0", "le:0"], inputsAs="list"),
                       L("cat", "Concatenate", {}, ["ctx:0", "ld:0"]),
                       L("out", "Dense", {"units": 3}, ["cat:0"])],
            "outputs": ["out:0"]}
    return lc.make_case("dot_attention", spec, lambda rng: [uni(rng, 2, 5, 3), uni(rng, 2, 4, 2)], 30,
                        "attention by hand: LSTMs, Dot(axes=[2,2]), Softmax, Dot(axes=[2,1]), Concatenate, Dense")


CASES += [
    dot_case("dot_vectors", 20, "Dot of two vectors (axes -1): [batch, 1]", (5,), (5,), {"axes": -1}),
    dot_case("dot_vectors_normalize", 21, "cosine similarity: Dot(normalize) of vectors", (5,), (5,),
             {"axes": 1, "normalize": True}),
    dot_case("dot_axes11", 22, "Dot(axes=[1, 1]) of [4, 3] and [4, 5]", (4, 3), (4, 5), {"axes": [1, 1]}),
    dot_case("dot_axes22_normalize", 23, "Dot(axes=[2, 2], normalize) of [3, 5] and [4, 5]", (3, 5), (4, 5),
             {"axes": [2, 2], "normalize": True}),
    dot_case("dot_rank3_rank2", 24, "Dot(axes=[2, 1]) of [4, 3] and [3]", (4, 3), (3,), {"axes": [2, 1]}),
    dot_case("dot_batch1_normalize_axis1", 25, "Dot(axes=[1, 1], normalize), batch 1", (4, 3), (4, 2),
             {"axes": 1, "normalize": True}, b=1),
    dot_attention,
]


# ---- activation layers -----------------------------------------------------------------------------

def act_case(name, seed, desc, cls, cfg, shape=(4, 7), scale=3.0, b=2):
    def case():
        spec = {"inputs": [inp("a", shape[:-1] + (3,))],
                "layers": [L("d", "Dense", {"units": shape[-1]}, ["a"]), L("act", cls, cfg, ["d:0"])],
                "outputs": ["act:0"]}
        return lc.make_case(name, spec, lambda rng: [uni(rng, b, *shape[:-1], 3) * scale], seed, desc)
    case.__name__ = name
    return case


def softmax_mask():
    spec = {"inputs": [inp("a", [4, 3]), inp("m", [1, 5])],
            "layers": [L("d", "Dense", {"units": 5}, ["a"]),
                       L("sm", "Softmax", {}, ["d:0"], callTensors={"mask": "m"}),
                       # Keras sets the mask argument as the output's mask, which its losses would weigh by:
                       # Flatten drops it
                       L("f", "Flatten", {}, ["sm:0"]),
                       L("o", "Dense", {"units": 3}, ["f:0"])],
            "outputs": ["o:0"]}
    mask = np.array([[[1, 1, 0, 1, 0]], [[0, 0, 0, 0, 0]]], np.float32)
    return lc.make_case("softmax_mask", spec, lambda rng: [uni(rng, 2, 4, 3), mask], 46,
                        "Softmax(x, mask) with a [1, 5] mask broadcast (one row all masked)", files=False)


def prelu_masked_lstm():
    spec = {"inputs": [inp("t", [6], "int32")],
            "layers": [L("e", "Embedding", {"inputDim": 9, "outputDim": 4, "maskZero": True}, ["t"]),
                       L("p", "PReLU", {"sharedAxes": [1]}, ["e:0"]),
                       L("l", "LSTM", {"units": 3}, ["p:0"])],
            "outputs": ["l:0"]}
    return lc.make_case("prelu_masked_lstm", spec, lambda rng: [tokens(rng, 3, 6, 9, [6, 2, 4])], 57,
                        "Embedding(maskZero), PReLU(sharedAxes=[1]) passing the mask on, LSTM")


ACTS = ["gelu", "silu", "swish", "softplus", "softsign", "selu", "elu", "exponential", "leaky_relu", "relu6",
        "hard_silu", "hard_swish", "mish", "log_softmax", "hard_tanh", "log_sigmoid", "tanh_shrink", "relu", "tanh",
        "sigmoid", "linear", "softmax"]  # hard_sigmoid: 0.2x+0.5 in TF.js files, covered by the recurrent cases


def activation_keras3_all():
    layers = [L("d", "Dense", {"units": 5}, ["a"])]
    for i, a in enumerate(ACTS):
        layers.append(L(f"a{i}", "Activation", {"activation": a}, ["d:0"]))
    layers.append(L("cat", "Concatenate", {}, [f"a{i}:0" for i in range(len(ACTS))]))
    spec = {"inputs": [inp("a", [3, 4])], "layers": layers, "outputs": ["cat:0"]}
    return lc.make_case("activation_keras3_all", spec, lambda rng: [uni(rng, 2, 3, 4) * 4], 60,
                        "every Keras 3 activation name on one Dense (inputs scaled to reach relu6's cap)")


CASES += [
    act_case("softmax_last", 40, "Softmax over the last axis", "Softmax", {}),
    act_case("softmax_axis1", 41, "Softmax(axis=1) of [4, 7]", "Softmax", {"axis": 1}, scale=1.0),
    act_case("softmax_axes12", 42, "Softmax(axis=[1, 2]) of [3, 5]", "Softmax", {"axis": [1, 2]}, shape=(3, 5), scale=1.0),
    softmax_mask,
    act_case("relu_default", 50, "ReLU()", "ReLU", {}),
    act_case("relu_max6", 51, "ReLU(maxValue=6)", "ReLU", {"maxValue": 6.0}, scale=6.0),
    act_case("relu_all_options", 52, "ReLU(maxValue=2, negativeSlope=0.1, threshold=0.5)", "ReLU",
             {"maxValue": 2.0, "negativeSlope": 0.1, "threshold": 0.5}),
    act_case("leaky_relu_default", 53, "LeakyReLU() (slope 0.3)", "LeakyReLU", {}, shape=(9,)),
    act_case("leaky_relu_slope", 54, "LeakyReLU(negativeSlope=0.05), batch 1", "LeakyReLU", {"negativeSlope": 0.05}, b=1),
    act_case("elu_default", 55, "ELU()", "ELU", {}),
    act_case("elu_alpha", 56, "ELU(alpha=0.5)", "ELU", {"alpha": 0.5}),
    act_case("prelu_full", 58, "PReLU() (alpha per position)", "PReLU", {}),
    act_case("prelu_shared2", 59, "PReLU(sharedAxes=2) on [4, 7]", "PReLU", {"sharedAxes": 2}),
    prelu_masked_lstm,
    activation_keras3_all,
]

if __name__ == "__main__":
    lc.write_layer_cases("layers_merge.json", GENERATOR, "merge and activation layers", CASES)
