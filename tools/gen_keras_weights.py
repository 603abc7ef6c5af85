#!/usr/bin/env python3
"""Generate Keras reference data for sample and class weights: whole ``model.fit`` runs with
``sample_weight`` / ``class_weight`` (and ``weighted_metrics``), their History, ``model.evaluate(...,
sample_weight=..., return_dict=True)``, the weights after fit and, for the class-weight cases, one more
``train_on_batch(..., class_weight=...)``.

Every expected value comes from real Keras 3 (TensorFlow backend, CPU, float32, graph mode); nothing is
computed by hand. Deterministic: each case seeds Keras and NumPy from a fixed per-case seed (``seed``).

Usage (from the repository root):

    .venv/bin/python tools/gen_keras_weights.py           # (re)write test/cases/train_weights.json
    .venv/bin/python tools/gen_keras_weights.py --check   # rebuild every case in Keras and verify it

Models use the graph format of tools/gen_keras_family.py (replayed by ``buildCase`` in
test/helpers/family.ts), each layer entry with its *initial* weights, as in train_fit.json. A case:

    {"name", "seed", "description", "model", "x": [array per input], "y": [array per output],
     "compile": {"optimizer": {"name", <arguments set, camelCase>},
                 "optimizerConfig": {<every hyperparameter Keras used, camelCase>},
                 "loss": loss | [loss per output],      (loss = {"name", "fromLogits", "reduction"?})
                 "metrics"?: as passed to Keras, "weightedMetrics"?: as passed to Keras (weighted_metrics)},
     "fit": {"epochs", "batchSize", "shuffle": false, "validationSplit"?},
     "sampleWeight"?: array | [array | null per output],   (fit's sample_weight: one array, or a list)
     "classWeight"?: {"<class index>": weight},            (fit's class_weight)
     "validation"?: {"x", "y", "sampleWeight"?},           (fit's validation_data, 2- or 3-tuple)
     "samples": N, "steps": optimizer iterations,
     "history": {key: [value per epoch]},                   (the whole History.history)
     "evaluate": {"sampleWeight": array | [...] | null, "result": {key: value}}
                 (model.evaluate(x, y, batch_size=fit.batchSize, sample_weight=..., return_dict=True) after fit),
     "classWeightSamples"?: array                            (the per-sample weights Keras's
                                                              class_weight_to_sample_weights gives for y),
     "weightNames": [str], "weights": [array]                (get_weights() after fit),
     "trainOnBatch"?: {"rows": n, "classWeight": {...}, "loss": float, "weights": [array]}
                 (then train_on_batch(x[:n], y[:n], class_weight=...) and get_weights() after it)}

--check rebuilds every case from its JSON and requires Keras to reproduce history, evaluate, weights and
train_on_batch within the file's tolerance; then replays every fit step by step (model(x_b, training=True)
for the predictions, then train_on_batch with the batch's weights; after each epoch model(xv_b) and
test_on_batch on the validation batches; evaluate the same way) and recomputes every History and evaluate
value in float64 NumPy from Keras's per-value losses (reduction=None) by the rules in DESCRIPTION,
reporting how far the plausible other rules (the loss divided by the sum of the weights, metrics weighted
when only weighted_metrics should be, class weights on the validation rows) would be. It also confirms the
documented refusals: class_weight together with sample_weight, class_weight on a two-output model, sample
weights [N] for a sequence output, and that class ids missing from class_weight weigh 1.
"""

import argparse
import copy
import math
import sys
import time
import warnings

import keras_common as kc  # first: it sets the environment before TensorFlow loads
from keras_common import (
    dec, dec_any, dense, enc, enc_arr, header, init_model, keras_loss, keras_losses, keras_optimizer, loss_spec,
    lstm_cfg, metric_values, model_input, one_hot, optimizer_config, padded_tokens, rebuild, seq_model, targets, uni,
    weight_names, write_json,
)

import numpy as np
from keras.src.trainers.data_adapters.data_adapter_utils import class_weight_to_sample_weights

GENERATOR = "tools/gen_keras_weights.py"
FILE = "train_weights.json"
TOL = dict(kc.TOLERANCE)
MIN_MARGIN = 1e-3

warnings.filterwarnings("ignore", message="The structure of `inputs` doesn't match the expected structure")


def with_reduction(spec, reduction):
    return [dict(s, reduction=reduction) for s in spec] if isinstance(spec, list) else dict(spec, reduction=reduction)


def compile_model(model, compile_spec, run_eagerly=False):
    opt = keras_optimizer(compile_spec["optimizer"])
    model.compile(optimizer=opt, loss=keras_losses(compile_spec["loss"]),
                  metrics=copy.deepcopy(compile_spec.get("metrics")),
                  weighted_metrics=copy.deepcopy(compile_spec.get("weightedMetrics")),
                  jit_compile=False, run_eagerly=run_eagerly)
    return opt


def enc_sw(sw):
    if sw is None:
        return None
    return [None if a is None else enc(a) for a in sw] if isinstance(sw, list) else enc(sw)


def dec_sw(o):
    if o is None:
        return None
    return [None if a is None else dec(a) for a in o] if isinstance(o, list) else dec(o)


def int_keys(cw):
    return None if cw is None else {int(k): float(v) for k, v in cw.items()}


