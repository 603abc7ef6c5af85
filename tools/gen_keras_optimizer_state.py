#!/usr/bin/env python3
"""Optimizer state in .keras files: Keras trains, saves, and continues training.

For each case a small model is compiled with real Keras 3, fitted for `epochs` epochs
(`shuffle=False`), saved to `test/models/optstate_<name>.keras` (with the optimizer's variables:
iteration, learning_rate, the slots), and then fitted for `moreEpochs` further epochs on the same
data. `test/cases/optimizer_state.json` holds, per case, the data, the step count at saving and
what the continued fit gave (History, weights). test/train/optimizer-state.test.ts loads each file and
must continue identically. Nothing is computed by hand.

Each case: {"name", "file", "optimizer" (the class name), "x", "y", "batchSize", "epochs",
"moreEpochs", "iterations" (optimizer.iterations when saved), "savedWeights" (get_weights() when
saved), "history" (History.history of the continued fit), "weights" (get_weights() after it),
"iterationsAfter"}. Arrays are {"name", "shape", "dtype", "data"} (the fixture golden format).

The .keras zip is rewritten with deflate: Keras stores its members uncompressed, and the slots'
HDF5 compresses to a fraction (the files are committed).

Usage (from the repository root):  .venv/bin/python tools/gen_keras_optimizer_state.py
"""

import json
import logging
import zipfile

from keras_common import ROOT, TOLERANCE  # first: it sets the environment before TensorFlow loads

import numpy as np
import keras
from keras import layers as L

logging.getLogger("absl").setLevel(logging.ERROR)

MODELS = ROOT / "test" / "models"
OUT = ROOT / "test" / "cases" / "optimizer_state.json"


def lstm_dense(units, out, activation, name):
    x = keras.Input((4, 3))
    return keras.Model(x, L.Dense(out, activation=activation, name="out")(L.LSTM(units, name="lstm")(x)), name=name)


def gru_dense(reset_after, name):
    x = keras.Input((5, 3))
    h = L.GRU(4, reset_after=reset_after, name="gru")(x)
    return keras.Model(x, L.Dense(2, activation="softmax", name="out")(h), name=name)


def bidirectional(name):
    x = keras.Input((4, 3))
    h = L.Bidirectional(L.LSTM(3), merge_mode="concat", name="bi")(x)
    return keras.Model(x, L.Dense(1, name="out")(h), name=name)


# name: (model, optimizer, loss, classes (0: regression targets))
CASES = {
    "lstm_adam": (lambda: lstm_dense(5, 3, "softmax", "lstm_adam"),
                  lambda: keras.optimizers.Adam(learning_rate=0.01), "categorical_crossentropy", 3),
    "lstm_adam_amsgrad": (lambda: lstm_dense(5, 3, "softmax", "lstm_adam_amsgrad"),
                          lambda: keras.optimizers.Adam(learning_rate=0.02, beta_1=0.8, amsgrad=True), "categorical_crossentropy", 3),
    "gru_sgd_momentum": (lambda: gru_dense(True, "gru_sgd_momentum"),
                         lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True), "categorical_crossentropy", 2),
    "lstm_rmsprop_centered": (lambda: lstm_dense(6, 1, None, "lstm_rmsprop_centered"),
                              lambda: keras.optimizers.RMSprop(learning_rate=0.005, momentum=0.5, centered=True), "mse", 0),
    "gru_adagrad": (lambda: gru_dense(False, "gru_adagrad"),
                    lambda: keras.optimizers.Adagrad(learning_rate=0.05), "categorical_crossentropy", 2),
    # a schedule: no learning_rate variable; Bidirectional: two layers' packing in one
    "bidirectional_adam_schedule": (lambda: bidirectional("bidirectional_adam_schedule"),
                                    lambda: keras.optimizers.Adam(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.02, 4, 0.7)), "mse", 0),
}


def arr(name, a):
    a = np.asarray(a)
    return {"name": name, "shape": list(a.shape), "dtype": "float32", "data": [float(v) for v in a.astype(np.float32).ravel()]}


def deflate(path):
    with zipfile.ZipFile(path) as z:
        members = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in members:
            z.writestr(name, data)


def main():
    cases = []
    for i, (name, (make, make_opt, loss, classes)) in enumerate(CASES.items()):
        keras.utils.set_random_seed(3000 + i)
        rng = np.random.RandomState(4000 + i)
        model = make()
        model.compile(optimizer=make_opt(), loss=loss)
        shape = [10] + list(model.inputs[0].shape[1:])
        x = rng.uniform(-1, 1, size=shape).astype(np.float32)
        n_out = model.outputs[0].shape[-1]
        y = (np.eye(classes, dtype=np.float32)[rng.randint(0, classes, size=10)] if classes
             else rng.uniform(-1, 1, size=(10, n_out)).astype(np.float32))
        batch, epochs, more = 4, 2, 2
        model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0)
        file = f"optstate_{name}.keras"
        model.save(MODELS / file)
        deflate(MODELS / file)
        iterations = int(model.optimizer.iterations.numpy())
        saved_weights = model.get_weights()
        h = model.fit(x, y, batch_size=batch, epochs=more, shuffle=False, verbose=0)
        # the saved file, loaded in Keras, must continue exactly as the model that wrote it
        loaded = keras.saving.load_model(MODELS / file)
        assert int(loaded.optimizer.iterations.numpy()) == iterations
        h2 = loaded.fit(x, y, batch_size=batch, epochs=more, shuffle=False, verbose=0)
        np.testing.assert_allclose(h2.history["loss"], h.history["loss"], rtol=1e-6)
        cases.append({
            "name": name, "file": file, "optimizer": type(model.optimizer).__name__,
            "x": arr("x", x), "y": arr("y", y), "batchSize": batch, "epochs": epochs, "moreEpochs": more,
            "iterations": iterations, "savedWeights": [arr(f"w{k}", w) for k, w in enumerate(saved_weights)],
            "history": {k: [float(v) for v in vs] for k, vs in h.history.items()},
            "weights": [arr(f"w{k}", w) for k, w in enumerate(model.get_weights())],
            "iterationsAfter": int(model.optimizer.iterations.numpy()),
        })
        print(f"wrote {file}: {type(model.optimizer).__name__}, {iterations} steps, {(MODELS / file).stat().st_size} bytes")
    OUT.write_text(json.dumps({
        "generator": "tools/gen_keras_optimizer_state.py", "keras_version": keras.__version__,
        "tolerance": TOLERANCE, "cases": cases,
    }) + "\n")


if __name__ == "__main__":
    main()
