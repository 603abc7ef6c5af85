#!/usr/bin/env python3
"""A zoo of small models written the way real Keras 3 users write them, trained and saved by Keras.

Each model is built with real Keras 3, compiled (every optimizer Keras offers, loss and metric strings
and objects, learning-rate schedules, mixed precision), fitted for 2 epochs on seeded random data (so
the files carry a compile config and optimizer state), and saved as `.keras`, legacy `.h5`, and
`.weights.h5` + `model.to_json()` config. `test/models/zoo/<name>.json` holds seeded inputs and
Keras's `predict` on them, in the fixture golden format; test/io/zoo.test.ts loads every saved form
with loadModel and compares. A form Keras itself cannot write for a model is left out of "files".

Mixed-precision models (mixed_float16 / mixed_bfloat16) keep float32 weights; their reference
outputs are Keras's predictions of the same model rebuilt under the float32 policy with those
weights (wasm-rnn computes in float32), so the usual tolerance applies.

Models Keras can save but wasm-rnn cannot load (TextVectorization, StringLookup, ...) are written
too; the test asserts the WasmRnnError names the layer.

The .keras zips are rewritten with deflate (Keras stores members uncompressed; committed files).
Nothing is computed by hand.

Usage (from the repository root):  .venv/bin/python tools/gen_keras_zoo.py [--only=name,...]
"""

import json
import logging
import sys
import zipfile

from keras_common import ROOT, TOLERANCE  # first: it sets the environment before TensorFlow loads

import numpy as np
import keras
from keras import layers as L

logging.getLogger("absl").setLevel(logging.ERROR)

OUT = ROOT / "test" / "models" / "zoo"
T, F = 5, 3  # steps and features of the sequence inputs
N = 16  # training rows


# --------------------------------------------------------------------------
# the models: name -> builder returning (model, compile kwargs[, options])
# options: "y": "sparse" (integer targets of the output's last dim) | "onehot"; "policy": a global dtype
# policy set while the model is built and trained; "adapt": a callable run on the training x first
# --------------------------------------------------------------------------


def lstm_dense(name, out=1, activation=None, units=4):
    x = keras.Input((T, F))
    return keras.Model(x, L.Dense(out, activation=activation)(L.LSTM(units)(x)), name=name)


def gru_dense(name, out=1, activation=None):
    x = keras.Input((T, F))
    return keras.Model(x, L.Dense(out, activation=activation)(L.GRU(4)(x)), name=name)


Z = {}


def zoo(fn):
    Z[fn.__name__[2:]] = fn
    return fn


# ---- optimizers, losses, metrics, schedules


@zoo
def m_opt_adamw():
    return lstm_dense("opt_adamw"), dict(optimizer=keras.optimizers.AdamW(learning_rate=0.01, weight_decay=0.01),
                                         loss="mse", metrics=["mae", keras.metrics.RootMeanSquaredError()])


@zoo
def m_opt_nadam():
    return gru_dense("opt_nadam"), dict(optimizer="nadam", loss=keras.losses.Huber(delta=0.5), metrics=["mse"])


@zoo
def m_opt_adamax():
    x = keras.Input((T, F))
    model = keras.Model(x, L.Dense(2)(L.SimpleRNN(4)(x)), name="opt_adamax")
    return model, dict(optimizer=keras.optimizers.Adamax(learning_rate=0.005), loss="mae")


@zoo
def m_opt_adadelta():
    return lstm_dense("opt_adadelta"), dict(optimizer=keras.optimizers.Adadelta(learning_rate=1.0), loss="mse")


@zoo
def m_opt_lion():
    return gru_dense("opt_lion"), dict(optimizer=keras.optimizers.Lion(learning_rate=1e-3), loss="mean_squared_error")


@zoo
def m_opt_ftrl():
    return lstm_dense("opt_ftrl"), dict(optimizer=keras.optimizers.Ftrl(learning_rate=0.05), loss="mse")


@zoo
def m_opt_sgd_nesterov_schedule():
    lr = keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=2, decay_rate=0.9, staircase=True)
    return gru_dense("opt_sgd_nesterov_schedule", 3, "softmax"), dict(
        optimizer=keras.optimizers.SGD(learning_rate=lr, momentum=0.9, nesterov=True, clipnorm=1.0),
        loss="categorical_crossentropy", metrics=["accuracy"]), {"y": "onehot"}


@zoo
def m_opt_rmsprop_cosine():
    lr = keras.optimizers.schedules.CosineDecay(0.01, decay_steps=10, warmup_target=0.02, warmup_steps=2)
    return lstm_dense("opt_rmsprop_cosine"), dict(optimizer=keras.optimizers.RMSprop(learning_rate=lr),
                                                  loss=keras.losses.MeanSquaredLogarithmicError(),
                                                  metrics=[keras.metrics.MeanAbsolutePercentageError()])


@zoo
def m_opt_adam_piecewise_bce():
    lr = keras.optimizers.schedules.PiecewiseConstantDecay([2, 4], [0.01, 0.005, 0.001])
    return lstm_dense("opt_adam_piecewise_bce", 1, "sigmoid"), dict(
        optimizer=keras.optimizers.Adam(learning_rate=lr, clipvalue=0.5), loss="binary_crossentropy",
        metrics=["accuracy", keras.metrics.AUC(), keras.metrics.Precision(), keras.metrics.Recall()])


