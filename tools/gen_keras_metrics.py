#!/usr/bin/env python3
"""Generate Keras reference data for compile(metrics=...): whole ``model.fit`` runs with metrics, their
History, ``model.evaluate(..., return_dict=True)`` and the weights after fit.

Every expected value comes from real Keras 3 (TensorFlow backend, CPU, float32, graph mode); nothing is
computed by hand. Deterministic: each case seeds Keras and NumPy from a fixed per-case seed (``seed``).

Usage (from the repository root):

    .venv/bin/python tools/gen_keras_metrics.py           # (re)write test/cases/train_metrics.json
    .venv/bin/python tools/gen_keras_metrics.py --check   # rebuild every case in Keras and verify it

Models use the graph format of tools/gen_keras_family.py (replayed by ``buildCase`` in
test/helpers/family.ts), each layer entry with its *initial* weights, as in train_fit.json
(tools/gen_keras_train.py). An output layer of a two-output model carries ``"name"`` in its config
(``out_a``, ``out_b``): Keras names metrics after the output layers. A case:

    {"name", "seed", "description", "model", "x": [array per input], "y": [array per output],
     "validation"?: {"x": [...], "y": [...]},            (fit's validation_data)
     "compile": {"optimizer": {"name", <arguments set, camelCase>},
                 "optimizerConfig": {<every hyperparameter Keras used, camelCase>},
                 "loss": loss | [loss per output],        (loss = {"name", "fromLogits"})
                 "metrics": exactly what was passed to Keras's compile(metrics=...)},
     "fit": {"epochs", "batchSize", "shuffle": false}, "samples": N, "steps": optimizer iterations,
     "history": {key: [value per epoch]}                  (the whole History.history, every key),
     "evaluate": {key: value}                             (model.evaluate(x, y, batch_size=fit.batchSize,
                                                           return_dict=True) after fit, training data),
     "predictions": [array per output]                    (model.predict(x) after fit: what evaluate saw),
     "resolved": [{"key", "output", "function", "kwargs"?}] (what Keras made of each metric key, see below),
     "decisionMargin": float                              (see below),
     "weightNames": [str], "weights": [array]}            (get_weights() after fit)

``resolved`` lists every History key that is not "loss" or a val_ key: ``output`` is the output index,
``function`` the Keras metric function (binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
top_k_categorical_accuracy, mean_absolute_error, mean_squared_error) or "loss" for a two-output model's
per-output loss, ``kwargs`` its arguments (threshold, k). It is read off the compiled Keras model.

``decisionMargin`` is the smallest distance of any prediction an accuracy metric looked at (every train
step's, every validation and evaluate prediction, unmasked steps only) from where that metric flips:
|p - threshold| for binary_accuracy, the gap between the largest and second-largest class score for
(sparse_)categorical_accuracy, between the k-th and (k+1)-th for top_k. The generator requires it to be at
least 1e-3, so a float32 implementation within the tolerance counts the same hits as Keras.

--check rebuilds every case from its JSON and requires Keras to reproduce history, evaluate, predictions
and weights within the file's tolerance. It then replays every fit step by step (model(x_b) for the
predictions, then train_on_batch; after each epoch model(xv_b) and test_on_batch on the validation batches;
evaluate the same way after fit) and recomputes every History and evaluate value in float64 NumPy by the
rules in DESCRIPTION, requiring them to match; it reports how far the plausible other rules (the mean of the
per-batch values, the mask ignored, per-sample means, batch-size weighting of a per-output loss) would be,
runs the fits in eager mode (run_eagerly=True, where a per-output loss is weighted by batch size instead),
and confirms that a flat metrics list whose length differs from the number of outputs is rejected.
"""

import argparse
import copy
import math
import sys
import time
import warnings

import keras_common as kc  # first: it sets the environment before TensorFlow loads
from keras_common import (
    dec, dec_any, dense, enc, enc_arr, header, init_model, keras_losses, keras_optimizer, loss_spec, lstm_cfg,
    metric_values, model_input, one_hot, optimizer_config, padded_tokens, rebuild, seq_model, targets, uni,
    weight_names, write_json,
)

import numpy as np

GENERATOR = "tools/gen_keras_metrics.py"
FILE = "train_metrics.json"
TOL = dict(kc.TOLERANCE)
MIN_MARGIN = 1e-3

# train_on_batch / fit with a single-input model's input as a bare array (not a one-element list): harmless
warnings.filterwarnings("ignore", message="The structure of `inputs` doesn't match the expected structure")

# --------------------------------------------------------------------------
# compile / fit / evaluate in Keras
# --------------------------------------------------------------------------


