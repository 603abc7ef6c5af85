#!/usr/bin/env python3
"""Generate Keras reference data for training: gradients of one batch, and whole ``model.fit`` runs.

Every expected value comes from real Keras 3 (TensorFlow backend, CPU, float32); nothing is computed
by hand. Deterministic: each case seeds Keras and NumPy from a fixed per-case seed (``seed``).

Usage (from the repository root):

    .venv/bin/python tools/gen_keras_train.py           # (re)write test/cases/train_*.json
    .venv/bin/python tools/gen_keras_train.py --check   # rebuild every case in Keras and compare

Models use the graph format of tools/gen_keras_family.py (replayed by ``buildCase`` in
test/helpers/family.ts); each layer entry carries the *initial* weights:

    {"inputs": [{"id", "shape" | "batchShape", "dtype"?}],
     "layers": [{"id", "class", "config", "layer"?, "inputs": [ref], "initialState"?: [ref], "weights": [array]}],
     "outputs": [ref], "sequential"?: true}

Arrays are {"shape", "b64"} (little-endian float32, C order) or {"shape", "b64", "dtype": "int32"}.
Every model has one output. Weight lists (``gradients``, ``weights``) are flat, in Keras
``model.get_weights()`` order, which is the spec's layers in order with each layer's weights in its
own ``get_weights()`` order (a Bidirectional: the forward layer's, then the backward layer's);
``weightNames`` names them "<layer id>/<weight name>" ("<layer id>/forward|backward/<weight name>" in a
Bidirectional).

A loss is {"name": "mse" | "mae" | "binary_crossentropy" | "categorical_crossentropy" |
"sparse_categorical_crossentropy", "fromLogits": bool}, reduced the Keras way (sum_over_batch_size:
the mean over every element of the per-sample loss, e.g. over B*T for a sequence output; when the
model's output carries a mask (Embedding(mask_zero) or Masking upstream, return_sequences), the mean over
the unmasked steps only, sum(loss * mask) / sum(mask)). Crossentropy on the output of a Dense or
Activation layer with softmax / sigmoid is computed from the logits Keras caches on that output (no
clipping); behind TimeDistributed from the clipped probabilities.

train_gradients.json, one batch and no optimizer:

    {"name", "seed", "description", "model", "loss",
     "x": [array per model input], "y": [array per model output],
     "outputs": [model(x, training=True), per output],
     "lossValue": float, "weightNames": [str], "gradients": [array, one per weight]}

train_fit.json, ``model.fit(x, y, batch_size, epochs, shuffle=False)``:

    {"name", "seed", "description", "model", "x": [...], "y": [...],
     "compile": {"optimizer": {"name": "sgd" | "adam" | "rmsprop" | "adagrad", <arguments set, camelCase>},
                 "optimizerConfig": {<every hyperparameter Keras used, camelCase>}, "loss": {...}},
     "fit": {"epochs", "batchSize", "shuffle": false}, "samples": N, "steps": optimizer iterations,
     "history": [History.history["loss"] per epoch], "weightNames": [str], "weights": [array],
     "states"?: {layer id: [array]}}   (stateful layers only: their states after fit, [h, c] for an LSTM)

--check rebuilds every case from its JSON (spec, initial weights, x, y, loss, optimizer) and requires
Keras to reproduce the stored numbers within the file's tolerance. It also reports, as diagnostics, how
far the stored float32 results are from the same computation in float64 Keras and in eager mode (what
the tolerance has to absorb), confirms the documented loss reduction from the stored outputs (and
that the unmasked mean or the other crossentropy path would not match), replays each fit with
train_on_batch to confirm History's batch-size-weighted epoch mean, replays the Embedding fits with
Adam / RMSprop / Adagrad with the IndexedSlices gradient kept and densified (only the first matches),
and replays the stateful fit carrying its states and resetting them per epoch / per batch.
"""

import argparse
import json
import math
import sys
import time

import keras_common as kc  # first: it sets the environment before TensorFlow loads
from keras_common import (
    dec, dec_any, dense, enc, enc_arr, header, init_model, keras_loss, keras_optimizer, layer_states, loss_spec,
    lstm_cfg, model_input, one_hot, optimizer_config, padded_tokens, rebuild, seq_model, stateful_layers, uni,
    weight_names,
)

import numpy as np
import keras
import tensorflow as tf

GENERATOR = "tools/gen_keras_train.py"
GRAD_TOL = dict(kc.TOLERANCE)
FIT_TOL = dict(kc.TOLERANCE)  # see FIT_DESCRIPTION and the --check diagnostics


# --------------------------------------------------------------------------
# gradients: one batch, the loss fit() minimises, gradients from a GradientTape
# --------------------------------------------------------------------------


def loss_and_gradients(model, loss, xs, ys, eager=False):
    """(outputs, loss, gradients) as Keras's train_step computes them (a tf.function unless eager)."""
    model.compile(optimizer="sgd", loss=keras_loss(loss), jit_compile=False)
    x = model_input([tf.constant(a) for a in xs])
    y = tf.constant(ys[0])

    def step(x, y):
        with tf.GradientTape() as tape:
            pred = model(x, training=True)
            value = model.compute_loss(x=x, y=y, y_pred=pred, training=True)
        return pred, value, tape.gradient(value, model.trainable_weights)

    pred, value, grads = (step if eager else tf.function(step))(x, y)
    outs = [np.asarray(p, np.float32) for p in kc.as_list(pred)]
    return outs, float(value), [np.asarray(tf.convert_to_tensor(g), np.float32) for g in grads]


def grad_case(name, seed, description, model_spec, loss, make_xy, scale=1.0, keep_bias=(), layer_scale=None,
              post=None):
    """make_xy(rng) -> (xs, ys), or make_xy(rng, model) when the targets depend on the model's predictions;
    post(model, layers, xs, ys), if given, asserts what the case relies on and returns text for the description."""
    model, layers, rng = init_model(seed, model_spec, scale, keep_bias, layer_scale)
    xs, ys = make_xy(rng, model) if make_xy.__code__.co_argcount == 2 else make_xy(rng)
    if post:
        description += post(model, layers, xs, ys)
    outs, value, grads = loss_and_gradients(model, loss, xs, ys)
    assert all(np.all(np.isfinite(g)) for g in grads)
    return {"name": name, "seed": seed, "description": description, "model": model_spec, "loss": loss,
            "x": [enc_arr(a) for a in xs], "y": [enc_arr(a) for a in ys],
            "outputs": [enc(o) for o in outs], "lossValue": value,
            "weightNames": weight_names(model_spec, layers), "gradients": [enc(g) for g in grads]}


# model specs ------------------------------------------------------------------


def encoder_decoder_model(Te, Ie, Td, V, H):
    return {"inputs": [{"id": "enc_x", "shape": [Te, Ie]}, {"id": "dec_x", "shape": [Td, V]}], "layers": [
        {"id": "enc", "class": "LSTM", "config": lstm_cfg(H, returnState=True), "inputs": ["enc_x"]},
        {"id": "dec", "class": "LSTM", "config": lstm_cfg(H, returnSequences=True, returnState=True),
         "inputs": ["dec_x"], "initialState": ["enc:1", "enc:2"]},
        {"id": "out", "class": "Dense", "config": dense(V, "softmax"), "inputs": ["dec:0"]},
    ], "outputs": ["out:0"]}


def state_model(T, I, H, state):
    """LSTM(return_sequences, return_state); the loss sees only Dense(state) (1 = h, 2 = c)."""
    return {"inputs": [{"id": "x", "shape": [T, I]}], "layers": [
        {"id": "lstm", "class": "LSTM", "config": lstm_cfg(H, returnSequences=True, returnState=True), "inputs": ["x"]},
        {"id": "out", "class": "Dense", "config": dense(2), "inputs": [f"lstm:{state}"]},
    ], "outputs": ["out:0"]}


