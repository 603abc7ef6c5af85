#!/usr/bin/env python3
"""Keras-generated cases of the normalization layers: BatchNormalization (axes, center/scale, momentum and
epsilon, batch 1, masks), LayerNormalization (axes, flags, rms_scaling), UnitNormalization, and a realistic
stack; each through the harness of tools/layer_cases.py (forward, files, one SGD(1) step), plus `fit`: a few
epochs of model.fit on a BatchNormalization model, Keras's History and final weights (moving statistics too).

Writes test/cases/layers_norm.json and test/models/layers/<case>/. `--only=a,b` regenerates those cases.
"""
import json

import layer_cases as lc  # first: it sets the environment before TensorFlow loads
import keras_common as kc
from keras_common import padded_tokens, uni

import keras
import numpy as np

GENERATOR = "tools/gen_keras_layers_norm.py"


def chain(shape, layers, dtype=None):
    """A model spec: one input of `shape`, then `layers` [(class, config)] one after another."""
    inp = {"id": "x", "shape": shape}
    if dtype:
        inp["dtype"] = dtype
    specs, prev = [], "x"
    for i, (cls, cfg) in enumerate(layers):
        specs.append({"id": f"l{i}", "class": cls, "config": cfg, "inputs": [prev]})
        prev = f"l{i}:0"
    return {"inputs": [inp], "layers": specs, "outputs": [prev]}


def case(name, shape, layers, B, seed, description, dtype=None, tokens=None):
    spec = chain(shape, layers, dtype)
    if tokens:
        return lc.make_case(name, spec, lambda rng: [padded_tokens(rng, tokens, [r for r in rows(shape[0], B)])], seed,
                            description)
    return lc.make_case(name, spec, lambda rng: [uni(rng, B, *shape) * 2 + 0.5], seed, description)


def rows(T, B):
    """Padded-token rows for B samples of T steps: varied leading/trailing padding, one row unpadded."""
    out = [(0, T, 0)]
    for b in range(1, B):
        lead = b % 2
        n = max(1, T - 1 - b)
        out.append((lead, n, T - lead - n))
    return out


def dense(units):
    return ("Dense", {"units": units})


def bn(**cfg):
    return ("BatchNormalization", cfg)


def ln(**cfg):
    return ("LayerNormalization", cfg)


def un(**cfg):
    return ("UnitNormalization", cfg)


def bn_last_axis():
    return case("bn_last_axis", [5, 6], [dense(7), bn()], 3, 1, "Dense -> BatchNormalization on [B, T, C], axis -1")


def bn_axis1():
    return case("bn_axis1", [5, 6], [dense(7), bn(axis=1)], 3, 2, "BatchNormalization on [B, T, C], axis 1 (channels T)")


def bn_rank4_axis2():
    return case("bn_rank4_axis2", [3, 5, 9], [dense(9), bn(axis=2, momentum=0.9, epsilon=0.01)], 2, 3,
                "BatchNormalization on [B, 3, 5, 9], axis 2, momentum 0.9, epsilon 0.01")


def bn_no_center():
    return case("bn_no_center", [4, 5], [dense(5), bn(center=False)], 4, 4, "BatchNormalization center=False (no beta)")


def bn_no_scale():
    return case("bn_no_scale", [4, 5], [dense(5), bn(scale=False)], 4, 5, "BatchNormalization scale=False (no gamma)")


def bn_no_center_scale():
    return case("bn_no_center_scale", [4, 3], [dense(3), bn(center=False, scale=False)], 2, 6,
                "BatchNormalization without gamma and beta: only the moving statistics")


def bn_rank2_odd():
    return case("bn_rank2_odd", [9], [dense(13), bn(momentum=0.5)], 7, 7, "BatchNormalization on [B, 13], 7 rows, momentum 0.5")


def bn_batch1():
    return case("bn_batch1", [6, 5], [dense(3), bn()], 1, 8, "BatchNormalization on one sample [1, 6, 3]")


def bn_masked():
    return case("bn_masked", [7], [("Embedding", {"inputDim": 9, "outputDim": 5, "maskZero": True}), bn(),
                                   ("LSTM", {"units": 4})], 4, 9,
                "Embedding(maskZero) -> BatchNormalization -> LSTM: masked batch moments", dtype="int32", tokens=9)


def bn_masked_axis1():
    return case("bn_masked_axis1", [6], [("Embedding", {"inputDim": 8, "outputDim": 3, "maskZero": True}), bn(axis=1),
                                         ("LSTM", {"units": 3, "returnSequences": True})], 3, 10,
                "Embedding(maskZero) -> BatchNormalization(axis 1) -> LSTM", dtype="int32", tokens=8)


