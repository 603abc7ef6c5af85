#!/usr/bin/env python3
"""Generate Keras reference cases for wasm-rnn.

Every expected value in the files written here comes from real Keras
(``model.predict``); nothing is computed by hand.  The script is
deterministic: each case seeds Keras (``keras.utils.set_random_seed``) and
NumPy (``np.random.RandomState``) from a fixed per-case seed.

Usage (from the repository root):

    .venv/bin/python tools/gen_keras_cases.py           # (re)write test/cases/*.json
    .venv/bin/python tools/gen_keras_cases.py --check   # verify the written files

See tools/README.md for the file format.
"""

import argparse
import json
import subprocess
import sys

from keras_common import (  # first: it sets the environment before TensorFlow loads
    OUT_DIR, SHORT, capture_summary, dec, enc, file_header, hard_sigmoid_legacy, keras_activation, predict, tol_ratio,
    write_json,
)

import numpy as np
import keras

GENERATOR = "tools/gen_keras_cases.py"
FILES = {
    "tutorial": "lstm_tutorial.json",
    "random": "lstm_random.json",
    "encdec": "lstm_encoder_decoder.json",
    "dense": "dense.json",
    "activations": "activations.json",
}


# --------------------------------------------------------------------------
# Layer / model builders (config dict -> Keras)
# --------------------------------------------------------------------------


def lstm_config(units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                return_sequences=False, return_state=False, go_backwards=False):
    return {
        "units": int(units),
        "activation": activation,
        "recurrentActivation": recurrent_activation,
        "useBias": bool(use_bias),
        "returnSequences": bool(return_sequences),
        "returnState": bool(return_state),
        "goBackwards": bool(go_backwards),
    }


def dense_config(units, activation="linear", use_bias=True):
    return {"units": int(units), "activation": activation, "useBias": bool(use_bias)}


def make_lstm(cfg, name=None):
    return keras.layers.LSTM(
        cfg["units"],
        activation=keras_activation(cfg["activation"]),
        recurrent_activation=keras_activation(cfg["recurrentActivation"]),
        use_bias=cfg["useBias"],
        return_sequences=cfg["returnSequences"],
        return_state=cfg["returnState"],
        go_backwards=cfg["goBackwards"],
        name=name,
    )


def make_dense(cfg, name=None):
    return keras.layers.Dense(
        cfg["units"], activation=keras_activation(cfg["activation"]), use_bias=cfg["useBias"], name=name
    )


def randomize_weights(layer, rng, kernel_scale=1.0, recurrent_scale=None):
    """Scale Keras's initial kernels and replace the bias by uniform(-0.5, 0.5)."""
    if recurrent_scale is None:
        recurrent_scale = kernel_scale
    w = layer.get_weights()
    w[0] = w[0] * kernel_scale
    if isinstance(layer, keras.layers.LSTM):
        w[1] = w[1] * recurrent_scale
        if len(w) > 2:
            w[2] = rng.uniform(-0.5, 0.5, size=w[2].shape)
    elif len(w) > 1:
        w[1] = rng.uniform(-0.5, 0.5, size=w[1].shape)
    layer.set_weights([np.asarray(a, dtype=np.float32) for a in w])
    return [np.asarray(a, dtype=np.float32) for a in layer.get_weights()]


def build_lstm_model(cfg, T, I, initial_state=False, names=None):
    names = names or {}
    x = keras.Input(shape=(T, I), name=names.get("input"))
    layer = make_lstm(cfg, name=names.get("lstm"))
    if initial_state:
        H = cfg["units"]
        h0 = keras.Input(shape=(H,), name=names.get("h0"))
        c0 = keras.Input(shape=(H,), name=names.get("c0"))
        out = layer(x, initial_state=[h0, c0])
        model = keras.Model([x, h0, c0], out, name=names.get("model"))
    else:
        out = layer(x)
        model = keras.Model(x, out, name=names.get("model"))
    return model, layer


def build_encdec_model(enc_cfg, dec_cfg, dense_cfg, Te, Ie, Td, Id, names=None):
    names = names or {}
    enc_in = keras.Input(shape=(Te, Ie), name=names.get("enc_in"))
    enc_lstm = make_lstm(enc_cfg, name=names.get("enc_lstm"))
    _, h, c = enc_lstm(enc_in)
    dec_in = keras.Input(shape=(Td, Id), name=names.get("dec_in"))
    dec_lstm = make_lstm(dec_cfg, name=names.get("dec_lstm"))
    y, dh, dc = dec_lstm(dec_in, initial_state=[h, c])
    dense = None
    if dense_cfg is not None:
        dense = make_dense(dense_cfg, name=names.get("dense"))
        y = dense(y)
    model = keras.Model([enc_in, dec_in], [y, dh, dc], name=names.get("model"))
    return model, enc_lstm, dec_lstm, dense