def compile_model(model, compile_spec, run_eagerly=False):
    opt = keras_optimizer(compile_spec["optimizer"])
    model.compile(optimizer=opt, loss=keras_losses(compile_spec["loss"]),
                  metrics=copy.deepcopy(compile_spec["metrics"]), jit_compile=False, run_eagerly=run_eagerly)
    return opt


def data(case):
    xs = [dec_any(a) for a in case["x"]]
    ys = [dec_any(a) for a in case["y"]]
    val = case.get("validation")
    vx = [dec_any(a) for a in val["x"]] if val else None
    vy = [dec_any(a) for a in val["y"]] if val else None
    return xs, ys, vx, vy


def run_fit(model, compile_spec, fit_spec, xs, ys, vx=None, vy=None, run_eagerly=False):
    """fit, then evaluate(return_dict) and predict on the training data; returns the recorded results."""
    opt = compile_model(model, compile_spec, run_eagerly)
    bs = fit_spec["batchSize"]
    kw = {"validation_data": (model_input(vx), targets(vy))} if vx is not None else {}
    hist = model.fit(model_input(xs), targets(ys), batch_size=bs, epochs=fit_spec["epochs"],
                     shuffle=fit_spec["shuffle"], verbose=0, **kw)
    history = {k: [float(v) for v in vs] for k, vs in hist.history.items()}
    ev = model.evaluate(model_input(xs), targets(ys), batch_size=bs, return_dict=True, verbose=0)
    preds = [np.asarray(p, np.float32) for p in kc.as_list(model.predict(model_input(xs), batch_size=bs, verbose=0))]
    return {"opt": opt, "history": history, "evaluate": {k: float(v) for k, v in ev.items()},
            "predictions": preds, "weights": [np.asarray(w, np.float32) for w in model.get_weights()],
            "resolved": resolved_metrics(model)}


def resolved_metrics(model):
    """[{key, output, function, kwargs?}] for every non-loss History key, read off the compiled model."""
    out = []
    names = list(model.output_names) if len(model.outputs) > 1 else None
    for i, mls in enumerate(model._compile_metrics._flat_metrics):
        if mls is None:
            continue
        for m in mls.metrics:
            key = f"{mls.output_name}_{m.name}" if mls.output_name else m.name
            entry = {"key": key, "output": i, "function": m._fn.__name__}
            kw = dict(m._fn_kwargs)
            if kw:
                entry["kwargs"] = {k: (float(v) if isinstance(v, float) else v) for k, v in kw.items()}
            out.append(entry)
    for i, n in enumerate(names or []):
        out.append({"key": f"{n}_loss", "output": i, "function": "loss"})
    return sorted(out, key=lambda e: e["key"])


# --------------------------------------------------------------------------
# the documented rules, in float64 NumPy
# --------------------------------------------------------------------------


class Acc:
    """One metric key's accumulator over an epoch (or an evaluate), under the documented rule and the
    alternatives the data must rule out."""

    def __init__(self):
        self.tot = self.cnt = 0.0           # documented: sum(v * w) / sum(w) over every value seen
        self.batch_means = []               # alt: the plain mean of the per-batch values
        self.nomask_tot = self.nomask_cnt = 0.0  # alt: the mask ignored
        self.sample_means = []              # alt: per-sample (masked) means, then their mean

    def add(self, v, mask):
        B = v.shape[0]
        w = np.ones(B) if mask is None else mask.astype(np.float64)
        v = v.reshape(w.shape + (-1,)).mean(-1)  # a value per (sample[, step]) (units: mean, as Keras does)
        self.tot += float(np.sum(v * w))
        self.cnt += float(np.sum(w))
        self.batch_means.append(float(np.sum(v * w) / np.sum(w)))
        self.nomask_tot += float(np.sum(v))
        self.nomask_cnt += float(v.size)
        vw = (v * w).reshape(B, -1).sum(1)
        ww = w.reshape(B, -1).sum(1)
        self.sample_means += list(vw / np.maximum(ww, 1e-300))

    def value(self):
        return self.tot / self.cnt

    def alternatives(self):
        return {"mean of batch values": float(np.mean(self.batch_means)),
                "mask ignored": self.nomask_tot / self.nomask_cnt,
                "mean of per-sample means": float(np.mean(self.sample_means))}