@zoo
def m_opt_adagrad_sparse_logits():
    return gru_dense("opt_adagrad_sparse_logits", 4), dict(
        optimizer="adagrad", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(), keras.metrics.SparseTopKCategoricalAccuracy(k=2)]), \
        {"y": "sparse"}


@zoo
def m_loss_cce_smoothing():
    return lstm_dense("loss_cce_smoothing", 3, "softmax"), dict(
        optimizer="rmsprop", loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
        metrics=[keras.metrics.CategoricalAccuracy(), keras.metrics.TopKCategoricalAccuracy(k=2)]), {"y": "onehot"}


@zoo
def m_plain_strings():
    model = keras.Sequential([keras.Input((T, F)), L.LSTM(4), L.Dense(1)], name="plain_strings")
    return model, dict(optimizer="adam", loss="mse", metrics=["mae", "mse"])


# ---- mixed precision, dtypes


@zoo
def m_mixed_float16():
    # the mixed-precision guide's model: float16 compute, the last layer's output cast back to float32
    x = keras.Input((T, F))
    h = L.LSTM(4, return_sequences=True)(x)
    h = L.GRU(4)(h)
    y = L.Activation("linear", dtype="float32")(L.Dense(2)(h))
    return keras.Model(x, y, name="mixed_float16"), dict(optimizer="adam", loss="mse"), {"policy": "mixed_float16"}


@zoo
def m_mixed_bfloat16():
    x = keras.Input((T, F))
    y = L.Dense(1, dtype="float32")(L.Bidirectional(L.LSTM(3))(x))
    return keras.Model(x, y, name="mixed_bfloat16"), dict(optimizer="adam", loss="mse"), {"policy": "mixed_bfloat16"}


@zoo
def m_float64_layer():
    x = keras.Input((T, F))
    h = L.LSTM(4)(x)
    return keras.Model(x, L.Dense(2, dtype="float64")(h), name="float64_layer"), dict(optimizer="sgd", loss="mse")


# ---- regularizers, constraints, initializers


@zoo
def m_regularized():
    x = keras.Input((T, F))
    h = L.LSTM(4, return_sequences=True, kernel_regularizer=keras.regularizers.L2(1e-3),
               recurrent_regularizer=keras.regularizers.L1(1e-4), bias_regularizer=keras.regularizers.L1L2(1e-4, 1e-4),
               activity_regularizer="l2", kernel_constraint=keras.constraints.MaxNorm(2.0),
               recurrent_constraint=keras.constraints.UnitNorm(), bias_constraint=keras.constraints.NonNeg())(x)
    h = L.GRU(3, kernel_regularizer="l1", recurrent_constraint="max_norm")(h)
    h = L.Dense(4, activation="relu", kernel_regularizer=keras.regularizers.L1L2(l1=1e-4, l2=1e-3),
                kernel_constraint=keras.constraints.MinMaxNorm(0.1, 1.5), bias_constraint="non_neg",
                activity_regularizer=keras.regularizers.L1(1e-5))(h)
    return keras.Model(x, L.Dense(1)(h), name="regularized"), dict(optimizer="adam", loss="mse")


@zoo
def m_initializers():
    I = keras.initializers
    x = keras.Input((T, F))
    h = L.LSTM(4, return_sequences=True, kernel_initializer="he_normal", recurrent_initializer=I.Orthogonal(gain=0.5),
               bias_initializer=I.Constant(0.1))(x)
    h = L.GRU(4, return_sequences=True, kernel_initializer=I.LecunUniform(), recurrent_initializer="identity",
              bias_initializer="ones")(h)
    h = L.SimpleRNN(4, kernel_initializer=I.VarianceScaling(2.0, "fan_out", "truncated_normal"),
                    recurrent_initializer=I.RandomNormal(stddev=0.1), bias_initializer=I.RandomUniform(-0.1, 0.1))(h)
    h = L.Dense(3, kernel_initializer=I.TruncatedNormal(stddev=0.2), bias_initializer=I.Zeros())(h)
    h = L.Dense(2, kernel_initializer="glorot_normal", bias_initializer=I.HeUniform())(h)
    return keras.Model(x, L.Dense(1, kernel_initializer="lecun_normal")(h), name="initializers"), \
        dict(optimizer="adam", loss="mse")


# ---- ways of building models


@zoo
def m_seq_input_shape():
    # Keras 2 style, still accepted by Keras 3 (with a warning)
    model = keras.Sequential([L.LSTM(4, input_shape=(T, F), return_sequences=True), L.LSTM(3), L.Dense(1)],
                             name="seq_input_shape")
    return model, dict(optimizer="adam", loss="mse")


@zoo
def m_seq_build():
    model = keras.Sequential([L.GRU(4, return_sequences=True), L.GRU(3, reset_after=False), L.Dense(2)],
                             name="seq_build")
    model.build((None, T, F))
    return model, dict(optimizer="adam", loss="mse")


@zoo
def m_seq_deferred():
    # no input at all: built by the first fit
    model = keras.Sequential([L.LSTM(4), L.Dense(8, activation="relu"), L.Dense(1)], name="seq_deferred")
    return model, dict(optimizer="adam", loss="mse")


