#!/usr/bin/env python3
"""Generate Keras reference data for training: gradients of one batch, and whole ``model.fit`` runs.

Every expected value comes from real Keras 3 (TensorFlow backend, CPU, float32); nothing is computed
by hand. Deterministic: each case seeds Keras and NumPy from a fixed per-case seed (``seed``).

Usage (from the repository root):

    .venv/bin/python tools/gen_keras_train.py           # (re)write test/cases/train_*.json
    .venv/bin/python tools/gen_keras_train.py --check   # rebuild every case in Keras and compare

Models use the graph format of tools/gen_keras_family.py (replayed by ``buildCase`` in
test/family-helpers.ts); each layer entry carries the *initial* weights:

    {"inputs": [{"id", "shape", "dtype"?}],
     "layers": [{"id", "class", "config", "layer"?, "inputs": [ref], "initialState"?: [ref], "weights": [array]}],
     "outputs": [ref], "sequential"?: true}

Arrays are {"shape", "b64"} (little-endian float32, C order) or {"shape", "b64", "dtype": "int32"}.
Every model has one output. Weight lists (``gradients``, ``weights``) are flat, in Keras
``model.get_weights()`` order, which is the spec's layers in order with each layer's weights in its
own ``get_weights()`` order; ``weightNames`` names them "<layer id>/<weight name>".

A loss is {"name": "mse" | "mae" | "binary_crossentropy" | "categorical_crossentropy" |
"sparse_categorical_crossentropy", "fromLogits": bool}, reduced the Keras way (sum_over_batch_size:
the mean over every element of the per-sample loss, e.g. over B*T for a sequence output).

train_gradients.json, one batch and no optimizer:

    {"name", "seed", "description", "model", "loss",
     "x": [array per model input], "y": [array per model output],
     "outputs": [model(x, training=True), per output],
     "lossValue": float, "weightNames": [str], "gradients": [array, one per weight]}

train_fit.json, ``model.fit(x, y, batch_size, epochs, shuffle=False)``:

    {"name", "seed", "description", "model", "x": [...], "y": [...],
     "compile": {"optimizer": {"name": "sgd" | "adam" | "rmsprop", <arguments set, camelCase>},
                 "optimizerConfig": {<every hyperparameter Keras used, camelCase>}, "loss": {...}},
     "fit": {"epochs", "batchSize", "shuffle": false}, "samples": N, "steps": optimizer iterations,
     "history": [History.history["loss"] per epoch], "weightNames": [str], "weights": [array]}

--check rebuilds every case from its JSON (spec, initial weights, x, y, loss, optimizer) and requires
Keras to reproduce the stored numbers within the file's tolerance. It also reports, as diagnostics, how
far the stored float32 results are from the same computation in float64 Keras and in eager mode (what
the tolerance has to absorb), confirms the documented loss reduction from the stored outputs, and
replays each fit with train_on_batch to confirm History's batch-size-weighted epoch mean.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_keras_cases as base  # noqa: E402  (sets CUDA_VISIBLE_DEVICES and TF_CPP_MIN_LOG_LEVEL first)
from gen_keras_family import build, dec_any, enc_int, header, randomize  # noqa: E402

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

GENERATOR = "tools/gen_keras_train.py"
OUT_DIR = base.OUT_DIR
GRAD_TOL = dict(base.TOLERANCE)
FIT_TOL = dict(base.TOLERANCE)  # see FIT_DESCRIPTION and the --check diagnostics

enc = base.enc
dec = base.dec


# --------------------------------------------------------------------------
# losses, optimizers (spec -> Keras)
# --------------------------------------------------------------------------

LOSSES = {
    "mse": lambda fl: keras.losses.MeanSquaredError(),
    "mae": lambda fl: keras.losses.MeanAbsoluteError(),
    "binary_crossentropy": lambda fl: keras.losses.BinaryCrossentropy(from_logits=fl),
    "categorical_crossentropy": lambda fl: keras.losses.CategoricalCrossentropy(from_logits=fl),
    "sparse_categorical_crossentropy": lambda fl: keras.losses.SparseCategoricalCrossentropy(from_logits=fl),
}


def keras_loss(spec):
    return LOSSES[spec["name"]](spec.get("fromLogits", False))


def loss_spec(name, from_logits=False):
    return {"name": name, "fromLogits": from_logits}


OPTIMIZERS = {
    # name: (Keras class, {camelCase argument: Keras argument}) -- every hyperparameter that changes the update
    "sgd": (keras.optimizers.SGD, {"learningRate": "learning_rate", "momentum": "momentum", "nesterov": "nesterov"}),
    "adam": (keras.optimizers.Adam, {"learningRate": "learning_rate", "beta1": "beta_1", "beta2": "beta_2",
                                     "epsilon": "epsilon", "amsgrad": "amsgrad"}),
    "rmsprop": (keras.optimizers.RMSprop, {"learningRate": "learning_rate", "rho": "rho", "momentum": "momentum",
                                           "epsilon": "epsilon", "centered": "centered"}),
}


def keras_optimizer(spec):
    cls, names = OPTIMIZERS[spec["name"]]
    return cls(**{names[k]: v for k, v in spec.items() if k != "name"})


def optimizer_config(opt, name):
    """Every hyperparameter Keras used (defaults included), camelCase; floats as Keras stores them."""
    cfg = opt.get_config()
    out = {"name": name}
    for camel, snake in OPTIMIZERS[name][1].items():
        v = cfg[snake]
        out[camel] = float(v) if isinstance(v, (float, np.floating)) else v
    return out


# --------------------------------------------------------------------------
# building a case's model with its initial weights
# --------------------------------------------------------------------------


def uni(rng, *shape):
    return rng.uniform(-1, 1, size=shape).astype(np.float32)


def one_hot(idx, V):
    return np.eye(V, dtype=np.float32)[idx]


def enc_arr(a):
    return enc_int(a) if a.dtype == np.int32 else enc(a)


def weight_names(model_spec, layers):
    names = []
    for s in model_spec["layers"]:
        names += [f"{s['id']}/{v.path.split('/')[-1]}" for v in layers[s["id"]].weights]
    return names


def check_weight_order(model, model_spec, layers):
    """The flat lists are in get_weights() order; make sure that is the spec's layer order, and that
    trainable_weights (what the gradients are taken over) is the same list."""
    flat = [v for s in model_spec["layers"] for v in layers[s["id"]].weights]
    assert [v.path for v in model.weights] == [v.path for v in flat], "get_weights() order != spec layer order"
    assert [v.path for v in model.trainable_weights] == [v.path for v in model.weights], "trainable != weights"


def init_model(seed, model_spec, scale, keep_bias=()):
    """Builds the spec in Keras with seeded random weights and stores them in the spec.

    Kernels are Keras's initialisers times `scale`, biases uniform(-0.5, 0.5), embeddings
    uniform(-1, 1) (gen_keras_family.randomize); layers in `keep_bias` keep Keras's default bias
    (for LSTM: unit_forget_bias, zeros with ones in the forget block)."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    rng = np.random.RandomState(seed)
    model, layers = build(model_spec)
    for s in model_spec["layers"]:
        layer = layers[s["id"]]
        default = [np.array(w) for w in layer.get_weights()]
        ws = randomize(layer, rng, scale)
        if s["id"] in keep_bias:
            ws = [d if "bias" in v.path.split("/")[-1] else w for w, d, v in zip(ws, default, layer.weights)]
            layer.set_weights(ws)
        s["weights"] = [enc(w) for w in ws]
    check_weight_order(model, model_spec, layers)
    return model, layers, rng