def replay(case, compile_spec=None):
    """Replays the case's fit step by step and recomputes History and evaluate by the documented rules.

    Each training step: preds = model(x_b, training=True) (before the step's update), then
    train_on_batch(x_b, y_b, return_dict=True) (its "loss" and per-output losses are that batch's own).
    After each epoch: the validation batches with model(xv_b) and test_on_batch. After fit: the same over
    the training data (evaluate). Returns (recomputed {key: [per epoch]}, recomputed evaluate, alternatives
    {key: {rule: [per epoch or the evaluate value]}}, per-batch checks (Keras's own per-batch metric value vs
    NumPy's, worst tolerance ratio), smallest decision margin, final weights)."""
    model, _ = rebuild(case["model"])
    compile_model(model, compile_spec or case["compile"])
    xs, ys, vx, vy = data(case)
    resolved = {r["key"]: r for r in case["resolved"]}
    metric_keys = [k for k, r in resolved.items() if r["function"] != "loss"]
    loss_keys = [k for k, r in resolved.items() if r["function"] == "loss"]
    bs = case["fit"]["batchSize"]
    margins = [np.inf]
    batch_ratio = [0.0]

    def run(xx, yy, training):
        """One pass over (xx, yy) in batches: returns ({key: value}, {key: {rule: value}})."""
        n = len(xx[0])
        accs = {k: Acc() for k in metric_keys}
        loss_sum, loss_parts = 0.0, {k: [] for k in loss_keys}
        loss_plain = []
        loss_weighted = {k: 0.0 for k in loss_keys}
        for s in range(0, n, bs):
            xb = model_input([a[s:s + bs] for a in xx])
            yb = [a[s:s + bs] for a in yy]
            nb = len(yb[0])
            outs = kc.as_list(model([a[s:s + bs] for a in xx], training=training))
            preds = [np.asarray(o, np.float64) for o in outs]
            masks = [None if getattr(o, "_keras_mask", None) is None else np.asarray(o._keras_mask) for o in outs]
            logs = (model.train_on_batch if training else model.test_on_batch)(xb, targets(yb), return_dict=True)
            loss_sum += logs["loss"] * nb
            loss_plain.append(logs["loss"])
            for k in loss_keys:
                loss_parts[k].append(logs[k])
                loss_weighted[k] += logs[k] * nb
            for k in metric_keys:
                r = resolved[k]
                i = r["output"]
                v, margin = metric_values(r["function"], r.get("kwargs", {}), yb[i], preds[i])
                before = (accs[k].tot, accs[k].cnt)
                accs[k].add(v, masks[i])
                batch_ratio[0] = max(batch_ratio[0], kc.tol_ratio(
                    (accs[k].tot - before[0]) / (accs[k].cnt - before[1]), logs[k], TOL))
                if margin is not None:
                    m = margin if masks[i] is None else margin[masks[i].astype(bool)]
                    margins[0] = min(margins[0], float(np.min(m)))
        vals = {"loss": loss_sum / n}
        alts = {"loss": {"mean of batch values": float(np.mean(loss_plain))}}
        for k in loss_keys:
            vals[k] = float(np.mean(loss_parts[k]))
            alts[k] = {"weighted by batch size": loss_weighted[k] / n}
        for k in metric_keys:
            vals[k] = accs[k].value()
            alts[k] = accs[k].alternatives()
        return vals, alts

    hist, alts = {}, {}

    def put(prefix, vals, al):
        for k, v in vals.items():
            hist.setdefault(prefix + k, []).append(v)
            for rule, a in al[k].items():
                alts.setdefault(prefix + k, {}).setdefault(rule, []).append(a)

    for _ in range(case["fit"]["epochs"]):
        put("", *run(xs, ys, True))
        if vx is not None:
            put("val_", *run(vx, vy, False))
    ev, ev_alts = run(xs, ys, False)
    for k, al in ev_alts.items():
        for rule, a in al.items():
            alts.setdefault("evaluate:" + k, {})[rule] = [a]
    return hist, ev, alts, batch_ratio[0], margins[0], model.get_weights()


# --------------------------------------------------------------------------
# building the cases
# --------------------------------------------------------------------------


