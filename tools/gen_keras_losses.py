#!/usr/bin/env python3
"""Generate Keras reference cases for wasm-rnn's losses (src/train/losses.ts, assembly/train/losses.ts).

Every expected value comes from real Keras 3 (TensorFlow backend): the loss object is built from
its class and config (default reduction "sum_over_batch_size" unless the case says otherwise) and
called as compile does, ``loss_obj(y_true, y_pred)``; the gradient with respect to ``y_pred``
comes from ``tf.GradientTape``. A case with a mask attaches it to ``y_pred`` as a Keras mask
(``backend.set_keras_mask``), as a masked model output carries it. Deterministic: each case draws
its data from ``np.random.RandomState(seed)``.

Usage (from the repository root):

    .venv/bin/python tools/gen_keras_losses.py           # (re)write test/cases/losses.json
    .venv/bin/python tools/gen_keras_losses.py --check   # recompute every case in Keras and compare

Case format:

    {"name", "seed",
     "keras": {"className", "config"},      # the Keras loss (config = loss.get_config())
     "spec": str | {...},                    # what the test passes to getLoss()
     "pred": array, "target": array,         # target int32 ({"dtype": "int32"}) or float32
     "mask"?: int32 array (0/1, shape = per-sample values),
     "activation"?: "softmax" | "sigmoid",   # pred holds logits; Keras saw activation(pred)
     "value": float,                         # the reduced loss
     "grad": array}                          # d value / d pred (the logits with "activation")

Arrays are {"shape", "b64"} with little-endian float32 bytes, or int32 with "dtype": "int32".
"""

import argparse
import sys
import warnings

import keras_common as kc  # first: it sets the environment before TensorFlow loads
from keras_common import dec, dec_any, enc, enc_int, file_header, write_json

import numpy as np
import keras
import tensorflow as tf

GENERATOR = "tools/gen_keras_losses.py"
FILE = "losses.json"
EPS = np.float32(1e-7)
HI = np.float32(1.0 - 1e-7)

# cce_logits_after_softmax sets from_logits=True on a softmax output on purpose
warnings.filterwarnings("ignore", message=".*received `from_logits=True`")


def loss_from_keras_config(spec):
    return getattr(keras.losses, spec["className"]).from_config(dict(spec["config"]))


def run_keras(kspec, pred, target, mask=None, activation=None):
    """Reduced loss value and its gradient with respect to pred, from Keras. With an activation,
    pred holds logits and the loss sees keras.activations.<activation>(pred), as a model output
    from a Dense/Activation layer: Keras then computes crossentropies from the logits."""
    loss_obj = loss_from_keras_config(kspec)
    yp = tf.constant(pred)
    yt = tf.constant(target)
    with tf.GradientTape() as tape:
        tape.watch(yp)
        # a fresh tensor to carry the mask
        p = getattr(keras.activations, activation)(yp) if activation else tf.identity(yp)
        if mask is not None:
            keras.src.backend.set_keras_mask(p, tf.constant(mask.astype(bool)))
        value = loss_obj(yt, p)
    grad = tape.gradient(value, yp)
    return float(value.numpy()), grad.numpy().astype(np.float32)


def make_case(name, seed, class_name, config, spec, pred, target, mask=None, activation=None):
    loss_obj = getattr(keras.losses, class_name)(**config)
    # Huber's get_config drops delta (Keras 3.15); the explicit arguments keep it
    kspec = {"className": class_name, "config": {**loss_obj.get_config(), **config}}
    pred = np.asarray(pred, np.float32)
    target = np.asarray(target)
    if target.dtype != np.int32:
        target = target.astype(np.float32)
    value, grad = run_keras(kspec, pred, target, mask, activation)
    case = {"name": name, "seed": seed, "keras": kspec, "spec": spec}
    if activation:
        case["activation"] = activation
    case.update({"pred": enc(pred),
            "target": enc_int(target) if target.dtype == np.int32 else enc(target)})
    if mask is not None:
        case["mask"] = enc_int(mask)
    case["value"] = value
    case["grad"] = enc(grad)
    return case


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def one_hot(ids, F):
    return np.eye(F, dtype=np.float32)[ids]