def tokens(rng, B, T, V):
    """Token ids in [0, V) (0 is an ordinary token: no mask_zero); the last id never occurs, the first
    row repeats one id so its embedding gradient accumulates over several steps."""
    x = rng.randint(0, V - 1, size=(B, T)).astype(np.int32)
    x[0, : T // 2] = 2
    return x


def padded_floats(rng, B, T, I, zero_steps):
    """uniform(-1, 1) input [B, T, I] with the listed steps of each row set to 0 (Masking's mask_value)."""
    x = uni(rng, B, T, I)
    for b, steps in enumerate(zero_steps):
        x[b, steps] = 0
    return x


ACT64 = {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0), "linear": lambda v: v,
         "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "hard_sigmoid": lambda v: np.clip(v / 6 + 0.5, 0, 1)}


def rnn_preactivations(cls, cfg, ws, x):
    """float64 NumPy forward of an unmasked SimpleRNN or GRU (Keras layout, gate order z, r, h) from zero
    states; returns (recurrent-activation pre-activations [B, T, 2H] (GRU z, r) or None, activation
    pre-activations [B, T, H], outputs h [B, T, H]) in processing order. Used to keep every
    pre-activation off the kinks."""
    ws = [np.asarray(w, np.float64) for w in ws]
    H = cfg["units"]
    act = ACT64[cfg.get("activation", "tanh")]
    ract = ACT64[cfg.get("recurrentActivation", "sigmoid")]
    x = np.asarray(x, np.float64)
    if cfg.get("goBackwards"):
        x = x[:, ::-1]
    h = np.zeros((x.shape[0], H))
    rec_pre, act_pre, hs = [], [], []
    for t in range(x.shape[1]):
        if cls == "SimpleRNN":
            a = x[:, t] @ ws[0] + h @ ws[1] + (ws[2] if len(ws) > 2 else 0)
            h = act(a)
            act_pre.append(a)
            hs.append(h)
            continue
        k, rk = ws[0], ws[1]
        if cfg.get("resetAfter", True):
            b = ws[2] if len(ws) > 2 else np.zeros((2, 3 * H))
            xi, hr = x[:, t] @ k + b[0], h @ rk + b[1]
            zr = xi[:, :2 * H] + hr[:, :2 * H]
            z, r = ract(zr[:, :H]), ract(zr[:, H:])
            a = xi[:, 2 * H:] + r * hr[:, 2 * H:]
        else:
            b = ws[2] if len(ws) > 2 else np.zeros(3 * H)
            xi = x[:, t] @ k + b
            zr = xi[:, :2 * H] + h @ rk[:, :2 * H]
            z, r = ract(zr[:, :H]), ract(zr[:, H:])
            a = xi[:, 2 * H:] + (r * h) @ rk[:, 2 * H:]
        h = z * h + (1 - z) * act(a)
        rec_pre.append(zr)
        act_pre.append(a)
        hs.append(h)
    return (np.stack(rec_pre, 1) if rec_pre else None), np.stack(act_pre, 1), np.stack(hs, 1)


def kinks_post(layer_id, cls, cfg):
    """A grad_case post hook for an unmasked SimpleRNN / GRU layer fed by the model input: asserts that no
    hard_sigmoid pre-activation is within 0.01 of +-3 and no relu pre-activation within 0.01 of 0, and
    says how many sit in the flat regions."""
    def post(model, layers, xs, ys):
        rec, a, hs = rnn_preactivations(cls, cfg, layers[layer_id].get_weights(), xs[0])
        want = np.asarray(kc.as_list(keras.Model(model.inputs, layers[layer_id].output)([xs[0]]))[0], np.float64)
        assert np.allclose(hs if cfg.get("returnSequences") else hs[:, -1], want, atol=1e-5), "NumPy forward != Keras"
        text = ""
        if cfg.get("recurrentActivation") == "hard_sigmoid":
            assert np.min(np.abs(np.abs(rec) - 3)) >= 0.01, np.min(np.abs(np.abs(rec) - 3))
            text += (f" {int(np.sum(np.abs(rec) > 3))} of the {rec.size} z/r gate pre-activations lie beyond +-3, "
                     "where hard_sigmoid is flat (derivative 0); none is within 0.01 of +-3.")
        if cfg.get("activation") == "relu":
            assert np.min(np.abs(a)) >= 0.01, np.min(np.abs(a))
            text += (f" {int(np.sum(a < 0))} of the {a.size} relu pre-activations are negative (derivative 0); "
                     "none is within 0.01 of 0.")
        return text
    return post


# saturated outputs: the logits Keras caches on a softmax / sigmoid output -------------------------


def last_logits(model, layers, model_spec, xs):
    """float64 pre-activations of the model's last layer (Dense, TimeDistributed(Dense) or Activation),
    from Keras's own value of that layer's input."""
    spec = model_spec["layers"][-1]
    layer = layers[spec["id"]]
    feat = np.asarray(keras.Model(model.inputs, layer.input)(list(xs)), np.float64)
    if spec["class"] == "Activation":
        return feat
    ws = [np.asarray(w, np.float64) for w in layer.get_weights()]
    return feat @ ws[0] + (ws[1] if len(ws) > 1 else 0)


def crossentropies(name, y, z):
    """Per-sample crossentropy (float64) of logits z for targets y on Keras's two paths:
    (logits path, probability path: the activation, clip to [1e-7, 1 - 1e-7], log)."""
    eps = 1e-7
    if name == "binary_crossentropy":
        p = np.clip(1 / (1 + np.exp(-z)), eps, 1 - eps)
        return (np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))), -1),
                np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)), -1))
    lse = z.max(-1, keepdims=True) + np.log(np.exp(z - z.max(-1, keepdims=True)).sum(-1, keepdims=True))
    p = np.exp(z - lse)
    if name == "sparse_categorical_crossentropy":
        y = np.eye(z.shape[-1])[np.asarray(y, np.int64)]
        # Keras: log(clip(p)) fed to sparse_softmax_cross_entropy_with_logits, which renormalises
        lp = np.log(np.clip(p, eps, 1 - eps))
        lp = lp - np.log(np.exp(lp).sum(-1, keepdims=True))
    else:
        lp = np.log(np.clip(p / p.sum(-1, keepdims=True), eps, 1 - eps))
    return np.sum(y * (lse - z), -1), -np.sum(y * lp, -1)


def per_sample_loss(name, y, p, z=None):
    """Keras's per-sample (per-step for sequences) loss in float64, before the reduction: crossentropies
    from the logits z when given (the logits path), else from the probabilities p (the clipped path)."""
    y = np.asarray(y, np.float64)
    p = np.asarray(p, np.float64)
    if name == "mse":
        return np.mean((y - p) ** 2, -1)
    if name == "mae":
        return np.mean(np.abs(y - p), -1)
    if z is not None:
        return crossentropies(name, y, z)[0]
    eps = 1e-7
    if name == "binary_crossentropy":
        q = np.clip(p, eps, 1 - eps)
        return np.mean(-(y * np.log(q) + (1 - y) * np.log(1 - q)), -1)
    if name == "categorical_crossentropy":
        return -np.sum(y * np.log(np.clip(p / p.sum(-1, keepdims=True), eps, 1 - eps)), -1)
    lp = np.log(np.clip(p, eps, 1 - eps))
    lp = lp - np.log(np.exp(lp).sum(-1, keepdims=True))
    return -np.take_along_axis(lp, y[..., None].astype(np.int64), -1)[..., 0]

def saturation_post(model_spec, loss_name, path):
    """A grad_case post hook for a saturated classifier: says how large the logits are, how many
    predictions are saturated and wrong, and what Keras's path gives next to the other one."""
    def post(model, layers, xs, ys):
        z = last_logits(model, layers, model_spec, xs)
        lg, pr = crossentropies(loss_name, ys[0].astype(np.float64), z)
        keras_v, other = (lg.mean(), pr.mean()) if path == "logits" else (pr.mean(), lg.mean())
        wrong = int(np.sum(np.abs(lg - pr) > 1.0))
        return (f" Pre-activations span [{z.min():.1f}, {z.max():.1f}]; {wrong} of {lg.size} per-sample losses are "
                f"saturated and wrong (logits path and clipped probability path differ by more than 1 there). The "
                f"mean loss is {keras_v:.4g} on Keras's {path} path; the other path would give {other:.4g}.")
    return post