@zoo
def m_seq_none_steps():
    model = keras.Sequential([keras.Input((None, F)), L.LSTM(4, return_sequences=True),
                              L.TimeDistributed(L.Dense(2))], name="seq_none_steps")
    return model, dict(optimizer="adam", loss="mse")


@zoo
def m_multi_io_dict():
    seq = keras.Input((T, F), name="series")
    static = keras.Input((2,), name="static")
    h = L.LSTM(4)(seq)
    z = L.Concatenate()([h, L.Dense(3, activation="relu")(static)])
    reg = L.Dense(1, name="value")(z)
    cls = L.Dense(3, activation="softmax", name="kind")(z)
    model = keras.Model({"series": seq, "static": static}, {"value": reg, "kind": cls}, name="multi_io_dict")
    return model, dict(optimizer="adam", loss={"value": "mse", "kind": "categorical_crossentropy"},
                       loss_weights={"value": 1.0, "kind": 0.5},
                       metrics={"value": ["mae"], "kind": ["accuracy"]}), {"y": "onehot_kind"}


@zoo
def m_multi_io_list():
    a = keras.Input((T, F))
    b = keras.Input((T + 1, F))
    ha = L.GRU(4)(a)
    hb = L.LSTM(4)(b)
    s = L.Add()([ha, hb])
    model = keras.Model([a, b], [L.Dense(1)(s), L.Dense(2, activation="sigmoid")(s)], name="multi_io_list")
    return model, dict(optimizer="adam", loss=["mse", "binary_crossentropy"])


@zoo
def m_shared_siamese():
    a = keras.Input((T, F))
    b = keras.Input((T, F))
    enc = L.LSTM(4, name="shared_lstm")
    ea, eb = enc(a), enc(b)
    d = L.Subtract()([ea, eb])
    cos = L.Dot(axes=1, normalize=True)([ea, eb])
    y = L.Dense(1, activation="sigmoid")(L.Concatenate()([d, cos]))
    return keras.Model([a, b], y, name="shared_siamese"), dict(optimizer="adam", loss="binary_crossentropy")


# ---- preprocessing layers


def norm_adapt(layer):
    return lambda x: layer.adapt(x if not isinstance(x, list) else x[0])


@zoo
def m_normalization_adapted():
    norm = L.Normalization(axis=-1)
    x = keras.Input((T, F))
    y = L.Dense(1)(L.LSTM(4)(norm(x)))
    return keras.Model(x, y, name="normalization_adapted"), dict(optimizer="adam", loss="mse"), {"adapt": norm_adapt(norm)}


@zoo
def m_normalization_given():
    x = keras.Input((T, F))
    n = L.Normalization(mean=[0.5, -0.2, 1.0], variance=[2.0, 0.5, 4.0])(x)
    return keras.Model(x, L.Dense(1)(L.GRU(3)(n)), name="normalization_given"), dict(optimizer="adam", loss="mse")


@zoo
def m_rescaling():
    x = keras.Input((T, F))
    r = L.Rescaling(1.0 / 255, offset=-0.5)(x)
    c = L.Conv1D(4, 3, padding="same", activation="relu")(r)
    return keras.Model(x, L.Dense(1)(L.LSTM(3)(c)), name="rescaling"), dict(optimizer="adam", loss="mse")


@zoo
def m_preprocessing_mid():
    # Normalization and Rescaling between trained layers, so one SGD step's gradient passes through them
    x = keras.Input((T, F))
    h = L.Dense(3, activation="tanh")(x)
    h = L.Normalization(mean=[0.1, -0.2, 0.3], variance=[0.5, 2.0, 0.25])(h)
    h = L.Rescaling([2.0, 0.5, -1.0], offset=0.25)(h)
    h = L.Normalization(axis=-1, invert=True, mean=0.5, variance=4.0)(h)
    return keras.Model(x, L.Dense(1)(L.LSTM(3)(h)), name="preprocessing_mid"), dict(optimizer="adam", loss="mse"), \
        {"step": True}


@zoo
def m_category_encoding():
    x = keras.Input((4,), dtype="int32")
    oh = L.CategoryEncoding(num_tokens=6, output_mode="multi_hot")(x)
    return keras.Model(x, L.Dense(1)(oh), name="category_encoding"), dict(optimizer="adam", loss="mse")


@zoo
def m_text_vectorization():
    tv = L.TextVectorization(max_tokens=20, output_sequence_length=4)
    tv.adapt(["the cat sat", "a dog ran far", "the dog sat"])
    x = keras.Input((1,), dtype="string")
    y = L.Dense(1)(L.LSTM(3)(L.Embedding(20, 4)(tv(x))))
    return keras.Model(x, y, name="text_vectorization"), None


@zoo
def m_string_lookup():
    x = keras.Input((3,), dtype="string")
    ids = L.StringLookup(vocabulary=["a", "b", "c"])(x)
    y = L.Dense(1)(L.GRU(3)(L.Embedding(5, 4)(ids)))
    return keras.Model(x, y, name="string_lookup"), None