def metrics_case(name, seed, description, model_spec, optimizer, loss, metrics, make_data, epochs=2, batch_size=4,
                 scale=1.0):
    model, layers, rng = init_model(seed, model_spec, scale)
    xs, ys, vx, vy = make_data(rng)
    compile_spec = {"optimizer": optimizer, "loss": loss, "metrics": metrics}
    fit_spec = {"epochs": epochs, "batchSize": batch_size, "shuffle": False}
    res = run_fit(model, compile_spec, fit_spec, xs, ys, vx, vy)
    n = len(xs[0])
    steps = int(res["opt"].iterations.numpy())
    assert steps == epochs * math.ceil(n / batch_size), (steps, epochs, n, batch_size)
    compile_spec = {"optimizer": optimizer, "optimizerConfig": optimizer_config(res["opt"], optimizer["name"]),
                    "loss": loss, "metrics": metrics}
    case = {"name": name, "seed": seed, "description": description, "model": model_spec,
            "x": [enc_arr(a) for a in xs], "y": [enc_arr(a) for a in ys]}
    if vx is not None:
        case["validation"] = {"x": [enc_arr(a) for a in vx], "y": [enc_arr(a) for a in vy]}
    case.update({"compile": compile_spec, "fit": fit_spec, "samples": n, "steps": steps,
                 "history": res["history"], "evaluate": res["evaluate"],
                 "predictions": [enc(p) for p in res["predictions"]], "resolved": res["resolved"]})
    # the replay must reproduce Keras by the documented rules before the case is written
    hist, ev, _, batch_r, margin, _ = replay(case)
    r = verify_rules(case, hist, ev)
    assert r <= 1 and batch_r <= 1, (name, r, batch_r)
    assert margin >= MIN_MARGIN, (name, seed, margin)
    case["decisionMargin"] = None if margin == np.inf else float(margin)
    case["weightNames"] = weight_names(model_spec, layers)
    case["weights"] = [enc(w) for w in res["weights"]]
    return case


def verify_rules(case, hist, ev):
    """Worst tolerance ratio of the replay's recomputed History / evaluate to the stored ones (inf if the
    keys differ)."""
    if set(hist) != set(case["history"]) or set(ev) != set(case["evaluate"]):
        return float("inf")
    r = [kc.tol_ratio(hist[k], case["history"][k], TOL) for k in hist]
    r += [kc.tol_ratio(ev[k], case["evaluate"][k], TOL) for k in ev]
    return max(r)


def binary(r, *shape):
    return (r.uniform(size=shape) < 0.5).astype(np.float32)


def ints(r, V, *shape):
    return r.randint(0, V, size=shape).astype(np.int32)


def two_output_model(T, I, H):
    """LSTM(H) -> out_a = Dense(1, sigmoid), out_b = Dense(2) (both on the LSTM's last output)."""
    return {"inputs": [{"id": "x", "shape": [T, I]}], "layers": [
        {"id": "lstm", "class": "LSTM", "config": lstm_cfg(H), "inputs": ["x"]},
        {"id": "out_a", "class": "Dense", "config": dict(dense(1, "sigmoid"), name="out_a"), "inputs": ["lstm:0"]},
        {"id": "out_b", "class": "Dense", "config": dict(dense(2), name="out_b"), "inputs": ["lstm:0"]},
    ], "outputs": ["out_a:0", "out_b:0"]}


