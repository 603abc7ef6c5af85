#!/usr/bin/env python3
"""Keras reference gradients for recurrent layers trained with dropout and recurrent_dropout.

Keras's random masks cannot be reproduced outside TensorFlow, so each case FIXES them: the generator
draws 0 / (1 / (1 - rate)) masks with NumPy, puts them into the Keras cells' mask caches
(``cell._dropout_mask``, ``cell._recurrent_dropout_mask``, which ``RNN.call`` would otherwise fill
with fresh masks, DropoutRNNCell), and takes one batch's loss and ``tf.GradientTape`` gradients of
``model(x, training=True)``, eager. The test (test/train/recurrent-dropout.test.ts) gives the same
masks to wasm-rnn through its test seam and compares the loss and every gradient after one SGD(1)
step. Keras 3's mask counts are recorded with them: with recurrent_dropout an LSTM (GRU) cell runs
implementation 1, one input mask and one state mask per gate (4, or 3); otherwise one input mask;
SimpleRNN one of each.

Usage (from the repository root):  .venv/bin/python tools/gen_keras_recurrent_dropout.py

Output: test/cases/train_recurrent_dropout.json, the gradient-case format of tools/gen_keras_train.py
plus, per case, "masks": {"<layer id>[/forward|/backward]": {"input"?: array [G, B, I],
"recurrent"?: array [G, B, units]}}.
"""

import keras_common as kc  # first: it sets the environment before TensorFlow loads
from keras_common import (
    dense, enc, enc_arr, header, init_model, keras_loss, loss_spec, padded_tokens, seq_model, uni, weight_names,
)

import numpy as np
import keras
import tensorflow as tf

GENERATOR = "tools/gen_keras_recurrent_dropout.py"
# the shared spec mapping leaves the dropout options out (the other generators never train with them)
kc.RNN_KEYS.update({"dropout": "dropout", "recurrentDropout": "recurrent_dropout"})


def draw(rng, rate, G, B, F):
    keep = rng.uniform(size=(G, B, F)) >= rate
    return (keep / (1.0 - rate)).astype(np.float32)


def cells(model_spec, layers):
    """(key, Keras RNN layer, input features) for every recurrent layer, Bidirectional halves apart."""
    out = []
    for s in model_spec["layers"]:
        layer = layers[s["id"]]
        if isinstance(layer, keras.layers.Bidirectional):
            for side in ("forward", "backward"):
                half = getattr(layer, side + "_layer")
                out.append((f"{s['id']}/{side}", half, half.cell.kernel.shape[0]))
        elif isinstance(layer, keras.layers.RNN):
            out.append((s["id"], layer, layer.cell.kernel.shape[0]))
    return out


def gates(layer):
    return 4 if isinstance(layer, keras.layers.LSTM) else 3 if isinstance(layer, keras.layers.GRU) else 1


def make_masks(rng, rnn, B, I):
    cell = rnn.cell
    impl1 = getattr(cell, "dropout_mask_count", None) is not None
    G = gates(rnn) if impl1 else 1
    m = {}
    if 0 < cell.dropout < 1:
        m["input"] = draw(rng, cell.dropout, G, B, I)
    if 0 < cell.recurrent_dropout < 1:
        m["recurrent"] = draw(rng, cell.recurrent_dropout, G, B, cell.units)
    return m, impl1


def set_masks(rnn, m, impl1):
    cell = rnn.cell
    as_cache = (lambda a: [tf.constant(g) for g in a]) if impl1 else (lambda a: tf.constant(a[0]))
    cell._dropout_mask = as_cache(m["input"]) if "input" in m else None
    cell._recurrent_dropout_mask = as_cache(m["recurrent"]) if "recurrent" in m else None