def build_dense_model(cfg, in_shape):
    x = keras.Input(shape=tuple(in_shape))
    layer = make_dense(cfg)
    return keras.Model(x, layer(x)), layer


# --------------------------------------------------------------------------
# File 1: tutorial
# --------------------------------------------------------------------------

TUTORIAL_SEED = 1
TUTORIAL_NAMES = {"input": "input_layer", "lstm": "lstm", "model": "tutorial"}
TUTORIAL_VARIANTS = [
    ("tutorial_default", False, False),
    ("tutorial_return_sequences", True, False),
    ("tutorial_return_state", False, True),
    ("tutorial_both", True, True),
]

# The seq2seq summary uses the names a *fresh* Keras 3 session would assign
# automatically when building the model without names (verified by --check).
ENCDEC_SUMMARY_NAMES = {
    "enc_in": "input_layer",
    "enc_lstm": "lstm",
    "dec_in": "input_layer_1",
    "dec_lstm": "lstm_1",
    "dense": "dense",
    "model": "functional",
}


def gen_tutorial(encdec_cases):
    x = np.array([0.1, 0.2, 0.3], dtype=np.float32).reshape(1, 3, 1)
    cases, summaries = [], []
    weights = None
    for name, seq, state in TUTORIAL_VARIANTS:
        keras.backend.clear_session()
        keras.utils.set_random_seed(TUTORIAL_SEED)
        cfg = lstm_config(1, return_sequences=seq, return_state=state)
        model, layer = build_lstm_model(cfg, 3, 1, names=TUTORIAL_NAMES)
        if weights is None:
            # Keras's own initialisation (glorot kernel, orthogonal recurrent
            # kernel, zero bias with unit forget bias) from the fixed seed.
            weights = [np.asarray(w, dtype=np.float32) for w in layer.get_weights()]
        layer.set_weights(weights)
        outs = predict(model, x)
        cases.append({
            "name": name,
            "kind": "lstm",
            "config": cfg,
            "weights": [enc(w) for w in weights],
            "inputs": [enc(x)],
            "outputs": [enc(o) for o in outs],
        })
        summaries.append(capture_summary(model, name))

    # Encoder-decoder training model summary, same architecture as the first
    # case in lstm_encoder_decoder.json.
    c0 = encdec_cases[0]
    keras.backend.clear_session()
    model, *_ = build_encdec_model(
        c0["encoder"]["config"], c0["decoder"]["config"], c0["dense"]["config"],
        *c0["_dims"], names=ENCDEC_SUMMARY_NAMES,
    )
    s = capture_summary(model, "encoder_decoder")
    s["case"] = c0["name"]
    summaries.append(s)

    obj = file_header(GENERATOR)
    obj["description"] = (
        "Keras tutorial: LSTM(1) on [0.1, 0.2, 0.3] with return_sequences / return_state "
        "combinations, plus exact model.summary() texts."
    )
    obj["cases"] = cases
    obj["summaries"] = summaries
    return obj


# --------------------------------------------------------------------------
# File 2: random LSTM cases
# --------------------------------------------------------------------------


def lstm_case_name(prefix, cfg, B, T, I):
    parts = [prefix, f"u{cfg['units']}", f"b{B}", f"t{T}", f"i{I}"]
    if cfg["returnSequences"]:
        parts.append("seq")
    if cfg["returnState"]:
        parts.append("state")
    if cfg["goBackwards"]:
        parts.append("back")
    parts.append(SHORT[cfg["activation"]])
    parts.append(SHORT[cfg["recurrentActivation"]])
    if not cfg["useBias"]:
        parts.append("nobias")
    return "_".join(parts)


def make_lstm_case(name_prefix, seed, cfg, B, T, I, kernel_scale=1.0, recurrent_scale=None,
                   initial_state=False):
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    rng = np.random.RandomState(seed)
    model, layer = build_lstm_model(cfg, T, I, initial_state=initial_state)
    weights = randomize_weights(layer, rng, kernel_scale, recurrent_scale)
    x = rng.uniform(-1, 1, size=(B, T, I)).astype(np.float32)
    inputs = [x]
    if initial_state:
        H = cfg["units"]
        inputs.append(rng.uniform(-1, 1, size=(B, H)).astype(np.float32))
        inputs.append(rng.uniform(-1, 1, size=(B, H)).astype(np.float32))
    outs = predict(model, inputs if initial_state else x)
    return {
        "name": lstm_case_name(name_prefix, cfg, B, T, I),
        "kind": "lstm_initial_state" if initial_state else "lstm",
        "seed": seed,
        "config": cfg,
        "weights": [enc(w) for w in weights],
        "inputs": [enc(a) for a in inputs],
        "outputs": [enc(o) for o in outs],
    }