@zoo
def m_integer_lookup():
    x = keras.Input((4,), dtype="int64")
    ids = L.IntegerLookup(vocabulary=[3, 7, 11])(x)
    y = L.Dense(1)(L.GRU(3)(L.Embedding(5, 4)(ids)))
    return keras.Model(x, y, name="integer_lookup"), dict(optimizer="adam", loss="mse")


# ---- layer options and the layers around the recurrent ones


@zoo
def m_reshape_repeat():
    x = keras.Input((6,))
    h = L.Reshape((2, 3))(L.Dense(6, activation="tanh")(x))
    h = L.LSTM(4)(h)
    h = L.RepeatVector(T)(h)
    h = L.LSTM(3, return_sequences=True)(h)
    return keras.Model(x, L.Flatten()(L.TimeDistributed(L.Dense(2))(h)), name="reshape_repeat"), \
        dict(optimizer="adam", loss="mse")


@zoo
def m_bidirectional_stack():
    x = keras.Input((T, F))
    h = L.Bidirectional(L.GRU(3, reset_after=False, return_sequences=True))(x)
    h = L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode="ave")(h)
    h = L.Bidirectional(L.SimpleRNN(2, return_sequences=True), merge_mode="mul")(h)
    h = L.Bidirectional(L.GRU(2), merge_mode="sum")(h)
    return keras.Model(x, L.Dense(1)(h), name="bidirectional_stack"), dict(optimizer="adam", loss="mse")


@zoo
def m_lstm_variants():
    x = keras.Input((T, F))
    h = L.LSTM(4, unit_forget_bias=False, return_sequences=True)(x)
    h = L.LSTM(4, use_bias=False, return_sequences=True)(h)
    h = L.LSTM(4, activation="relu", recurrent_activation="hard_sigmoid", return_sequences=True)(h)
    h = L.GRU(3, use_bias=False, return_sequences=True)(h)
    h = L.GRU(3, reset_after=False, activation="relu")(h)
    return keras.Model(x, L.Dense(1, use_bias=False)(h), name="lstm_variants"), dict(optimizer="adam", loss="mse")


@zoo
def m_conv_front():
    x = keras.Input((12, F))
    h = L.Conv1D(4, 3, padding="same", activation="relu")(x)
    h = L.MaxPooling1D(2)(h)
    h = L.Conv1D(4, 2, padding="causal", dilation_rate=2)(h)
    h = L.AveragePooling1D(pool_size=2, strides=1, padding="same")(h)
    h = L.BatchNormalization()(h)
    h = L.LSTM(4)(h)
    return keras.Model(x, L.Dense(1)(h), name="conv_front"), dict(optimizer="adam", loss="mse")


@zoo
def m_text_cnn():
    x = keras.Input((8,), dtype="int32")
    e = L.Embedding(12, 4)(x)
    h = L.Conv1D(4, 3, activation="relu")(e)
    h = L.GlobalMaxPooling1D()(h)
    h = L.Dropout(0.3)(h)
    return keras.Model(x, L.Dense(1, activation="sigmoid")(h), name="text_cnn"), \
        dict(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])


@zoo
def m_gap_mask():
    x = keras.Input((7,), dtype="int32")
    e = L.Embedding(10, 4, mask_zero=True)(x)
    h = L.LSTM(4, return_sequences=True)(e)
    h = L.GlobalAveragePooling1D()(h)
    return keras.Model(x, L.Dense(2, activation="softmax")(h), name="gap_mask"), \
        dict(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]), {"y": "sparse"}


@zoo
def m_dropouts():
    x = keras.Input((T, F))
    h = L.SpatialDropout1D(0.2)(x)
    h = L.LSTM(4, dropout=0.2, recurrent_dropout=0.2, return_sequences=True)(h)
    h = L.GaussianNoise(0.1)(h)
    h = L.GRU(3, dropout=0.1)(h)
    h = L.Dropout(0.5)(h)
    h = L.AlphaDropout(0.1)(h)
    return keras.Model(x, L.Dense(1)(h), name="dropouts"), dict(optimizer="adam", loss="mse")


# every Keras 3 activation wasm-rnn computes, by the names Keras files use
DENSE_ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "softplus", "softsign", "selu", "elu", "exponential",
                     "gelu", "silu", "swish", "hard_sigmoid", "hard_silu", "hard_swish", "relu6", "leaky_relu", "mish",
                     "linear", "log_softmax", "hard_tanh", "log_sigmoid", "tanh_shrink"]


@zoo
def m_dense_activations():
    x = keras.Input((T, F))
    h = L.LSTM(4)(x)
    outs = [L.Dense(2, activation=a, name=f"d_{a}")(h) for a in DENSE_ACTIVATIONS]
    return keras.Model(x, outs, name="dense_activations"), None


@zoo
def m_dense_celu():
    # one Keras 3 has and wasm-rnn does not (also glu, sparse_plus, squareplus, soft_shrink, hard_shrink, sparsemax)
    x = keras.Input((T, F))
    return keras.Model(x, L.Dense(2, activation="celu", name="d_celu")(L.LSTM(4)(x)), name="dense_celu"), None


