#!/usr/bin/env python3
"""Keras 3 cases for the 1D pooling layers (MaxPooling1D, AveragePooling1D, GlobalMaxPooling1D,
GlobalAveragePooling1D), Reshape, Permute and the noise layers (SpatialDropout1D, GaussianDropout,
GaussianNoise), through the layer harness (tools/layer_cases.py): forward, the three files, and one SGD(1)
step checked against GradientTape. A weightless layer sits after a Dense (or an Embedding) so the gradient
through it is seen. The noise layers' training steps draw Keras's random noise, which no other program
reproduces: their cases train at rate 0 (the identity) and the noise itself is checked statistically in
test/layers/noise-layers.test.ts.

    .venv/bin/python tools/gen_keras_layers_pooling.py [--only=case_a,case_b]
"""
import layer_cases as lc  # first: it sets the environment before TensorFlow loads
from keras_common import padded_tokens, uni


GENERATOR = "tools/gen_keras_layers_pooling.py"


def chain(shape, layers, dtype=None):
    """A chain of layers after one input: [(class, config), ...]."""
    inp = {"id": "x", "shape": shape}
    if dtype:
        inp["dtype"] = dtype
    specs, prev = [], "x"
    for i, (cls, cfg) in enumerate(layers):
        specs.append({"id": f"l{i}", "class": cls, "config": cfg, "inputs": [prev]})
        prev = f"l{i}:0"
    return {"inputs": [inp], "layers": specs, "outputs": [prev]}


def floats(*shape):
    return lambda rng: [uni(rng, *shape)]


def tokens(V, rows):
    return lambda rng: [padded_tokens(rng, V, rows)]


def dense(units, **kw):
    return ("Dense", {"units": units, **kw})


def emb(V, E):
    return ("Embedding", {"inputDim": V, "outputDim": E, "maskZero": True})


def case(name, shape, layers, inputs, seed, description, dtype=None, **kw):
    def make():
        return lc.make_case(name, chain(shape, layers, dtype), inputs, seed, description, **kw)
    make.__name__ = name
    return make


MASKED_ROWS = [(0, 5, 2), (2, 5, 0), (1, 3, 3)]  # leading zeros, tokens, trailing zeros: T = 7