def gen_random():
    rng = np.random.RandomState(20240611)
    cases = []

    # ---- 48-case full factorial over the structural flags ---------------
    combos = []
    for seq in (False, True):
        for state in (False, True):
            for back in (False, True):
                for ai, act in enumerate(("tanh", "relu", "linear")):
                    for ri, ra in enumerate(("sigmoid", "hard_sigmoid")):
                        # useBias balanced against every binary flag and
                        # every activation (half-fraction of the 2^5 design).
                        use_bias = (int(seq) ^ int(state) ^ int(back) ^ ri ^ (ai & 1)) == 0
                        combos.append((seq, state, back, act, ra, use_bias))
    n = len(combos)
    order = rng.permutation(n)  # random placement of the "special" sizes
    units = [int(rng.choice([2, 3, 4, 6, 8, 9, 10, 12, 13, 16, 20, 24, 31]))
             for _ in range(n)]
    batch = [int(rng.randint(1, 9)) for _ in range(n)]
    steps = [int(rng.randint(1, 21)) for _ in range(n)]
    feats = [int(rng.randint(1, 13)) for _ in range(n)]
    for k, u in enumerate([1, 3, 4, 5, 7, 8, 16, 33, 64, 128, 1, 5, 7, 48, 96]):
        units[order[k]] = u
    for k, t in enumerate([1, 64, 2, 50, 1, 33, 3]):
        steps[order[(k + 5) % n]] = t
    for k, i in enumerate([1, 40, 1, 27, 17]):
        feats[order[(k + 11) % n]] = i
    for k, b in enumerate([1, 8, 1, 8]):
        batch[order[(k + 20) % n]] = b
    for idx, (seq, state, back, act, ra, use_bias) in enumerate(combos):
        H, B, T, I = units[idx], batch[idx], steps[idx], feats[idx]
        # keep the big ones small in the other dimensions
        if H >= 64:
            B, T, I = min(B, 3), min(max(T, 4), 12), max(I, 6)
        if T >= 33:
            B, H = min(B, 4), min(H, 16)
        cfg = lstm_config(H, act, ra, use_bias, seq, state, back)
        # Scale Keras's (rather small) initial kernels so gates and cell
        # activations leave their near-linear region; relu / linear cells can
        # grow without bound, so keep those a bit tamer on long sequences.
        if act == "tanh":
            scale = float(rng.choice([1.0, 1.5, 2.0, 2.5, 3.0]))
        else:
            scale = float(rng.choice([1.0, 1.5, 2.0]))
            if T > 20:
                scale = 1.0
        if H >= 32:  # glorot kernels shrink like 1/sqrt(I + 4H)
            scale *= 2.0
        cases.append(make_lstm_case(f"r{idx:02d}", 1000 + idx, cfg, B, T, I, scale))

    # ---- extra activation cases ------------------------------------------
    extra = []
    # recurrentActivation = hard_sigmoid_legacy (Keras 2 / TF.js form)
    for k in range(6):
        extra.append(("hl", lstm_config(
            int(rng.choice([3, 5, 8, 12, 17])), ("tanh", "relu", "linear")[k % 3], "hard_sigmoid_legacy",
            k != 4, k % 2 == 1, k in (1, 2, 5), k in (0, 3, 5)), 1.0 + 0.5 * (k % 3)))
    # activation = sigmoid / hard_sigmoid / hard_sigmoid_legacy
    for k in range(4):
        extra.append(("as", lstm_config(
            int(rng.choice([2, 4, 7, 10])), "sigmoid", ("sigmoid", "hard_sigmoid")[k % 2],
            k != 2, k >= 2, k in (1, 2), k in (0, 3)), 1.5))
    for k in range(4):
        extra.append(("ah", lstm_config(
            int(rng.choice([2, 4, 7, 10])), "hard_sigmoid", ("sigmoid", "hard_sigmoid", "hard_sigmoid_legacy",
                                                            "hard_sigmoid")[k],
            k != 1, k in (0, 3), k in (1, 3), k == 2), 2.0))
    for k in range(2):
        extra.append(("al", lstm_config(
            int(rng.choice([3, 6, 9])), "hard_sigmoid_legacy", ("hard_sigmoid_legacy", "sigmoid")[k],
            True, k == 0, k == 1, k == 1), 2.0))
    for j, (prefix, cfg, scale) in enumerate(extra):
        B, T, I = int(rng.randint(1, 6)), int(rng.randint(2, 16)), int(rng.randint(1, 10))
        cases.append(make_lstm_case(f"{prefix}{j:02d}", 2000 + j, cfg, B, T, I, scale))

    # ---- hard sigmoid stress: pre-activations well beyond +-2.5 / +-3 ----
    stress = [
        lstm_config(8, "tanh", "hard_sigmoid", True, True, True, False),
        lstm_config(8, "tanh", "hard_sigmoid_legacy", True, True, True, False),
        lstm_config(6, "hard_sigmoid", "hard_sigmoid", True, True, False, True),
        lstm_config(6, "hard_sigmoid_legacy", "hard_sigmoid_legacy", False, True, False, False),
        lstm_config(5, "tanh", "hard_sigmoid_legacy", True, False, True, True),
    ]
    for j, cfg in enumerate(stress):
        B, T, I = 3, 10, 8
        cases.append(make_lstm_case(f"stress{j:02d}", 3000 + j, cfg, B, T, I, 6.0, 3.0))

    # ---- initial_state cases ---------------------------------------------
    init_cfgs = [
        lstm_config(4, "tanh", "sigmoid", True, False, True, False),
        lstm_config(7, "tanh", "sigmoid", True, True, True, False),
        lstm_config(3, "relu", "hard_sigmoid", False, True, True, True),
        lstm_config(16, "tanh", "hard_sigmoid", True, False, True, True),
        lstm_config(5, "linear", "sigmoid", True, True, True, False),
        lstm_config(1, "tanh", "hard_sigmoid_legacy", True, True, True, True),
    ]
    for j, cfg in enumerate(init_cfgs):
        B, T, I = int(rng.randint(1, 6)), int(rng.randint(1, 14)), int(rng.randint(1, 9))
        scale = 1.0 if cfg["activation"] == "tanh" else 0.75
        cases.append(make_lstm_case(f"init{j:02d}", 4000 + j, cfg, B, T, I, scale, initial_state=True))

    obj = file_header(GENERATOR)
    obj["description"] = (
        "Single LSTM layer models Input(shape=(T, I)) -> LSTM(...) with random weights "
        "(Keras initialisers, scaled; bias uniform(-0.5, 0.5)) and inputs uniform(-1, 1); "
        "kind lstm_initial_state has inputs [x, h0, c0]."
    )
    obj["cases"] = cases
    return obj