def data(case):
    xs = [dec_any(a) for a in case["x"]]
    ys = [dec_any(a) for a in case["y"]]
    val = case.get("validation")
    v = None
    if val:
        v = ([dec_any(a) for a in val["x"]], [dec_any(a) for a in val["y"]], dec_sw(val.get("sampleWeight")))
    return xs, ys, dec_sw(case.get("sampleWeight")), int_keys(case.get("classWeight")), v


def run_fit(model, case, run_eagerly=False):
    """compile, fit, evaluate (with the case's evaluate weights), get_weights, then the optional
    train_on_batch; returns the recorded results."""
    opt = compile_model(model, case["compile"], run_eagerly)
    xs, ys, sw, cw, val = data(case)
    f = case["fit"]
    kw = {}
    if val is not None:
        kw["validation_data"] = ((model_input(val[0]), targets(val[1]), val[2]) if val[2] is not None
                                 else (model_input(val[0]), targets(val[1])))
    if f.get("validationSplit"):
        kw["validation_split"] = f["validationSplit"]
    hist = model.fit(model_input(xs), targets(ys), batch_size=f["batchSize"], epochs=f["epochs"], shuffle=f["shuffle"],
                     sample_weight=sw, class_weight=cw, verbose=0, **kw)
    history = {k: [float(v) for v in vs] for k, vs in hist.history.items()}
    steps = int(opt.iterations.numpy())
    ev = model.evaluate(model_input(xs), targets(ys), batch_size=f["batchSize"],
                        sample_weight=dec_sw(case["evaluate"]["sampleWeight"]), return_dict=True, verbose=0)
    res = {"opt": opt, "steps": steps, "history": history, "evaluate": {k: float(v) for k, v in ev.items()},
           "weights": [np.asarray(w, np.float32) for w in model.get_weights()]}
    tob = case.get("trainOnBatch")
    if tob:
        n = tob["rows"]
        loss = model.train_on_batch(model_input([a[:n] for a in xs]), targets([a[:n] for a in ys]),
                                    class_weight=int_keys(tob["classWeight"]), return_dict=True)["loss"]
        res["trainOnBatch"] = {"loss": float(loss), "weights": [np.asarray(w, np.float32) for w in model.get_weights()]}
    return res


# --------------------------------------------------------------------------
# the documented rules, in float64 NumPy
# --------------------------------------------------------------------------


def class_weights_numpy(y, cw):
    """The documented class_weight rule: [N] / [N, 1] targets give class round(y) (halves to even),
    [N, C] the argmax; a class missing from class_weight weighs 1."""
    y = np.asarray(y, np.float64)
    if y.ndim > 1:
        y = y[:, 0] if y.shape[-1] == 1 else np.argmax(y, -1)
    return np.array([cw.get(int(c), 1.0) for c in np.round(y)], np.float64)


def metric_entries(model):
    """[(key, output index, weighted, metric object)] in Keras's CompileMetrics.result() naming."""
    cm = model._compile_metrics
    if cm is None:
        return []
    out, seen = [], {}
    for weighted, flat in ((False, cm._flat_metrics), (True, cm._flat_weighted_metrics)):
        for i, mls in enumerate(flat):
            if not mls:
                continue
            for m in mls.metrics:
                name = f"{mls.output_name}_{m.name}" if mls.output_name else m.name
                if name not in seen:
                    seen[name] = 1
                elif not weighted:
                    idx = seen[name]
                    seen[name] += 1
                    name = f"{name}_{idx}"
                else:
                    name = f"weighted_{m.name}"
                    if mls.output_name:
                        name = f"{mls.output_name}_{name}"
                    if name not in seen:
                        seen[name] = 1
                    else:
                        idx = seen[name]
                        seen[name] += 1
                        name = f"{name}_{idx}"
                out.append((name, i, weighted, m))
    return out


def per_output_weights(sw, n_out):
    """fit's sample_weight as a list per output (None: unweighted), as Keras replicates one array."""
    if sw is None:
        return [None] * n_out
    if isinstance(sw, list):
        return [None if a is None else np.asarray(a, np.float64) for a in sw]
    return [np.asarray(sw, np.float64)] * n_out


def value_weights(w, shape):
    """A sample weight array broadcast to the per-value shape [B] / [B, T] (a trailing 1 squeezed)."""
    w = np.asarray(w, np.float64)
    if w.ndim == len(shape) + 1 and w.shape[-1] == 1:
        w = w[..., 0]
    assert w.shape == tuple(shape), (w.shape, shape)
    return w