def gen_cases():
    cases = []
    k = [9400]

    def add(name, description, spec, optimizer, loss, metrics, make_data, seed=None, **kw):
        cases.append(metrics_case(name, seed or k[0], description, spec, optimizer, loss, metrics, make_data, **kw))
        k[0] += 1

    def lstm_dense(T, I, H, out):
        return seq_model(T, I, [("lstm", "LSTM", lstm_cfg(H)), ("out", "Dense", out)])

    bce, cce, mse = loss_spec("binary_crossentropy"), loss_spec("categorical_crossentropy"), loss_spec("mse")
    scce = loss_spec("sparse_categorical_crossentropy")
    adam = {"name": "adam", "learningRate": 0.02}

    add("bce_accuracy", "LSTM(4) -> Dense(1, sigmoid), binary crossentropy, metrics ['accuracy'], which Keras "
        "resolves by the shapes (y_pred's last dimension is 1) to binary_accuracy with threshold 0.5: a hit is "
        "(p > 0.5) == y. History 'accuracy' = hits / N over the epoch (pooled over the batches 4, 4, 2, not the "
        "mean of the batch accuracies), each batch scored with the predictions of the forward pass before its "
        "update. N=10, batch 4.",
        lstm_dense(5, 3, 4, dense(1, "sigmoid")), adam, bce, ["accuracy"],
        lambda r: ([uni(r, 10, 5, 3)], [binary(r, 10, 1)], None, None), scale=2.0)
    add("cce_accuracy", "LSTM(5) -> Dense(4, softmax), categorical crossentropy on one-hot targets, metrics "
        "['accuracy'] -> categorical_accuracy (y_true and y_pred have the same rank and last dimension 4 > 1): a "
        "hit is argmax(p) == argmax(y). Pooled over the epoch's samples: hits / N. N=10, batch 4 (4, 4, 2).",
        lstm_dense(4, 3, 5, dense(4, "softmax")), adam, cce, ["accuracy"],
        lambda r: ([uni(r, 10, 4, 3)], [one_hot(r.randint(0, 4, size=10), 4)], None, None), scale=2.0)
    add("sparse_cce_seq_accuracy", "LSTM(5, return_sequences) -> TimeDistributed(Dense(5, softmax)), sparse "
        "categorical crossentropy on int targets [N, T=4], metrics ['accuracy'] -> sparse_categorical_accuracy "
        "(y_true's rank 2 < y_pred's rank 3): a hit per (sample, step) is argmax(p[b, t]) == y[b, t]. Keras "
        "averages each sample's T hits, then the samples, pooled over the epoch: hits / (N*T) since every "
        "sample has T steps. validation_data (6 samples: batches 4, 2) gives val_loss (batch-size-weighted mean "
        "of the batch losses) and val_accuracy (pooled hits / (6*T)) after each epoch, with that epoch's final "
        "weights. N=10, batch 4.",
        seq_model(4, 3, [("lstm", "LSTM", lstm_cfg(5, returnSequences=True)),
                         ("td", "TimeDistributed", {}, {"class": "Dense", "config": dense(5, "softmax")})]),
        adam, scce, ["accuracy"],
        lambda r: ([uni(r, 10, 4, 3)], [ints(r, 5, 10, 4)], [uni(r, 6, 4, 3)], [ints(r, 5, 6, 4)]), scale=2.5)
    add("mse_metrics", "LSTM(4) -> Dense(2), mse, metrics ['mae', 'mse']: History keys are the strings as "
        "passed ('mae', 'mse'; 'mean_absolute_error' would give 'mean_absolute_error'). Per sample Keras takes "
        "mean(|y - p|) (mean((y - p)^2)) over the 2 units, then the mean over the epoch's samples (pooled: "
        "sum over samples / N, not the mean of the batch means). So 'mse' is the batch-size-weighted loss mean "
        "up to rounding: the same quantity as 'loss'. validation_data (5 samples: batches 4, 1). N=9, batch 4 "
        "(4, 4, 1).",
        lstm_dense(4, 3, 4, dense(2)), {"name": "sgd", "learningRate": 0.1}, mse, ["mae", "mse"],
        lambda r: ([uni(r, 9, 4, 3)], [uni(r, 9, 2)], [uni(r, 5, 4, 3)], [uni(r, 5, 2)]))
    add("binary_accuracy_explicit", "LSTM(4) -> Dense(1, sigmoid), binary crossentropy, metrics "
        "['binary_accuracy'] (key 'binary_accuracy'; threshold 0.5): as bce_accuracy under its own name. "
        "N=11, batch 4 (4, 4, 3).",
        lstm_dense(5, 3, 4, dense(1, "sigmoid")), {"name": "rmsprop", "learningRate": 0.01}, bce,
        ["binary_accuracy"], lambda r: ([uni(r, 11, 5, 3)], [binary(r, 11, 1)], None, None), scale=2.0)
    add("categorical_top_k_explicit", "LSTM(5) -> Dense(7, softmax), categorical crossentropy, metrics "
        "['categorical_accuracy', 'top_k_categorical_accuracy'] (keys as passed; top_k's k defaults to 5: a hit "
        "is the target class among the 5 largest of the 7 scores, i.e. fewer than 5 classes score strictly "
        "higher than the target). Both pooled over the epoch's samples. N=10, batch 4.",
        lstm_dense(4, 3, 5, dense(7, "softmax")), adam, cce,
        ["categorical_accuracy", "top_k_categorical_accuracy"],
        lambda r: ([uni(r, 10, 4, 3)], [one_hot(r.randint(0, 7, size=10), 7)], None, None), scale=3.0, seed=9413)
    add("sparse_categorical_accuracy_explicit", "LSTM(5) -> Dense(5, softmax), sparse categorical crossentropy on "
        "int targets [N], metrics ['sparse_categorical_accuracy']: a hit is argmax(p) == y; pooled over the "
        "epoch's samples. N=10, batch 4.",
        lstm_dense(4, 3, 5, dense(5, "softmax")), adam, scce, ["sparse_categorical_accuracy"],
        lambda r: ([uni(r, 10, 4, 3)], [ints(r, 5, 10)], None, None), scale=2.5)
    add("metric_aliases", "LSTM(4) -> Dense(1, sigmoid), binary crossentropy, metrics ['acc', "
        "'mean_absolute_error', 'mean_squared_error']: each History key is the string exactly as passed ('acc' "
        "is resolved like 'accuracy', here to binary_accuracy). N=10, batch 4.",
        lstm_dense(5, 3, 4, dense(1, "sigmoid")), adam, bce, ["acc", "mean_absolute_error", "mean_squared_error"],
        lambda r: ([uni(r, 10, 5, 3)], [binary(r, 10, 1)], None, None), scale=2.0)
    add("accuracy_by_shape", "LSTM(4) -> Dense(1) linear, mse on 0/1 targets, metrics ['accuracy']: Keras "
        "resolves 'accuracy' from the shapes, not from the loss, so a last dimension of 1 gives binary_accuracy "
        "with threshold 0.5 on the raw linear output (p > 0.5) == y. N=10, batch 4.",
        lstm_dense(5, 3, 4, dense(1)), adam, mse, ["accuracy"],
        lambda r: ([uni(r, 10, 5, 3)], [binary(r, 10, 1)], None, None), scale=2.0)

    def masked_data(r):
        def rows(n):
            lead, trail = r.randint(0, 2, size=n), r.randint(0, 4, size=n)
            return [(int(a), 6 - int(a) - int(b), int(b)) for a, b in zip(lead, trail)]
        x = padded_tokens(r, 7, rows(10))
        xv = padded_tokens(r, 7, rows(6))
        return [x], [ints(r, 7, 10, 6)], [xv], [ints(r, 7, 6, 6)]
    add("masked_seq_accuracy", "Embedding(7, 3, mask_zero=True) -> LSTM(5, return_sequences) -> Dense(7, "
        "softmax), sparse categorical crossentropy on int targets [N, T=6], metrics ['accuracy'] -> "
        "sparse_categorical_accuracy, with validation_data. Rows have 0-1 leading and 0-3 trailing padding "
        "zeros. The output carries the Embedding's mask and Keras weights the metric by it: a hit counts only "
        "at unmasked (sample, step)s, and the epoch value is (unmasked hits) / (unmasked steps) pooled over every "
        "batch of the epoch (Keras keeps per sample sum(hit * mask) / T and sum(mask) / T and divides the sums). "
        "Not the mean over all steps, not the mean of per-sample or per-batch accuracies. The loss differs: "
        "each batch's loss is the mean over its unmasked steps, and History weights those by the batch's "
        "number of samples. Targets at masked steps are random and never count. N=10, batch 4 (4, 4, 2); "
        "validation 6 samples (4, 2).",
        seq_model(6, None, [("emb", "Embedding", {"inputDim": 7, "outputDim": 3, "maskZero": True}),
                            ("lstm", "LSTM", lstm_cfg(5, returnSequences=True)), ("out", "Dense", dense(7, "softmax"))],
                  dtype="int32"),
        adam, scce, ["accuracy"], masked_data, scale=2.5, seed=9416)

    two_data = (lambda r: ([uni(r, 10, 4, 3)], [binary(r, 10, 1), uni(r, 10, 2)],
                           [uni(r, 5, 4, 3)], [binary(r, 5, 1), uni(r, 5, 2)]))
    two_note = ("History keys: 'loss' (the total: out_a's loss + out_b's loss, each batch's total weighted by the "
                "batch size as for one output), '<output layer name>_loss' for every output (present even "
                "without metrics), '<output layer name>_<metric string>' for every metric, and 'val_' + each of "
                "those. Keras (TensorFlow backend, graph mode) averages a per-output loss over the batches "
                "WITHOUT batch-size weighting: out_a_loss = the plain mean of the per-batch out_a losses (its "
                "Mean tracker gets sample_weight = the static batch dimension, which is None in the traced "
                "function, so every batch counts 1), so with a partial batch 'loss' != out_a_loss + out_b_loss. "
                "In eager mode (run_eagerly=True) Keras weights them by batch size instead. The metrics are "
                "pooled per sample as for one output. ")
    add("two_outputs_metrics", "Functional LSTM(4) -> [out_a = Dense(1, sigmoid), out_b = Dense(2)], losses "
        "[binary_crossentropy, mse] (one per output, in output order), metrics [['accuracy'], ['mae', 'mse']] "
        "(a list of lists: one list per output, in output order), validation_data. " + two_note
        + "N=10, batch 4 (4, 4, 2); validation 5 samples (4, 1).",
        two_output_model(4, 3, 4), adam, [bce, mse], [["accuracy"], ["mae", "mse"]], two_data, scale=2.0)
    add("two_outputs_metrics_dict", "As two_outputs_metrics with metrics {'out_b': ['mae']}: a dict keyed by "
        "output layer name; an output left out gets no metrics (its loss is still tracked as out_a_loss). "
        + two_note + "N=10, batch 4; validation 5 samples.",
        two_output_model(4, 3, 4), adam, [bce, mse], {"out_b": ["mae"]}, two_data, scale=2.0)
    add("two_outputs_metrics_flat_list", "As two_outputs_metrics with metrics ['accuracy', 'mae']: a flat list "
        "whose length equals the number of outputs is read as ONE METRIC PER OUTPUT (out_a gets 'accuracy', "
        "out_b gets 'mae'), not as every metric for every output. (A flat list of any other length, e.g. "
        "['mae'] here, makes Keras raise a ValueError at the first step; --check confirms it.) " + two_note
        + "N=10, batch 4; validation 5 samples.",
        two_output_model(4, 3, 4), adam, [bce, mse], ["accuracy", "mae"], two_data, scale=2.0)
    return cases