# --------------------------------------------------------------------------
# File 3: encoder-decoder
# --------------------------------------------------------------------------

ENCDEC_SPECS = [
    # name,              H,  B, Te, Ie, Td, Id,  V, act,   rec_act,         bias, enc_back, dense
    ("ed00_h8_basic", 8, 2, 5, 6, 4, 6, 10, "tanh", "sigmoid", True, False, True),
    ("ed01_h16_b3", 16, 3, 12, 10, 9, 12, 20, "tanh", "sigmoid", True, False, True),
    ("ed02_h4_t1", 4, 1, 1, 3, 1, 3, 5, "tanh", "sigmoid", True, False, True),
    ("ed03_h32_encback", 32, 4, 20, 8, 20, 8, 16, "tanh", "sigmoid", True, True, True),
    ("ed04_h12_relu", 12, 2, 7, 5, 6, 4, 9, "relu", "sigmoid", True, False, True),
    ("ed05_h64_hardsig", 64, 2, 10, 16, 8, 16, 32, "tanh", "hard_sigmoid", True, False, True),
    ("ed06_h24_nodense", 24, 3, 9, 7, 5, 7, None, "tanh", "sigmoid", True, False, False),
    ("ed07_h5_nodense_nobias", 5, 4, 15, 2, 3, 3, None, "tanh", "sigmoid", False, False, False),
]


def gen_encdec():
    cases = []
    for j, (name, H, B, Te, Ie, Td, Id, V, act, ra, bias, enc_back, has_dense) in enumerate(ENCDEC_SPECS):
        seed = 5000 + j
        keras.backend.clear_session()
        keras.utils.set_random_seed(seed)
        rng = np.random.RandomState(seed)
        enc_cfg = lstm_config(H, act, ra, bias, False, True, enc_back)
        dec_cfg = lstm_config(H, act, ra, bias, True, True, False)
        dense_cfg = dense_config(V, "softmax", True) if has_dense else None
        model, enc_l, dec_l, dense_l = build_encdec_model(enc_cfg, dec_cfg, dense_cfg, Te, Ie, Td, Id)
        scale = 1.0 if act == "relu" else 2.0
        enc_w = randomize_weights(enc_l, rng, scale)
        dec_w = randomize_weights(dec_l, rng, scale)
        dense_w = randomize_weights(dense_l, rng, 2.0) if dense_l is not None else None
        enc_x = rng.uniform(-1, 1, size=(B, Te, Ie)).astype(np.float32)
        dec_x = rng.uniform(-1, 1, size=(B, Td, Id)).astype(np.float32)
        outs = predict(model, [enc_x, dec_x])
        cases.append({
            "name": name,
            "kind": "encoder_decoder",
            "seed": seed,
            "encoder": {"config": enc_cfg, "weights": [enc(w) for w in enc_w]},
            "decoder": {"config": dec_cfg, "weights": [enc(w) for w in dec_w]},
            "dense": ({"config": dense_cfg, "weights": [enc(w) for w in dense_w]} if dense_l is not None else None),
            "inputs": [enc(enc_x), enc(dec_x)],
            "outputs": [enc(o) for o in outs],
            "_dims": (Te, Ie, Td, Id),
        })
    obj = file_header(GENERATOR)
    obj["description"] = (
        "Keras seq2seq pattern: encoder LSTM(H, return_state) -> states -> decoder "
        "LSTM(H, return_sequences, return_state, initial_state=[h, c]) -> optional "
        "Dense(V, softmax). Outputs [probs_or_y, dh, dc]."
    )
    obj["cases"] = cases
    return obj


