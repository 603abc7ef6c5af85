#!/usr/bin/env python3
"""Keras's `trainable` flag: real Keras 3 trains small models with frozen layers, saves them, continues.

Each case builds a small model with frozen parts (a frozen Embedding, a frozen LSTM in a stack, a frozen
Bidirectional, a frozen BatchNormalization with non-default moving statistics, a frozen nested sub-model,
`model.trainable = False`), gives it seeded weights, compiles it with Adam and fits `epochs` epochs on fixed
data (`shuffle=False`, no dropout). It is then saved, with the optimizer's variables inside the .keras file,
as test/models/trainable/<case>/model.keras, model.h5 (Keras 3's legacy writer) and tfjs/model.json (the
tensorflowjs layers format, tools/layer_cases.py), and the .keras file, loaded again by Keras, fits
`moreEpochs` further epochs.

test/cases/trainable.json holds per case: the data, the initial weights, the weights after the fit (what the
files hold), the saved model's predictions, every layer's `trainable` as Keras loads the file (nested models'
layers in place, a Bidirectional's halves), Keras's Trainable / Non-trainable parameter counts, the number of
optimizer variables in the .keras file, and the continued fit's History and weights; `constructorArguments`: the
flags and counts Keras gives wrappers made with `trainable=False` (their own flag only). Arrays are
{shape, b64[, dtype]} (keras_common.enc). test/train/trainable.test.ts replays them. Nothing is computed by
hand.

Usage (from the repository root):  .venv/bin/python tools/gen_keras_trainable.py
"""

import logging
import shutil
import zipfile

import keras_common as kc  # first: it sets the environment before TensorFlow loads
from keras_common import enc, enc_arr, header, write_json

import numpy as np
import keras
from keras import layers as L
from layer_cases import save_tfjs

logging.getLogger("absl").setLevel(logging.ERROR)

MODELS = kc.ROOT / "test" / "models" / "trainable"


def frozen_embedding():
    x = keras.Input((5,), dtype="int32")
    h = L.Embedding(12, 4, trainable=False, name="emb")(x)
    h = L.LSTM(3, name="lstm")(h)
    return keras.Model(x, L.Dense(1, name="out")(h), name="frozen_embedding"), "int", 1


def frozen_lstm_stack():
    x = keras.Input((4, 3))
    first = L.LSTM(4, return_sequences=True, name="lstm_a")
    first.trainable = False
    h = L.LSTM(3, name="lstm_b")(first(x))
    return keras.Model(x, L.Dense(2, name="out")(h), name="frozen_lstm_stack"), "float", 2


def frozen_bidirectional():
    x = keras.Input((4, 3))
    bi = L.Bidirectional(L.GRU(3, reset_after=False), name="bi")  # TF.js runs this GRU too
    bi.trainable = False
    h = L.Dense(4, activation="tanh", name="mid")(bi(x))
    return keras.Model(x, L.Dense(1, name="out")(h), name="frozen_bidirectional"), "float", 1


def frozen_batchnorm():
    x = keras.Input((4, 3))
    h = L.LSTM(5, name="lstm")(x)
    bn = L.BatchNormalization(name="bn")
    bn.trainable = False
    h = L.BatchNormalization(name="bn_trained")(bn(h))
    return keras.Model(x, L.Dense(1, name="out")(h), name="frozen_batchnorm"), "float", 1


def frozen_nested():
    xi = keras.Input((4, 3))
    inner = keras.Model(xi, L.LSTM(4, name="inner_lstm")(xi), name="encoder")
    inner.trainable = False
    x = keras.Input((4, 3))
    h = L.Dense(3, activation="relu", name="head")(inner(x))
    return keras.Model(x, L.Dense(1, name="out")(h), name="frozen_nested"), "float", 1


def frozen_model():
    x = keras.Input((4, 3))
    m = keras.Model(x, L.Dense(1, name="out")(L.LSTM(3, name="lstm")(x)), name="frozen_model")
    m.trainable = False
    return m, "float", 1


CASES = [frozen_embedding, frozen_lstm_stack, frozen_bidirectional, frozen_batchnorm, frozen_nested, frozen_model]


def leaf_flags(model):
    """Every layer's `trainable` as Keras has it, nested models' layers in place (input layers left out), and a
    Bidirectional's halves after it: the order wasm-rnn's loaded model lists them."""
    out = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.Model):
            out.extend(leaf_flags(layer))
            continue
        entry = {"name": layer.name, "trainable": bool(layer.trainable)}
        if isinstance(layer, keras.layers.Bidirectional):
            entry["halves"] = [bool(layer.forward_layer.trainable), bool(layer.backward_layer.trainable)]
        out.append(entry)
    return out


