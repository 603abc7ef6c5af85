#!/usr/bin/env python3
"""Custom layers and format gaps (issue 13, items 3 and 4), with real Keras 3:

- custom_attention: Embedding(mask_zero) -> LSTM(return_sequences) -> SimpleAttention -> Dense, where
  SimpleAttention is the additive attention most published models define as a Keras Layer subclass
  (registered with @keras.saving.register_keras_serializable, weights W [F, F], b [F], u [F]; masked steps get
  -1e9 before the softmax over time). Trained a few epochs with Adam, saved `.keras` and `.h5`; the case records
  predict, and one SGD(1) train step (loss, w - w' of every weight) for the JS backward.
- custom_lambda: Dense -> Lambda(x * 2 - 1 as Python code) -> LSTM: the Lambda's implementation comes from JS.
- format_dict_io: a functional model on a dict of inputs with a dict of outputs (Keras 3 writes both as dicts,
  Keras 2.8 did too); also written as a Keras 2.8-shaped `.h5` (its config edited to Keras 2.8's form: class
  Functional, inbound nodes as [layer, node, index, kwargs] lists, keras_version 2.8.0).
- format_windows: a `.keras` whose model.weights.h5 is rewritten as Keras 2.13-2.15 on Windows wrote it
  (object-tree paths joined with backslashes: root groups named `layers\\lstm\\cell`, keras-team/keras#18528),
  metadata keras_version 2.15.0, and its zip entries named with backslashes where they have folders.

Run: .venv/bin/python tools/gen_keras_custom.py  (writes test/cases/custom_layers.json, test/models/custom/)
"""
import io
import json
import zipfile

import keras_common as kc  # first: it sets the environment before TensorFlow loads

import h5py
import keras
import numpy as np
import tensorflow as tf
from keras import ops

GENERATOR = "tools/gen_keras_custom.py"
MODELS = kc.ROOT / "test" / "models" / "custom"
rel = lambda p: str(p.relative_to(kc.ROOT)).replace("\\", "/")  # noqa: E731


@keras.saving.register_keras_serializable(package="WasmRnnExample")
class SimpleAttention(keras.layers.Layer):
    """score_t = u . tanh(x_t W + b); a = softmax over t (masked steps -1e9); out = sum_t a_t x_t."""

    def __init__(self, units=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.supports_masking = True

    def build(self, input_shape):
        f = input_shape[-1]
        u = self.units or f
        self.W = self.add_weight(name="att_weight", shape=(f, u), initializer="glorot_uniform")
        self.b = self.add_weight(name="att_bias", shape=(u,), initializer="zeros")
        self.u = self.add_weight(name="att_context", shape=(u,), initializer="glorot_uniform")

    def call(self, x, mask=None):
        e = ops.tanh(ops.matmul(x, self.W) + self.b)
        s = ops.sum(e * self.u, axis=-1)
        if mask is not None:
            s = ops.where(mask, s, -1e9)
        a = ops.softmax(s, axis=-1)
        return ops.sum(x * ops.expand_dims(a, -1), axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def train_step(model, xs, ys):
    """One SGD(1) train_on_batch: the loss and w - w' for every weight (in get_weights() order)."""
    before = [np.asarray(w, np.float32) for w in model.get_weights()]
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss="mse")
    value = model.train_on_batch(xs, ys, return_dict=True)["loss"]
    after = [np.asarray(w, np.float32) for w in model.get_weights()]
    return {"y": kc.enc(ys), "lossValue": float(value), "weightNames": [v.path for v in model.weights],
            "deltas": [kc.enc(b - a) for b, a in zip(before, after)]}


def custom_attention():
    keras.backend.clear_session()
    rng = kc.seeded(7)
    V, T = 20, 8
    inp = keras.Input((T,), dtype="int32", name="tokens")
    e = keras.layers.Embedding(V, 6, mask_zero=True)(inp)
    h = keras.layers.LSTM(5, return_sequences=True)(e)
    a = SimpleAttention(units=4, name="attention")(h)
    out = keras.layers.Dense(2, activation="softmax")(a)
    model = keras.Model(inp, out)
    x = rng.randint(1, V, size=(64, T)).astype(np.int32)
    for r in range(64):
        x[r, rng.randint(3, T + 1):] = 0
    y = np.eye(2, dtype=np.float32)[(x[:, 0] % 2)]
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="categorical_crossentropy")
    model.fit(x, y, epochs=4, batch_size=16, verbose=0)
    test = x[:5]
    outs = kc.predict(model, test)
    keras_path, h5_path = MODELS / "custom_attention.keras", MODELS / "custom_attention.h5"
    model.save(keras_path)
    model.save(h5_path)
    att = model.get_layer("attention")
    hid = keras.Model(inp, h)
    att_in = np.asarray(hid.predict(test, verbose=0), np.float32)
    att_mask = (test != 0).astype(np.float32)
    step = train_step(model, test, rng.uniform(0, 1, size=(5, 2)).astype(np.float32))
    return {"name": "custom_attention",
            "description": "Embedding(mask_zero) -> LSTM -> SimpleAttention (a registered Keras Layer subclass) -> Dense",
            "files": {"keras": rel(keras_path), "h5": rel(h5_path)}, "inputs": [kc.enc_int(test)],
            "outputs": [kc.enc(o) for o in outs],
            "layer": {"inputs": [kc.enc(att_in)], "mask": kc.enc(att_mask),
                      "weights": [kc.enc(w) for w in att.get_weights()],
                      "output": kc.enc(np.asarray(att(tf.constant(att_in), mask=tf.constant(att_mask > 0)), np.float32))},
            "train": step}


