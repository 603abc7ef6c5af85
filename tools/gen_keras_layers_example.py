#!/usr/bin/env python3
"""Example generator for the layer harness (tools/layer_cases.py): an existing layer pair."""
import layer_cases as lc  # first: it sets the environment before TensorFlow loads
from keras_common import uni

GENERATOR = "tools/gen_keras_layers_example.py"


def example_dense_lstm():
    spec = {"inputs": [{"id": "x", "shape": [5, 3]}],
            "layers": [{"id": "l", "class": "LSTM", "config": {"units": 4, "returnSequences": True}, "inputs": ["x"]},
                       {"id": "d", "class": "Dense", "config": {"units": 2}, "inputs": ["l:0"]}],
            "outputs": ["d:0"]}
    return lc.make_case("example_dense_lstm", spec, lambda rng: [uni(rng, 2, 5, 3)], 1, "LSTM then Dense")


CASES = [example_dense_lstm]

if __name__ == "__main__":
    lc.write_layer_cases("layers_example.json", GENERATOR, "example", CASES)