def gen_gradients():
    cases = []
    k = [9000]

    def add(name, description, spec, loss, make_xy, scale=1.0, keep_bias=(), seed=None, layer_scale=None, post=None):
        cases.append(grad_case(name, seed or k[0], description, spec, loss, make_xy, scale, keep_bias, layer_scale,
                               post))
        k[0] += 1

    B, T, I, H = 3, 5, 4, 6
    add("lstm_last_dense_mse", "LSTM(last output) -> Dense(2), mse: the basic backpropagation through time.",
        seq_model(T, I, [("lstm", "LSTM", lstm_cfg(H)), ("out", "Dense", dense(2))]), loss_spec("mse"),
        lambda r: ([uni(r, B, T, I)], [uni(r, B, 2)]))
    add("lstm_seq_dense_mse", "LSTM(return_sequences) -> Dense(3) on the 3-D sequence, mse averaged over B*T*3: "
        "a gradient enters the LSTM at every step.",
        seq_model(4, 3, [("lstm", "LSTM", lstm_cfg(5, returnSequences=True)), ("out", "Dense", dense(3))]),
        loss_spec("mse"), lambda r: ([uni(r, 2, 4, 3)], [uni(r, 2, 4, 3)]))
    add("lstm_seq_timedistributed_softmax_sparse_cce",
        "LSTM(return_sequences) -> TimeDistributed(Dense(4, softmax)), sparse categorical crossentropy on int "
        "targets [B, T], averaged over B*T. Keras takes the probability path here (clip to [1e-7, 1-1e-7], log), "
        "not the logits path, because TimeDistributed reshapes the softmax output.",
        seq_model(5, 3, [("lstm", "LSTM", lstm_cfg(6, returnSequences=True)),
                         ("td", "TimeDistributed", {}, {"class": "Dense", "config": dense(4, "softmax")})]),
        loss_spec("sparse_categorical_crossentropy"),
        lambda r: ([uni(r, 3, 5, 3)], [r.randint(0, 4, size=(3, 5)).astype(np.int32)]))
    add("lstm_dense_softmax_cce", "LSTM -> Dense(4, softmax), categorical crossentropy on one-hot targets.",
        seq_model(4, 5, [("lstm", "LSTM", lstm_cfg(5)), ("out", "Dense", dense(4, "softmax"))]),
        loss_spec("categorical_crossentropy"), lambda r: ([uni(r, 4, 4, 5)], [one_hot(r.randint(0, 4, size=4), 4)]))
    add("lstm_dense_logits_sparse_cce", "LSTM -> Dense(4) linear, sparse categorical crossentropy with "
        "fromLogits=true on int targets [B].",
        seq_model(6, 2, [("lstm", "LSTM", lstm_cfg(4)), ("out", "Dense", dense(4))]),
        loss_spec("sparse_categorical_crossentropy", True),
        lambda r: ([uni(r, 3, 6, 2)], [r.randint(0, 4, size=3).astype(np.int32)]))
    add("lstm_dense_sigmoid_bce", "LSTM -> Dense(1, sigmoid), binary crossentropy on 0/1 targets [B, 1].",
        seq_model(5, 3, [("lstm", "LSTM", lstm_cfg(5)), ("out", "Dense", dense(1, "sigmoid"))]),
        loss_spec("binary_crossentropy"),
        lambda r: ([uni(r, 4, 5, 3)], [np.array([[0], [1], [1], [0]], np.float32)]))
    add("lstm_go_backwards_mse", "LSTM(go_backwards, return_sequences) -> Dense(2), mse: the sequence comes out "
        "in processing order (seq[:, t] is after input step T-1-t), so is its gradient.",
        seq_model(5, 3, [("lstm", "LSTM", lstm_cfg(5, goBackwards=True, returnSequences=True)),
                         ("out", "Dense", dense(2))]),
        loss_spec("mse"), lambda r: ([uni(r, 3, 5, 3)], [uni(r, 3, 5, 2)]))
    add("lstm_stacked_mae", "LSTM(return_sequences) -> LSTM -> Dense(2), mae: gradients through a stack.",
        seq_model(5, 4, [("lstm1", "LSTM", lstm_cfg(6, returnSequences=True)), ("lstm2", "LSTM", lstm_cfg(4)),
                         ("out", "Dense", dense(2))]),
        loss_spec("mae"), lambda r: ([uni(r, 3, 5, 4)], [uni(r, 3, 2)]))
    add("lstm_relu_hard_sigmoid", "LSTM(activation=relu, recurrent_activation=hard_sigmoid (Keras 3: "
        "clip(x/6 + 0.5, 0, 1))) -> Dense(2), mse: derivatives of other activations. Kernels are scaled by 5 so "
        "that 8 of the 270 gate pre-activations lie beyond +-3, where hard_sigmoid is flat and its derivative 0 "
        "(none is within 0.01 of a kink).",
        seq_model(6, 3, [("lstm", "LSTM", lstm_cfg(5, activation="relu", recurrentActivation="hard_sigmoid")),
                         ("out", "Dense", dense(2))]),
        loss_spec("mse"), lambda r: ([uni(r, 3, 6, 3)], [uni(r, 3, 2)]), scale=5.0)
    add("lstm_no_bias_unit_forget", "LSTM(use_bias=False, return_sequences) -> LSTM with Keras's default bias "
        "(unit_forget_bias: zeros, ones in the forget block) -> Dense(2), mse: no bias weight in the first "
        "layer's list.",
        seq_model(4, 3, [("lstm1", "LSTM", lstm_cfg(5, useBias=False, returnSequences=True)),
                         ("lstm2", "LSTM", lstm_cfg(4)), ("out", "Dense", dense(2))]),
        loss_spec("mse"), lambda r: ([uni(r, 3, 4, 3)], [uni(r, 3, 2)]), keep_bias=("lstm2",))
    add("embedding_lstm_dense", "Embedding(7, 3) (no mask_zero; token 0 is ordinary) -> LSTM -> Dense(1, sigmoid), "
        "binary crossentropy; int32 tokens. The embeddings gradient is dense: rows of repeated tokens accumulate, "
        "the never-seen token 6 gets zeros.",
        seq_model(5, None, [("emb", "Embedding", {"inputDim": 7, "outputDim": 3}), ("lstm", "LSTM", lstm_cfg(4)),
                            ("out", "Dense", dense(1, "sigmoid"))], dtype="int32"),
        loss_spec("binary_crossentropy"),
        lambda r: ([tokens(r, 3, 5, 7)], [np.array([[1], [0], [1]], np.float32)]))
    add("encoder_decoder_teacher_forcing",
        "Keras seq2seq: encoder LSTM(return_state) gives [h, c]; decoder LSTM(return_sequences, return_state)"
        "(decoder_inputs, initial_state=[h, c]); Dense(V, softmax) on the decoder sequence; categorical "
        "crossentropy over [B, Td, V] one-hot targets. Two model inputs; the encoder's gradients arrive only "
        "through initial_state.",
        encoder_decoder_model(4, 3, 3, 5, 6), loss_spec("categorical_crossentropy"),
        lambda r: ([uni(r, 3, 4, 3), one_hot(r.randint(0, 5, size=(3, 3)), 5)],
                   [one_hot(r.randint(0, 5, size=(3, 3)), 5)]))
    add("lstm_returned_state_loss", "LSTM(return_sequences, return_state); the output is Dense(2) of the returned "
        "h state (output 1), mse: the gradient reaches the LSTM through the returned state, not through its "
        "(unused) sequence output.",
        state_model(5, 3, 5, 1), loss_spec("mse"), lambda r: ([uni(r, 3, 5, 3)], [uni(r, 3, 2)]))
    add("lstm_returned_cell_state_loss", "As lstm_returned_state_loss but Dense(2) of the returned c state "
        "(output 2): a gradient that enters the cell state directly at the last step.",
        state_model(5, 3, 5, 2), loss_spec("mse"), lambda r: ([uni(r, 3, 5, 3)], [uni(r, 3, 2)]))
    add("dense_only_2d", "Input(4) -> Dense(5, relu) -> Dense(2), mse: Dense backward alone. (Seed 9019: every "
        "ReLU unit is active for 2 of the 4 samples, so the ReLU derivative is 0 for the others.)",
        seq_model(None, 4, [("d1", "Dense", dense(5, "relu")), ("d2", "Dense", dense(2))]),
        loss_spec("mse"), lambda r: ([uni(r, 4, 4)], [uni(r, 4, 2)]), seed=9019)
    add("dense_tanh_sigmoid_linear", "Input(4) -> Dense(5, tanh) -> Dense(4, sigmoid) -> Dense(3), mse: "
        "derivatives of tanh and sigmoid in Dense.",
        seq_model(None, 4, [("d1", "Dense", dense(5, "tanh")), ("d2", "Dense", dense(4, "sigmoid")),
                            ("d3", "Dense", dense(3))]),
        loss_spec("mse"), lambda r: ([uni(r, 3, 4)], [uni(r, 3, 3)]), scale=1.5)
    k[0] = 9200  # the cases below were added later (SimpleRNN, GRU, Bidirectional, masks, saturation)
    more_gradient_cases(add)
    return train_header(
        "Training gradients of one batch (no optimizer): for each case the loss Keras's train_step minimises "
        "(compiled loss, reduction sum_over_batch_size) on model(x, training=True), and its gradient with "
        "respect to every trainable weight from tf.GradientTape, in get_weights() order. outputs are the "
        "forward outputs, to tell a forward bug from a backward one. When the output carries a mask (Embedding "
        "mask_zero or Masking upstream, return_sequences through to the output) the loss is the mean over the "
        "unmasked steps only, sum(loss * mask) / sum(mask), and masked steps get no gradient. Crossentropy on a "
        "Dense(softmax | sigmoid) or Activation(softmax | sigmoid) output is computed from the logits Keras caches "
        "on it (no clipping: saturated wrong predictions give large losses and nonzero gradients); behind "
        "TimeDistributed the logits are lost and Keras clips the probabilities to [1e-7, 1 - 1e-7]. Tolerance: the "
        "project default; the same gradients in float64 Keras differ from these by at most 0.22x it "
        "(gru_hard_sigmoid_relu, whose relu activations grow large), in eager mode by 0.06x. Per case: see its "
        "description.",
        GRAD_TOL, cases)


def masked_post(loss_name):
    """A grad_case post hook for a model whose output carries a mask: how many steps are valid, and the
    masked mean next to the plain mean over every step."""
    def post(model, layers, xs, ys):
        out = model([tf.constant(a) for a in xs], training=True)
        mask = np.asarray(out._keras_mask)
        per = per_sample_loss(loss_name, ys[0], np.asarray(out, np.float64), None)
        return (f" The output mask keeps {int(mask.sum())} of the {mask.size} steps, so Keras's loss is the mean over "
                f"those {int(mask.sum())} ({per[mask].mean():.6g}); the mean over all {mask.size} would be "
                f"{per.mean():.6g}.")
    return post