def probs_with_edges(rng, shape):
    """Probabilities in (0, 1) with exact 0, 1, eps, 1 - eps and values beyond [eps, 1 - eps]."""
    p = rng.uniform(0.02, 0.98, size=shape).astype(np.float32)
    flat = p.reshape(-1)
    edges = np.array([0.0, 1.0, EPS, HI, 5e-8, 1.0 - 5e-8, -0.1, 1.2, 1e-6, 0.999999], np.float32)
    idx = rng.choice(flat.size, size=min(flat.size, edges.size), replace=False)
    flat[idx] = edges[: idx.size]
    return p


def logits_with_edges(rng, shape, scale=3.0):
    x = (rng.randn(*shape) * scale).astype(np.float32)
    flat = x.reshape(-1)
    edges = np.array([30.0, -30.0, 0.0, 100.0, -100.0, 15.0, -15.0], np.float32)
    idx = rng.choice(flat.size, size=min(flat.size, edges.size), replace=False)
    flat[idx] = edges[: idx.size]
    return x


def class_probs(rng, shape):
    """Softmax rows, some scaled so they do not sum to 1, a one-hot row and a row with zeros."""
    p = softmax(rng.randn(*shape) * 1.5).astype(np.float32)
    rows = p.reshape(-1, shape[-1])
    n = rows.shape[0]
    rows *= rng.uniform(0.5, 2.0, size=(n, 1)).astype(np.float32)  # rows not summing to 1
    if n >= 2:
        rows[0] = 0.0
        rows[0, rng.randint(shape[-1])] = 1.0  # exactly one-hot: q = 1 and q = 0 are clipped
    if n >= 3:
        rows[1, 0] = 0.0  # one exact zero in an otherwise positive row
        rows[2] *= 1e-3   # a small-sum row
    return p


def sparse_probs(rng, shape):
    p = class_probs(rng, shape)
    flat = p.reshape(-1)
    edges = np.array([EPS, HI, 5e-8, 1.0 + 0.5], np.float32)
    idx = rng.choice(flat.size, size=edges.size, replace=False)
    flat[idx] = edges
    return p


def class_logits(rng, shape):
    x = (rng.randn(*shape) * 3.0).astype(np.float32)
    rows = x.reshape(-1, shape[-1])
    rows[0, :] = -30.0
    rows[0, 0] = 30.0
    if rows.shape[0] > 1:
        rows[1, :2] = [30.0, -30.0]
    return x


def soft_targets(rng, shape):
    return softmax(rng.randn(*shape)).astype(np.float32)