def custom_lambda():
    keras.backend.clear_session()
    rng = kc.seeded(8)
    inp = keras.Input((5, 3))
    d = keras.layers.Dense(4)(inp)
    lam = keras.layers.Lambda(lambda t: t * 2.0 - 1.0, name="scale_shift")(d)
    out = keras.layers.LSTM(3)(lam)
    model = keras.Model(inp, out)
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([rng.uniform(-0.5, 0.5, size=w.shape).astype(np.float32) for w in layer.get_weights()])
    x = rng.uniform(-1, 1, size=(2, 5, 3)).astype(np.float32)
    outs = kc.predict(model, x)
    path = MODELS / "custom_lambda.keras"
    model.save(path)
    h5 = MODELS / "custom_lambda.h5"
    model.save(h5)
    return {"name": "custom_lambda", "description": "Dense -> Lambda(x * 2 - 1, Python code) -> LSTM",
            "files": {"keras": rel(path), "h5": rel(h5)}, "inputs": [kc.enc(x)], "outputs": [kc.enc(o) for o in outs]}


def keras28_config(cfg):
    """A Keras 3 functional config in Keras 2.8's form: inbound nodes as lists, string dtypes, class Functional."""
    def node(n):
        args = n["args"][0]
        tensors = args if isinstance(args, list) else [args]
        return [[*t["config"]["keras_history"], {}] for t in tensors]
    layers = []
    for layer in cfg["config"]["layers"]:
        c = dict(layer["config"])
        if isinstance(c.get("dtype"), dict):
            c["dtype"] = c["dtype"]["config"]["name"]
        if layer["class_name"] == "InputLayer":
            c["batch_input_shape"] = c.pop("batch_shape")
        layers.append({"class_name": layer["class_name"], "config": c, "name": layer["name"],
                       "inbound_nodes": [node(n) for n in layer["inbound_nodes"]]})
    return {"class_name": "Functional", "config": {"name": cfg["config"]["name"], "layers": layers,
                                                    "input_layers": cfg["config"]["input_layers"],
                                                    "output_layers": cfg["config"]["output_layers"]}}