class Pass:
    """One pass (an epoch's training, a validation pass, or evaluate) recomputed by the documented rules
    and by the alternatives the data must rule out."""

    def __init__(self, entries, n_out, reductions):
        self.entries = entries
        self.n_out = n_out
        self.reductions = reductions
        self.loss_sum = 0.0
        self.alt_sum = 0.0  # alt: each batch loss divided by the sum of the weights
        self.rows = 0
        self.out_losses = [[] for _ in range(n_out)]
        self.tot = {k: 0.0 for k, *_ in entries}
        self.cnt = {k: 0.0 for k, *_ in entries}
        self.alt_tot = {k: 0.0 for k, *_ in entries}  # alt: weighted metrics unweighted, or plain metrics weighted
        self.alt_cnt = {k: 0.0 for k, *_ in entries}
        self.batch_ratio = 0.0
        self.margin = np.inf

    def add(self, ys, outs, values, ws, logs):
        """ys targets, outs predictions (tensors with _keras_mask), values per-output per-value losses
        (Keras, reduction=None), ws per-output sample weights (or None), logs the step's return_dict."""
        B = len(ys[0])
        total = alt = 0.0
        for i in range(self.n_out):
            v = np.asarray(values[i], np.float64)
            mask = getattr(outs[i], "_keras_mask", None)
            m = np.ones(v.shape) if mask is None else np.asarray(mask, np.float64)
            w = np.ones(v.shape) if ws[i] is None else value_weights(ws[i], v.shape)
            s = float(np.sum(v * w * m))
            if self.reductions[i] == "mean_with_sample_weight":
                d = float(np.sum(w * m)) if ws[i] is not None else float(np.sum(m))
            else:
                d = float(np.sum(m)) if mask is not None else float(v.size)
            li = s / d if d else 0.0
            total += li
            alt += s / float(np.sum(w * m)) if np.sum(w * m) else 0.0
            self.out_losses[i].append(li)
            if self.n_out > 1:
                key = f"{outs_names[i]}_loss"
                self.batch_ratio = max(self.batch_ratio, kc.tol_ratio(li, logs[key], TOL))
        self.batch_ratio = max(self.batch_ratio, kc.tol_ratio(total, logs["loss"], TOL))
        self.loss_sum += total * B
        self.alt_sum += alt * B
        self.rows += B
        for key, i, weighted, metric in self.entries:
            fn = metric._fn.__name__
            v, margin = metric_values(fn, dict(metric._fn_kwargs), ys[i], np.asarray(outs[i], np.float64))
            mask = getattr(outs[i], "_keras_mask", None)
            vshape = np.asarray(outs[i]).shape[:-1]
            v = v.reshape(vshape + (-1,)).mean(-1)
            m = np.ones(vshape) if mask is None else np.asarray(mask, np.float64)
            w = np.ones(vshape) if ws[i] is None else value_weights(ws[i], vshape)
            use, other = (w * m, m) if weighted else (m, w * m)
            t, c = float(np.sum(v * use)), float(np.sum(use))
            self.tot[key] += t
            self.cnt[key] += c
            self.alt_tot[key] += float(np.sum(v * other))
            self.alt_cnt[key] += float(np.sum(other))
            self.batch_ratio = max(self.batch_ratio, kc.tol_ratio(t / c if c else 0.0, logs[key], TOL))
            if margin is not None:
                mm = margin if mask is None else margin[np.asarray(mask).astype(bool)]
                if mm.size:
                    self.margin = min(self.margin, float(np.min(mm)))

    def results(self):
        out = {"loss": self.loss_sum / self.rows}
        alts = {"loss": {"divided by the sum of the weights": self.alt_sum / self.rows}}
        if self.n_out > 1:
            for i in range(self.n_out):
                out[f"{outs_names[i]}_loss"] = float(np.mean(self.out_losses[i]))
        for key, _, weighted, _ in self.entries:
            out[key] = self.tot[key] / self.cnt[key] if self.cnt[key] else 0.0
            rule = "weighted by the sample weights" if not weighted else "not weighted"
            alts[key] = {rule: self.alt_tot[key] / self.alt_cnt[key] if self.alt_cnt[key] else 0.0}
        return out, alts


outs_names = []