def more_gradient_cases(add):
    mse, bce = loss_spec("mse"), loss_spec("binary_crossentropy")
    # SimpleRNN ----------------------------------------------------------------------------------
    add("simple_rnn_tanh_seq_mse", "SimpleRNN(5, return_sequences) -> Dense(2) on the sequence, mse over B*T*2.",
        seq_model(5, 3, [("rnn", "SimpleRNN", lstm_cfg(5, returnSequences=True)), ("out", "Dense", dense(2))]),
        mse, lambda r: ([uni(r, 3, 5, 3)], [uni(r, 3, 5, 2)]))
    cfg = lstm_cfg(5, activation="relu", goBackwards=True, returnSequences=True)
    add("simple_rnn_relu_go_backwards", "SimpleRNN(5, activation=relu, go_backwards, return_sequences) -> Dense(2), "
        "mse: the sequence (and its gradient) in processing order, seq[:, t] after input step T-1-t.",
        seq_model(5, 3, [("rnn", "SimpleRNN", cfg), ("out", "Dense", dense(2))]),
        mse, lambda r: ([uni(r, 3, 5, 3)], [uni(r, 3, 5, 2)]), post=kinks_post("rnn", "SimpleRNN", cfg), seed=9250)
    add("simple_rnn_return_state", "SimpleRNN(4, return_sequences, return_state) -> Dense(2) of the returned state "
        "(output 1), mse: the gradient enters through the returned state; the sequence output is unused.",
        {"inputs": [{"id": "x", "shape": [5, 3]}], "layers": [
            {"id": "rnn", "class": "SimpleRNN", "config": lstm_cfg(4, returnSequences=True, returnState=True),
             "inputs": ["x"]},
            {"id": "out", "class": "Dense", "config": dense(2), "inputs": ["rnn:1"]}], "outputs": ["out:0"]},
        mse, lambda r: ([uni(r, 3, 5, 3)], [uni(r, 3, 2)]))
    # GRU ---------------------------------------------------------------------------------------
    add("gru_reset_after_last_mse", "GRU(5) with Keras's default reset_after=True (the config leaves it out; bias "
        "[2, 3H]: input and recurrent biases, gate order z, r, h) -> Dense(2), mse.",
        seq_model(5, 3, [("gru", "GRU", lstm_cfg(5)), ("out", "Dense", dense(2))]),
        mse, lambda r: ([uni(r, 3, 5, 3)], [uni(r, 3, 2)]))
    add("gru_reset_after_seq_go_backwards", "GRU(5, reset_after=True, go_backwards, return_sequences) -> Dense(2), "
        "mse over B*T*2; the sequence in processing order.",
        seq_model(5, 3, [("gru", "GRU", lstm_cfg(5, resetAfter=True, goBackwards=True, returnSequences=True)),
                         ("out", "Dense", dense(2))]),
        mse, lambda r: ([uni(r, 3, 5, 3)], [uni(r, 3, 5, 2)]))
    add("gru_reset_before", "GRU(5, reset_after=False: r multiplies h before the recurrent kernel; bias [3H]) -> "
        "Dense(2), mse.",
        seq_model(5, 3, [("gru", "GRU", lstm_cfg(5, resetAfter=False)), ("out", "Dense", dense(2))]),
        mse, lambda r: ([uni(r, 3, 5, 3)], [uni(r, 3, 2)]))
    add("gru_no_bias", "GRU(4, use_bias=False, return_sequences) -> GRU(3, reset_after=False, use_bias=False) -> "
        "Dense(2), mse: no bias weights in either GRU's list.",
        seq_model(5, 3, [("gru1", "GRU", lstm_cfg(4, useBias=False, returnSequences=True)),
                         ("gru2", "GRU", lstm_cfg(3, useBias=False, resetAfter=False)), ("out", "Dense", dense(2))]),
        mse, lambda r: ([uni(r, 3, 5, 3)], [uni(r, 3, 2)]))
    cfg = lstm_cfg(5, activation="relu", recurrentActivation="hard_sigmoid")
    add("gru_hard_sigmoid_relu", "GRU(5, activation=relu, recurrent_activation=hard_sigmoid (clip(x/6 + 0.5, 0, 1)), "
        "reset_after=True) -> Dense(2), mse; kernels scaled by 4.",
        seq_model(6, 3, [("gru", "GRU", cfg), ("out", "Dense", dense(2))]),
        mse, lambda r: ([uni(r, 3, 6, 3)], [uni(r, 3, 2)]), scale=4.0, post=kinks_post("gru", "GRU", cfg), seed=9261)
    V = 5
    add("gru_encoder_decoder", "GRU seq2seq: encoder GRU(6, return_state) gives [out, h]; decoder GRU(6, "
        "return_sequences)(decoder_inputs, initial_state=[h]); Dense(V, softmax) on the decoder sequence; "
        "categorical crossentropy over [B, Td, V] one-hot targets. Two model inputs; the encoder's gradients arrive "
        "only through initial_state.",
        {"inputs": [{"id": "enc_x", "shape": [4, 3]}, {"id": "dec_x", "shape": [3, V]}], "layers": [
            {"id": "enc", "class": "GRU", "config": lstm_cfg(6, returnState=True), "inputs": ["enc_x"]},
            {"id": "dec", "class": "GRU", "config": lstm_cfg(6, returnSequences=True), "inputs": ["dec_x"],
             "initialState": ["enc:1"]},
            {"id": "out", "class": "Dense", "config": dense(V, "softmax"), "inputs": ["dec:0"]}],
         "outputs": ["out:0"]},
        loss_spec("categorical_crossentropy"),
        lambda r: ([uni(r, 3, 4, 3), one_hot(r.randint(0, V, size=(3, 3)), V)], [one_hot(r.randint(0, V, size=(3, 3)), V)]))
    # Bidirectional -----------------------------------------------------------------------------
    def bi(cls, cfg, merge):
        return ("bi", "Bidirectional", {"mergeMode": merge}, {"class": cls, "config": cfg})
    add("bidirectional_lstm_concat_seq", "Bidirectional(LSTM(3, return_sequences), merge_mode=concat) -> Dense(2) "
        "on the [B, T, 6] sequence, mse. The backward layer runs on the reversed input and its sequence is "
        "reversed back before the merge, so step t holds [forward h_t, backward h over steps t..T-1]. Weights: "
        "forward layer's, then backward layer's.",
        seq_model(5, 3, [bi("LSTM", lstm_cfg(3, returnSequences=True), "concat"), ("out", "Dense", dense(2))]),
        mse, lambda r: ([uni(r, 3, 5, 3)], [uni(r, 3, 5, 2)]))
    add("bidirectional_lstm_sum_last", "Bidirectional(LSTM(4), merge_mode=sum) -> Dense(2), mse: the sum of the "
        "forward layer's last output and the backward layer's last output (after reading input step 0).",
        seq_model(5, 3, [bi("LSTM", lstm_cfg(4), "sum"), ("out", "Dense", dense(2))]),
        mse, lambda r: ([uni(r, 3, 5, 3)], [uni(r, 3, 2)]))
    add("bidirectional_gru_ave", "Bidirectional(GRU(4, return_sequences), merge_mode=ave) -> Dense(2), mse: "
        "(forward + backward) / 2 at each step.",
        seq_model(5, 3, [bi("GRU", lstm_cfg(4, returnSequences=True), "ave"), ("out", "Dense", dense(2))]),
        mse, lambda r: ([uni(r, 3, 5, 3)], [uni(r, 3, 5, 2)]))
    add("bidirectional_lstm_return_state", "Bidirectional(LSTM(3, return_state), merge_mode=concat): Keras's "
        "outputs are [out, forward h, forward c, backward h, backward c]. Concatenate([out, output 2 (forward c), "
        "output 3 (backward h)]) -> Dense(2), mse: the gradient reaches both layers through the merged output and "
        "through two of the four states (a different state order gives different numbers).",
        {"inputs": [{"id": "x", "shape": [5, 3]}], "layers": [
            {"id": "bi", "class": "Bidirectional", "config": {"mergeMode": "concat"},
             "layer": {"class": "LSTM", "config": lstm_cfg(3, returnState=True)}, "inputs": ["x"]},
            {"id": "cat", "class": "Concatenate", "config": {}, "inputs": ["bi:0", "bi:2", "bi:3"]},
            {"id": "out", "class": "Dense", "config": dense(2), "inputs": ["cat:0"]}], "outputs": ["out:0"]},
        mse, lambda r: ([uni(r, 3, 5, 3)], [uni(r, 3, 2)]))
    # masks -------------------------------------------------------------------------------------
    def emb(V, D):
        return ("emb", "Embedding", {"inputDim": V, "outputDim": D, "maskZero": True})
    rows = [(0, 6, 0), (0, 4, 2), (0, 2, 4), (2, 4, 0)]
    add("embedding_mask_zero_lstm_last", "Embedding(9, 3, mask_zero=True) -> LSTM(4) -> Dense(1, sigmoid), binary "
        "crossentropy; int32 tokens [4, 6] from [1, 9), 0 = padding: rows with 0, 2 and 4 trailing zeros and one "
        "row with 2 leading zeros. Masked steps leave the LSTM state unchanged; the padding embedding (row 0) gets a "
        "zero gradient.",
        seq_model(6, None, [emb(9, 3), ("lstm", "LSTM", lstm_cfg(4)), ("out", "Dense", dense(1, "sigmoid"))],
                  dtype="int32"),
        bce, lambda r: ([padded_tokens(r, 9, rows)], [np.array([[1], [0], [1], [0]], np.float32)]))
    rows = [(0, 3, 2), (0, 5, 0), (1, 4, 0)]
    add("embedding_mask_zero_lstm_seq_masked_loss", "Embedding(7, 3, mask_zero=True) -> LSTM(5, return_sequences) "
        "-> Dense(7, softmax), sparse categorical crossentropy on int targets [B, T] (targets at padded steps are "
        "random and must not count). The Dense output carries the Embedding's mask, and Keras's loss "
        "(sum_over_batch_size with a mask) is the mean over the unmasked steps only: "
        "sum(loss * mask) / sum(mask); masked steps get no gradient.",
        seq_model(5, None, [emb(7, 3), ("lstm", "LSTM", lstm_cfg(5, returnSequences=True)),
                            ("out", "Dense", dense(7, "softmax"))], dtype="int32"),
        loss_spec("sparse_categorical_crossentropy"),
        lambda r: ([padded_tokens(r, 7, rows)], [r.randint(0, 7, size=(3, 5)).astype(np.int32)]),
        post=masked_post("sparse_categorical_crossentropy"))
    add("masking_layer_lstm_seq", "Masking(mask_value=0) on float input [3, 5, 3] with all-zero steps (row 0: "
        "trailing steps 3, 4; row 1: inner step 2; row 2: leading step 0) -> LSTM(4, return_sequences) -> Dense(2), "
        "mse: per-step mse (mean over the 2 features), then the mean over the unmasked steps only.",
        {"inputs": [{"id": "x", "shape": [5, 3]}], "layers": [
            {"id": "m", "class": "Masking", "config": {"maskValue": 0.0}, "inputs": ["x"]},
            {"id": "lstm", "class": "LSTM", "config": lstm_cfg(4, returnSequences=True), "inputs": ["m:0"]},
            {"id": "out", "class": "Dense", "config": dense(2), "inputs": ["lstm:0"]}], "outputs": ["out:0"]},
        mse, lambda r: ([padded_floats(r, 3, 5, 3, [[3, 4], [2], [0]])], [uni(r, 3, 5, 2)]), post=masked_post("mse"))
    rows = [(0, 5, 1), (0, 3, 3), (2, 4, 0)]
    add("embedding_mask_zero_simple_rnn", "Embedding(8, 3, mask_zero=True) -> SimpleRNN(4) -> Dense(1, sigmoid), "
        "binary crossentropy; rows with 1 and 3 trailing and 2 leading padding zeros.",
        seq_model(6, None, [emb(8, 3), ("rnn", "SimpleRNN", lstm_cfg(4)), ("out", "Dense", dense(1, "sigmoid"))],
                  dtype="int32"),
        bce, lambda r: ([padded_tokens(r, 8, rows)], [np.array([[0], [1], [1]], np.float32)]))
    add("embedding_mask_zero_gru", "Embedding(8, 3, mask_zero=True) -> GRU(4) -> Dense(2), mse; rows with 1 and 3 "
        "trailing and 2 leading padding zeros.",
        seq_model(6, None, [emb(8, 3), ("gru", "GRU", lstm_cfg(4)), ("out", "Dense", dense(2))], dtype="int32"),
        mse, lambda r: ([padded_tokens(r, 8, rows)], [uni(r, 3, 2)]))
    # saturated classifiers: logits path vs probability path -------------------------------------
    def targets_softmax(p, kinds):
        """per row: "wrong" = the least likely class, "right" = the most likely, "second" = the runner-up."""
        order = np.argsort(p, -1)
        pick = {"wrong": 0, "second": -2, "right": -1}
        return np.array([order[b, pick[k]] for b, k in enumerate(kinds)])

    def softmax_xy(r, model):
        x = uni(r, 6, 3)
        p = np.asarray(model([x]))
        idx = targets_softmax(p, ["wrong", "wrong", "wrong", "right", "right", "second"])
        return [x], [one_hot(idx, 4)]
    m = seq_model(None, 3, [("h", "Dense", dense(6, "tanh")), ("out", "Dense", dense(4, "softmax"))])
    add("dense_softmax_saturated_cce", "Input(3) -> Dense(6, tanh) -> Dense(4, softmax) whose kernel is scaled by "
        "50, categorical crossentropy; the targets of rows 0-2 are the least likely class, rows 3-4 the most likely, "
        "row 5 the runner-up. Keras (TensorFlow) computes the crossentropy from the logits cached on the softmax "
        "output (_keras_logits): loss logsumexp(z) - z_target, gradient softmax(z) - y, so saturated wrong "
        "predictions give large losses and nonzero gradients (no clipping).",
        m, loss_spec("categorical_crossentropy"), softmax_xy, layer_scale={"out": 50.0},
        post=saturation_post(m, "categorical_crossentropy", "logits"))

    def sigmoid_xy(r, model):
        x = uni(r, 5, 3)
        p = np.round(np.asarray(model([x]), np.float64))
        wrong = np.array([[1, 0], [0, 1], [1, 1], [0, 0], [0, 0]], bool)
        return [x], [np.where(wrong, 1 - p, p).astype(np.float32)]
    m = seq_model(None, 3, [("h", "Dense", dense(6, "tanh")), ("out", "Dense", dense(2, "sigmoid"))])
    add("dense_sigmoid_saturated_bce", "Input(3) -> Dense(6, tanh) (kernel scaled by 3) -> Dense(2, sigmoid) whose "
        "kernel is scaled by 35, binary crossentropy; the targets are the opposite of the rounded prediction for "
        "[0, 0], [1, 1], [2, 0] and [2, 1], the rounded prediction elsewhere. Keras "
        "computes the crossentropy from the cached logits: max(z, 0) - z y + log(1 + exp(-|z|)), gradient "
        "sigmoid(z) - y (no clipping).",
        m, bce, sigmoid_xy, layer_scale={"h": 3.0, "out": 35.0}, post=saturation_post(m, "binary_crossentropy", "logits"))

    def td_xy(r, model):
        x = uni(r, 3, 4, 3) * np.array([0.5, 1.5, 4, 8], np.float32)[None, :, None]
        p = np.asarray(model([x]))
        y = r.randint(0, 4, size=(3, 4))
        order = np.argsort(p, -1)
        y[:2, 2:] = order[:2, 2:, 0]  # least likely class at the two large steps of rows 0 and 1
        return [x], [y.astype(np.int32)]
    m = seq_model(4, 3, [("td", "TimeDistributed", {}, {"class": "Dense", "config": dense(4, "softmax")})])
    add("timedistributed_softmax_saturated_sparse_cce", "Input [4, 3] (step t scaled by 0.5, 1.5, 4, 8) -> "
        "TimeDistributed(Dense(4, softmax)), kernel scaled by 5, sparse categorical crossentropy. TimeDistributed "
        "reshapes the softmax output, which loses the cached logits, so Keras takes the probability path: "
        "clip(p, 1e-7, 1 - 1e-7), log, then sparse_softmax_cross_entropy_with_logits on those logs (which "
        "renormalises: loss = log(sum(clip(p))) - log(clip(p_target))). Clipped probabilities get a zero gradient.",
        m, loss_spec("sparse_categorical_crossentropy"), td_xy, scale=5.0,
        post=saturation_post(m, "sparse_categorical_crossentropy", "probability"))

    def act_xy(r, model):
        x = uni(r, 4, 4)
        p = np.asarray(model([x]))
        return [x], [one_hot(targets_softmax(p, ["wrong", "wrong", "right", "second"]), 3)]
    m = seq_model(None, 4, [("d", "Dense", dense(3)), ("act", "Activation", {"activation": "softmax"})])
    add("activation_layer_softmax_cce", "Input(4) -> Dense(3) linear (kernel scaled by 20) -> Activation('softmax') "
        "as the last layer, categorical crossentropy; rows 0-1 target the least likely class. The Activation layer "
        "caches the logits like Dense(softmax) does, so Keras takes the logits path.",
        m, loss_spec("categorical_crossentropy"), act_xy, layer_scale={"d": 20.0},
        post=saturation_post(m, "categorical_crossentropy", "logits"))


