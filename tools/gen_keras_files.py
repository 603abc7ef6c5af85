#!/usr/bin/env python3
"""Write real Keras 3 model files (.keras, legacy .h5, .weights.h5) and their outputs.

For every layer type wasm-rnn has (or is getting), small models are built with real Keras 3,
saved in the three Keras 3 forms, and run with `model.predict` on seeded inputs. The files and
`test/models/<name>.json` (inputs + expected outputs, the fixture golden format) are what
test/io/keras-files.test.ts loads. Nothing is computed by hand.

Keras 2 forms are not written: this environment has no real Keras 2 (tf_keras); Keras-2 files are
covered by the DL4J fixtures in ../shared/fixtures.

Usage (from the repository root):  .venv/bin/python tools/gen_keras_files.py [--only=name,...]
"""

import json
import sys
import logging

from keras_common import ROOT, TOLERANCE  # first: it sets the environment before TensorFlow loads

import numpy as np
import keras
from keras import layers as L

logging.getLogger("absl").setLevel(logging.ERROR)

OUT = ROOT / "test" / "models"


def seq_input(t, f):
    return keras.Input((t, f))


def m_lstm_sequential():
    return keras.Sequential([keras.Input((5, 3)), L.LSTM(4, return_sequences=True), L.Dense(2, activation="softmax")], name="lstm_sequential")


def m_lstm_options():
    x = seq_input(6, 3)
    y, h, c = L.LSTM(5, return_state=True, go_backwards=True, recurrent_activation="hard_sigmoid", use_bias=False, activation="relu")(x)
    return keras.Model(x, [y, h, c], name="lstm_options")


def m_encoder_decoder():
    ei = keras.Input((None, 4))
    _, h, c = L.LSTM(6, return_state=True)(ei)
    di = keras.Input((None, 5))
    y, _, _ = L.LSTM(6, return_sequences=True, return_state=True)(di, initial_state=[h, c])
    out = L.Dense(5, activation="softmax")(y)
    return keras.Model([ei, di], out, name="encoder_decoder")


def m_gru():
    x = seq_input(5, 3)
    a = L.GRU(4, return_sequences=True)(x)  # reset_after=True, Keras 3 default
    b = L.GRU(3, reset_after=False, go_backwards=True, recurrent_activation="hard_sigmoid")(a)
    return keras.Model(x, b, name="gru_stack")


def m_simple_rnn():
    x = seq_input(5, 3)
    y, h = L.SimpleRNN(4, return_sequences=True, return_state=True)(x)
    return keras.Model(x, [y, h], name="simple_rnn")


def m_bidirectional():
    x = seq_input(5, 3)
    a = L.Bidirectional(L.LSTM(4, return_sequences=True))(x)
    b = L.Bidirectional(L.GRU(3), merge_mode="sum")(a)
    c = L.Bidirectional(L.SimpleRNN(2), merge_mode="ave")(a)
    d = L.Bidirectional(L.LSTM(2), merge_mode="mul")(a)
    return keras.Model(x, [b, c, d], name="bidirectional")


def m_masking():
    x = seq_input(6, 3)
    m = L.Masking(mask_value=0.0)(x)
    return keras.Model(x, L.LSTM(4)(m), name="masking_lstm")


def m_embedding():
    x = keras.Input((7,), dtype="int32")
    e = L.Embedding(10, 4, mask_zero=True)(x)
    return keras.Model(x, L.GRU(3)(e), name="embedding_gru")


def m_seq2seq_glue():
    x = seq_input(4, 3)
    h = L.LSTM(5)(x)
    r = L.RepeatVector(3)(h)
    y = L.LSTM(4, return_sequences=True)(r)
    t = L.TimeDistributed(L.Dense(2))(y)
    a = L.Activation("tanh")(t)
    d = L.Dropout(0.5)(a)
    return keras.Model(x, L.Flatten()(d), name="seq2seq_glue")


def m_merge():
    x = seq_input(5, 3)
    a = L.LSTM(4, return_sequences=True)(x)
    b = L.GRU(4, return_sequences=True)(x)
    s = L.Add()([a, b])
    c = L.Concatenate()([s, a])
    return keras.Model(x, L.Dense(3)(c), name="merge")


def m_nested():
    # a Sequential and a functional model used as layers of a third (Keras keeps their weights in
    # their own subtrees: layers/sequential/layers/..., layers/functional/layers/...)
    inner = keras.Sequential([keras.Input(shape=(5, 3)), L.LSTM(4, return_sequences=True)], name="inner_stack")
    e_in = keras.Input(shape=(5, 4))
    encoder = keras.Model(e_in, L.Dense(3, activation="tanh")(L.GRU(6, return_sequences=True)(e_in)), name="encoder")
    x = seq_input(5, 3)
    return keras.Model(x, L.SimpleRNN(2)(encoder(inner(x))), name="nested")


def m_compiled():
    # compiled before saving: the files record the optimizer, loss and metrics (compile_config in
    # .keras, training_config in .h5), which loadModel turns into a compiled model
    x = seq_input(4, 3)
    y = L.Dense(3, activation="softmax", name="probs")(L.LSTM(5, name="lstm")(x))
    model = keras.Model(x, y, name="compiled_lstm")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01, beta_1=0.85),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    return model