def rebuild(model_spec):
    """The Keras model of a stored spec, with the stored initial weights."""
    keras.backend.clear_session()
    model, layers = build(json.loads(json.dumps(model_spec)))
    for s in model_spec["layers"]:
        if s["weights"]:
            layers[s["id"]].set_weights([dec(w).astype(layers[s["id"]].weights[0].dtype) for w in s["weights"]])
    check_weight_order(model, model_spec, layers)
    return model, layers


def model_input(xs):
    return xs[0] if len(xs) == 1 else list(xs)


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
    outs = [np.asarray(p, np.float32) for p in base.as_list(pred)]
    return outs, float(value), [np.asarray(tf.convert_to_tensor(g), np.float32) for g in grads]


def grad_case(name, seed, description, model_spec, loss, make_xy, scale=1.0, keep_bias=()):
    model, layers, rng = init_model(seed, model_spec, scale, keep_bias)
    xs, ys = make_xy(rng)
    outs, value, grads = loss_and_gradients(model, loss, xs, ys)
    assert all(np.all(np.isfinite(g)) for g in grads)
    return {"name": name, "seed": seed, "description": description, "model": model_spec, "loss": loss,
            "x": [enc_arr(a) for a in xs], "y": [enc_arr(a) for a in ys],
            "outputs": [enc(o) for o in outs], "lossValue": value,
            "weightNames": weight_names(model_spec, layers), "gradients": [enc(g) for g in grads]}