CASES = [
    # MaxPooling1D
    case("max_pooling1d_valid", [7, 5], [dense(5), ("MaxPooling1D", {"poolSize": 3})], floats(2, 7, 5), 1,
         "Dense then MaxPooling1D(3), strides = poolSize, valid: 7 steps -> 2 (the last step dropped)"),
    case("max_pooling1d_same_strides", [9, 3], [dense(3), ("MaxPooling1D", {"poolSize": 3, "strides": 2, "padding": "same"})],
         floats(1, 9, 3), 2, "MaxPooling1D(3, strides 2, same), batch 1: 9 steps -> 5"),
    case("max_pooling1d_overlap", [6, 7], [dense(7), ("MaxPooling1D", {"poolSize": 4, "strides": 1})], floats(3, 6, 7), 3,
         "overlapping windows: MaxPooling1D(4, strides 1), 7 channels"),
    case("max_pooling1d_same_even", [8, 2], [dense(2), ("MaxPooling1D", {"poolSize": 2, "strides": 3, "padding": "same"})],
         floats(2, 8, 2), 4, "MaxPooling1D(2, strides 3, same): stride above the pool"),
    case("max_pooling1d_channels_first", [5, 7], [dense(7), ("MaxPooling1D", {"poolSize": 2, "dataFormat": "channels_first"})],
         floats(2, 5, 7), 5, "channels_first: [batch, 5 channels, 7 steps] -> 3 steps"),
    case("max_pooling1d_mask", [7], [emb(6, 4), ("MaxPooling1D", {"poolSize": 2, "padding": "same"}), ("LSTM", {"units": 3})],
         tokens(6, MASKED_ROWS), 6, "Embedding(maskZero) -> MaxPooling1D drops the mask (Keras 3) -> LSTM sees every step",
         dtype="int32"),
    case("max_pooling1d_stack", [9], [("Embedding", {"inputDim": 12, "outputDim": 6}), dense(5, activation="relu"),
                                      ("MaxPooling1D", {"poolSize": 2}), ("LSTM", {"units": 4}), dense(2)],
         lambda rng: [rng.randint(0, 12, size=(3, 9)).astype("int32")], 7,
         "Embedding -> Dense(relu) -> MaxPooling1D -> LSTM -> Dense", dtype="int32"),
    # AveragePooling1D
    case("average_pooling1d_valid", [7, 5], [dense(5), ("AveragePooling1D", {"poolSize": 3, "strides": 2})], floats(2, 7, 5), 11,
         "AveragePooling1D(3, strides 2, valid): 7 steps -> 3"),
    case("average_pooling1d_same", [8, 3], [dense(3), ("AveragePooling1D", {"poolSize": 3, "strides": 2, "padding": "same"})],
         floats(1, 8, 3), 12, "AveragePooling1D(3, strides 2, same), batch 1: the padded step is not counted"),
    case("average_pooling1d_same_wide", [5, 2], [dense(2), ("AveragePooling1D", {"poolSize": 4, "strides": 1, "padding": "same"})],
         floats(2, 5, 2), 13, "AveragePooling1D(4, strides 1, same): padding on both sides"),
    case("average_pooling1d_channels_first", [3, 7], [dense(7), ("AveragePooling1D", {"poolSize": 2, "padding": "same",
                                                                                      "dataFormat": "channels_first"})],
         floats(2, 3, 7), 14, "channels_first, same: [batch, 3 channels, 7 steps] -> 4 steps"),
    case("average_pooling1d_mask", [7], [emb(6, 4), ("AveragePooling1D", {"poolSize": 2}), ("LSTM", {"units": 3})],
         tokens(6, MASKED_ROWS), 15, "Embedding(maskZero) -> AveragePooling1D averages every step and drops the mask",
         dtype="int32"),
    # GlobalMaxPooling1D
    case("global_max_pooling1d_basic", [6, 5], [dense(5), ("GlobalMaxPooling1D", {}), dense(2)], floats(2, 6, 5), 21,
         "Dense -> GlobalMaxPooling1D -> Dense"),
    case("global_max_pooling1d_keepdims", [5, 3], [dense(3), ("GlobalMaxPooling1D", {"keepdims": True})], floats(1, 5, 3), 22,
         "GlobalMaxPooling1D(keepdims): [batch, 1, channels], batch 1"),
    case("global_max_pooling1d_channels_first", [3, 7], [dense(7), ("GlobalMaxPooling1D", {"dataFormat": "channels_first"})],
         floats(2, 3, 7), 23, "GlobalMaxPooling1D channels_first: the max over the last axis"),
    case("global_max_pooling1d_mask", [7], [emb(4, 5), ("GlobalMaxPooling1D", {}), dense(2)], tokens(4, MASKED_ROWS), 24,
         "Embedding(maskZero) -> GlobalMaxPooling1D: masked steps count (Keras 3 ignores the mask); repeated ids tie "
         "and share the gradient", dtype="int32"),
    case("global_max_pooling1d_stack", [7], [emb(10, 6), ("LSTM", {"units": 5, "returnSequences": True}),
                                             ("GlobalMaxPooling1D", {}), dense(3, activation="softmax")],
         tokens(10, MASKED_ROWS), 25, "Embedding(maskZero) -> LSTM(sequences) -> GlobalMaxPooling1D -> Dense(softmax)",
         dtype="int32"),
    case("global_max_pooling1d_dense_stack", [8], [("Embedding", {"inputDim": 9, "outputDim": 4}), dense(6, activation="tanh"),
                                                   ("GlobalMaxPooling1D", {}), dense(1, activation="sigmoid")],
         lambda rng: [rng.randint(0, 9, size=(3, 8)).astype("int32")], 26,
         "Embedding -> Dense(tanh) -> GlobalMaxPooling1D -> Dense(sigmoid)", dtype="int32"),
    # GlobalAveragePooling1D
    case("global_average_pooling1d_basic", [6, 5], [dense(5), ("GlobalAveragePooling1D", {}), dense(2)], floats(2, 6, 5), 31,
         "Dense -> GlobalAveragePooling1D -> Dense"),
    case("global_average_pooling1d_keepdims", [5, 3], [dense(3), ("GlobalAveragePooling1D", {"keepdims": True})],
         floats(1, 5, 3), 32, "GlobalAveragePooling1D(keepdims), batch 1"),
    case("global_average_pooling1d_channels_first", [3, 7],
         [dense(7), ("GlobalAveragePooling1D", {"dataFormat": "channels_first", "keepdims": True})], floats(2, 3, 7), 33,
         "GlobalAveragePooling1D channels_first, keepdims: [batch, channels, 1]"),
    case("global_average_pooling1d_embedding_mask", [7], [emb(6, 4), dense(5), ("GlobalAveragePooling1D", {}), dense(2)],
         tokens(6, MASKED_ROWS), 34, "Embedding(maskZero) -> Dense -> GlobalAveragePooling1D: the mean over unmasked steps",
         dtype="int32"),
    case("global_average_pooling1d_masking", [6, 3], [("Masking", {}), dense(3), ("GlobalAveragePooling1D", {"keepdims": True})],
         lambda rng: [uni(rng, 3, 6, 3) * (rng.uniform(size=(3, 6, 1)) > 0.4)], 35,
         "Masking -> Dense -> GlobalAveragePooling1D(keepdims): masked steps left out of the mean"),
    case("global_average_pooling1d_stack", [7], [emb(10, 6), ("LSTM", {"units": 5, "returnSequences": True}),
                                                 ("GlobalAveragePooling1D", {}), dense(2)],
         tokens(10, MASKED_ROWS), 36, "Embedding(maskZero) -> LSTM(sequences, masked) -> GlobalAveragePooling1D -> Dense",
         dtype="int32"),
    # Reshape
    case("reshape_infer", [4, 6], [dense(6), ("Reshape", {"targetShape": [-1, 3]}), dense(2)], floats(2, 4, 6), 41,
         "Dense -> Reshape([-1, 3]): [4, 6] -> [8, 3] -> Dense"),
    case("reshape_rank4", [3, 4], [dense(4), ("Reshape", {"targetShape": [2, 3, 2]}), dense(3)], floats(1, 3, 4), 42,
         "Reshape to rank 4 ([2, 3, 2]), batch 1"),
    case("reshape_flat", [5, 3], [dense(3), ("Reshape", {"targetShape": [15]}), dense(2)], floats(2, 5, 3), 43,
         "Reshape([15]) as a Flatten"),
    case("reshape_mask", [7], [emb(6, 4), ("Reshape", {"targetShape": [14, 2]}), ("LSTM", {"units": 3})],
         tokens(6, MASKED_ROWS), 44, "Embedding(maskZero) -> Reshape drops the mask (Keras 3) -> LSTM", dtype="int32"),
    # Permute
    case("permute_swap", [5, 3], [dense(3), ("Permute", {"dims": [2, 1]}), ("LSTM", {"units": 2})], floats(2, 5, 3), 51,
         "Dense -> Permute([2, 1]): [5, 3] -> [3, 5] -> LSTM"),
    case("permute_rank4", [2, 3, 5], [dense(5), ("Permute", {"dims": [3, 1, 2]}), dense(2)], floats(1, 2, 3, 5), 52,
         "Permute([3, 1, 2]) on rank 4, batch 1"),
    case("permute_identity", [4, 3], [dense(3), ("Permute", {"dims": [1, 2]})], floats(2, 4, 3), 53, "Permute([1, 2]): a copy"),
    case("permute_mask", [7], [emb(6, 4), ("Permute", {"dims": [2, 1]}), dense(2)], tokens(6, MASKED_ROWS), 54,
         "Embedding(maskZero) -> Permute drops the mask (Keras 3)", dtype="int32"),
    # the noise layers: exact at inference; train at rate 0 (Keras's training noise is its own random stream)
    case("spatial_dropout1d_inference", [6, 5], [dense(5), ("SpatialDropout1D", {"rate": 0.4}), dense(2)], floats(2, 6, 5), 61,
         "SpatialDropout1D(0.4) is the identity at inference", train=False),
    case("spatial_dropout1d_rate0", [6, 5], [dense(5), ("SpatialDropout1D", {"rate": 0.0}), dense(2)], floats(2, 6, 5), 62,
         "SpatialDropout1D(0) trains as the identity"),
    case("spatial_dropout1d_mask", [7], [emb(6, 4), ("SpatialDropout1D", {"rate": 0.3}), ("LSTM", {"units": 3})],
         tokens(6, MASKED_ROWS), 63, "Embedding(maskZero) -> SpatialDropout1D passes the mask on -> LSTM", dtype="int32",
         train=False),
    case("gaussian_dropout_inference", [6, 5], [dense(5), ("GaussianDropout", {"rate": 0.3}), dense(2)], floats(2, 6, 5), 71,
         "GaussianDropout(0.3) is the identity at inference", train=False),
    case("gaussian_dropout_rate0", [6, 5], [dense(5), ("GaussianDropout", {"rate": 0.0}), dense(2)], floats(1, 6, 5), 72,
         "GaussianDropout(0) trains as the identity, batch 1"),
    case("gaussian_dropout_mask", [7], [emb(6, 4), ("GaussianDropout", {"rate": 0.2}), ("LSTM", {"units": 3})],
         tokens(6, MASKED_ROWS), 73, "Embedding(maskZero) -> GaussianDropout passes the mask on -> LSTM", dtype="int32",
         train=False),
    case("gaussian_noise_inference", [6, 5], [dense(5), ("GaussianNoise", {"stddev": 0.5}), dense(2)], floats(2, 6, 5), 81,
         "GaussianNoise(0.5) is the identity at inference", train=False),
    case("gaussian_noise_stddev0", [6, 5], [dense(5), ("GaussianNoise", {"stddev": 0.0}), dense(2)], floats(2, 6, 5), 82,
         "GaussianNoise(0) trains as the identity"),
    case("gaussian_noise_mask", [7], [emb(6, 4), ("GaussianNoise", {"stddev": 0.2}), ("LSTM", {"units": 3})],
         tokens(6, MASKED_ROWS), 83, "Embedding(maskZero) -> GaussianNoise passes the mask on -> LSTM", dtype="int32",
         train=False),
]

if __name__ == "__main__":
    lc.write_layer_cases("layers_pooling.json", GENERATOR, "1D pooling, Reshape, Permute and the noise layers", CASES)