MODELS = {
    "lstm_sequential": (m_lstm_sequential, ["LSTM", "Dense"]),
    "lstm_options": (m_lstm_options, ["LSTM"]),
    "encoder_decoder": (m_encoder_decoder, ["LSTM", "Dense"]),
    "gru_stack": (m_gru, ["GRU"]),
    "simple_rnn": (m_simple_rnn, ["SimpleRNN"]),
    "bidirectional": (m_bidirectional, ["Bidirectional", "LSTM", "GRU", "SimpleRNN"]),
    "masking_lstm": (m_masking, ["Masking", "LSTM"]),
    "embedding_gru": (m_embedding, ["Embedding", "GRU"]),
    "seq2seq_glue": (m_seq2seq_glue, ["LSTM", "RepeatVector", "TimeDistributed", "Dense", "Activation", "Dropout", "Flatten"]),
    "merge": (m_merge, ["LSTM", "GRU", "Add", "Concatenate", "Dense"]),
    "nested": (m_nested, ["Sequential", "Functional", "LSTM", "GRU", "Dense", "SimpleRNN"]),
    "compiled_lstm": (m_compiled, ["LSTM", "Dense"]),
}


def arr(name, a):
    a = np.asarray(a)
    dtype = "int32" if a.dtype.kind in "iu" else "float32"
    flat = a.astype(np.int64 if dtype == "int32" else np.float32).ravel()
    return {"name": name, "shape": list(a.shape), "dtype": dtype,
            "data": [int(v) if dtype == "int32" else float(v) for v in flat]}


def inputs_for(model, rng):
    xs = []
    for t in model.inputs:
        shape = [2] + [d if d is not None else 5 for d in t.shape[1:]]
        if "int" in str(t.dtype):
            x = rng.randint(0, 10, size=shape).astype(np.int32)
            x[0, -2:] = 0  # padding the mask_zero embedding masks
        else:
            x = rng.uniform(-1, 1, size=shape).astype(np.float32)
            if model.name == "masking_lstm":
                x[0, :2] = 0.0  # leading masked steps
                x[1, 3] = 0.0   # a masked step in the middle
        xs.append(x)
    return xs


def fit_reference(name, files, rng):
    """Keras's fit of each saved form as load_model returns it (compiled from the file), so a
    loaded model's fit can be checked against Keras: 10 rows, batches of 4, 2 epochs, no shuffle."""
    x = rng.uniform(-1, 1, size=(10, 4, 3)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.randint(0, 3, size=10)]
    out = {"x": arr("x", x), "y": arr("y", y), "epochs": 2, "batchSize": 4, "runs": {}}
    for form in ("keras", "h5"):
        loaded = keras.models.load_model(OUT / files[form])
        # a fresh optimizer from the saved config (the optimizer load_model restores is tied to
        # the saving model's variables); the file was saved before any training, so the state
        # wasm-rnn restores from it is a fresh optimizer's too
        opt = loaded.optimizer
        loaded.compile(optimizer=type(opt).from_config(opt.get_config()), loss=loaded.loss, metrics=["accuracy"])
        h = loaded.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        out["runs"][form] = {
            "history": {k: [float(v) for v in vs] for k, vs in h.history.items()},
            "weights": [arr(f"w{k}", w) for k, w in enumerate(loaded.get_weights())],
            "optimizer": type(loaded.optimizer).__name__,
        }
    return out


def main():
    # `--only a,b` rewrites just those models (a .keras file embeds its save date, so rewriting
    # the others would only churn their bytes); the index always lists every model
    only = next((a.split("=", 1)[1].split(",") for a in sys.argv[1:] if a.startswith("--only=")), None)
    OUT.mkdir(parents=True, exist_ok=True)
    index = []
    for i, (name, (fn, classes)) in enumerate(MODELS.items()):
        if only is not None and name not in only:
            index.append(name)
            continue
        keras.utils.set_random_seed(1000 + i)
        rng = np.random.RandomState(2000 + i)
        model = fn()
        # scale weights away from the initialiser so every gate matters
        model.set_weights([w + rng.uniform(-0.3, 0.3, size=w.shape).astype(np.float32) if w.dtype.kind == "f" else w for w in model.get_weights()])
        xs = inputs_for(model, rng)
        ys = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
        ys = ys if isinstance(ys, list) else [ys]
        files = {"keras": f"{name}.keras", "h5": f"{name}.h5", "weights_h5": f"{name}.weights.h5"}
        model.save(OUT / files["keras"])
        model.save(OUT / files["h5"])
        model.save_weights(OUT / files["weights_h5"])
        golden = {
            "generator": "tools/gen_keras_files.py", "keras_version": keras.__version__,
            "model_name": model.name, "layers": classes, "files": files, "tolerance": TOLERANCE,
            "inputs": [arr(t.name, x) for t, x in zip(model.inputs, xs)],
            "outputs": [arr(f"output_{k}", y) for k, y in enumerate(ys)],
        }
        if model.compiled:
            golden["fit"] = fit_reference(name, files, rng)
        (OUT / f"{name}.json").write_text(json.dumps(golden) + "\n")
        index.append(name)
        print(f"wrote {name}: {', '.join(classes)}")
    (OUT / "index.json").write_text(json.dumps({"models": index}, indent=1) + "\n")


if __name__ == "__main__":
    main()
