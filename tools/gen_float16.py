#!/usr/bin/env python3
"""Reference data for float16 weights (saveModel's weightsDtype "float16", quantize("float16")).

Writes test/cases/float16.json:

- "rounding": float32 values (edge cases: ties, subnormals, the largest float16, overflow, signed
  zeros, NaN, infinities, and random values at many scales) and NumPy's ``astype(np.float16)``
  bits of each: the rounding a float16 file must use.
- "cases": models in the family graph format (tools/gen_keras_family.py; rebuilt by
  test/helpers/family.ts) with float32 weights, one input, and two sets of real Keras outputs:
  "outputs" with the float32 weights and "outputs_float16" with every weight rounded to float16
  by NumPy and then computed in float32, which is what a float16 file computes. The first set
  measures float16's error; the second must match at float32's tolerance.

Usage (from the repository root):

    .venv/bin/python tools/gen_float16.py
"""

import keras_common as kc  # first: it sets the environment before TensorFlow loads
from keras_common import build, enc, header, randomize

import numpy as np

GENERATOR = "tools/gen_float16.py"


def rounding_values(rng):
    f32 = np.float32
    edges = [0.0, -0.0, 1.0, -1.0, 65504.0, -65504.0, 65519.996, 65520.0, 1e6, -1e6,
             2.0 ** -14, 2.0 ** -24, 2.0 ** -25, 3 * 2.0 ** -26, 2.0 ** -26, 1e-9, -1e-9,
             1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, 1 + 2.0 ** -11 + 2.0 ** -20, 2048.0 + 1.0, 2048.0 + 3.0,
             0.1, 1 / 3, np.pi, float("inf"), float("-inf"), float("nan"),
             6.1035156e-05 - 2.0 ** -25, 5.9604645e-08 * 1.5]
    randoms = (rng.standard_normal(400) * np.power(10.0, rng.uniform(-9, 5, 400))).tolist()
    values = np.array(edges + randoms, dtype=f32)
    return {"values": enc(values), "bits": values.astype(np.float16).view(np.uint16).astype(np.int64).tolist()}


def model_specs():
    lstm = {"units": 24, "activation": "tanh", "recurrentActivation": "sigmoid", "returnSequences": True}
    yield "lstm_dense", (2, 9, 7), {
        "inputs": [{"id": "x", "shape": [9, 7]}],
        "layers": [
            {"id": "rnn", "class": "LSTM", "config": lstm, "inputs": ["x"]},
            {"id": "out", "class": "Dense", "config": {"units": 5, "activation": "linear"}, "inputs": ["rnn:0"]},
        ],
        "outputs": ["out:0"],
    }
    # (reset_after: false, the form TF.js runs: a float16 file is a TF.js file)
    yield "gru_stacked", (3, 8, 5), {
        "inputs": [{"id": "x", "shape": [8, 5]}],
        "layers": [
            {"id": "g1", "class": "GRU", "config": {"units": 16, "returnSequences": True, "resetAfter": False,
                                                     "recurrentActivation": "sigmoid"}, "inputs": ["x"]},
            {"id": "g2", "class": "GRU", "config": {"units": 12, "resetAfter": False}, "inputs": ["g1:0"]},
        ],
        "outputs": ["g2:0"],
    }
    yield "bidirectional_simple_rnn", (2, 6, 4), {
        "inputs": [{"id": "x", "shape": [6, 4]}],
        "layers": [
            {"id": "bi", "class": "Bidirectional", "config": {"mergeMode": "concat"},
             "layer": {"class": "SimpleRNN", "config": {"units": 10, "returnSequences": True}}, "inputs": ["x"]},
            {"id": "out", "class": "Dense", "config": {"units": 3, "activation": "softmax"}, "inputs": ["bi:0"]},
        ],
        "outputs": ["out:0"],
    }


def make_case(seed, name, shape, spec):
    rng = kc.seeded(seed)
    model, layers = build(spec)
    for lspec in spec["layers"]:
        lspec["weights"] = [enc(w) for w in randomize(layers[lspec["id"]], rng, 1.0)]
    x = rng.uniform(-1, 1, shape).astype(np.float32)
    want = kc.predict(model, x)
    weights = model.get_weights()
    model.set_weights([w.astype(np.float16).astype(np.float32) for w in weights])
    want16 = kc.predict(model, x)
    return {"name": name, "seed": seed, "model": spec, "inputs": [enc(x)],
            "outputs": [enc(o) for o in want], "outputs_float16": [enc(o) for o in want16]}


def main():
    rng = np.random.RandomState(16)
    cases = [make_case(1600 + i, name, shape, spec) for i, (name, shape, spec) in enumerate(model_specs())]
    obj = header(GENERATOR, "float16 rounding (NumPy) and models computed by Keras with float32 and with "
                            "float16-rounded weights", cases)
    obj["rounding"] = rounding_values(rng)
    kc.write_json("float16.json", obj)


if __name__ == "__main__":
    main()