DESCRIPTION = (
    "Keras compile(metrics=...) in whole model.fit(x, y, batch_size, epochs, shuffle=False[, "
    "validation_data=(xv, yv)]) runs from the stored initial weights (jit_compile=False, graph mode), then "
    "model.evaluate(x, y, batch_size=fit.batchSize, return_dict=True). history is the whole History.history "
    "(every key, a value per epoch); evaluate the returned dict (the same keys as history without 'val_'). "
    "Batches are consecutive slices (the last one partial when batchSize does not divide N). "
    "ACCUMULATION: every metric is a running total / count over the whole epoch (reset at the start of each "
    "epoch, of each validation pass and of evaluate), never a mean of per-batch values. A training batch is "
    "scored with the predictions of that step's forward pass (before its update); the validation pass runs "
    "after the epoch's last update, over validation_data in batches of batchSize; evaluate over x with the "
    "final weights. Per batch, the metric function gives a value per sample (per (sample, step) for a "
    "sequence output): binary_accuracy (p > threshold 0.5) == y; categorical_accuracy argmax(p) == argmax(y); "
    "sparse_categorical_accuracy argmax(p) == y; top_k_categorical_accuracy (k=5) target among the k largest "
    "scores; mean_absolute_error / mean_squared_error mean |y - p| / (y - p)^2 over the last axis. Without a "
    "mask, Keras adds each sample's mean over its steps to total and 1 to count: the epoch value is the sum "
    "over every (sample, step) / (samples * steps), i.e. pooled per value. With a mask on the output "
    "(Embedding(mask_zero) upstream, return_sequences through to the output), the mask is the value's "
    "weight: the value is sum(v * mask) / sum(mask) pooled over every batch, i.e. the mean over the unmasked "
    "(sample, step)s of the epoch. 'loss' is the mean of the per-batch losses weighted by the batch size "
    "(sum(loss_b * n_b) / N; a masked batch loss is itself the mean over that batch's unmasked steps), as in "
    "train_fit.json; val_loss and evaluate's loss likewise over their batches. KEYS: a metric's key is the "
    "string passed to compile, exactly ('accuracy', 'acc', 'mae', 'mean_absolute_error', ...); 'accuracy' / "
    "'acc' is resolved from the shapes of y_true and y_pred, not from the loss: y_pred's last dimension 1 -> "
    "binary_accuracy; else y_true's rank < y_pred's rank, or y_true's last dimension 1 -> "
    "sparse_categorical_accuracy; else categorical_accuracy. Validation keys are 'val_' + the training key. With "
    "two outputs, metrics is a list with one entry (a string or a list) per output, or a dict by output layer "
    "name (outputs left out get none); a flat list of strings whose length is the number of outputs is one "
    "metric per output, any other length is an error. Keys are then '<output layer name>_<metric string>', "
    "plus '<output layer name>_loss' per output (present without metrics too) next to the total 'loss'. A "
    "per-output loss is the PLAIN mean of its per-batch values over the epoch (no batch-size weighting: Keras's "
    "graph-mode quirk), unlike 'loss'. Keras returns the History keys sorted (alphabetically: 'accuracy' "
    "before 'loss'); the order carries no meaning. resolved says which function and output is behind each "
    "key; decisionMargin how far every prediction an accuracy looked at is from flipping. Tolerance: the "
    "project default, for every value (accuracies are exact fractions in Keras, stored as float32). --check "
    "replays each fit with train_on_batch / test_on_batch and recomputes every value by these rules in "
    "float64 NumPy. Per case: see its description."
)