def case(name, seed, description, spec, B, T, I, out_shape, scale=1.0):
    model, layers, rng = init_model(seed, spec, scale)
    first = spec["layers"][0]
    if first["class"] == "Embedding":
        x = padded_tokens(rng, first["config"]["inputDim"], [(0, T, 0)] + [(0, T - 2, 2)] * (B - 1))
    else:
        x = uni(rng, B, T, I)
    if first["class"] == "Masking":
        x[0, T - 2:] = 0.0  # a padded tail: the sequence mask and the dropout masks together
    y = uni(rng, B, *out_shape)
    masks, impl = {}, {}
    for key, rnn, F in cells(spec, layers):
        masks[key], impl[key] = make_masks(rng, rnn, B, F)
    loss = loss_spec("mse")
    model.compile(optimizer="sgd", loss=keras_loss(loss), jit_compile=False)

    def step():
        with tf.GradientTape() as tape:
            for key, rnn, _ in cells(spec, layers):
                set_masks(rnn, masks[key], impl[key])
            pred = model(tf.constant(x), training=True)
            value = model.compute_loss(x=x, y=tf.constant(y), y_pred=pred, training=True)
        return pred, value, tape.gradient(value, model.trainable_weights)

    pred, value, grads = step()
    # the fixed masks, not fresh random ones, were used: a second call gives the same loss
    assert float(step()[1]) == float(value), name
    grads = [tf.convert_to_tensor(g) for g in grads]
    assert all(np.all(np.isfinite(np.asarray(g))) for g in grads)
    # the masks really were used: the same call without them gives another loss
    pred0 = model(tf.constant(x), training=False)
    assert abs(float(np.mean((np.asarray(pred0) - y) ** 2)) - float(value)) > 1e-6, name
    return {"name": name, "seed": seed, "description": description, "model": spec, "loss": loss,
            "x": [enc_arr(x)], "y": [enc_arr(y)], "outputs": [enc(np.asarray(pred, np.float32))],
            "lossValue": float(value), "weightNames": weight_names(spec, layers),
            "gradients": [enc(np.asarray(tf.convert_to_tensor(g), np.float32)) for g in grads],
            "masks": {k: {kind: enc(a) for kind, a in m.items()} for k, m in masks.items()}}