def train_header(description, tol, cases):
    obj = header(GENERATOR, description, cases)
    obj["tolerance"] = dict(tol)
    return obj


# --------------------------------------------------------------------------
# fit: whole model.fit runs
# --------------------------------------------------------------------------


def run_fit(model, compile_spec, fit_spec, xs, ys, run_eagerly=False):
    opt = keras_optimizer(compile_spec["optimizer"])
    model.compile(optimizer=opt, loss=keras_loss(compile_spec["loss"]), jit_compile=False, run_eagerly=run_eagerly)
    hist = model.fit(model_input(xs), ys[0], batch_size=fit_spec["batchSize"], epochs=fit_spec["epochs"],
                     shuffle=fit_spec["shuffle"], verbose=0)
    return opt, [float(v) for v in hist.history["loss"]], [np.asarray(w, np.float32) for w in model.get_weights()]


def fit_case(name, seed, description, model_spec, optimizer, loss, make_xy, epochs, batch_size, scale=1.0):
    model, layers, rng = init_model(seed, model_spec, scale)
    xs, ys = make_xy(rng)
    compile_spec = {"optimizer": optimizer, "loss": loss}
    fit_spec = {"epochs": epochs, "batchSize": batch_size, "shuffle": False}
    opt, history, weights = run_fit(model, compile_spec, fit_spec, xs, ys)
    n = len(xs[0])
    steps = int(opt.iterations.numpy())
    assert steps == epochs * math.ceil(n / batch_size), (steps, epochs, n, batch_size)
    compile_spec["optimizerConfig"] = optimizer_config(opt, optimizer["name"])
    case = {"name": name, "seed": seed, "description": description, "model": model_spec,
            "x": [enc_arr(a) for a in xs], "y": [enc_arr(a) for a in ys],
            "compile": compile_spec, "fit": fit_spec, "samples": n, "steps": steps, "history": history,
            "weightNames": weight_names(model_spec, layers), "weights": [enc(w) for w in weights]}
    sl = stateful_layers(layers)
    if sl:
        case["states"] = {k: [enc(v) for v in layer_states(l)] for k, l in sl.items()}
    return case