def replay(case):
    """Replays the case's fit step by step and recomputes History and evaluate by the documented rules.
    Returns (history, evaluate, alternatives {key: {rule: [values]}}, worst per-batch ratio, margin)."""
    global outs_names
    model, _ = rebuild(case["model"])
    compile_model(model, case["compile"])
    xs, ys, sw, cw, val = data(case)
    n_out = len(ys)
    outs_names = list(model.output_names)
    spec = case["compile"]["loss"]
    specs = spec if isinstance(spec, list) else [spec] * n_out
    reductions = [s.get("reduction", "sum_over_batch_size") for s in specs]
    value_losses = [keras_loss(s, reduction="none") for s in specs]
    bs = case["fit"]["batchSize"]
    n = len(xs[0])
    vs = None
    if case["fit"].get("validationSplit"):
        at = int(math.floor(n * (1.0 - case["fit"]["validationSplit"])))
        cut = lambda a, s, e: None if a is None else a[s:e]  # noqa: E731
        sw_list = per_output_weights(sw, n_out)
        vs = ([a[at:] for a in xs], [a[at:] for a in ys], [cut(w, at, n) for w in sw_list])
        xs, ys = [a[:at] for a in xs], [a[:at] for a in ys]
        sw = [cut(w, 0, at) for w in sw_list]
        n = at
    elif val is not None:
        vs = (val[0], val[1], per_output_weights(val[2], n_out))
    train_w = per_output_weights(sw, n_out)
    alt_train_w = None
    if cw is not None:
        train_w = [class_weights_numpy(ys[0], cw)]
        if vs is not None:
            alt_train_w = class_weights_numpy(vs[1][0], cw)  # alt: class weights on the validation rows too
    entries = None
    worst = [0.0]
    margin = [np.inf]
    hist, alts = {}, {}

    def run(xx, yy, ww, training):
        nonlocal entries
        p = None
        for s in range(0, len(xx[0]), bs):
            xb = [a[s:s + bs] for a in xx]
            yb = [a[s:s + bs] for a in yy]
            wb = [None if w is None else w[s:s + bs] for w in ww]
            outs = kc.as_list(model(xb if len(xb) > 1 else xb[0], training=training))
            values = [value_losses[i](yb[i], outs[i]) for i in range(n_out)]
            kw_sw = None
            if any(w is not None for w in wb):
                kw_sw = wb[0] if n_out == 1 else wb
            step = model.train_on_batch if training else model.test_on_batch
            logs = step(model_input(xb), targets(yb), sample_weight=kw_sw, return_dict=True)
            if entries is None:
                entries = metric_entries(model)
            if p is None:
                p = Pass(entries, n_out, reductions)
            p.add(yb, outs, values, wb, logs)
        worst[0] = max(worst[0], p.batch_ratio)
        margin[0] = min(margin[0], p.margin)
        return p.results()

    def put(prefix, vals, al):
        for k, v in vals.items():
            hist.setdefault(prefix + k, []).append(v)
            for rule, a in al.get(k, {}).items():
                alts.setdefault(prefix + k, {}).setdefault(rule, []).append(a)

    for _ in range(case["fit"]["epochs"]):
        put("", *run(xs, ys, train_w, True))
        if vs is not None:
            put("val_", *run(*vs, False))
            if alt_train_w is not None:
                # the validation pass again with class weights (must NOT match): no state changes in test_on_batch
                wrong, _ = run(vs[0], vs[1], [alt_train_w], False)
                for k, v in wrong.items():
                    alts.setdefault("val_" + k, {}).setdefault("class weights on the validation rows", []).append(v)
    xs0, ys0, _, _, _ = data(case)
    ev, ev_alts = run(xs0, ys0, per_output_weights(dec_sw(case["evaluate"]["sampleWeight"]), n_out), False)
    for k, al in ev_alts.items():
        for rule, a in al.items():
            alts.setdefault("evaluate:" + k, {})[rule] = [a]
    return hist, ev, alts, worst[0], margin[0]


def verify_rules(case, hist, ev):
    if set(hist) != set(case["history"]) or set(ev) != set(case["evaluate"]["result"]):
        return float("inf")
    r = [kc.tol_ratio(hist[k], case["history"][k], TOL) for k in hist]
    r += [kc.tol_ratio(ev[k], case["evaluate"]["result"][k], TOL) for k in ev]
    return max(r)


# --------------------------------------------------------------------------
# building the cases
# --------------------------------------------------------------------------


def weights_case(name, seed, description, model_spec, compile_spec, make_data, epochs=2, batch_size=4, scale=2.0,
                 validation_split=None, train_on_batch=None):
    """make_data(rng) -> dict with x, y and optionally sampleWeight, classWeight, validation, evaluateSampleWeight."""
    model, layers, rng = init_model(seed, model_spec, scale)
    d = make_data(rng)
    fit_spec = {"epochs": epochs, "batchSize": batch_size, "shuffle": False}
    if validation_split:
        fit_spec["validationSplit"] = validation_split
    case = {"name": name, "seed": seed, "description": description, "model": model_spec,
            "x": [enc_arr(a) for a in d["x"]], "y": [enc_arr(a) for a in d["y"]],
            "compile": compile_spec, "fit": fit_spec}
    if d.get("sampleWeight") is not None:
        case["sampleWeight"] = enc_sw(d["sampleWeight"])
    if d.get("classWeight") is not None:
        case["classWeight"] = {str(k): float(v) for k, v in d["classWeight"].items()}
    if d.get("validation") is not None:
        vx, vy, vw = d["validation"]
        case["validation"] = {"x": [enc_arr(a) for a in vx], "y": [enc_arr(a) for a in vy]}
        if vw is not None:
            case["validation"]["sampleWeight"] = enc_sw(vw)
    case["evaluate"] = {"sampleWeight": enc_sw(d.get("evaluateSampleWeight"))}
    if train_on_batch:
        case["trainOnBatch"] = dict(train_on_batch)
    res = run_fit(model, case)
    n = len(d["x"][0])
    n_train = int(math.floor(n * (1 - validation_split))) if validation_split else n
    assert res["steps"] == epochs * math.ceil(n_train / batch_size), (res["steps"], n_train)
    case["compile"] = dict(compile_spec, optimizerConfig=optimizer_config(res["opt"], compile_spec["optimizer"]["name"]))
    case.update({"samples": n, "steps": res["steps"], "history": res["history"]})
    case["evaluate"]["result"] = res["evaluate"]
    if d.get("classWeight") is not None:
        ys0 = d["y"][0][:n_train]
        cws = np.asarray(class_weight_to_sample_weights(ys0, d["classWeight"]), np.float32)
        assert np.array_equal(cws, class_weights_numpy(ys0, d["classWeight"]).astype(np.float32)), name
        case["classWeightSamples"] = enc(cws)
    hist, ev, _, batch_r, margin = replay(case)
    r = verify_rules(case, hist, ev)
    assert r <= 1 and batch_r <= 1, (name, r, batch_r)
    if margin < MIN_MARGIN:
        raise LowMargin(name, seed, margin)
    case["decisionMargin"] = None if margin == np.inf else float(margin)
    case["weightNames"] = weight_names(model_spec, layers)
    case["weights"] = [enc(w) for w in res["weights"]]
    if train_on_batch:
        case["trainOnBatch"].update({"loss": res["trainOnBatch"]["loss"],
                                     "weights": [enc(w) for w in res["trainOnBatch"]["weights"]]})
    return case


