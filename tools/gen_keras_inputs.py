#!/usr/bin/env python3
"""Inputs as Keras takes them (issue 13, item 1): models whose Input dtype differs from the data users pass.

- a float32 Input (Keras's default dtype) before an Embedding, as most published sentiment and chatbot models
  have it: Keras predicts and trains on float token ids; the tests pass Int32Array tokens, int32 tensors and
  nested int arrays and must get Keras's numbers;
- an int32 Input before an Embedding: the tests pass whole-number floats (and must be refused fractions);
- two inputs, float32 tokens and float features, into one model.

Each case is a tools/layer_cases.py case (Keras predict, .keras/.h5/TF.js files, one SGD(1) train step), with
the token ids recorded as float32 for the float input (what Keras was given) and as int32 for the int input.
Run: .venv/bin/python tools/gen_keras_inputs.py  (writes test/cases/inputs_cast.json, test/models/layers/inputs_*)
"""
import layer_cases as lc  # first: it sets the environment before TensorFlow loads
from keras_common import uni

import numpy as np

GENERATOR = "tools/gen_keras_inputs.py"


def tokens(rng, rows, steps, vocab, dtype):
    return rng.randint(0, vocab, size=(rows, steps)).astype(dtype)


def inputs_float_embedding_lstm():
    spec = {"inputs": [{"id": "x", "shape": [6]}],
            "layers": [{"id": "e", "class": "Embedding", "config": {"inputDim": 11, "outputDim": 4}, "inputs": ["x"]},
                       {"id": "l", "class": "LSTM", "config": {"units": 5}, "inputs": ["e:0"]},
                       {"id": "d", "class": "Dense", "config": {"units": 2}, "inputs": ["l:0"]}],
            "outputs": ["d:0"]}
    return lc.make_case("inputs_float_embedding_lstm", spec, lambda rng: [tokens(rng, 3, 6, 11, np.float32)], 1,
                        "float32 Input (Keras's default) -> Embedding -> LSTM -> Dense, float token ids")


def inputs_float_embedding_masked():
    spec = {"inputs": [{"id": "x", "shape": [7]}],
            "layers": [{"id": "e", "class": "Embedding", "config": {"inputDim": 9, "outputDim": 3, "maskZero": True},
                        "inputs": ["x"]},
                       {"id": "l", "class": "GRU", "config": {"units": 4, "returnSequences": True}, "inputs": ["e:0"]}],
            "outputs": ["l:0"]}

    def xs(rng):
        t = tokens(rng, 2, 7, 9, np.float32)
        t[0, 5:] = 0
        return [t]
    return lc.make_case("inputs_float_embedding_masked", spec, xs, 2,
                        "float32 Input -> Embedding(maskZero) -> GRU sequences, padded float token ids")


def inputs_int_embedding_lstm():
    spec = {"inputs": [{"id": "x", "shape": [5], "dtype": "int32"}],
            "layers": [{"id": "e", "class": "Embedding", "config": {"inputDim": 8, "outputDim": 3}, "inputs": ["x"]},
                       {"id": "l", "class": "LSTM", "config": {"units": 3}, "inputs": ["e:0"]}],
            "outputs": ["l:0"]}
    return lc.make_case("inputs_int_embedding_lstm", spec, lambda rng: [tokens(rng, 2, 5, 8, np.int32)], 3,
                        "int32 Input -> Embedding -> LSTM (the tests pass whole-number floats)")


def inputs_two_inputs():
    spec = {"inputs": [{"id": "t", "shape": [4]}, {"id": "f", "shape": [3]}],
            "layers": [{"id": "e", "class": "Embedding", "config": {"inputDim": 6, "outputDim": 2}, "inputs": ["t"]},
                       {"id": "l", "class": "LSTM", "config": {"units": 3}, "inputs": ["e:0"]},
                       {"id": "c", "class": "Concatenate", "config": {}, "inputs": ["l:0", "f"]},
                       {"id": "d", "class": "Dense", "config": {"units": 2}, "inputs": ["c:0"]}],
            "outputs": ["d:0"]}
    return lc.make_case("inputs_two_inputs", spec, lambda rng: [tokens(rng, 3, 4, 6, np.float32), uni(rng, 3, 3)], 4,
                        "float32 tokens -> Embedding -> LSTM, concatenated with float features -> Dense")


CASES = [inputs_float_embedding_lstm, inputs_float_embedding_masked, inputs_int_embedding_lstm, inputs_two_inputs]

if __name__ == "__main__":
    lc.write_layer_cases("inputs_cast.json", GENERATOR, "inputs as Keras takes them: int tokens into float inputs",
                         CASES)