def gen_fit():
    cases = []
    k = [9100]

    def add(name, description, spec, optimizer, loss, make_xy, epochs, batch_size=4, scale=1.0):
        cases.append(fit_case(name, k[0], description, spec, optimizer, loss, make_xy, epochs, batch_size, scale))
        k[0] += 1

    def lstm_dense(T, I, H, out, sequential=False):
        m = seq_model(T, I, [("lstm", "LSTM", lstm_cfg(H)), ("out", "Dense", out)])
        if sequential:
            m["sequential"] = True
        return m

    mse = loss_spec("mse")
    add("lstm_dense_mse_sgd", "Sequential LSTM(5) -> Dense(2), mse, SGD(learning_rate=0.1); N=10, batch 4: "
        "steps of 4, 4, 2 per epoch.",
        lstm_dense(5, 3, 5, dense(2), sequential=True), {"name": "sgd", "learningRate": 0.1}, mse,
        lambda r: ([uni(r, 10, 5, 3)], [uni(r, 10, 2)]), epochs=3)
    add("lstm_dense_mse_sgd_momentum", "LSTM(4) -> Dense(2), mse, SGD(learning_rate=0.05, momentum=0.9): "
        "m = 0.9 m - lr g; w += m. N=8: two full batches per epoch.",
        lstm_dense(4, 3, 4, dense(2)), {"name": "sgd", "learningRate": 0.05, "momentum": 0.9}, mse,
        lambda r: ([uni(r, 8, 4, 3)], [uni(r, 8, 2)]), epochs=3)
    add("lstm_dense_mse_sgd_momentum_nesterov", "LSTM(4) -> Dense(2), mse, SGD(learning_rate=0.05, momentum=0.9, "
        "nesterov=True): m = 0.9 m - lr g; w += 0.9 m - lr g. N=9: batches of 4, 4, 1.",
        lstm_dense(4, 3, 4, dense(2)), {"name": "sgd", "learningRate": 0.05, "momentum": 0.9, "nesterov": True}, mse,
        lambda r: ([uni(r, 9, 4, 3)], [uni(r, 9, 2)]), epochs=3)
    add("lstm_dense_mse_adam", "Sequential LSTM(6) -> Dense(2), mse, Adam with Keras defaults (learning_rate "
        "0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7). N=12: three full batches per epoch.",
        lstm_dense(5, 4, 6, dense(2), sequential=True), {"name": "adam"}, mse,
        lambda r: ([uni(r, 12, 5, 4)], [uni(r, 12, 2)]), epochs=2)
    add("lstm_dense_mse_adam_lr001", "LSTM(5) -> Dense(3), mse, Adam(learning_rate=0.01). N=10: 4, 4, 2.",
        lstm_dense(4, 3, 5, dense(3)), {"name": "adam", "learningRate": 0.01}, mse,
        lambda r: ([uni(r, 10, 4, 3)], [uni(r, 10, 3)]), epochs=3)
    add("lstm_seq_sparse_cce_adam", "LSTM(5, return_sequences) -> TimeDistributed(Dense(4, softmax)), sparse "
        "categorical crossentropy on int targets [N, T] (mean over B*T per batch), Adam(learning_rate=0.01). "
        "N=10: 4, 4, 2.",
        seq_model(4, 3, [("lstm", "LSTM", lstm_cfg(5, returnSequences=True)),
                         ("td", "TimeDistributed", {}, {"class": "Dense", "config": dense(4, "softmax")})]),
        {"name": "adam", "learningRate": 0.01}, loss_spec("sparse_categorical_crossentropy"),
        lambda r: ([uni(r, 10, 4, 3)], [r.randint(0, 4, size=(10, 4)).astype(np.int32)]), epochs=3)
    add("lstm_dense_bce_rmsprop", "LSTM(4) -> Dense(1, sigmoid), binary crossentropy, RMSprop(learning_rate=0.01) "
        "(rho 0.9, epsilon 1e-7 inside the square root, velocity starts at 0). N=10: 4, 4, 2.",
        lstm_dense(5, 3, 4, dense(1, "sigmoid")), {"name": "rmsprop", "learningRate": 0.01},
        loss_spec("binary_crossentropy"),
        lambda r: ([uni(r, 10, 5, 3)], [(r.uniform(size=(10, 1)) < 0.5).astype(np.float32)]), epochs=3)
    add("encoder_decoder_adam", "The two-input seq2seq model of train_gradients' encoder_decoder_teacher_forcing "
        "(encoder LSTM states -> decoder initial_state, Dense(V, softmax)), categorical crossentropy, "
        "Adam(learning_rate=0.01). N=9: 4, 4, 1.",
        encoder_decoder_model(4, 3, 3, 5, 6), {"name": "adam", "learningRate": 0.01},
        loss_spec("categorical_crossentropy"),
        lambda r: ([uni(r, 9, 4, 3), one_hot(r.randint(0, 5, size=(9, 3)), 5)],
                   [one_hot(r.randint(0, 5, size=(9, 3)), 5)]),
        epochs=2)
    m = seq_model(5, None, [("emb", "Embedding", {"inputDim": 8, "outputDim": 3}), ("lstm", "LSTM", lstm_cfg(4)),
                            ("out", "Dense", dense(1, "sigmoid"))], dtype="int32")
    add("embedding_lstm_rmsprop", "Embedding(8, 3) -> LSTM(4) -> Dense(1, sigmoid) on int32 tokens (token 7 never "
        "occurs: its row must not move), binary crossentropy, RMSprop(learning_rate=0.01). N=8: two batches.",
        m, {"name": "rmsprop", "learningRate": 0.01}, loss_spec("binary_crossentropy"),
        lambda r: ([tokens(r, 8, 5, 8)], [(r.uniform(size=(8, 1)) < 0.5).astype(np.float32)]), epochs=3)
    k[0] = 9300  # the cases below were added later
    more_fit_cases(add, lstm_dense)
    return train_header(FIT_DESCRIPTION, FIT_TOL, cases)