# model specs ------------------------------------------------------------------


def lstm_cfg(units, **kw):
    return dict(units=units, **kw)


def seq_model(T, I, stack, dtype=None):
    """Input(shape=[T, I], or [I] / [T] when the other is None) -> a chain of (id, class, config[, inner])
    layers; the last layer's first output is the model's output."""
    inp = {"id": "x", "shape": [d for d in (T, I) if d is not None]}
    if dtype:
        inp["dtype"] = dtype
    layers, prev = [], "x"
    for entry in stack:
        lid, cls, cfg = entry[:3]
        layer = {"id": lid, "class": cls, "config": cfg, "inputs": [prev]}
        if len(entry) > 3:
            layer["layer"] = entry[3]
        layers.append(layer)
        prev = f"{lid}:0"
    return {"inputs": [inp], "layers": layers, "outputs": [prev]}


def dense(units, activation="linear"):
    return {"units": units, "activation": activation}


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


def gen_gradients():
    cases = []
    k = [9000]

    def add(name, description, spec, loss, make_xy, scale=1.0, keep_bias=(), seed=None):
        cases.append(grad_case(name, seed or k[0], description, spec, loss, make_xy, scale, keep_bias))
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
    return train_header(
        "Training gradients of one batch (no optimizer): for each case the loss Keras's train_step minimises "
        "(compiled loss, reduction sum_over_batch_size) on model(x, training=True), and its gradient with "
        "respect to every trainable weight from tf.GradientTape, in get_weights() order. outputs are the "
        "forward outputs, to tell a forward bug from a backward one. Tolerance: the project default; the "
        "same gradients in float64 Keras differ from these by at most 0.015x it, in eager mode by 0.025x. "
        "Per case: see its description.",
        GRAD_TOL, cases)


def train_header(description, tol, cases):
    obj = header(description, cases)
    obj["generator"] = GENERATOR
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
    return {"name": name, "seed": seed, "description": description, "model": model_spec,
            "x": [enc_arr(a) for a in xs], "y": [enc_arr(a) for a in ys],
            "compile": compile_spec, "fit": fit_spec, "samples": n, "steps": steps, "history": history,
            "weightNames": weight_names(model_spec, layers), "weights": [enc(w) for w in weights]}


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
    return train_header(FIT_DESCRIPTION, FIT_TOL, cases)


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
    "(1 - rho) g^2 (from 0), w -= lr g / sqrt(v + eps). Tolerance: the project default; --check "
    "measured these float32 TensorFlow fits against the same fits in float64 (worst 0.02x tolerance) and in "
    "eager mode (0.002x), so a float32 implementation has ample room. Per case: see its description."
)