# --------------------------------------------------------------------------
# File 4: dense
# --------------------------------------------------------------------------

DENSE_SPECS = [
    # name,                      in_shape (no batch), B, units, activation, bias, kernel scale
    ("d00_2d_linear", (6,), 3, 4, "linear", True, 1.0),
    ("d01_2d_relu", (10,), 4, 7, "relu", True, 1.0),
    ("d02_2d_tanh", (5,), 2, 3, "tanh", True, 1.5),
    ("d03_2d_sigmoid", (12,), 5, 8, "sigmoid", True, 2.0),
    ("d04_2d_softmax", (9,), 3, 6, "softmax", True, 2.0),
    ("d05_3d_softmax", (4, 7), 2, 5, "softmax", True, 2.0),
    ("d06_3d_linear_nobias", (6, 3), 3, 4, "linear", False, 1.0),
    ("d07_3d_relu", (5, 16), 2, 33, "relu", True, 1.0),
]


def gen_dense():
    cases = []
    for j, (name, in_shape, B, U, act, bias, scale) in enumerate(DENSE_SPECS):
        seed = 6000 + j
        keras.backend.clear_session()
        keras.utils.set_random_seed(seed)
        rng = np.random.RandomState(seed)
        cfg = dense_config(U, act, bias)
        model, layer = build_dense_model(cfg, in_shape)
        w = randomize_weights(layer, rng, scale)
        x = rng.uniform(-1, 1, size=(B,) + tuple(in_shape)).astype(np.float32)
        outs = predict(model, x)
        cases.append({
            "name": name,
            "kind": "dense",
            "seed": seed,
            "config": cfg,
            "weights": [enc(a) for a in w],
            "inputs": [enc(x)],
            "outputs": [enc(o) for o in outs],
        })
    obj = file_header(GENERATOR)
    obj["description"] = "Input(shape=...) -> Dense(U, activation, use_bias) on 2-D and 3-D inputs."
    obj["cases"] = cases
    return obj


# --------------------------------------------------------------------------
# --check: reload, rebuild from JSON, compare
# --------------------------------------------------------------------------


def np_act(name):
    return {
        "tanh": np.tanh,
        "relu": lambda x: np.maximum(x, 0.0),
        "linear": lambda x: x,
        "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
        "hard_sigmoid": lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0),
        "hard_sigmoid_legacy": lambda x: np.clip(0.2 * x + 0.5, 0.0, 1.0),
        "softmax": lambda x: np.exp(x - x.max(-1, keepdims=True)) / np.exp(x - x.max(-1, keepdims=True)).sum(
            -1, keepdims=True),
    }[name]


def np_lstm(cfg, weights, x, h0=None, c0=None, stats=None):
    """Float64 NumPy LSTM used only as an independent sanity check."""
    W, U = weights[0].astype(np.float64), weights[1].astype(np.float64)
    b = weights[2].astype(np.float64) if cfg["useBias"] else 0.0
    H = cfg["units"]
    B, T, _ = x.shape
    act, ract = np_act(cfg["activation"]), np_act(cfg["recurrentActivation"])
    h = np.zeros((B, H)) if h0 is None else h0.astype(np.float64)
    c = np.zeros((B, H)) if c0 is None else c0.astype(np.float64)
    xs = x.astype(np.float64)
    order = range(T - 1, -1, -1) if cfg["goBackwards"] else range(T)
    seq = []
    for t in order:
        z = xs[:, t] @ W + h @ U + b
        zi, zf, zc, zo = z[:, :H], z[:, H:2 * H], z[:, 2 * H:3 * H], z[:, 3 * H:]
        if stats is not None:
            g = np.concatenate([zi, zf, zo], axis=1).ravel()
            stats.append(g)
        c = ract(zf) * c + ract(zi) * act(zc)
        h = ract(zo) * act(c)
        seq.append(h)
    y = np.stack(seq, axis=1) if cfg["returnSequences"] else h
    return [y, h, c] if cfg["returnState"] else [y]


def np_dense(cfg, weights, x):
    y = x.astype(np.float64) @ weights[0].astype(np.float64)
    if cfg["useBias"]:
        y = y + weights[1].astype(np.float64)
    return np_act(cfg["activation"])(y)