def cases():
    out = []
    seed = [9000]

    def add(name, class_name, config, spec, make, activation=None):
        s = seed[0]
        seed[0] += 1
        rng = np.random.RandomState(s)
        pred, target, mask = make(rng)
        out.append(make_case(name, s, class_name, config, spec, pred, target, mask, activation))

    shapes = {"2d": (4, 5), "3d": (3, 4, 5)}

    # --- regression losses -----------------------------------------------------------------
    def regression(rng, shape, equal=False):
        p = (rng.randn(*shape) * 1.5).astype(np.float32)
        t = rng.randn(*shape).astype(np.float32)
        if equal:
            t.reshape(-1)[::7] = p.reshape(-1)[::7]  # e = 0: mae and huber gradients at the kink
        return p, t, None

    for tag, shape in shapes.items():
        add(f"mse_{tag}", "MeanSquaredError", {}, "mse", lambda r, s=shape: regression(r, s))
        add(f"mae_{tag}", "MeanAbsoluteError", {}, "mean_absolute_error",
            lambda r, s=shape: regression(r, s, equal=True))
        add(f"huber_{tag}", "Huber", {}, "huber", lambda r, s=shape: regression(r, s, equal=True))

    def huber_edges(rng):
        t = rng.randn(4, 6).astype(np.float32)
        p = t + np.array([1.0, -1.0, 0.5, 2.0, -3.0, 0.0], np.float32)
        p[:, 0] = t[:, 0] + 1.0  # |e| may be exactly delta (or round next to it)
        return p, t, None
    add("huber_edges", "Huber", {}, {"name": "huber"}, huber_edges)
    add("huber_delta2_3d", "Huber", {"delta": 2.0}, {"name": "huber", "delta": 2.0},
        lambda r: regression(r, (2, 3, 4)))

    def msle(rng, shape):
        p = rng.uniform(-0.5, 3.0, size=shape).astype(np.float32)
        p.reshape(-1)[:3] = [EPS, 0.0, -1.0]
        t = rng.uniform(-0.2, 3.0, size=shape).astype(np.float32)
        return p, t, None
    for tag, shape in shapes.items():
        add(f"msle_{tag}", "MeanSquaredLogarithmicError", {}, "msle", lambda r, s=shape: msle(r, s))

    def kld(rng, shape):
        p = rng.uniform(-0.2, 1.2, size=shape).astype(np.float32)
        p.reshape(-1)[:3] = [EPS, 1.0, 0.0]
        t = soft_targets(rng, shape)
        t.reshape(-1)[1::6] = 0.0
        return p, t, None
    for tag, shape in shapes.items():
        add(f"kld_{tag}", "KLDivergence", {}, "kl_divergence", lambda r, s=shape: kld(r, s))

    def cosine(rng, shape):
        p = rng.randn(*shape).astype(np.float32)
        t = rng.randn(*shape).astype(np.float32)
        rows = p.reshape(-1, shape[-1])
        rows[0] = 0.0          # zero prediction: the inverse norm clamps at 1 / eps
        rows[1] = t.reshape(-1, shape[-1])[1] * 3.0  # parallel: loss -1
        return p, t, None
    for tag, shape in shapes.items():
        add(f"cosine_{tag}", "CosineSimilarity", {}, "cosine_similarity", lambda r, s=shape: cosine(r, s))

    # --- binary crossentropy -----------------------------------------------------------------
    def bce(rng, shape, logits, soft=False):
        p = logits_with_edges(rng, shape) if logits else probs_with_edges(rng, shape)
        t = rng.randint(0, 2, size=shape).astype(np.float32)
        if soft:
            t = rng.uniform(0, 1, size=shape).astype(np.float32)
        return p, t, None

    for logits in (False, True):
        lg = "_logits" if logits else ""
        cfg = {"from_logits": True} if logits else {}
        for tag, shape in shapes.items():
            add(f"bce{lg}_{tag}", "BinaryCrossentropy", cfg,
                {"name": "binary_crossentropy", "fromLogits": logits}, lambda r, s=shape, l=logits: bce(r, s, l))
        add(f"bce{lg}_f1", "BinaryCrossentropy", cfg,
            {"className": "BinaryCrossentropy", "config": {"from_logits": logits}},
            lambda r, l=logits: bce(r, (10, 1), l))
        add(f"bce{lg}_soft_3d", "BinaryCrossentropy", cfg,
            {"name": "binary_crossentropy", "fromLogits": logits}, lambda r, l=logits: bce(r, (2, 3, 4), l, True))
        add(f"bce{lg}_smooth", "BinaryCrossentropy", {**cfg, "label_smoothing": 0.1},
            {"name": "binary_crossentropy", "fromLogits": logits, "labelSmoothing": 0.1},
            lambda r, l=logits: bce(r, (4, 5), l))

    # --- categorical crossentropy --------------------------------------------------------------
    def cce(rng, shape, logits, soft=False):
        p = class_logits(rng, shape) if logits else class_probs(rng, shape)
        ids = rng.randint(0, shape[-1], size=shape[:-1])
        t = soft_targets(rng, shape) if soft else one_hot(ids, shape[-1])
        return p, t, None

    for logits in (False, True):
        lg = "_logits" if logits else ""
        cfg = {"from_logits": True} if logits else {}
        for tag, shape in shapes.items():
            add(f"cce{lg}_{tag}", "CategoricalCrossentropy", cfg,
                {"name": "categorical_crossentropy", "fromLogits": logits},
                lambda r, s=shape, l=logits: cce(r, s, l))
        add(f"cce{lg}_soft_3d", "CategoricalCrossentropy", cfg,
            {"className": "CategoricalCrossentropy", "config": {"from_logits": logits}},
            lambda r, l=logits: cce(r, (2, 3, 6), l, True))
        add(f"cce{lg}_smooth", "CategoricalCrossentropy", {**cfg, "label_smoothing": 0.2},
            {"name": "categorical_crossentropy", "fromLogits": logits, "labelSmoothing": 0.2},
            lambda r, l=logits: cce(r, (4, 5), l))

    def cce_unnormalised_targets(rng):
        # targets that do not sum to 1: TF's softmax_cross_entropy_with_logits gradient is
        # softmax - t (not sum(t) softmax - t)
        p = (rng.randn(3, 4) * 2).astype(np.float32)
        t = rng.uniform(0, 1, size=(3, 4)).astype(np.float32)
        return p, t, None
    add("cce_logits_unnormalised_targets", "CategoricalCrossentropy", {"from_logits": True},
        {"name": "categorical_crossentropy", "fromLogits": True}, cce_unnormalised_targets)
    add("cce_unnormalised_targets", "CategoricalCrossentropy", {},
        "categorical_crossentropy", lambda r: (class_probs(r, (3, 4)), r.uniform(0, 1, (3, 4)).astype(np.float32), None))

    # --- sparse categorical crossentropy --------------------------------------------------------
    def scce(rng, shape, logits, target_shape, as_float=False):
        p = class_logits(rng, shape) if logits else sparse_probs(rng, shape)
        ids = rng.randint(0, shape[-1], size=shape[:-1]).astype(np.int32)
        t = ids.reshape(target_shape)
        if as_float:
            t = t.astype(np.float32)
        return p, t, None

    for logits in (False, True):
        lg = "_logits" if logits else ""
        cfg = {"from_logits": True} if logits else {}
        spec = {"name": "sparse_categorical_crossentropy", "fromLogits": logits}
        add(f"scce{lg}_2d", "SparseCategoricalCrossentropy", cfg, spec,
            lambda r, l=logits: scce(r, (6, 5), l, (6,)))
        add(f"scce{lg}_2d_col", "SparseCategoricalCrossentropy", cfg, spec,
            lambda r, l=logits: scce(r, (6, 5), l, (6, 1), as_float=True))
        add(f"scce{lg}_3d", "SparseCategoricalCrossentropy", cfg,
            {"className": "SparseCategoricalCrossentropy", "config": {"from_logits": logits}},
            lambda r, l=logits: scce(r, (3, 4, 5), l, (3, 4)))
        add(f"scce{lg}_3d_float", "SparseCategoricalCrossentropy", cfg, spec,
            lambda r, l=logits: scce(r, (3, 4, 5), l, (3, 4), as_float=True))
        add(f"scce{lg}_3d_col", "SparseCategoricalCrossentropy", cfg, spec,
            lambda r, l=logits: scce(r, (3, 4, 5), l, (3, 4, 1)))

    # --- masks (a masked model output carries a Keras mask) and reduction "sum" ----------------
    def masked(make, shape):
        def f(rng):
            p, t, _ = make(rng)
            m = (rng.uniform(size=shape[:-1]) < 0.6).astype(np.int32)
            m.reshape(-1)[0] = 1
            m.reshape(-1)[-1] = 0
            return p, t, m
        return f

    s3 = (3, 4, 5)
    add("mse_3d_mask", "MeanSquaredError", {}, "mse", masked(lambda r: regression(r, s3), s3))
    add("bce_3d_mask", "BinaryCrossentropy", {}, "binary_crossentropy", masked(lambda r: bce(r, s3, False), s3))
    add("cce_3d_mask", "CategoricalCrossentropy", {}, "categorical_crossentropy",
        masked(lambda r: cce(r, s3, False), s3))
    add("cce_logits_3d_mask", "CategoricalCrossentropy", {"from_logits": True},
        {"name": "categorical_crossentropy", "fromLogits": True}, masked(lambda r: cce(r, s3, True), s3))
    add("scce_3d_mask", "SparseCategoricalCrossentropy", {}, "sparse_categorical_crossentropy",
        masked(lambda r: scce(r, s3, False, (3, 4)), s3))

    def all_masked(rng):
        p, t, _ = regression(rng, (2, 3, 4))
        return p, t, np.zeros((2, 3), np.int32)
    add("mse_all_masked", "MeanSquaredError", {}, "mse", all_masked)

    add("mse_sum", "MeanSquaredError", {"reduction": "sum"}, {"name": "mse", "reduction": "sum"},
        lambda r: regression(r, (3, 4, 5)))
    add("cce_sum_mask", "CategoricalCrossentropy", {"reduction": "sum"},
        {"name": "categorical_crossentropy", "reduction": "sum"}, masked(lambda r: cce(r, s3, False), s3))

    # --- predictions straight from a softmax / sigmoid: Keras (TF backend) takes the logits the
    # activation attached (_keras_logits) and uses the logits form, whatever from_logits says and
    # whichever of the two activations it was. pred holds the logits; grad is d value / d logits.
    def saturated_logits(rng, shape):
        x = (rng.randn(*shape) * 4).astype(np.float32)
        rows = x.reshape(-1, shape[-1])
        rows[0, :] = -30.0
        rows[0, -1] = 30.0  # saturated, and wrong: the clipped form would give a zero gradient
        return x

    def after(kind, shape):
        def f(rng):
            x = saturated_logits(rng, shape)
            if kind == "sparse":
                t = rng.randint(0, shape[-1], size=shape[:-1]).astype(np.int32)
                t.reshape(-1)[0] = 0
            elif kind == "binary":
                t = rng.randint(0, 2, size=shape).astype(np.float32)
            else:
                t = one_hot(rng.randint(0, shape[-1], size=shape[:-1]), shape[-1])
                t.reshape(-1, shape[-1])[0] = np.eye(shape[-1], dtype=np.float32)[0]
            return x, t, None
        return f

    add("cce_after_softmax", "CategoricalCrossentropy", {}, "categorical_crossentropy", after("cat", (3, 4, 5)), "softmax")
    add("cce_logits_after_softmax", "CategoricalCrossentropy", {"from_logits": True},
        {"name": "categorical_crossentropy", "fromLogits": True}, after("cat", (4, 5)), "softmax")
    add("cce_after_sigmoid", "CategoricalCrossentropy", {}, "categorical_crossentropy", after("cat", (4, 5)), "sigmoid")
    add("cce_smooth_after_softmax", "CategoricalCrossentropy", {"label_smoothing": 0.1},
        {"name": "categorical_crossentropy", "labelSmoothing": 0.1}, after("cat", (4, 5)), "softmax")
    add("bce_after_sigmoid", "BinaryCrossentropy", {}, "binary_crossentropy", after("binary", (3, 4, 5)), "sigmoid")
    add("bce_after_softmax", "BinaryCrossentropy", {}, "binary_crossentropy", after("binary", (4, 5)), "softmax")
    add("scce_after_softmax", "SparseCategoricalCrossentropy", {}, "sparse_categorical_crossentropy",
        after("sparse", (3, 4, 5)), "softmax")
    add("scce_after_sigmoid", "SparseCategoricalCrossentropy", {}, "sparse_categorical_crossentropy",
        after("sparse", (4, 5)), "sigmoid")
    return out


# --------------------------------------------------------------------------
# --check: recompute in Keras
# --------------------------------------------------------------------------


def check_case(case, tol):
    pred, target = dec(case["pred"]), dec_any(case["target"])
    mask = dec_any(case["mask"]) if "mask" in case else None
    value, grad = run_keras(case["keras"], pred, target, mask, case.get("activation"))
    want_g = dec(case["grad"])
    r = abs(value - case["value"]) / (tol["atol"] + tol["rtol"] * abs(case["value"]))
    if grad.shape != want_g.shape:
        return float("inf")
    return max(r, float(np.max(np.abs(grad - want_g) / (tol["atol"] + tol["rtol"] * np.abs(want_g)))))


def run_check():
    ok = kc.run_check(FILE, check_case, "Keras recompute")[0]
    print("CHECK OK" if ok else "CHECK FAILED")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="verify test/cases/losses.json instead of writing")
    args = ap.parse_args()
    if args.check:
        sys.exit(0 if run_check() else 1)
    write_json(FILE, {**file_header(GENERATOR), "cases": cases()})


if __name__ == "__main__":
    main()