class LowMargin(Exception):
    """A prediction an accuracy metric looked at is within MIN_MARGIN of flipping."""


def binary(r, *shape):
    return (r.uniform(size=shape) < 0.5).astype(np.float32)


def ints(r, V, *shape):
    return r.randint(0, V, size=shape).astype(np.int32)


def weights(r, *shape, lo=0.0, hi=2.0):
    return r.uniform(lo, hi, size=shape).astype(np.float32)


def two_output_model(T, I, H):
    return {"inputs": [{"id": "x", "shape": [T, I]}], "layers": [
        {"id": "lstm", "class": "LSTM", "config": lstm_cfg(H), "inputs": ["x"]},
        {"id": "out_a", "class": "Dense", "config": dict(dense(1, "sigmoid"), name="out_a"), "inputs": ["lstm:0"]},
        {"id": "out_b", "class": "Dense", "config": dict(dense(2), name="out_b"), "inputs": ["lstm:0"]},
    ], "outputs": ["out_a:0", "out_b:0"]}


def gen_cases():
    cases = []
    k = [9600]

    def add(name, description, spec, compile_spec, make_data, seed=None, **kw):
        # the first seed (from k, stepping by 100) whose accuracy metrics stay MIN_MARGIN from flipping
        s = seed or k[0]
        for _ in range(30):
            try:
                cases.append(weights_case(name, s, description, copy.deepcopy(spec), compile_spec, make_data, **kw))
                break
            except LowMargin:
                s += 100
        else:
            raise RuntimeError(f"{name}: no seed with a decision margin >= {MIN_MARGIN}")
        k[0] += 1

    def lstm_dense(T, I, H, out):
        return seq_model(T, I, [("lstm", "LSTM", lstm_cfg(H)), ("out", "Dense", out)])

    bce, cce, mse = loss_spec("binary_crossentropy"), loss_spec("categorical_crossentropy"), loss_spec("mse")
    scce = loss_spec("sparse_categorical_crossentropy")
    adam = {"name": "adam", "learningRate": 0.02}

    def mse_data(r):
        sw = weights(r, 10)
        sw[3] = 0.0
        ev = weights(r, 10, lo=-0.5, hi=2.0)
        ev[7] = 0.0
        return {"x": [uni(r, 10, 4, 3)], "y": [uni(r, 10, 2)], "sampleWeight": sw,
                "validation": ([uni(r, 5, 4, 3)], [uni(r, 5, 2)], weights(r, 5)), "evaluateSampleWeight": ev}
    add("mse_sample_weight", "LSTM(4) -> Dense(2), mse, fit(sample_weight=[N] uniform(0, 2), one weight 0), metrics "
        "['mae'], weighted_metrics ['mae', 'mse'], validation_data (xv, yv, swv). Each batch's loss is "
        "sum(w_b * mse_b) / B: divided by the batch size, NOT by the sum of the weights; History 'loss' is the mean "
        "of those weighted by batch size (unchanged by the weights). 'mae' (metrics) ignores the weights; the "
        "weighted 'mae' is keyed 'weighted_mae' because 'mae' is taken; weighted 'mse' keeps its name. Both are "
        "pooled over the epoch as sum(w * value) / sum(w). Validation uses the third element of validation_data. "
        "evaluate(sample_weight=...) with weights in [-0.5, 2) (Keras accepts negative weights) and one 0. "
        "N=10, batch 4 (4, 4, 2).",
        lstm_dense(4, 3, 4, dense(2)), {"optimizer": adam, "loss": mse, "metrics": ["mae"],
                                        "weightedMetrics": ["mae", "mse"]}, mse_data, scale=1.0)

    def seq_data(r):
        return {"x": [uni(r, 10, 4, 3)], "y": [ints(r, 5, 10, 4)], "sampleWeight": weights(r, 10, 4),
                "evaluateSampleWeight": weights(r, 10, 4)}
    add("seq_sparse_temporal", "LSTM(5, return_sequences) -> Dense(5, softmax), sparse categorical crossentropy on "
        "int targets [N, T=4], fit(sample_weight=[N, T]): Keras 3's temporal weights are simply one weight per "
        "per-step loss value ([N] is refused for a sequence output: Keras multiplies [B, T] losses by [B] and "
        "fails). Batch loss sum(w * l) / (B*T). metrics ['accuracy'] (unweighted: hits / (N*T)) and "
        "weighted_metrics ['accuracy'] -> key 'weighted_accuracy' = sum(w * hit) / sum(w) over every (sample, "
        "step) of the epoch. evaluate with other [N, T] weights. N=10, batch 4.",
        seq_model(4, 3, [("lstm", "LSTM", lstm_cfg(5, returnSequences=True)), ("out", "Dense", dense(5, "softmax"))]),
        {"optimizer": adam, "loss": scce, "metrics": ["accuracy"], "weightedMetrics": ["accuracy"]}, seq_data,
        scale=2.5)

    def bin_cw_data(r):
        return {"x": [uni(r, 12, 5, 3)], "y": [binary(r, 12, 1)], "classWeight": {0: 0.4, 1: 2.5},
                "evaluateSampleWeight": weights(r, 12)}
    add("class_weight_binary", "LSTM(4) -> Dense(1, sigmoid), binary crossentropy on 0/1 targets [N, 1], "
        "fit(class_weight={0: 0.4, 1: 2.5}, validation_split=0.25). Keras turns class_weight into one weight per "
        "sample (class_weight_to_sample_weights: targets [N, 1] are squeezed and rounded, the class is the 0/1 "
        "value) for the TRAINING rows only: validation_split takes the last 3 rows first, and the validation pass "
        "is unweighted (val_weighted_accuracy == val_accuracy). metrics ['accuracy'] and weighted_metrics "
        "['accuracy'] ('weighted_accuracy'). evaluate with sample_weight [N]. Then train_on_batch(x[:4], y[:4], "
        "class_weight={0: 3.0, 1: 0.5}). N=12: training 9 (batches 4, 4, 1), validation 3.",
        lstm_dense(5, 3, 4, dense(1, "sigmoid")),
        {"optimizer": adam, "loss": bce, "metrics": ["accuracy"], "weightedMetrics": ["accuracy"]}, bin_cw_data,
        validation_split=0.25, train_on_batch={"rows": 4, "classWeight": {"0": 3.0, "1": 0.5}})

    def cat_cw_data(r):
        return {"x": [uni(r, 10, 4, 3)], "y": [one_hot(r.randint(0, 4, size=10), 4)],
                "classWeight": {0: 1.5, 1: 0.5, 3: 3.0}, "evaluateSampleWeight": None}
    add("class_weight_categorical", "LSTM(5) -> Dense(4, softmax), categorical crossentropy on one-hot targets "
        "[N, 4], fit(class_weight={0: 1.5, 1: 0.5, 3: 3.0}): the class of a sample is the argmax of its one-hot "
        "target; class 2 is missing from class_weight and weighs 1 (Keras: class_weight.get(class, 1.0), no "
        "error). weighted_metrics ['categorical_accuracy'] (sum(w * hit) / sum(w)); no plain metrics. evaluate "
        "without weights (the weighted metric is then the plain accuracy). Then train_on_batch(x[:4], y[:4], "
        "class_weight={2: 4.0}). N=10, batch 4.",
        lstm_dense(4, 3, 5, dense(4, "softmax")),
        {"optimizer": adam, "loss": cce, "weightedMetrics": ["categorical_accuracy"]}, cat_cw_data, scale=2.0,
        train_on_batch={"rows": 4, "classWeight": {"2": 4.0}})

    def sparse_cw_data(r):
        return {"x": [uni(r, 10, 4, 3)], "y": [ints(r, 3, 10)], "classWeight": {0: 2.0, 2: 0.25},
                "evaluateSampleWeight": weights(r, 10)}
    add("class_weight_sparse", "LSTM(5) -> Dense(3, softmax), sparse categorical crossentropy on int class ids [N], "
        "fit(class_weight={0: 2.0, 2: 0.25}): the class is the id itself (class 1 weighs 1). metrics ['accuracy'] "
        "(sparse_categorical_accuracy, unweighted), weighted_metrics ['sparse_categorical_accuracy']. evaluate "
        "with sample_weight [N]. N=10, batch 4.",
        lstm_dense(4, 3, 5, dense(3, "softmax")),
        {"optimizer": adam, "loss": scce, "metrics": ["accuracy"], "weightedMetrics": ["sparse_categorical_accuracy"]},
        sparse_cw_data, scale=2.5)

    def masked_data(r):
        def rows(n):
            lead, trail = r.randint(0, 2, size=n), r.randint(0, 4, size=n)
            return [(int(a), 6 - int(a) - int(b), int(b)) for a, b in zip(lead, trail)]
        x = padded_tokens(r, 7, rows(10))
        return {"x": [x], "y": [ints(r, 7, 10, 6)], "sampleWeight": weights(r, 10, 6),
                "evaluateSampleWeight": weights(r, 10, 6)}
    masked_model = seq_model(6, None, [("emb", "Embedding", {"inputDim": 7, "outputDim": 3, "maskZero": True}),
                                       ("lstm", "LSTM", lstm_cfg(5, returnSequences=True)),
                                       ("out", "Dense", dense(7, "softmax"))], dtype="int32")
    add("masked_seq_sample_weight", "Embedding(7, 3, mask_zero=True) -> LSTM(5, return_sequences) -> Dense(7, "
        "softmax), sparse categorical crossentropy on int targets [N, T=6], fit(sample_weight=[N, T] uniform(0, 2), "
        "random at padded steps too). Mask and weights combine as Keras's apply_mask: a batch loss is "
        "sum(w * mask * l) / sum(mask) (the number of unmasked steps, not the sum of their weights); weights at "
        "masked steps never count. metrics ['accuracy'] weights by the mask only; weighted_metrics ['accuracy'] "
        "('weighted_accuracy') by w * mask: sum(w * mask * hit) / sum(w * mask) pooled over the epoch. Rows have "
        "0-1 leading and 0-3 trailing padding zeros. N=10, batch 4.",
        masked_model, {"optimizer": adam, "loss": scce, "metrics": ["accuracy"], "weightedMetrics": ["accuracy"]},
        masked_data, scale=2.5, seed=9616)
    add("masked_seq_mean_with_sample_weight", "As masked_seq_sample_weight with the loss's reduction "
        "'mean_with_sample_weight': a batch loss is sum(w * mask * l) / sum(w * mask) (the mask enters the "
        "divisor as 0/1 weights). weighted_metrics ['accuracy'] only. N=10, batch 4.",
        copy.deepcopy(masked_model),
        {"optimizer": adam, "loss": dict(scce, reduction="mean_with_sample_weight"), "weightedMetrics": ["accuracy"]},
        masked_data, scale=2.5, seed=9617)

    def two_data(r):
        return {"x": [uni(r, 10, 4, 3)], "y": [binary(r, 10, 1), uni(r, 10, 2)],
                "sampleWeight": [None, weights(r, 10)], "evaluateSampleWeight": weights(r, 10)}
    add("two_outputs_sample_weight", "Functional LSTM(4) -> [out_a = Dense(1, sigmoid), out_b = Dense(2)], losses "
        "[binary_crossentropy, mse], fit(sample_weight=[None, w_b]): one entry per output, None for an unweighted "
        "output. metrics [['accuracy'], ['mae']], weighted_metrics {'out_b': ['mae']}: keys 'out_a_accuracy', "
        "'out_b_mae' (unweighted) and 'out_b_weighted_mae' (the weighted one, renamed since 'out_b_mae' is "
        "taken). History 'out_b_loss' is the plain mean of the weighted per-batch losses (as without weights); "
        "'loss' their sum weighted by batch size. evaluate(sample_weight=w) with ONE [N] array: Keras uses it for "
        "every output. N=10, batch 4.",
        two_output_model(4, 3, 4),
        {"optimizer": adam, "loss": [bce, mse], "metrics": [["accuracy"], ["mae"]],
         "weightedMetrics": {"out_b": ["mae"]}}, two_data, scale=2.0)
    return cases