def gen():
    cases = []
    seed = [7100]

    def add(name, description, spec, B, T, I, out_shape, scale=1.0):
        cases.append(case(name, seed[0], description, spec, B, T, I, out_shape, scale))
        seed[0] += 1

    both = dict(dropout=0.3, recurrentDropout=0.4)
    add("lstm_rdrop_both", "LSTM(5, dropout 0.3, recurrent_dropout 0.4) -> Dense(2): implementation 1, four input "
        "masks and four state masks (one per gate i, f, c, o).",
        seq_model(4, 3, [("rnn", "LSTM", dict(units=5, **both)), ("out", "Dense", dense(2))]), 2, 4, 3, [2])
    add("lstm_rdrop_only_backwards_seq", "LSTM(6, recurrent_dropout 0.5, go_backwards, return_sequences) -> "
        "Dense(1): state masks only, the sequence in processing order.",
        seq_model(5, 2, [("rnn", "LSTM", dict(units=6, recurrentDropout=0.5, goBackwards=True,
                                              returnSequences=True)), ("out", "Dense", dense(1))]), 3, 5, 2, [5, 1])
    add("gru_rdrop_after", "GRU(5, reset_after, dropout 0.25, recurrent_dropout 0.35) -> Dense(2): three masks of "
        "each kind (z, r, h); the candidate's state mask multiplies h_{t-1} before h·U_h.",
        seq_model(4, 3, [("rnn", "GRU", dict(units=5, **both)), ("out", "Dense", dense(2))]), 2, 4, 3, [2])
    add("gru_rdrop_before", "GRU(6, reset_after=False, dropout 0.3, recurrent_dropout 0.4, return_sequences) -> "
        "Dense(2): the candidate's product is (r ⊙ (h_{t-1} * r_h))·U_h.",
        seq_model(4, 5, [("rnn", "GRU", dict(units=6, resetAfter=False, returnSequences=True, **both)),
                         ("out", "Dense", dense(2))]), 2, 4, 5, [4, 2])
    add("simple_rnn_rdrop", "SimpleRNN(7, dropout 0.3, recurrent_dropout 0.4) -> Dense(1): one mask of each kind.",
        seq_model(5, 4, [("rnn", "SimpleRNN", dict(units=7, **both)), ("out", "Dense", dense(1))]), 3, 5, 4, [1])
    add("lstm_rdrop_masking", "Masking -> LSTM(4, dropout 0.2, recurrent_dropout 0.3): padded steps carry the "
        "state while the dropout masks stay those of the sequence.",
        seq_model(5, 3, [("pad", "Masking", {"maskValue": 0.0}), ("rnn", "LSTM", dict(units=4, dropout=0.2,
                                                                                   recurrentDropout=0.3)),
                         ("out", "Dense", dense(1))]), 2, 5, 3, [1])
    add("bidirectional_lstm_rdrop", "Bidirectional(LSTM(4, dropout 0.3, recurrent_dropout 0.4), concat) -> "
        "Dense(2): each direction has its own cell and its own masks.",
        seq_model(4, 3, [("bi", "Bidirectional", {"mergeMode": "concat"},
                          {"class": "LSTM", "config": dict(units=4, **both)}), ("out", "Dense", dense(2))]),
        2, 4, 3, [2])
    add("bidirectional_gru_dropout_only", "Bidirectional(GRU(3, dropout 0.4), sum, return_sequences) -> Dense(1): "
        "input dropout only (implementation 2: one input mask per direction).",
        seq_model(4, 3, [("bi", "Bidirectional", {"mergeMode": "sum"},
                          {"class": "GRU", "config": dict(units=3, dropout=0.4, returnSequences=True)}),
                         ("out", "Dense", dense(1))]), 2, 4, 3, [4, 1])
    add("lstm_rdrop_one_input_masks", "LSTM(3, dropout 0.5, recurrent_dropout 1.0): a recurrent rate of 1 drops "
        "nothing but still switches the cell to implementation 1, so the input has four masks; batch 1.",
        seq_model(3, 5, [("rnn", "LSTM", dict(units=3, dropout=0.5, recurrentDropout=1.0)),
                         ("out", "Dense", dense(1))]), 1, 3, 5, [1])
    add("gru_rdrop_backwards_state", "GRU(7, reset_after, recurrent_dropout 0.3, go_backwards, return_sequences) "
        "-> Dense(3): state masks only.",
        seq_model(5, 4, [("rnn", "GRU", dict(units=7, recurrentDropout=0.3, goBackwards=True, returnSequences=True)),
                         ("out", "Dense", dense(3))]), 3, 5, 4, [5, 3])
    add("bidirectional_simple_rnn_rdrop", "Bidirectional(SimpleRNN(5, dropout 0.2, recurrent_dropout 0.5), ave) -> "
        "Dense(1).",
        seq_model(4, 3, [("bi", "Bidirectional", {"mergeMode": "ave"},
                          {"class": "SimpleRNN", "config": dict(units=5, dropout=0.2, recurrentDropout=0.5)}),
                         ("out", "Dense", dense(1))]), 2, 4, 3, [1])
    add("bidirectional_gru_before_rdrop", "Bidirectional(GRU(4, reset_after=False, recurrent_dropout 0.4), mul, "
        "return_sequences) -> Dense(2).",
        seq_model(4, 3, [("bi", "Bidirectional", {"mergeMode": "mul"},
                          {"class": "GRU", "config": dict(units=4, resetAfter=False, recurrentDropout=0.4,
                                                          returnSequences=True)}),
                         ("out", "Dense", dense(2))]), 2, 4, 3, [4, 2])
    add("stack_embedding_lstm_rdrop", "Embedding(9, 4, mask_zero) -> LSTM(6, dropout 0.2, recurrent_dropout 0.3, "
        "return_sequences) -> LSTM(5, recurrent_dropout 0.25) -> Dense(2): a realistic stack, padded rows, every "
        "gradient through both dropout LSTMs into the embedding.",
        seq_model(6, None, [("emb", "Embedding", {"inputDim": 9, "outputDim": 4, "maskZero": True}),
                            ("rnn1", "LSTM", dict(units=6, dropout=0.2, recurrentDropout=0.3, returnSequences=True)),
                            ("rnn2", "LSTM", dict(units=5, recurrentDropout=0.25)), ("out", "Dense", dense(2))],
                 dtype="int32"),
        3, 6, None, [2])
    add("gru_rdrop_nobias_relu", "GRU(5, reset_after, use_bias False, relu, hard_sigmoid, dropout 0.3, "
        "recurrent_dropout 0.3) -> Dense(1): other activations, no bias.",
        seq_model(4, 3, [("rnn", "GRU", dict(units=5, useBias=False, activation="relu",
                                             recurrentActivation="hard_sigmoid", dropout=0.3, recurrentDropout=0.3)),
                         ("out", "Dense", dense(1))]), 2, 4, 3, [1])
    add("lstm_rdrop_nobias_seq", "LSTM(4, use_bias False, dropout 0.2, recurrent_dropout 0.5, return_sequences) -> "
        "Dense(1).",
        seq_model(3, 2, [("rnn", "LSTM", dict(units=4, useBias=False, dropout=0.2, recurrentDropout=0.5,
                                              returnSequences=True)), ("out", "Dense", dense(1))]), 2, 3, 2, [3, 1])
    return cases


def main():
    cases = gen()
    kc.write_json("train_recurrent_dropout.json", header(
        GENERATOR, "One batch of recurrent layers trained with dropout / recurrent_dropout, the masks fixed "
        "(see the generator): loss and tf.GradientTape gradients of model(x, training=True).", cases))
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