def randomize(model, rng):
    """Seeded weights of every kind (moving statistics away from their defaults, so inference mode shows)."""
    vals = []
    for v in model.weights:
        a = np.asarray(v.numpy(), np.float32)
        name = v.path.split("/")[-1]
        if name in ("gamma", "moving_variance"):
            a = rng.uniform(0.5, 1.5, size=a.shape)
        elif name in ("beta", "moving_mean", "bias"):
            a = rng.uniform(-0.5, 0.5, size=a.shape)
        elif name == "embeddings":
            a = rng.uniform(-1, 1, size=a.shape)
        vals.append(np.asarray(a, np.float32))
    model.set_weights(vals)
    return [np.asarray(w, np.float32) for w in model.get_weights()]


def deflate(path):
    """Keras stores the .keras members uncompressed; the committed files are deflated (Keras reads both)."""
    with zipfile.ZipFile(path) as z:
        members = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in members:
            z.writestr(name, data)


def count(ws):
    return int(sum(int(np.prod(w.shape)) for w in ws))


def main():
    cases = []
    if MODELS.exists():
        shutil.rmtree(MODELS)
    for i, make in enumerate(CASES):
        keras.backend.clear_session()
        rng = kc.seeded(7100 + i)
        model, kind, n_out = make()
        initial = randomize(model, rng)
        shape = [8] + list(model.inputs[0].shape[1:])
        x = rng.randint(0, 12, size=shape).astype(np.int32) if kind == "int" else rng.uniform(-1, 1, size=shape).astype(np.float32)
        y = rng.uniform(-1, 1, size=(8, n_out)).astype(np.float32)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05), loss="mse")
        batch, epochs, more = 4, 2, 2
        fitted = model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0)
        after = [np.asarray(w, np.float32) for w in model.get_weights()]
        folder = MODELS / make.__name__
        folder.mkdir(parents=True)
        model.save(folder / "model.keras")
        deflate(folder / "model.keras")
        model.save(folder / "model.h5")
        save_tfjs(model, folder / "tfjs")
        optimizer_vars = len(model.optimizer.variables)
        predictions = kc.predict(model, x)
        counts = {"trainable": count(model.trainable_weights), "nonTrainable": count(model.non_trainable_weights)}
        # Keras loads the file it wrote with the same flags, and continues from its optimizer state
        loaded = keras.saving.load_model(folder / "model.keras")
        flags = leaf_flags(loaded)
        assert flags == leaf_flags(model), f"{make.__name__}: flags change on loading"
        assert int(loaded.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy())
        cont = loaded.fit(x, y, batch_size=batch, epochs=more, shuffle=False, verbose=0)
        rel = lambda p: str(p.relative_to(kc.ROOT)).replace("\\", "/")  # noqa: E731
        cases.append({
            "name": make.__name__,
            "files": {"keras": rel(folder / "model.keras"), "h5": rel(folder / "model.h5"),
                      "tfjs": rel(folder / "tfjs" / "model.json")},
            "x": enc_arr(x), "y": enc(y), "batchSize": batch, "epochs": epochs, "moreEpochs": more,
            "learningRate": 0.05,
            "modelTrainable": bool(model.trainable),
            "layers": flags,
            "params": counts,
            "optimizerVariables": optimizer_vars,
            "iterations": int(model.optimizer.iterations.numpy()),
            "initialWeights": [enc(w) for w in initial],
            "history": {k: [float(v) for v in vs] for k, vs in fitted.history.items()},
            "weightsAfterFit": [enc(w) for w in after],
            "predictions": [enc(p) for p in predictions],
            "continued": {
                "history": {k: [float(v) for v in vs] for k, vs in cont.history.items()},
                "weights": [enc(np.asarray(w, np.float32)) for w in loaded.get_weights()],
                "iterations": int(loaded.optimizer.iterations.numpy()),
            },
        })
        print(f"{make.__name__}: {counts}, {optimizer_vars} optimizer variables")
    # constructor arguments: a wrapper's `trainable=False` is its own flag only, its layers stay trainable
    keras.backend.clear_session()
    x = keras.Input((4, 3))
    bi = L.Bidirectional(L.LSTM(2, return_sequences=True), trainable=False)
    td = L.TimeDistributed(L.Dense(2), trainable=False)
    h = L.Dense(1, trainable=False)(td(bi(x)))
    m = keras.Model(x, h)
    constructor = {"model": "Input([4, 3]) -> Bidirectional(LSTM(2, returnSequences), trainable=False) -> "
                            "TimeDistributed(Dense(2), trainable=False) -> Dense(1, trainable=False)",
                   "flags": [bool(bi.trainable), bool(bi.forward_layer.trainable), bool(td.trainable),
                             bool(td.layer.trainable)],
                   "params": {"trainable": count(m.trainable_weights), "nonTrainable": count(m.non_trainable_weights)}}
    write_json("trainable.json", header(
        "tools/gen_keras_trainable.py",
        "Models with frozen layers trained, saved (.keras with optimizer state, .h5, TF.js) and continued by Keras 3",
        cases,
    ) | {"constructorArguments": constructor})


if __name__ == "__main__":
    main()