# --------------------------------------------------------------------------
# --check: rebuild each case from its JSON and compare; then diagnostics
# --------------------------------------------------------------------------


def ratio(got, want, tol):
    return base.tol_ratio(got, want, tol)


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
        model, _ = rebuild(case["model"])
        xs = [dec_any(a) for a in case["x"]]
        ys = [dec_any(a) for a in case["y"]]
        opt, history, weights = run_fit(model, case["compile"], case["fit"], xs, ys, run_eagerly=eager)
        steps = int(opt.iterations.numpy())
    finally:
        keras.config.set_floatx("float32")
    if steps != case["steps"] or len(history) != len(case["history"]) or len(weights) != len(case["weights"]):
        return float("inf")
    return max([ratio(history, case["history"], tol)]
               + [ratio(w, dec(s), tol) for w, s in zip(weights, case["weights"])])


def documented_loss(case):
    """The loss as the file header describes it, in float64 NumPy from the stored outputs (a diagnostic:
    confirms the reduction, e.g. that sparse CE over [B, T] is the mean over B*T)."""
    p = dec(case["outputs"][0]).astype(np.float64)
    y = dec_any(case["y"][0])
    name, logits = case["loss"]["name"], case["loss"]["fromLogits"]
    if name == "mse":
        return np.mean((y - p) ** 2)
    if name == "mae":
        return np.mean(np.abs(y - p))
    if logits:
        p = np.exp(p - p.max(-1, keepdims=True)) / np.exp(p - p.max(-1, keepdims=True)).sum(-1, keepdims=True)
    p = np.clip(p, 1e-7, 1 - 1e-7)
    if name == "binary_crossentropy":
        return np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))
    if name == "categorical_crossentropy":
        return np.mean(-np.sum(y * np.log(p), -1))
    return np.mean(-np.log(np.take_along_axis(p, y[..., None].astype(np.int64), -1)))


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


def moved(case, tol):
    """How far fit moved the weights, in tolerance units (a replay that skipped training would be off by this)."""
    init = [dec(w) for s in case["model"]["layers"] for w in s["weights"]]
    return max(ratio(a, dec(b), tol) for a, b in zip(init, case["weights"]))


CHECKS = {"train_gradients.json": check_gradient_case, "train_fit.json": check_fit_case}


def run_check(diagnostics=True):
    ok = True
    for fname, check in CHECKS.items():
        obj = json.loads((OUT_DIR / fname).read_text(encoding="utf-8"))
        tol = obj["tolerance"]
        worst = (0.0, "")
        diag = {"float64": (0.0, ""), "eager": (0.0, "")}
        for case in obj["cases"]:
            r = check(case, tol)
            worst = max(worst, (r, case["name"]))
            if not r <= 1:
                ok = False
                print(f"  FAIL {fname}:{case['name']}: {r:.3g}x tolerance")
            if diagnostics:
                # how far float32 TensorFlow is from the same computation in float64, and eager from graph
                diag["float64"] = max(diag["float64"], (check(case, tol, floatx="float64"), case["name"]))
                diag["eager"] = max(diag["eager"], (check(case, tol, eager=True), case["name"]))
        print(f"{fname}: {len(obj['cases'])} cases, Keras rebuild worst {worst[0]:.3g}x tol ({worst[1]})")
        for k, (r, n) in diag.items() if diagnostics else ():
            print(f"  diagnostic: stored float32 vs {k} Keras: worst {r:.3g}x tol ({n})")
        if fname == "train_gradients.json":
            r = max((ratio(documented_loss(c), c["lossValue"], tol), c["name"]) for c in obj["cases"])
            print(f"  lossValue = the documented reduction of the stored outputs (float64 NumPy): "
                  f"worst {r[0]:.3g}x tol ({r[1]})")
            ok = ok and r[0] <= 1
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
        base.write_json(fname, gen())
    print(f"({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