def ln_last_axis():
    return case("ln_last_axis", [5, 6], [dense(7), ln()], 3, 11, "Dense -> LayerNormalization, axis -1")


def ln_axis1():
    return case("ln_axis1", [5, 6], [dense(7), ln(axis=1, epsilon=0.1)], 2, 12, "LayerNormalization over axis 1, epsilon 0.1")


def ln_axes12():
    return case("ln_axes12", [4, 5], [dense(3), ln(axis=[1, 2])], 3, 13, "LayerNormalization over axes [1, 2]")


def ln_no_center_scale():
    return case("ln_no_center_scale", [4, 5], [dense(6), ln(center=False, scale=False)], 2, 14,
                "LayerNormalization center=False scale=False (no weights)")


def ln_scale_only():
    return case("ln_scale_only", [17], [dense(17), ln(center=False)], 1, 15, "LayerNormalization center=False, [1, 17]")


def ln_rms():
    return case("ln_rms", [4, 5], [dense(9), ln(rmsScaling=True)], 3, 16, "LayerNormalization rms_scaling (Keras's, by the variance)")


def ln_masked():
    return case("ln_masked", [6], [("Embedding", {"inputDim": 7, "outputDim": 4, "maskZero": True}), ln(),
                                   ("LSTM", {"units": 3})], 3, 17, "Embedding(maskZero) -> LayerNormalization -> LSTM",
                dtype="int32", tokens=7)


def un_last_axis():
    return case("un_last_axis", [5, 6], [dense(7), un()], 3, 18, "Dense -> UnitNormalization, axis -1")


def un_axes12():
    return case("un_axes12", [3, 5], [dense(4), un(axis=[1, 2])], 2, 19, "UnitNormalization over axes [1, 2]")


def un_axis1_masked():
    return case("un_axis1_masked", [6], [("Embedding", {"inputDim": 7, "outputDim": 5, "maskZero": True}), un(axis=1),
                                         ("LSTM", {"units": 2})], 3, 20, "Embedding(maskZero) -> UnitNormalization(axis 1) -> LSTM",
                dtype="int32", tokens=7)


def norm_stack():
    return case("norm_stack", [8, 5], [("LSTM", {"units": 6, "returnSequences": True}), ln(), ("LSTM", {"units": 5}),
                                       bn(), ("Dense", {"units": 3, "activation": "softmax"})], 4, 21,
                "Input -> LSTM(returnSequences) -> LayerNormalization -> LSTM -> BatchNormalization -> Dense(softmax)")


CASES = [bn_last_axis, bn_axis1, bn_rank4_axis2, bn_no_center, bn_no_scale, bn_no_center_scale, bn_rank2_odd, bn_batch1,
         bn_masked, bn_masked_axis1, ln_last_axis, ln_axis1, ln_axes12, ln_no_center_scale, ln_scale_only, ln_rms, ln_masked,
         un_last_axis, un_axes12, un_axis1_masked, norm_stack]


def fit_case():
    """model.fit over 3 epochs (batches of 4 of 10 rows, the last partial; no shuffle) with Adam on
    Dense(no bias) -> BatchNormalization -> LSTM -> Dense: Keras's History and its final weights, moving statistics included."""
    keras.backend.clear_session()
    rng = kc.seeded(31)
    # no bias before the BatchNormalization: its gradient is 0 up to rounding, which Adam would amplify
    spec = chain([6, 4], [("Dense", {"units": 5, "useBias": False}), bn(momentum=0.8), ("LSTM", {"units": 3}), dense(2)])
    model, layers = kc.build(json.loads(json.dumps(spec)))
    for s in spec["layers"]:
        s["weights"] = [kc.enc(w) for w in lc.randomize_any(layers[s["id"]], rng, 1.0)]
    x = uni(rng, 10, 6, 4) + 0.3
    y = uni(rng, 10, 2)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    hist = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    return {"name": "bn_fit", "model": spec, "x": kc.enc(x), "y": kc.enc(y), "batchSize": 4, "epochs": 3,
            "optimizer": {"className": "Adam", "config": {"learningRate": 0.01}},
            "loss": [float(v) for v in hist.history["loss"]],
            "weightNames": [v.path for v in model.weights],
            "weights": [kc.enc(np.asarray(w, np.float32)) for w in model.get_weights()],
            "predict": kc.enc(kc.predict(model, x)[0])}


if __name__ == "__main__":
    lc.write_layer_cases("layers_norm.json", GENERATOR, "normalization layers", CASES)
    path = kc.OUT_DIR / "layers_norm.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["fit"] = fit_case()
    kc.write_json("layers_norm.json", doc)