def rebuild_and_predict(case):
    keras.backend.clear_session()
    kind = case["kind"]
    inputs = [dec(a) for a in case["inputs"]]
    if kind in ("lstm", "lstm_initial_state"):
        x = inputs[0]
        model, layer = build_lstm_model(case["config"], x.shape[1], x.shape[2],
                                        initial_state=(kind == "lstm_initial_state"))
        layer.set_weights([dec(w) for w in case["weights"]])
        return predict(model, inputs if kind == "lstm_initial_state" else x)
    if kind == "encoder_decoder":
        ex, dx = inputs
        d = case["dense"]
        model, el, dl, dn = build_encdec_model(case["encoder"]["config"], case["decoder"]["config"],
                                               d["config"] if d else None,
                                               ex.shape[1], ex.shape[2], dx.shape[1], dx.shape[2])
        el.set_weights([dec(w) for w in case["encoder"]["weights"]])
        dl.set_weights([dec(w) for w in case["decoder"]["weights"]])
        if dn is not None:
            dn.set_weights([dec(w) for w in d["weights"]])
        return predict(model, [ex, dx])
    if kind == "dense":
        x = inputs[0]
        model, layer = build_dense_model(case["config"], x.shape[1:])
        layer.set_weights([dec(w) for w in case["weights"]])
        return predict(model, x)
    if kind == "activation":
        name = case["name"]
        fn = hard_sigmoid_legacy if name == "hard_sigmoid_legacy" else keras.activations.get(name)
        return [keras.ops.convert_to_numpy(fn(keras.ops.convert_to_tensor(inputs[0])))]
    raise ValueError(kind)


def numpy_reference(case, stats=None):
    kind = case["kind"]
    inputs = [dec(a) for a in case["inputs"]]
    if kind == "lstm":
        return np_lstm(case["config"], [dec(w) for w in case["weights"]], inputs[0], stats=stats)
    if kind == "lstm_initial_state":
        return np_lstm(case["config"], [dec(w) for w in case["weights"]], *inputs, stats=stats)
    if kind == "encoder_decoder":
        ex, dx = inputs
        e = case["encoder"]
        _, h, c = np_lstm(e["config"], [dec(w) for w in e["weights"]], ex, stats=stats)
        dd = case["decoder"]
        y, dh, dc = np_lstm(dd["config"], [dec(w) for w in dd["weights"]], dx, h, c, stats=stats)
        if case["dense"] is not None:
            y = np_dense(case["dense"]["config"], [dec(w) for w in case["dense"]["weights"]], y)
        return [y, dh, dc]
    if kind == "dense":
        return [np_dense(case["config"], [dec(w) for w in case["weights"]], inputs[0])]
    if kind == "activation":
        return [np_act(case["name"])(inputs[0].astype(np.float64))]
    raise ValueError(kind)


def expected_weight_shapes(cfg, in_dim):
    H = cfg["units"]
    shapes = [[in_dim, 4 * H], [H, 4 * H]]
    if cfg["useBias"]:
        shapes.append([4 * H])
    return shapes


def check_case_structure(case):
    problems = []
    inputs = case["inputs"]
    if case["kind"] in ("lstm", "lstm_initial_state"):
        cfg = case["config"]
        B, T, I = inputs[0]["shape"]
        if [w["shape"] for w in case["weights"]] != expected_weight_shapes(cfg, I):
            problems.append("weight shapes")
        H = cfg["units"]
        want = [[B, T, H] if cfg["returnSequences"] else [B, H]]
        if cfg["returnState"]:
            want += [[B, H], [B, H]]
        if [o["shape"] for o in case["outputs"]] != want:
            problems.append(f"output shapes {[o['shape'] for o in case['outputs']]} != {want}")
        if case["kind"] == "lstm_initial_state" and [a["shape"] for a in inputs[1:]] != [[B, H], [B, H]]:
            problems.append("initial state shapes")
    return problems