def gen():
    obj = header(GENERATOR, DESCRIPTION, gen_cases())
    obj["tolerance"] = dict(TOL)
    return obj


# --------------------------------------------------------------------------
# --check
# --------------------------------------------------------------------------


def ratio(got, want):
    return kc.tol_ratio(got, want, TOL)


def rebuild_ratio(case, run_eagerly=False):
    """Re-runs the case's fit in Keras from the JSON: (worst ratio over history, evaluate, predictions, weights,
    or inf on a key / step mismatch; the keys whose values differ by more than the tolerance)."""
    model, _ = rebuild(case["model"])
    xs, ys, vx, vy = data(case)
    res = run_fit(model, case["compile"], case["fit"], xs, ys, vx, vy, run_eagerly=run_eagerly)
    if (set(res["history"]) != set(case["history"]) or set(res["evaluate"]) != set(case["evaluate"])
            or int(res["opt"].iterations.numpy()) != case["steps"] or res["resolved"] != case["resolved"]):
        return float("inf"), ["<keys>"]
    per = {k: ratio(v, case["history"][k]) for k, v in res["history"].items()}
    per.update({"evaluate:" + k: ratio(v, case["evaluate"][k]) for k, v in res["evaluate"].items()})
    per.update({f"predictions[{i}]": ratio(p, dec(w)) for i, (p, w) in enumerate(zip(res["predictions"],
                                                                                    case["predictions"]))})
    per.update({f"weights[{i}]": ratio(w, dec(s)) for i, (w, s) in enumerate(zip(res["weights"], case["weights"]))})
    return max(per.values()), sorted(k for k, r in per.items() if r > 1)