def more_fit_cases(add, lstm_dense):
    mse, bce = loss_spec("mse"), loss_spec("binary_crossentropy")
    m = seq_model(5, None, [("emb", "Embedding", {"inputDim": 6, "outputDim": 3}), ("lstm", "LSTM", lstm_cfg(4)),
                            ("out", "Dense", dense(1, "sigmoid"))], dtype="int32")
    sparse_note = ("With TensorFlow the Embedding's gradient is an IndexedSlices with one slice per token "
                   "occurrence, and Keras's update squares it slice by slice before the duplicates are summed into "
                   "the slot: the squared-gradient slot of a row gets sum(g_i^2) over the row's occurrences in the "
                   "batch, not (sum g_i)^2; the first moment / the step use the summed gradient sum(g_i). The other "
                   "weights' gradients are dense.")
    add("embedding_lstm_adam", "Embedding(6, 3) (no mask_zero) -> LSTM(4) -> Dense(1, sigmoid) on int32 tokens from "
        "[0, 5) (token 5 never occurs; ids repeat within every row and batch), binary crossentropy, "
        "Adam(learning_rate=0.01). N=8: two batches, 3 epochs. " + sparse_note,
        m, {"name": "adam", "learningRate": 0.01}, bce,
        lambda r: ([tokens(r, 8, 5, 6)], [(r.uniform(size=(8, 1)) < 0.5).astype(np.float32)]), epochs=3)
    add("embedding_lstm_adagrad", "As embedding_lstm_adam with Adagrad(learning_rate=0.05, "
        "initial_accumulator_value=0.001) (epsilon 1e-7; acc += g^2, w -= lr g / sqrt(acc + eps); the small "
        "initial accumulator lets the squared gradients dominate it). " + sparse_note,
        json.loads(json.dumps(m)), {"name": "adagrad", "learningRate": 0.05, "initialAccumulatorValue": 0.001}, bce,
        lambda r: ([tokens(r, 8, 5, 6)], [(r.uniform(size=(8, 1)) < 0.5).astype(np.float32)]), epochs=3)
    add("simple_rnn_sgd", "SimpleRNN(4) -> Dense(2), mse, SGD(learning_rate=0.1). N=10: 4, 4, 2.",
        seq_model(5, 3, [("rnn", "SimpleRNN", lstm_cfg(4)), ("out", "Dense", dense(2))]),
        {"name": "sgd", "learningRate": 0.1}, mse, lambda r: ([uni(r, 10, 5, 3)], [uni(r, 10, 2)]), epochs=3)
    add("gru_adam", "GRU(5) (reset_after=True) -> Dense(2), mse, Adam(learning_rate=0.01). N=9: 4, 4, 1.",
        seq_model(4, 3, [("gru", "GRU", lstm_cfg(5)), ("out", "Dense", dense(2))]),
        {"name": "adam", "learningRate": 0.01}, mse, lambda r: ([uni(r, 9, 4, 3)], [uni(r, 9, 2)]), epochs=2)
    add("bidirectional_lstm_adam", "Bidirectional(LSTM(3), merge_mode=concat) -> Dense(2), mse, "
        "Adam(learning_rate=0.01). N=8: two batches, 2 epochs.",
        seq_model(4, 3, [("bi", "Bidirectional", {"mergeMode": "concat"}, {"class": "LSTM", "config": lstm_cfg(3)}),
                         ("out", "Dense", dense(2))]),
        {"name": "adam", "learningRate": 0.01}, mse, lambda r: ([uni(r, 8, 4, 3)], [uni(r, 8, 2)]), epochs=2)
    add("stateful_lstm_fit", "Input(batch_shape=[2, 3, 2]) -> LSTM(3, stateful=True) -> Dense(1), mse, "
        "SGD(learning_rate=0.1); fit(batch_size=2, epochs=2, shuffle=False) on N=6: 3 steps per epoch. Keras "
        "carries the LSTM states from each batch into the next: batch b starts from the [h, c] the forward pass of "
        "batch b-1 ended with (computed with the weights before b-1's update); they are not reset between epochs "
        "(epoch 2's first batch starts from epoch 1's last states), only reset_states() or a callback would. The "
        "gradient does not flow into the carried states (they are constants of each step: truncated backpropagation "
        "through one batch). states holds the layer's [h, c] after fit (from the last batch of the last epoch).",
        {"inputs": [{"id": "x", "batchShape": [2, 3, 2]}], "layers": [
            {"id": "lstm", "class": "LSTM", "config": lstm_cfg(3, stateful=True), "inputs": ["x"]},
            {"id": "out", "class": "Dense", "config": dense(1), "inputs": ["lstm:0"]}], "outputs": ["out:0"]},
        {"name": "sgd", "learningRate": 0.1}, mse, lambda r: ([uni(r, 6, 3, 2)], [uni(r, 6, 1)]), epochs=2,
        batch_size=2)

    def masked_xy(r):
        lead, trail = r.randint(0, 2, size=10), r.randint(0, 3, size=10)
        x = padded_tokens(r, 7, [(int(a), 5 - int(a) - int(b), int(b)) for a, b in zip(lead, trail)])
        return [x], [r.randint(0, 7, size=(10, 5)).astype(np.int32)]
    add("masked_seq_fit_rmsprop", "Embedding(7, 3, mask_zero=True) -> LSTM(4, return_sequences) -> Dense(7, "
        "softmax), sparse categorical crossentropy on int targets [N, T], RMSprop(learning_rate=0.01). Rows have "
        "0-1 leading and 0-2 trailing padding zeros. Each step's loss is the mean over that batch's unmasked steps "
        "(sum(loss * mask) / sum(mask)); History still weights each batch's loss by its number of samples n_b (not "
        "by its number of unmasked steps). The Embedding's gradient is an IndexedSlices (see embedding_lstm_adam). "
        "N=10: 4, 4, 2.",
        seq_model(5, None, [("emb", "Embedding", {"inputDim": 7, "outputDim": 3, "maskZero": True}),
                            ("lstm", "LSTM", lstm_cfg(4, returnSequences=True)), ("out", "Dense", dense(7, "softmax"))],
                  dtype="int32"),
        {"name": "rmsprop", "learningRate": 0.01}, loss_spec("sparse_categorical_crossentropy"), masked_xy, epochs=2)


FIT_DESCRIPTION = (
    "Whole model.fit(x, y, batch_size, epochs, shuffle=False) runs from the stored initial weights "
    "(jit_compile=False, graph mode). Batches are consecutive slices of x in order; the last batch of an "
    "epoch is partial when batchSize does not divide N, and each batch's loss is that batch's own mean. "
    "history[e] is what Keras's History reports: the mean of the per-step losses of epoch e (each computed "
    "before its step's update) weighted by the step's batch size, i.e. sum(loss_b * n_b) / N. steps is "
    "optimizer.iterations at the end (epochs * ceil(N / batchSize)). weights is model.get_weights() after "
    "fit. compile.optimizer holds the arguments the case sets; compile.optimizerConfig every "
    "hyperparameter Keras used (its defaults included). Keras 3 updates: SGD w -= lr g, or with momentum "
    "m = mu m - lr g, w += m (nesterov: w += mu m - lr g); Adam t = iterations + 1, m += (g - m)(1 - b1), "
    "v += (g^2 - v)(1 - b2), w -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps); RMSprop v = rho v + "
    "(1 - rho) g^2 (from 0), w -= lr g / sqrt(v + eps); Adagrad acc = initial_accumulator_value + sum g^2, "
    "w -= lr g / sqrt(acc + eps). An Embedding's gradient is an IndexedSlices (one slice per token occurrence): "
    "Adam, RMSprop and Adagrad square it slice by slice before duplicate rows are summed, so g^2 above is "
    "sum(g_i^2) over a row's occurrences in the batch, while g is sum(g_i). A masked output's batch loss is the "
    "mean over its unmasked steps; History still weights it by n_b. A stateful layer (fixed batch_shape) "
    "carries its states from batch to batch and from epoch to epoch (fit never resets them); no gradient flows "
    "into the carried states; states holds them after fit. Tolerance: the project default; --check measured "
    "these float32 TensorFlow fits against the same fits in float64 (worst 0.02x tolerance) and in eager mode "
    "(0.003x), so a float32 implementation has ample room. Per case: see its description."
)


# --------------------------------------------------------------------------
# --check: rebuild each case from its JSON and compare; then diagnostics
# --------------------------------------------------------------------------


def ratio(got, want, tol):
    return kc.tol_ratio(got, want, tol)


def check_gradient_case(case, tol, floatx="float32", eager=False):
    keras.config.set_floatx(floatx)
    try:
        model, _ = rebuild(case["model"])
        xs = [dec_any(a) for a in case["x"]]
        ys = [dec_any(a) for a in case["y"]]
        outs, value, grads = loss_and_gradients(model, case["loss"], xs, ys, eager=eager)
    finally:
        keras.config.set_floatx("float32")
    want_g = [dec(g) for g in case["gradients"]]
    if len(grads) != len(want_g) or len(outs) != len(case["outputs"]):
        return float("inf")
    r = [ratio(value, case["lossValue"], tol)]
    r += [ratio(o, dec(w), tol) for o, w in zip(outs, case["outputs"])]
    r += [ratio(g, w, tol) for g, w in zip(grads, want_g)]
    return max(r)


def check_fit_case(case, tol, floatx="float32", eager=False):
    keras.config.set_floatx(floatx)
    try:
        model, layers = rebuild(case["model"])
        xs = [dec_any(a) for a in case["x"]]
        ys = [dec_any(a) for a in case["y"]]
        opt, history, weights = run_fit(model, case["compile"], case["fit"], xs, ys, run_eagerly=eager)
        steps = int(opt.iterations.numpy())
        states = {k: layer_states(layers[k]) for k in case.get("states", {})}
    finally:
        keras.config.set_floatx("float32")
    if steps != case["steps"] or len(history) != len(case["history"]) or len(weights) != len(case["weights"]):
        return float("inf")
    return max([ratio(history, case["history"], tol)]
               + [ratio(w, dec(s), tol) for w, s in zip(weights, case["weights"])]
               + [ratio(a, dec(b), tol) for k, v in case.get("states", {}).items() for a, b in zip(states[k], v)])


def logits_path(case):
    """Whether Keras computes the case's crossentropy from the logits it cached on the output: the last layer is
    Dense or Activation with softmax / sigmoid (TimeDistributed's reshape loses them), the loss a crossentropy."""
    last = case["model"]["layers"][-1]
    act = last["config"].get("activation") if last["class"] in ("Dense", "Activation") else None
    return case["loss"]["name"].endswith("crossentropy") and act in ("softmax", "sigmoid")


def documented_loss(case, use_mask=True, flip_path=False):
    """The loss as the file header describes it, in float64 NumPy from the stored outputs (a diagnostic:
    confirms the reduction, e.g. that sparse CE over [B, T] is the mean over B*T, or over the unmasked steps
    when the output carries a mask, and which crossentropy path Keras takes). use_mask=False ignores the
    output's mask, flip_path=True takes the other crossentropy path: the alternatives the data must rule out."""
    model, layers = rebuild(case["model"])
    xs = [dec_any(a) for a in case["x"]]
    y = dec_any(case["y"][0])
    p = dec(case["outputs"][0]).astype(np.float64)
    name = case["loss"]["name"]
    if case["loss"]["fromLogits"]:
        per = crossentropies(name, y, p)[0]
    else:
        logits = name.endswith("crossentropy") and (logits_path(case) != flip_path)
        per = per_sample_loss(name, y, p, last_logits(model, layers, case["model"], xs) if logits else None)
    mask = getattr(model([tf.constant(a) for a in xs], training=True), "_keras_mask", None)
    if mask is None or not use_mask:
        return float(per.mean())
    return float(per[np.asarray(mask)].mean())