def check_summaries(obj):
    ok = True
    # 1. regenerate with explicit names and compare text exactly
    regenerated = {}
    for name, seq, state in TUTORIAL_VARIANTS:
        keras.backend.clear_session()
        cfg = lstm_config(1, return_sequences=seq, return_state=state)
        model, _ = build_lstm_model(cfg, 3, 1, names=TUTORIAL_NAMES)
        regenerated[name] = capture_summary(model, name)["text"]
    for s in obj["summaries"]:
        if s["name"] in regenerated and regenerated[s["name"]] != s["text"]:
            print(f"  summary {s['name']}: text differs on rebuild")
            ok = False
    # 2. the encoder-decoder summary must equal what a *fresh* session prints
    #    when the model is built without any explicit names.
    ed = next(s for s in obj["summaries"] if s["name"] == "encoder_decoder")
    enc_file = json.loads((OUT_DIR / FILES["encdec"]).read_text(encoding="utf-8"))
    c0 = next(c for c in enc_file["cases"] if c["name"] == ed["case"])
    Te, Ie = c0["inputs"][0]["shape"][1:]
    Td, Id = c0["inputs"][1]["shape"][1:]
    H, V = c0["encoder"]["config"]["units"], c0["dense"]["config"]["units"]
    snippet = f"""
import os, sys
os.environ["CUDA_VISIBLE_DEVICES"] = ""; os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"; os.environ["COLUMNS"] = "200"
sys.stdout.reconfigure(encoding="utf-8")
import keras
enc_in = keras.Input(shape=({Te}, {Ie}))
_, h, c = keras.layers.LSTM({H}, return_state=True)(enc_in)
dec_in = keras.Input(shape=({Td}, {Id}))
y, dh, dc = keras.layers.LSTM({H}, return_sequences=True, return_state=True)(dec_in, initial_state=[h, c])
probs = keras.layers.Dense({V}, activation="softmax")(y)
model = keras.Model([enc_in, dec_in], probs)
chunks = []
model.summary(print_fn=lambda s, *a, **k: chunks.append(s))
sys.stdout.write("<<<" + "".join(chunks) + ">>>")
"""
    res = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, encoding="utf-8")
    fresh = res.stdout.split("<<<", 1)[-1].rsplit(">>>", 1)[0]
    if fresh != ed["text"]:
        print("  encoder_decoder summary differs from a fresh auto-named session:")
        print(fresh)
        ok = False
    else:
        print("  encoder_decoder summary == fresh-session auto-named summary")
    # same for the tutorial (auto names except the model name 'tutorial')
    snippet_t = f"""
import os, sys
os.environ["CUDA_VISIBLE_DEVICES"] = ""; os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"; os.environ["COLUMNS"] = "200"
sys.stdout.reconfigure(encoding="utf-8")
import keras
x = keras.Input(shape=(3, 1))
out = keras.layers.LSTM(1, return_state=True)(x)
model = keras.Model(x, out)
chunks = []
model.summary(print_fn=lambda s, *a, **k: chunks.append(s))
sys.stdout.write("<<<" + "".join(chunks) + ">>>")
"""
    res = subprocess.run([sys.executable, "-c", snippet_t], capture_output=True, text=True, encoding="utf-8")
    fresh = res.stdout.split("<<<", 1)[-1].rsplit(">>>", 1)[0]
    stored = next(s for s in obj["summaries"] if s["name"] == "tutorial_return_state")["text"]
    if fresh.replace('Model: "functional"', 'Model: "tutorial"', 1) == stored:
        print("  tutorial_return_state summary == fresh-session auto-named summary (model name aside)")
    else:
        print("  note: fresh-session tutorial summary differs beyond the model name:")
        print(fresh)
    return ok


def run_check():
    all_ok = True
    total_bytes = 0
    for key, fname in FILES.items():
        path = OUT_DIR / fname
        size = path.stat().st_size
        total_bytes += size
        obj = json.loads(path.read_text(encoding="utf-8"))
        tol = obj["tolerance"]
        kinds = {}
        worst_keras, worst_np = (0.0, ""), (0.0, "")
        for case in obj["cases"]:
            kinds[case["kind"]] = kinds.get(case["kind"], 0) + 1
            problems = check_case_structure(case)
            stored = [dec(o) for o in case["outputs"]]
            got = rebuild_and_predict(case)
            if len(got) != len(stored) or any(g.shape != s.shape for g, s in zip(got, stored)):
                problems.append("rebuilt output shapes differ")
            else:
                r = max(tol_ratio(g, s, tol) for g, s in zip(got, stored))
                if r > 1:
                    problems.append(f"keras rebuild off by {r:.3g}x tolerance")
                worst_keras = max(worst_keras, (r, case["name"]))
                ref = numpy_reference(case)
                r2 = max(tol_ratio(s, n, tol) for s, n in zip(stored, ref))
                if r2 > 1:
                    problems.append(f"float64 numpy reference off by {r2:.3g}x tolerance")
                worst_np = max(worst_np, (r2, case["name"]))
            if problems:
                all_ok = False
                print(f"  FAIL {fname}:{case['name']}: {'; '.join(problems)}")
        print(f"{fname}: {size:,} bytes, {len(obj['cases'])} cases {kinds}; "
              f"keras-rebuild worst {worst_keras[0]:.3g}x tol ({worst_keras[1]}), "
              f"float64-numpy worst {worst_np[0]:.3g}x tol ({worst_np[1]})")
        if key == "random":
            report_coverage(obj)
        if key == "tutorial":
            all_ok &= check_summaries(obj)
    print(f"total size {total_bytes:,} bytes")
    print("CHECK OK" if all_ok else "CHECK FAILED")
    return all_ok