def flat_list_rejected(case):
    """A two-output case compiled with a flat metrics list of the wrong length: Keras must raise ValueError."""
    spec = dict(case["compile"], metrics=["mae"])
    model, _ = rebuild(case["model"])
    xs, ys, _, _ = data(case)
    compile_model(model, spec)
    try:
        model.fit(model_input(xs), targets(ys), batch_size=case["fit"]["batchSize"], epochs=1, shuffle=False,
                  verbose=0)
    except ValueError:
        return True
    return False


def check_case(case, tol):
    problems = []
    if list(case["history"]) != sorted(case["history"]) or list(case["evaluate"]) != sorted(case["evaluate"]):
        problems.append("the keys Keras returned are not in sorted order")
    r, bad = rebuild_ratio(case)
    if bad:
        problems.append(f"Keras rebuild off in {', '.join(bad)}")
    return r, problems


def run_check(diagnostics=True):
    ok, obj = kc.run_check(FILE, check_case)
    assert obj["tolerance"] == TOL

    print("replay (model(x_b) + train_on_batch / test_on_batch, NumPy float64 by the documented rules):")
    for case in obj["cases"]:
        hist, ev, alts, batch_r, margin, weights = replay(case)
        r = verify_rules(case, hist, ev)
        w = max(ratio(a, dec(b)) for a, b in zip(weights, case["weights"]))
        if case["decisionMargin"] is None:
            m_ok = margin == np.inf
        else:
            m_ok = MIN_MARGIN <= margin and abs(margin - case["decisionMargin"]) <= 1e-5
        good = r <= 1 and w <= 1 and batch_r <= 1 and m_ok
        ok = ok and good
        stored = dict(case["history"], **{"evaluate:" + k: [v] for k, v in case["evaluate"].items()})
        # how far each other rule would be (the smallest over the keys it applies to: it must not fit)
        others = {}
        for key, rules in alts.items():
            for rule, vals in rules.items():
                if np.allclose(vals, hist[key] if key in hist else [ev[key.split(":", 1)[1]]], rtol=1e-12, atol=1e-12):
                    continue  # the rule coincides with the documented one here (e.g. no mask, full batches)
                others.setdefault(rule, []).append((ratio(vals, stored[key]), key))
        alt_text = "; ".join(f"{rule}: off by {max(v)[0]:.3g}x tol ({max(v)[1]})" for rule, v in sorted(others.items()))
        print(f"  {'ok  ' if good else 'FAIL'} {case['name']}: history+evaluate {r:.3g}x tol, weights {w:.3g}x, "
              f"per-batch metric values {batch_r:.3g}x, decision margin {margin:.3g}. Other rules: {alt_text or '-'}")
    for case in obj["cases"]:
        if isinstance(case["compile"]["loss"], list):
            rejected = flat_list_rejected(case)
            ok = ok and rejected
            print(f"  {case['name']}: metrics=['mae'] on two outputs raises ValueError: {rejected}")
            break
    if diagnostics:
        print("diagnostic: the same fits with run_eagerly=True (keys off by more than the tolerance):")
        for case in obj["cases"]:
            r, bad = rebuild_ratio(case, run_eagerly=True)
            print(f"  {case['name']}: worst {r:.3g}x tol" + (f" ({', '.join(bad)})" if bad else ""))
    print("CHECK OK" if ok else "CHECK FAILED")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help=f"verify test/cases/{FILE} instead of writing it")
    ap.add_argument("--no-diagnostics", action="store_true", help="with --check: skip the eager-mode runs")
    args = ap.parse_args()
    t0 = time.time()
    if args.check:
        ok = run_check(not args.no_diagnostics)
        print(f"({time.time() - t0:.0f} s)")
        sys.exit(0 if ok else 1)
    write_json(FILE, gen())
    print(f"({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