def output_mask(case):
    """The mask Keras attaches to the model's output (what the loss uses), or None."""
    model, _ = rebuild(case["model"])
    out = model([tf.constant(dec_any(a)) for a in case["x"]], training=True)
    m = getattr(out, "_keras_mask", None)
    return None if m is None else np.asarray(m)


def replay_fit(case, densify=False, reset=None):
    """Replays a fit step by step in eager mode: model.compute_loss under a tf.GradientTape, then
    optimizer.apply. densify=True converts each IndexedSlices gradient (an Embedding's) to a dense tensor
    first, so duplicate rows are summed before the optimizer squares them; reset="epoch" / "batch" resets
    the stateful layers' states before every epoch / batch. Returns the final weights."""
    model, layers = rebuild(case["model"])
    opt = keras_optimizer(case["compile"]["optimizer"])
    model.compile(optimizer=opt, loss=keras_loss(case["compile"]["loss"]), jit_compile=False)
    opt.build(model.trainable_weights)
    xs = [dec_any(a) for a in case["x"]]
    ys = [dec_any(a) for a in case["y"]]
    n, bs = case["samples"], case["fit"]["batchSize"]
    for _ in range(case["fit"]["epochs"]):
        for s in range(0, n, bs):
            if reset == "batch" or (reset == "epoch" and s == 0):
                for l in stateful_layers(layers).values():
                    l.reset_states()
            x = model_input([tf.constant(a[s:s + bs]) for a in xs])
            y = tf.constant(ys[0][s:s + bs])
            with tf.GradientTape() as tape:
                value = model.compute_loss(x=x, y=y, y_pred=model(x, training=True), training=True)
            grads = tape.gradient(value, model.trainable_weights)
            if densify:
                grads = [tf.convert_to_tensor(g) for g in grads]
            opt.apply(grads, model.trainable_weights)
    return model.get_weights()


def weights_ratio(weights, case, tol):
    return max(ratio(a, dec(b), tol) for a, b in zip(weights, case["weights"]))


def history_semantics(case, tol):
    """Replays the fit batch by batch with train_on_batch: returns (ratio of the stored history to the
    batch-size-weighted mean of the per-step losses, ratio to their plain mean, ratio of the final weights)."""
    model, _ = rebuild(case["model"])
    xs = [dec_any(a) for a in case["x"]]
    ys = [dec_any(a) for a in case["y"]]
    model.compile(optimizer=keras_optimizer(case["compile"]["optimizer"]), loss=keras_loss(case["compile"]["loss"]),
                  jit_compile=False)
    n, bs = case["samples"], case["fit"]["batchSize"]
    weighted, plain = [], []
    for _ in range(case["fit"]["epochs"]):
        losses = [(float(model.train_on_batch(model_input([a[s:s + bs] for a in xs]), ys[0][s:s + bs])), min(bs, n - s))
                  for s in range(0, n, bs)]
        weighted.append(sum(l * b for l, b in losses) / n)
        plain.append(sum(l for l, _ in losses) / len(losses))
    w = max(ratio(a, dec(b), tol) for a, b in zip(model.get_weights(), case["weights"]))
    return ratio(weighted, case["history"], tol), ratio(plain, case["history"], tol), w


def history_by_unmasked_steps(case, tol):
    """For a masked output: replays the fit with train_on_batch and weights each batch's loss by its number of
    unmasked steps instead of its number of samples; returns the ratio of that to the stored history."""
    model, _ = rebuild(case["model"])
    xs = [dec_any(a) for a in case["x"]]
    ys = [dec_any(a) for a in case["y"]]
    model.compile(optimizer=keras_optimizer(case["compile"]["optimizer"]), loss=keras_loss(case["compile"]["loss"]),
                  jit_compile=False)
    n, bs = case["samples"], case["fit"]["batchSize"]
    hist = []
    for _ in range(case["fit"]["epochs"]):
        total = count = 0.0
        for s in range(0, n, bs):
            x = model_input([a[s:s + bs] for a in xs])
            valid = float(np.sum(np.asarray(model([a[s:s + bs] for a in xs])._keras_mask)))
            total += float(model.train_on_batch(x, ys[0][s:s + bs])) * valid
            count += valid
        hist.append(total / count)
    return ratio(hist, case["history"], tol)


def moved(case, tol):
    """How far fit moved the weights, in tolerance units (a replay that skipped training would be off by this)."""
    init = [dec(w) for s in case["model"]["layers"] for w in s["weights"]]
    return max(ratio(a, dec(b), tol) for a, b in zip(init, case["weights"]))


CHECKS = {"train_gradients.json": check_gradient_case, "train_fit.json": check_fit_case}


def run_check(diagnostics=True):
    ok = True
    for fname, check in CHECKS.items():
        file_ok, obj = kc.run_check(fname, check)
        ok = ok and file_ok
        tol = obj["tolerance"]
        if diagnostics:
            # how far float32 TensorFlow is from the same computation in float64, and eager from graph
            for k, kw in (("float64", {"floatx": "float64"}), ("eager", {"eager": True})):
                r, n = max((check(case, tol, **kw), case["name"]) for case in obj["cases"])
                print(f"  diagnostic: stored float32 vs {k} Keras: worst {r:.3g}x tol ({n})")
        if fname == "train_gradients.json":
            r = max((ratio(documented_loss(c), c["lossValue"], tol), c["name"]) for c in obj["cases"])
            print(f"  lossValue = the documented reduction of the stored outputs (float64 NumPy): "
                  f"worst {r[0]:.3g}x tol ({r[1]})")
            ok = ok and r[0] <= 1
            masked = [c for c in obj["cases"] if output_mask(c) is not None]
            r = min((ratio(documented_loss(c, use_mask=False), c["lossValue"], tol), c["name"]) for c in masked)
            print(f"  masked outputs ({len(masked)} cases): the mean over every step instead of the unmasked ones "
                  f"would be off by >= {r[0]:.3g}x tol ({r[1]})")
            for c in obj["cases"]:
                if "saturated" in c["name"] or c["name"] == "activation_layer_softmax_cce":
                    print(f"  {c['name']}: the {'probability' if logits_path(c) else 'logits'} path instead of "
                          f"Keras's would be off by "
                          f"{ratio(documented_loss(c, flip_path=True), c['lossValue'], tol):.3g}x tol")
        if fname == "train_fit.json":
            # the documented History semantics, and that the data tells them apart
            sem = [history_semantics(c, tol) + (c["samples"] % c["fit"]["batchSize"] != 0,) for c in obj["cases"]]
            if not all(w <= 1 and r <= 1 for w, _, r, _ in sem):
                ok = False
                print("  FAIL history is not the batch-size-weighted mean of train_on_batch losses")
            print(f"  history = batch-size-weighted mean of the per-step losses: worst {max(w for w, *_ in sem):.3g}x "
                  f"tol (train_on_batch replay weights {max(r for _, _, r, _ in sem):.3g}x); the plain mean "
                  f"over steps would be off by >= {min(p for _, p, _, part in sem if part):.3g}x tol in the "
                  "partial-batch cases")
            print(f"  weights moved by fit: at least {min(moved(c, tol) for c in obj['cases']):.3g}x tol in every case")
            for c in obj["cases"]:
                emb = any(s["class"] == "Embedding" for s in c["model"]["layers"])
                if emb and c["compile"]["optimizer"]["name"] in ("adam", "rmsprop", "adagrad"):
                    r_sparse = weights_ratio(replay_fit(c), c, tol)
                    r_dense = weights_ratio(replay_fit(c, densify=True), c, tol)
                    ok = ok and r_sparse <= 1
                    print(f"  {c['name']}: eager replay with the IndexedSlices gradient {r_sparse:.3g}x tol; with it "
                          f"densified (duplicates summed before squaring) {r_dense:.3g}x tol")
                if "mask" in c["name"]:
                    print(f"  {c['name']}: History weighting each batch's loss by its unmasked steps instead of its "
                          f"samples would be off by {history_by_unmasked_steps(c, tol):.3g}x tol")
                if c.get("states"):
                    r_carry = weights_ratio(replay_fit(c), c, tol)
                    r_epoch = weights_ratio(replay_fit(c, reset="epoch"), c, tol)
                    r_batch = weights_ratio(replay_fit(c, reset="batch"), c, tol)
                    ok = ok and r_carry <= 1
                    print(f"  {c['name']}: replay carrying the states through {r_carry:.3g}x tol; resetting them every "
                          f"epoch {r_epoch:.3g}x tol, every batch {r_batch:.3g}x tol")
    print("CHECK OK" if ok else "CHECK FAILED")
    return ok


FILES = {"train_gradients.json": gen_gradients, "train_fit.json": gen_fit}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="verify the files in test/cases instead of writing")
    ap.add_argument("--no-diagnostics", action="store_true", help="with --check: skip the float64 and eager runs")
    ap.add_argument("--only", help="write only this file (e.g. train_fit.json)")
    args = ap.parse_args()
    t0 = time.time()
    if args.check:
        ok = run_check(not args.no_diagnostics)
        print(f"({time.time() - t0:.0f} s)")
        sys.exit(0 if ok else 1)
    for fname, gen in FILES.items():
        if args.only and fname != args.only:
            continue
        kc.write_json(fname, gen())
    print(f"({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