@zoo
def m_dense_common_activations():
    # what real models put on Dense layers most often besides the classic ones
    x = keras.Input((T, F))
    h = L.GRU(4)(x)
    for a in ("gelu", "swish", "elu", "selu", "softplus", "leaky_relu", "relu6", "mish"):
        h = L.Dense(4, activation=a)(h)
    return keras.Model(x, L.Dense(1)(h), name="dense_common_activations"), dict(optimizer="adam", loss="mse")


@zoo
def m_dense_3d():
    # Dense straight on a sequence (no TimeDistributed) and activation layers of every kind
    x = keras.Input((T, F))
    h = L.LSTM(4, return_sequences=True)(x)
    h = L.Dense(4)(h)
    h = L.Activation("gelu")(h)
    h = L.LeakyReLU(negative_slope=0.1)(h)
    h = L.PReLU()(h)
    h = L.ELU()(h)
    h = L.ReLU(max_value=6.0)(h)
    h = L.LayerNormalization()(h)
    h = L.Softmax()(L.Dense(3)(h))
    return keras.Model(x, h, name="dense_3d"), dict(optimizer="adam", loss="mse")


@zoo
def m_masking_bidirectional():
    x = keras.Input((T, F))
    m = L.Masking(mask_value=0.0)(x)
    h = L.Bidirectional(L.LSTM(3, return_sequences=True))(m)
    return keras.Model(x, L.TimeDistributed(L.Dense(2))(h), name="masking_bidirectional"), \
        dict(optimizer="adam", loss="mse")


@zoo
def m_embedding_int64():
    x = keras.Input((6,), dtype="int64")
    h = L.GRU(3)(L.Embedding(10, 4, mask_zero=True)(x))
    return keras.Model(x, L.Dense(1)(h), name="embedding_int64"), dict(optimizer="adam", loss="mse")


@zoo
def m_embedding_float_input():
    # a Sequential without an int Input: token ids come as float32
    model = keras.Sequential([keras.Input((6,)), L.Embedding(10, 4), L.LSTM(3), L.Dense(1)],
                             name="embedding_float_input")
    return model, dict(optimizer="adam", loss="mse")