def report_coverage(obj):
    from collections import Counter

    cnt = Counter()
    for c in obj["cases"]:
        cfg = c["config"]
        for k in ("returnSequences", "returnState", "goBackwards", "useBias", "activation", "recurrentActivation"):
            cnt[(k, cfg[k])] += 1
    print("  coverage:", ", ".join(f"{k}={v}:{n}" for (k, v), n in sorted(cnt.items(), key=str)))
    units = sorted({c["config"]["units"] for c in obj["cases"]})
    shapes = [c["inputs"][0]["shape"] for c in obj["cases"]]
    print(f"  units {units}")
    print(f"  batch {min(s[0] for s in shapes)}-{max(s[0] for s in shapes)}, "
          f"steps {min(s[1] for s in shapes)}-{max(s[1] for s in shapes)}, "
          f"features {min(s[2] for s in shapes)}-{max(s[2] for s in shapes)}")
    # how often gate pre-activations land where the two hard sigmoids differ most
    for c in obj["cases"]:
        if c["name"].startswith("stress"):
            stats = []
            numpy_reference(c, stats=stats)
            z = np.concatenate(stats)
            a = np.abs(z)
            print(f"  {c['name']}: gate pre-acts |z| in [2.5,3): {np.mean((a >= 2.5) & (a < 3)):.1%}, "
                  f">=3: {np.mean(a >= 3):.1%}, max |z| {a.max():.2f}")
    # an implementation that confuses the two hard sigmoid definitions must fail
    swap = {"hard_sigmoid": "hard_sigmoid_legacy", "hard_sigmoid_legacy": "hard_sigmoid"}
    ratios = []
    for c in obj["cases"]:
        cfg = c["config"]
        if cfg["activation"] in swap or cfg["recurrentActivation"] in swap:
            bad = dict(c, config=dict(cfg, activation=swap.get(cfg["activation"], cfg["activation"]),
                                      recurrentActivation=swap.get(cfg["recurrentActivation"],
                                                                   cfg["recurrentActivation"])))
            stored = [dec(o) for o in c["outputs"]]
            ratios.append((max(tol_ratio(b, s, obj["tolerance"]) for b, s in zip(numpy_reference(bad), stored)),
                           c["name"]))
    print(f"  swapping hard_sigmoid <-> hard_sigmoid_legacy: {len(ratios)} cases, smallest error "
          f"{min(ratios)[0]:.3g}x tol ({min(ratios)[1]})")
    mags = sorted((max(float(np.abs(dec(o)).max()) for o in c["outputs"]), c["name"]) for c in obj["cases"])
    print(f"  max |output| per case: min {mags[0][0]:.3g} ({mags[0][1]}), max {mags[-1][0]:.3g} ({mags[-1][1]})")


# --------------------------------------------------------------------------


def gen_activations():
    """Each element-wise activation evaluated by Keras itself on points that test the edges:
    both hard sigmoids' kinks (+-2.5, +-3), tanh near zero, saturation, and a dense grid."""
    points = np.concatenate([
        np.array([-3.5, -3, -2.5, -1, 0, 1, 2.5, 3, 3.5, 10, -10, 0.3,
                  1e-8, -1e-8, 1e-4, -3e-3, 0.05, -0.0624, 0.0626, 0.0], dtype=np.float32),
        np.linspace(-12, 12, 4001, dtype=np.float32),
    ])
    x = keras.ops.convert_to_tensor(points)
    cases = []
    for name in ("linear", "relu", "tanh", "sigmoid", "hard_sigmoid", "hard_sigmoid_legacy"):
        fn = hard_sigmoid_legacy if name == "hard_sigmoid_legacy" else keras.activations.get(name)
        y = keras.ops.convert_to_numpy(fn(x))
        cases.append({"name": name, "kind": "activation", "inputs": [enc(points)], "outputs": [enc(y)]})
    out = file_header(GENERATOR)
    out["description"] = ("Keras 3's element-wise activations on edge points and a grid; hard_sigmoid_legacy "
                          "is the Keras 2 / TF.js clip(0.2x + 0.5, 0, 1) written with keras.ops.")
    out["cases"] = cases
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="verify the files in test/cases instead of writing")
    args = ap.parse_args()
    if args.check:
        sys.exit(0 if run_check() else 1)

    encdec = gen_encdec()
    tutorial = gen_tutorial(encdec["cases"])
    for c in encdec["cases"]:
        c.pop("_dims")
    write_json(FILES["tutorial"], tutorial)
    write_json(FILES["random"], gen_random())
    write_json(FILES["encdec"], encdec)
    write_json(FILES["dense"], gen_dense())
    write_json(FILES["activations"], gen_activations())


if __name__ == "__main__":
    main()