def format_dict_io():
    keras.backend.clear_session()
    rng = kc.seeded(9)
    a = keras.Input((4,), name="tokens")
    b = keras.Input((3,), name="feats")
    h = keras.layers.LSTM(3)(keras.layers.Embedding(6, 2)(a))
    c = keras.layers.Concatenate()([h, b])
    model = keras.Model({"tokens": a, "feats": b},
                        {"score": keras.layers.Dense(2, name="score_d")(c), "aux": keras.layers.Dense(1, name="aux_d")(h)})
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([rng.uniform(-0.8, 0.8, size=w.shape).astype(np.float32) for w in layer.get_weights()])
    toks = rng.randint(0, 6, size=(3, 4)).astype(np.float32)
    feats = rng.uniform(-1, 1, size=(3, 3)).astype(np.float32)
    got = model.predict({"tokens": toks, "feats": feats}, verbose=0)
    keys = sorted(got)  # Keras's flat order of a dict (keras.tree, tf.nest): the keys sorted
    keras_path, h5_path, h28 = MODELS / "dict_io.keras", MODELS / "dict_io.h5", MODELS / "dict_io_keras28.h5"
    model.save(keras_path)
    model.save(h5_path)
    with h5py.File(h5_path, "r") as src, h5py.File(h28, "w") as dst:
        for k in src:
            src.copy(src[k], dst, name=k)
        for k, v in src.attrs.items():
            dst.attrs[k] = v
        cfg = json.loads(src.attrs["model_config"])
        dst.attrs["model_config"] = json.dumps(keras28_config(cfg)).encode("utf-8")
        dst.attrs["keras_version"] = b"2.8.0"
        dst["model_weights"].attrs["keras_version"] = b"2.8.0"
    return {"name": "format_dict_io", "description": "dict inputs {tokens, feats} and dict outputs {score, aux}",
            "files": {"keras": rel(keras_path), "h5": rel(h5_path), "h5_keras28": rel(h28)},
            "inputNames": ["feats", "tokens"], "inputs": [kc.enc(feats), kc.enc(toks)],
            "outputNames": keys, "outputs": [kc.enc(np.asarray(got[k], np.float32)) for k in keys]}


def windows_weights(h5_bytes):
    """model.weights.h5 as Keras 2.15 on Windows wrote it: every object-tree group at the root, its path joined with \\."""
    src = h5py.File(io.BytesIO(h5_bytes), "r")
    out = io.BytesIO()
    dst = h5py.File(out, "w")

    def walk(g, path):
        for k in g:
            o = g[k]
            if not isinstance(o, h5py.Group):
                continue
            p = path + [k]
            if k == "vars":
                name = "\\".join(path) if path else None
                holder = dst.require_group(name) if name else dst
                src.copy(o, holder, name="vars")
            else:
                walk(o, p)
    walk(src, [])
    dst.close()
    src.close()
    return out.getvalue()


def format_windows():
    keras.backend.clear_session()
    rng = kc.seeded(10)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Embedding(9, 3), keras.layers.LSTM(4),
                              keras.layers.Dense(2)])
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([rng.uniform(-0.8, 0.8, size=w.shape).astype(np.float32) for w in layer.get_weights()])
    x = rng.randint(0, 9, size=(2, 6)).astype(np.float32)
    outs = kc.predict(model, x)
    plain = MODELS / "windows_plain.keras"
    model.save(plain)
    win = MODELS / "windows.keras"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(win, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "model.weights.h5":
                data = windows_weights(data)
            if item.filename == "metadata.json":
                meta = json.loads(data)
                meta["keras_version"] = "2.15.0"
                data = json.dumps(meta).encode("utf-8")
            zout.writestr(item.filename.replace("/", "\\"), data)
    plain.unlink()
    with h5py.File(io.BytesIO(zipfile.ZipFile(win).read("model.weights.h5")), "r") as f:
        roots = sorted(f.keys())
    return {"name": "format_windows", "description": f"a .keras with Windows Keras 2.15 weight paths ({', '.join(roots)})",
            "files": {"keras": rel(win)}, "inputs": [kc.enc(x)], "outputs": [kc.enc(o) for o in outs]}


def main():
    MODELS.mkdir(parents=True, exist_ok=True)
    cases = [custom_attention(), custom_lambda(), format_dict_io(), format_windows()]
    kc.write_json("custom_layers.json", kc.header(GENERATOR, "custom layers, Lambda, dict inputs/outputs, Windows paths",
                                                  cases))


if __name__ == "__main__":
    main()