@zoo
def m_seq_embedding_deferred():
    # the text-classifier tutorial: no Input, Embedding first, built by fit on int arrays
    model = keras.Sequential([L.Embedding(10, 4, mask_zero=True), L.Bidirectional(L.LSTM(3)),
                              L.Dense(4, activation="relu"), L.Dense(1, activation="sigmoid")],
                             name="seq_embedding_deferred")
    return model, dict(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"]), {"int_x": (6, 10)}


@zoo
def m_attention_seq():
    x = keras.Input((T, F))
    h = L.LSTM(4, return_sequences=True)(x)
    a = L.Attention()([h, h])
    m = L.MultiHeadAttention(num_heads=2, key_dim=2)(h, h)
    z = L.Concatenate()([L.GlobalAveragePooling1D()(a), L.GlobalMaxPooling1D()(m)])
    return keras.Model(x, L.Dense(1)(z), name="attention_seq"), dict(optimizer="adam", loss="mse")


@zoo
def m_stateful():
    x = keras.Input(batch_shape=(2, T, F))
    h = L.LSTM(4, stateful=True)(x)
    return keras.Model(x, L.Dense(1)(h), name="stateful"), dict(optimizer="adam", loss="mse"), {"batch": 2}


@zoo
def m_identity_layers():
    x = keras.Input((T, F))
    h = L.Identity()(x)
    h = L.LSTM(4, return_sequences=True)(h)
    h = L.Cropping1D((1, 0))(h)
    h = L.ZeroPadding1D(1)(h)
    h = L.Permute((2, 1))(h)
    h = L.Flatten()(h)
    return keras.Model(x, L.Dense(1)(h), name="identity_layers"), dict(optimizer="adam", loss="mse")


# ---- optimizer options that add variables, custom losses, more schedules


@zoo
def m_opt_adam_ema():
    return lstm_dense("opt_adam_ema"), dict(optimizer=keras.optimizers.Adam(use_ema=True, ema_momentum=0.9), loss="mse")


@zoo
def m_opt_grad_accumulation():
    return gru_dense("opt_grad_accumulation"), dict(
        optimizer=keras.optimizers.SGD(learning_rate=0.01, gradient_accumulation_steps=2), loss="mse")


@zoo
def m_opt_schedules_more():
    lr = keras.optimizers.schedules.PolynomialDecay(0.01, decay_steps=4, end_learning_rate=0.001, power=2.0)
    return lstm_dense("opt_schedules_more"), dict(optimizer=keras.optimizers.Adam(learning_rate=lr, global_clipnorm=1.0,
                                                                                  weight_decay=0.004),
                                                  loss="mse", steps_per_execution=2, jit_compile=False)


@keras.saving.register_keras_serializable(package="zoo")
def zoo_loss(y_true, y_pred):
    return keras.ops.mean(keras.ops.abs(y_true - y_pred) ** 1.5, axis=-1)


@zoo
def m_custom_loss_fn():
    # a registered Python loss in the compile config: the model must still load for inference
    return gru_dense("custom_loss_fn"), dict(optimizer="adam", loss=zoo_loss, metrics=["mae", zoo_loss])


@zoo
def m_loss_weights_list():
    x = keras.Input((T, F))
    h = L.LSTM(4)(x)
    model = keras.Model(x, [L.Dense(1, name="a")(h), L.Dense(2, activation="softmax", name="b")(h)],
                        name="loss_weights_list")
    return model, dict(optimizer="rmsprop", loss=["mae", "categorical_crossentropy"], loss_weights=[2.0, 0.5],
                       metrics=[["mse"], ["accuracy"]])


# ---- Keras 3 ops on symbolic tensors (recorded as operation nodes in the config)


@zoo
def m_ops_getitem_last_step():
    x = keras.Input((T, F))
    h = L.LSTM(4, return_sequences=True)(x)
    last = h[:, -1, :]
    return keras.Model(x, L.Dense(1)(last), name="ops_getitem_last_step"), dict(optimizer="adam", loss="mse")


@zoo
def m_ops_arithmetic():
    x = keras.Input((T, F))
    a = L.LSTM(4)(x)
    b = L.GRU(4)(x)
    return keras.Model(x, L.Dense(1)(a + b * 0.5), name="ops_arithmetic"), dict(optimizer="adam", loss="mse")


@zoo
def m_ops_reduce():
    x = keras.Input((T, F))
    h = L.LSTM(4, return_sequences=True)(x)
    m = keras.ops.mean(h, axis=1)
    return keras.Model(x, L.Dense(1)(m), name="ops_reduce"), dict(optimizer="adam", loss="mse")


@zoo
def m_ops_expand_concat():
    x = keras.Input((T, F))
    static = keras.Input((F,))
    seq = keras.ops.concatenate([x, keras.ops.expand_dims(static, 1)], axis=1)
    return keras.Model([x, static], L.Dense(1)(L.GRU(3)(seq)), name="ops_expand_concat"), \
        dict(optimizer="adam", loss="mse")


@zoo
def m_ops_add_masked():
    # x + y between masked sequences: the op passes no mask on in Keras only if ours does not either
    x = keras.Input((7,), dtype="int32")
    e = L.Embedding(10, 4, mask_zero=True)(x)
    a = L.LSTM(4, return_sequences=True)(e)
    b = L.GRU(4, return_sequences=True)(e)
    return keras.Model(x, L.Dense(1)(L.LSTM(3)(a + b)), name="ops_add_masked"), dict(optimizer="adam", loss="mse")


@zoo
def m_transformer_encoder():
    # keras.io "Timeseries classification with a Transformer model", small: residuals written as x + res
    def block(inputs):
        x = L.MultiHeadAttention(key_dim=2, num_heads=2, dropout=0.1)(inputs, inputs)
        x = L.Dropout(0.1)(x)
        x = L.LayerNormalization(epsilon=1e-6)(x)
        res = x + inputs
        x = L.Conv1D(filters=4, kernel_size=1, activation="relu")(res)
        x = L.Dropout(0.1)(x)
        x = L.Conv1D(filters=inputs.shape[-1], kernel_size=1)(x)
        x = L.LayerNormalization(epsilon=1e-6)(x)
        return x + res

    x = keras.Input((T, F))
    h = block(block(x))
    h = L.GlobalAveragePooling1D(data_format="channels_first")(h)
    h = L.Dense(4, activation="relu")(h)
    y = L.Dense(2, activation="softmax")(L.Dropout(0.1)(h))
    return keras.Model(x, y, name="transformer_encoder"), dict(
        optimizer=keras.optimizers.Adam(learning_rate=1e-4), loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"]), {"y": "sparse"}


# ---- more layer arrangements


@zoo
def m_univariate_forecast():
    # the forecasting tutorial: a window in, a horizon out, Reshape to [horizon, 1]
    x = keras.Input((T, 1))
    h = L.Conv1D(4, 3, padding="causal", activation="relu")(x)
    h = L.Bidirectional(L.LSTM(3, return_sequences=True))(h)
    h = L.LSTM(3)(h)
    return keras.Model(x, L.Reshape((3, 1))(L.Dense(3)(h)), name="univariate_forecast"), \
        dict(optimizer="adam", loss=keras.losses.Huber(), metrics=["mae"])


@zoo
def m_bidirectional_none_merge():
    x = keras.Input((T, F))
    f, b = L.Bidirectional(L.GRU(3), merge_mode=None)(x)
    return keras.Model(x, L.Dense(1)(L.Concatenate()([f, b])), name="bidirectional_none_merge"), \
        dict(optimizer="adam", loss="mse")


@zoo
def m_bidirectional_backward_layer():
    x = keras.Input((T, F))
    h = L.Bidirectional(L.LSTM(3, return_sequences=True),
                        backward_layer=L.LSTM(3, return_sequences=True, go_backwards=True, activation="relu"))(x)
    return keras.Model(x, L.TimeDistributed(L.Dense(1))(h), name="bidirectional_backward_layer"), \
        dict(optimizer="adam", loss="mse")


@zoo
def m_mask_maxpool():
    x = keras.Input((7,), dtype="int32")
    e = L.Embedding(10, 4, mask_zero=True)(x)
    h = L.Bidirectional(L.GRU(3, return_sequences=True))(e)
    return keras.Model(x, L.Dense(1)(L.GlobalMaxPooling1D()(h)), name="mask_maxpool"), \
        dict(optimizer="adam", loss="mse")


@zoo
def m_simple_rnn_relu_stateful_gru():
    x = keras.Input(batch_shape=(2, T, F))
    h = L.SimpleRNN(3, activation="relu", return_sequences=True)(x)
    h = L.GRU(3, stateful=True)(h)
    return keras.Model(x, L.Dense(1)(h), name="simple_rnn_relu_stateful_gru"), dict(optimizer="adam", loss="mse"), \
        {"batch": 2}


@zoo
def m_conv_lstm1d():
    x = keras.Input((T, 4, 1))
    return keras.Model(x, L.Dense(1)(L.Flatten()(L.ConvLSTM1D(2, 2)(x))), name="conv_lstm1d"), \
        dict(optimizer="adam", loss="mse")


@zoo
def m_upsample_crop():
    x = keras.Input((6, F))
    h = L.Conv1D(4, 2, strides=2)(x)
    h = L.UpSampling1D(2)(h)
    h = L.Cropping1D((1, 1))(h)
    h = L.Concatenate(axis=1)([h, L.Dense(4)(x)])
    return keras.Model(x, L.Dense(1)(L.LSTM(3)(h)), name="upsample_crop"), dict(optimizer="adam", loss="mse")


@zoo
def m_embedding_input_length():
    # Keras 2 habit: Embedding(input_length=...) (Keras 3 accepts and ignores it, with a warning)
    model = keras.Sequential([keras.Input((6,), dtype="int32"), L.Embedding(10, 4), L.GRU(3),
                              L.Dense(1, activation="sigmoid")], name="embedding_input_length")
    return model, dict(optimizer="adam", loss="binary_crossentropy", metrics=[keras.metrics.BinaryAccuracy(),
                                                                              keras.metrics.F1Score()])


# --------------------------------------------------------------------------


def arr(name, a):
    a = np.asarray(a)
    dtype = "int32" if a.dtype.kind in "iu" else "float32"
    flat = a.astype(np.int64 if dtype == "int32" else np.float32).ravel()
    return {"name": name, "shape": list(a.shape), "dtype": dtype,
            "data": [int(v) if dtype == "int32" else float(v) for v in flat]}


def make_x(model, rng, rows, opts):
    if "int_x" in opts:  # token ids into a Sequential built by fit (its input is float32 in the file)
        steps, vocab = opts["int_x"]
        x = rng.randint(1, vocab, size=(rows, steps)).astype(np.int32)
        x[0, -2:] = 0
        return [x]
    if not model.built:  # deferred Sequential
        return [rng.uniform(-1, 1, size=(rows, T, F)).astype(np.float32)]
    xs = []
    for t in model.inputs:
        shape = [rows] + [d if d is not None else T for d in t.shape[1:]]
        if "string" in str(t.dtype):
            xs.append(np.array([["the cat", "b", "a"][: shape[1]] for _ in range(rows)], dtype=object))
        elif "int" in str(t.dtype):
            x = rng.randint(0, 5 if model.name == "category_encoding" else 10, size=shape).astype(np.int32)
            if len(shape) == 2 and shape[1] > 3:
                x[0, -2:] = 0  # trailing padding for mask_zero embeddings
            xs.append(x)
        elif model.name == "embedding_float_input":
            xs.append(rng.randint(0, 10, size=shape).astype(np.float32))
        elif model.name == "rescaling":
            xs.append(rng.uniform(0, 255, size=shape).astype(np.float32))
        else:
            x = rng.uniform(-1, 1, size=shape).astype(np.float32)
            if model.name == "masking_bidirectional":
                x[0, :2] = 0.0
                x[1, 3] = 0.0
            xs.append(x)
    return xs


def model_in(model, xs):
    if not isinstance(model, keras.Sequential) and isinstance(model.input, dict):
        return {t.name: x for t, x in zip(model.inputs, xs)}
    return xs[0] if len(xs) == 1 else xs


def make_y(model, rng, rows, opts):
    kind = opts.get("y")
    outs = model.outputs
    ys = []
    for t in outs:
        units = t.shape[-1]
        shape = [rows] + [d if d is not None else T for d in t.shape[1:]]
        if kind == "sparse":
            ys.append(rng.randint(0, units, size=shape[:-1]).astype(np.int32))
        elif kind == "onehot" or (kind == "onehot_kind" and units == 3):
            ys.append(np.eye(units, dtype=np.float32)[rng.randint(0, units, size=shape[:-1])])
        else:
            ys.append(rng.uniform(0, 1, size=shape).astype(np.float32))
    if not isinstance(model, keras.Sequential) and isinstance(model.output, dict):
        return dict(zip(sorted(model.output.keys()), [ys[[o.name for o in outs].index(model.output[k].name)]
                                                        for k in sorted(model.output.keys())]))
    return ys[0] if len(ys) == 1 else ys


def outputs_in_file_order(model, ys):
    """predict's outputs as loadModel lists them: a dict output in sorted-key order, as Keras flattens it."""
    if isinstance(ys, dict):
        return [ys[k] for k in sorted(ys)]
    return ys if isinstance(ys, list) else [ys]


def sgd_step(model, xs, rng, rows, opts):
    """One train_on_batch of the saved model with SGD(learning_rate=1) and mse: the weights after it are the
    weights minus their gradient, through every layer between them and the loss."""
    loaded = keras.models.load_model(OUT / f"{model.name}.keras")
    loaded.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss="mse")
    y = make_y(loaded, rng, rows, opts)
    loaded.train_on_batch(model_in(loaded, xs), y)
    return {"y": arr("y", y), "weights": [arr(f"w{k}", w) for k, w in enumerate(loaded.get_weights())]}


def reset_states(model):
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            layer.reset_states()


def deflate(path):
    with zipfile.ZipFile(path) as z:
        members = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in members:
            z.writestr(name, data)


def build(fn, policy):
    keras.config.set_dtype_policy(policy)
    try:
        got = fn()
    finally:
        keras.config.set_dtype_policy("float32")
    model, compile_kw = got[0], got[1]
    opts = got[2] if len(got) > 2 else {}
    return model, compile_kw, opts


def write_one(i, name, fn):
    keras.utils.set_random_seed(5000 + i)
    rng = np.random.RandomState(6000 + i)
    first = fn()
    policy = first[2].get("policy", "float32") if len(first) > 2 else "float32"
    keras.utils.set_random_seed(5000 + i)
    model, compile_kw, opts = build(fn, policy)
    rows = opts.get("batch", 2)
    keras.config.set_dtype_policy(policy)
    x_train = make_x(model, rng, N, opts)
    if "adapt" in opts:
        opts["adapt"](x_train)
    if compile_kw is not None:
        model.compile(**compile_kw)
        y_train = make_y(model, rng, N, opts) if model.built else None
        if y_train is None:  # deferred Sequential: one output of the last Dense's units
            y_train = rng.uniform(0, 1, size=(N, model.layers[-1].units)).astype(np.float32)
        model.fit(model_in(model, x_train), y_train, batch_size=rows if opts.get("batch") else 8, epochs=2,
                  shuffle=False, verbose=0)
    keras.config.set_dtype_policy("float32")
    xs = make_x(model, rng, rows, opts)
    strings = any(x.dtype == object for x in xs)  # refused by wasm-rnn: no reference outputs needed
    ys = [] if strings else outputs_in_file_order(model, model.predict(model_in(model, xs), verbose=0))
    if policy != "float32":
        # the reference in float32: the same model under the float32 policy with the trained weights
        keras.utils.set_random_seed(5000 + i)
        twin, _, _ = build(fn, "float32")
        twin.set_weights(model.get_weights())
        ys = outputs_in_file_order(twin, twin.predict(model_in(twin, xs), verbose=0))
    if opts.get("batch"):  # stateful: from zero states, and saved with zero states
        reset_states(model)
        ys = outputs_in_file_order(model, model.predict(model_in(model, xs), verbose=0, batch_size=rows))
        reset_states(model)
    files, skipped = {}, {}
    for form, fname, save in (
        ("keras", f"{name}.keras", lambda p: model.save(p)),
        ("h5", f"{name}.h5", lambda p: model.save(p)),
        ("weights_h5", f"{name}.weights.h5", lambda p: model.save_weights(p)),
        ("config", f"{name}.config.json", lambda p: p.write_text(model.to_json())),
    ):
        try:
            save(OUT / fname)
            files[form] = fname
        except Exception as e:  # a form Keras itself cannot write for this model
            skipped[form] = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
            (OUT / fname).unlink(missing_ok=True)
    step = sgd_step(model, xs, rng, rows, opts) if opts.get("step") else None
    if "keras" in files:
        deflate(OUT / files["keras"])
    golden = {
        "generator": "tools/gen_keras_zoo.py", "keras_version": keras.__version__, "model_name": model.name,
        "policy": policy, "compiled": compile_kw is not None,
        "optimizer": type(model.optimizer).__name__ if compile_kw is not None else None,
        # the step count the saved optimizer state holds (a LossScaleOptimizer's: its inner optimizer's)
        "iterations": int(getattr(model.optimizer, "inner_optimizer", model.optimizer).iterations.numpy())
        if compile_kw is not None else None,
        "layers": sorted({type(l).__name__ for l in model.layers}), "files": files, "not_written": skipped,
        "tolerance": TOLERANCE,
        "inputs": [] if strings else [arr(f"input_{k}", x) for k, x in enumerate(xs)],
        "outputs": [arr(f"output_{k}", np.asarray(y, np.float32)) for k, y in enumerate(ys)],
    }
    if step:
        golden["sgdStep"] = step
    (OUT / f"{name}.json").write_text(json.dumps(golden) + "\n")
    print(f"wrote {name}: {', '.join(files)}" + (f"  (not written: {', '.join(skipped)})" if skipped else ""))


def main():
    only = next((a.split("=", 1)[1].split(",") for a in sys.argv[1:] if a.startswith("--only=")), None)
    OUT.mkdir(parents=True, exist_ok=True)
    for i, (name, fn) in enumerate(Z.items()):
        if only is None or name in only:
            keras.backend.clear_session()
            write_one(i, name, fn)
    (OUT / "index.json").write_text(json.dumps({"models": list(Z)}, indent=1) + "\n")


if __name__ == "__main__":
    main()