DESCRIPTION = (
    "Keras sample_weight / class_weight in whole model.fit(x, y, batch_size, epochs, shuffle=False, "
    "sample_weight | class_weight[, validation_data | validation_split]) runs from the stored initial weights "
    "(jit_compile=False, graph mode), then model.evaluate(x, y, batch_size=fit.batchSize, sample_weight=..., "
    "return_dict=True), and for some cases one train_on_batch(..., class_weight=...). "
    "SAMPLE WEIGHTS: one weight per per-sample loss value: [N] for an output [N, F], [N, T] for a sequence "
    "output [N, T, F] (Keras 3's 'temporal' weights; [N] on a sequence output is refused). LOSS (reduction "
    "sum_over_batch_size, Keras's reduce_weighted_values): a batch's loss is sum(w * l) / (number of values) "
    "-- divided by B (or B*T), NOT by the sum of the weights; with a mask on the output, apply_mask gives "
    "sum(w * mask * l) / sum(mask). With reduction 'mean_with_sample_weight' the divisor is sum(w * mask). The "
    "gradient is that of this value. History 'loss' (and val_loss, evaluate's loss) is the mean of the batch "
    "losses weighted by the batch size, as without weights; a two-output model's '<output>_loss' is the plain "
    "mean of its (weighted) batch losses. METRICS: compile's 'metrics' never see sample weights (only the "
    "mask); 'weighted_metrics' accumulate sum(w * mask * value) / sum(w * mask) over the epoch. A weighted "
    "metric whose key is taken by an unweighted one is keyed 'weighted_<name>' ('<output>_weighted_<name>' "
    "with several outputs). CLASS WEIGHTS (single-output models only; not together with sample_weight): "
    "class_weight_to_sample_weights gives each sample class_weight.get(class, 1.0), the class being round(y) "
    "(numpy's round, halves to even) for targets [N] or [N, 1], the argmax for [N, C]; classes missing from "
    "class_weight weigh 1. With validation_split the split happens first and class weights apply to the "
    "training rows only; validation_data can carry its own sample weights as a third element, and "
    "validation_split splits sample_weight with the rows. Keras accepts negative weights. --check replays "
    "every fit with train_on_batch / test_on_batch and recomputes each value by these rules in float64 NumPy "
    "from Keras's own per-value losses (reduction=None). Per case: see its description."
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


def rebuild_ratio(case):
    model, _ = rebuild(case["model"])
    res = run_fit(model, case)
    if (set(res["history"]) != set(case["history"]) or set(res["evaluate"]) != set(case["evaluate"]["result"])
            or res["steps"] != case["steps"]):
        return float("inf"), ["<keys>"]
    per = {k: ratio(v, case["history"][k]) for k, v in res["history"].items()}
    per.update({"evaluate:" + k: ratio(v, case["evaluate"]["result"][k]) for k, v in res["evaluate"].items()})
    per.update({f"weights[{i}]": ratio(w, dec(s)) for i, (w, s) in enumerate(zip(res["weights"], case["weights"]))})
    if "trainOnBatch" in case:
        per["trainOnBatch.loss"] = ratio(res["trainOnBatch"]["loss"], case["trainOnBatch"]["loss"])
        per.update({f"trainOnBatch.weights[{i}]": ratio(w, dec(s))
                    for i, (w, s) in enumerate(zip(res["trainOnBatch"]["weights"], case["trainOnBatch"]["weights"]))})
    return max(per.values()), sorted(k for k, r in per.items() if r > 1)


def refusals():
    """The documented refusals and the missing-class rule, in Keras. Returns [(what, ok)]."""
    out = []
    r = np.random.RandomState(0)
    x = uni(r, 6, 4, 3)

    def model_of(spec):
        m, _ = rebuild(spec)
        return m
    spec = seq_model(4, 3, [("lstm", "LSTM", lstm_cfg(3)), ("out", "Dense", dense(2))])
    init_model(1, spec, 1.0)
    m = model_of(spec)
    m.compile("sgd", "mse")
    try:
        m.fit(x, uni(r, 6, 2), sample_weight=np.ones(6), class_weight={0: 1.0}, verbose=0)
        out.append(("class_weight with sample_weight raises ValueError", False))
    except ValueError:
        out.append(("class_weight with sample_weight raises ValueError", True))
    two = two_output_model(4, 3, 3)
    init_model(2, two, 1.0)
    m = model_of(two)
    m.compile("sgd", ["binary_crossentropy", "mse"])
    try:
        m.fit(x, [binary(r, 6, 1), uni(r, 6, 2)], class_weight={0: 2.0}, verbose=0)
        out.append(("class_weight on two outputs raises ValueError", False))
    except ValueError:
        out.append(("class_weight on two outputs raises ValueError", True))
    seq = seq_model(4, 3, [("lstm", "LSTM", lstm_cfg(3, returnSequences=True)), ("out", "Dense", dense(2))])
    init_model(3, seq, 1.0)
    m = model_of(seq)
    m.compile("sgd", "mse")
    try:
        m.fit(x, uni(r, 6, 4, 2), sample_weight=np.ones(6), batch_size=6, verbose=0)
        out.append(("sample_weight [N] on a sequence output raises", False))
    except Exception:  # noqa: BLE001  (TensorFlow's shape error)
        out.append(("sample_weight [N] on a sequence output raises", True))
    got = class_weight_to_sample_weights(np.array([[0.5], [1.5], [2.5], [1.0]], np.float32), {0: 10.0, 1: 20.0})
    out.append(("class_weight: round half to even (0.5 -> 0, 1.5 -> 2, 2.5 -> 2), a missing class weighs 1",
                bool(np.array_equal(got, np.array([10.0, 1.0, 1.0, 20.0], np.float32)))))
    return out


def check_case(case, tol):
    r, bad = rebuild_ratio(case)
    return r, [f"Keras rebuild off in {', '.join(bad)}"] if bad else []


def run_check():
    ok, obj = kc.run_check(FILE, check_case)
    assert obj["tolerance"] == TOL

    print("replay (model(x_b) + train_on_batch / test_on_batch, NumPy float64 by the documented rules):")
    for case in obj["cases"]:
        hist, ev, alts, batch_r, margin = replay(case)
        r = verify_rules(case, hist, ev)
        if case["decisionMargin"] is None:
            m_ok = margin == np.inf
        else:
            m_ok = MIN_MARGIN <= margin and abs(margin - case["decisionMargin"]) <= 1e-5
        good = r <= 1 and batch_r <= 1 and m_ok
        ok = ok and good
        stored = dict(case["history"], **{"evaluate:" + k: [v] for k, v in case["evaluate"]["result"].items()})
        others = {}
        for key, rules in alts.items():
            for rule, vals in rules.items():
                mine = hist[key] if key in hist else [ev[key.split(":", 1)[1]]]
                if np.allclose(vals, mine, rtol=1e-12, atol=1e-12):
                    continue  # coincides with the documented rule here (e.g. no weights on this pass)
                others.setdefault(rule, []).append((ratio(vals, stored[key]), key))
        alt_text = "; ".join(f"{rule}: off by up to {max(v)[0]:.3g}x tol ({max(v)[1]})" for rule, v in sorted(others.items()))
        print(f"  {'ok  ' if good else 'FAIL'} {case['name']}: history+evaluate {r:.3g}x tol, per-batch {batch_r:.3g}x, "
              f"decision margin {margin:.3g}. Other rules: {alt_text or '-'}")
    for what, good in refusals():
        ok = ok and good
        print(f"  {'ok  ' if good else 'FAIL'} {what}")
    print("CHECK OK" if ok else "CHECK FAILED")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help=f"verify test/cases/{FILE} instead of writing it")
    args = ap.parse_args()
    t0 = time.time()
    if args.check:
        ok = run_check()
        print(f"({time.time() - t0:.0f} s)")
        sys.exit(0 if ok else 1)
    write_json(FILE, gen())
    print(f"({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
