#!/usr/bin/env python3
"""Generate Keras reference data for fit's callbacks: EarlyStopping, ReduceLROnPlateau and
LearningRateScheduler, in whole ``model.fit`` runs.

Every expected value comes from real Keras 3 (TensorFlow backend, CPU, float32, graph mode); nothing is
computed by hand. Each case seeds Keras and NumPy from a fixed per-case seed.

Usage (from the repository root):

    .venv/bin/python tools/gen_keras_callbacks.py     # (re)write test/cases/train_callbacks.json

A case (models in the graph format of tools/gen_keras_family.py, with their initial weights, as in
train_metrics.json):

    {"name", "seed", "description", "model", "x", "y", "validation"?: {"x", "y"},
     "compile": {"optimizer": {"name", <arguments, camelCase>}, "loss", "metrics"?},
     "fit": {"epochs", "batchSize", "shuffle": false},
     "callbacks": [{"class": "EarlyStopping" | "ReduceLROnPlateau" | "LearningRateScheduler",
                    "args": {<camelCase arguments as passed>}}],
                    (a LearningRateScheduler's "args" hold "schedule": the name of one of SCHEDULES below,
                     which the test writes again in JavaScript)
     "history": {key: [value per epoch]}   (the whole History.history: learning_rate too)
     "epochs": [epoch indices run]         (History.epoch: shorter when EarlyStopping stopped fit)
     "state": [{...}]                      (per callback after fit: stoppedEpoch, bestEpoch, best, wait, ...)
     "finalLearningRate": float            (float(optimizer.learning_rate) after fit)
     "decisionMargin": float               (see below)
     "weights": [array]}                   (get_weights() after fit, after any restore)

``decisionMargin`` is the smallest relative distance, over every comparison a monitoring callback made,
between the two float32 values it compared (|a - b| / max(|b|, 1e-12)), exact ties left out (equal
accuracies are the same fraction of hits); the generator requires it to be at least 1e-3, so an implementation
within the tolerance of 1e-5 + 1e-4*|want| takes the same decisions.
"""

import time
import warnings

from keras_common import (  # first: it sets the environment before TensorFlow loads
    dense, enc, enc_arr, header, init_model, keras_loss, keras_optimizer, loss_spec, lstm_cfg, model_input, seq_model,
    uni, write_json,
)

import numpy as np
import keras

GENERATOR = "tools/gen_keras_callbacks.py"
FILE = "train_callbacks.json"
MIN_MARGIN = 1e-3

warnings.filterwarnings("ignore", message="The structure of `inputs` doesn't match the expected structure")

# LearningRateScheduler schedules, by name; test/train/callbacks.test.ts writes the same functions in JS
SCHEDULES = {
    "halve_from_epoch_2": lambda epoch, lr: lr if epoch < 2 else lr * 0.5,
    "warmup_then_decay": lambda epoch, lr: 0.01 * (epoch + 1) if epoch < 3 else lr * 0.7,
}

CAMEL = {"minDelta": "min_delta", "restoreBestWeights": "restore_best_weights", "startFromEpoch": "start_from_epoch",
         "minLr": "min_lr"}


class MarginRecorder(keras.callbacks.Callback):
    """Records, for the monitoring callbacks, how far apart each compared pair of float32 values was."""

    def __init__(self, monitors):
        super().__init__()
        self.monitors = monitors
        self.margin = np.inf

    def note(self, a, b):
        a, b = np.float32(a), np.float32(b)
        if a == b:  # an exact tie (equal accuracies: the same fraction of hits) is decided the same anywhere
            return
        self.margin = min(self.margin, abs(float(a) - float(b)) / max(abs(float(b)), 1e-12))


def wrap_is_improvement(cb, rec):
    orig = cb._is_improvement

    def is_improvement(value, reference):
        if reference is not None:  # Keras compares value - min_delta (negated for 'min') with the reference
            rec.note(value - cb.min_delta, reference)
        return orig(value, reference)

    cb._is_improvement = is_improvement


def keras_callback(spec):
    args = {CAMEL.get(k, k): v for k, v in spec["args"].items()}
    if spec["class"] == "LearningRateScheduler":
        return keras.callbacks.LearningRateScheduler(SCHEDULES[args.pop("schedule")], **args)
    return getattr(keras.callbacks, spec["class"])(**args)


def callback_state(cb):
    if isinstance(cb, keras.callbacks.EarlyStopping):
        return {"stoppedEpoch": int(cb.stopped_epoch), "bestEpoch": int(cb.best_epoch),
                "best": None if cb.best is None else float(cb.best), "wait": int(cb.wait)}
    if isinstance(cb, keras.callbacks.ReduceLROnPlateau):
        return {"best": None if cb.best is None else float(cb.best), "wait": int(cb.wait),
                "cooldownCounter": int(cb.cooldown_counter)}
    return {}


def callbacks_case(name, seed, description, model_spec, optimizer, loss, make_data, callbacks, epochs, batch_size=4,
                   metrics=None, scale=1.0):
    model, _, rng = init_model(seed, model_spec, scale)
    xs, ys, vx, vy = make_data(rng)
    opt = keras_optimizer(optimizer)
    model.compile(optimizer=opt, loss=keras_loss(loss), metrics=list(metrics or []), jit_compile=False)
    cbs = [keras_callback(c) for c in callbacks]
    rec = MarginRecorder(cbs)
    for cb in cbs:
        if hasattr(cb, "_is_improvement"):
            wrap_is_improvement(cb, rec)
    kw = {"validation_data": (model_input(vx), vy[0])} if vx is not None else {}
    hist = model.fit(model_input(xs), ys[0], batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0,
                     callbacks=cbs, **kw)
    case = {"name": name, "seed": seed, "description": description, "model": model_spec,
            "x": [enc_arr(a) for a in xs], "y": [enc_arr(a) for a in ys]}
    if vx is not None:
        case["validation"] = {"x": [enc_arr(a) for a in vx], "y": [enc_arr(a) for a in vy]}
    case.update({
        "compile": {"optimizer": optimizer, "loss": loss, **({"metrics": metrics} if metrics else {})},
        "fit": {"epochs": epochs, "batchSize": batch_size, "shuffle": False},
        "callbacks": callbacks,
        "history": {k: [float(v) for v in vs] for k, vs in hist.history.items()},
        "epochs": [int(e) for e in hist.epoch],
        "state": [callback_state(cb) for cb in cbs],
        "finalLearningRate": float(np.asarray(opt.learning_rate)),
        "decisionMargin": None if rec.margin == np.inf else float(rec.margin),
        "weights": [enc(np.asarray(w, np.float32)) for w in model.get_weights()],
    })
    mon = [c["args"].get("monitor") for c in callbacks if "monitor" in c["args"]]
    trace = {k: " ".join(f"{v:.4f}" for v in hist.history[k]) for k in mon + ["learning_rate"] if k in hist.history}
    print(f"  {name}: {len(hist.epoch)}/{epochs} epochs, margin {case['decisionMargin']}, {trace}")
    assert rec.margin >= MIN_MARGIN, (name, seed, rec.margin)
    return case


def gen_cases():
    cases = []
    mse = loss_spec("mse")
    bce = loss_spec("binary_crossentropy")

    def lstm_dense(T, I, H, out):
        return seq_model(T, I, [("lstm", "LSTM", lstm_cfg(H)), ("out", "Dense", out)])

    def regression(n, nv, T=5, I=3, noise=0.3):
        """y = tanh(mean_t(x0 - x1)) * 2 + noise: learnable, and with few noisy samples easy to overfit."""
        def make(r):
            def part(m):
                x = uni(r, m, T, I)
                y = np.tanh((x[:, :, 0] - x[:, :, 1]).mean(1, keepdims=True)) * 2 + noise * uni(r, m, 1)
                return x, y.astype(np.float32)
            x, y = part(n)
            xv, yv = part(nv)
            return [x], [y], [xv], [yv]
        return make

    def binary_task(n, nv, T=5, I=3):
        def make(r):
            x, xv = uni(r, n, T, I), uni(r, nv, T, I)
            lab = lambda a: (a[:, :, 0].sum(1, keepdims=True) > 0).astype(np.float32)  # noqa: E731
            return [x], [lab(x)], [xv], [lab(xv)]
        return make

    def es(**args):
        return {"class": "EarlyStopping", "args": args}

    def rlrop(**args):
        return {"class": "ReduceLROnPlateau", "args": args}

    cases.append(callbacks_case(
        "early_stopping_restore_best", 9600,
        "LSTM(6) -> Dense(1), mse, Adam(0.05) on 12 noisy samples with 8 validation samples: the validation loss "
        "falls, then rises as the model overfits. EarlyStopping(monitor='val_loss', patience=2, "
        "restore_best_weights=True): stops when val_loss has not improved for 2 epochs (wait counts every epoch "
        "from the last improvement; stop when wait >= patience and epoch > 0) and, at the end of training, puts "
        "back the weights from the end of the best epoch. History covers the epochs run, including the ones "
        "after the best.",
        lstm_dense(5, 3, 6, dense(1)), {"name": "adam", "learningRate": 0.05}, mse, regression(12, 8),
        [es(monitor="val_loss", patience=2, restoreBestWeights=True)], epochs=40))
    cases.append(callbacks_case(
        "early_stopping_min_delta_start", 9601,
        "As early_stopping_restore_best with EarlyStopping(monitor='val_loss', min_delta=0.002, patience=1, "
        "start_from_epoch=2): an improvement must beat the best by more than min_delta (Keras compares "
        "value - min_delta with the best, min_delta negated for a 'min' monitor); nothing is monitored before "
        "epoch 2; weights are not restored.",
        lstm_dense(5, 3, 6, dense(1)), {"name": "adam", "learningRate": 0.03}, mse, regression(12, 8),
        [es(monitor="val_loss", minDelta=0.002, patience=1, startFromEpoch=2)], epochs=40))
    cases.append(callbacks_case(
        "early_stopping_accuracy_auto_max", 9602,
        "LSTM(5) -> Dense(1, sigmoid), binary crossentropy, metrics ['accuracy'], EarlyStopping(monitor="
        "'val_accuracy', patience=3, restore_best_weights=True) in mode 'auto': Keras finds the compiled "
        "'accuracy' metric and its direction 'up', so higher is better.",
        lstm_dense(5, 3, 5, dense(1, "sigmoid")), {"name": "adam", "learningRate": 0.02}, bce, binary_task(16, 12),
        [es(monitor="val_accuracy", patience=3, restoreBestWeights=True)], epochs=25, metrics=["accuracy"],
        scale=1.5))
    cases.append(callbacks_case(
        "early_stopping_baseline", 9600,
        "As early_stopping_restore_best (the same data, model and Adam(0.05)) with EarlyStopping(monitor="
        "'val_loss', patience=3, baseline=0.06): an improvement resets the wait only when it also beats the "
        "baseline, so the wait keeps counting through the improving epochs and training stops at the first "
        "epoch that does not improve once wait >= patience (without a baseline it would run 3 more epochs).",
        lstm_dense(5, 3, 6, dense(1)), {"name": "adam", "learningRate": 0.05}, mse, regression(12, 8),
        [es(monitor="val_loss", patience=3, baseline=0.06)], epochs=40))
    cases.append(callbacks_case(
        "reduce_lr_on_plateau", 9600,
        "As early_stopping_restore_best (Adam(0.05), overfitting after a few epochs) with "
        "ReduceLROnPlateau(monitor='val_loss', factor=0.5, patience=1, cooldown=1, min_delta=1e-3, "
        "min_lr=0.01): after patience epochs without improvement (beyond min_delta) the learning rate (read "
        "back as float32) is multiplied by factor but not below min_lr, then cooldown epochs pass without "
        "counting. Adds 'learning_rate' (float32, the rate the epoch trained with, read before its decision) to every "
        "epoch's logs, hence to History.",
        lstm_dense(5, 3, 6, dense(1)), {"name": "adam", "learningRate": 0.05}, mse, regression(12, 8),
        [rlrop(monitor="val_loss", factor=0.5, patience=1, cooldown=1, minDelta=1e-3, minLr=0.01)], epochs=16))
    cases.append(callbacks_case(
        "lr_scheduler_halve", 9605,
        "LearningRateScheduler(schedule) with schedule(epoch, lr) = lr for epoch < 2, else lr * 0.5 (lr read as "
        "float32), applied before each epoch; 'learning_rate' after each epoch in History. Adam(0.02).",
        lstm_dense(5, 3, 6, dense(1)), {"name": "adam", "learningRate": 0.02}, mse, regression(12, 8),
        [{"class": "LearningRateScheduler", "args": {"schedule": "halve_from_epoch_2"}}], epochs=6))
    cases.append(callbacks_case(
        "scheduler_and_early_stopping", 9600,
        "Two callbacks in order: LearningRateScheduler(warmup_then_decay: 0.01 * (epoch + 1) for the first 3 "
        "epochs, then lr * 0.7) and EarlyStopping(monitor='val_loss', patience=2, min_delta=1e-3). RMSprop.",
        lstm_dense(5, 3, 6, dense(1)), {"name": "rmsprop", "learningRate": 0.01}, mse, regression(12, 8),
        [{"class": "LearningRateScheduler", "args": {"schedule": "warmup_then_decay"}},
         es(monitor="val_loss", patience=2, minDelta=1e-3)], epochs=30))
    return cases


DESCRIPTION = (
    "Keras callbacks in model.fit(x, y, batch_size, epochs, shuffle=False, validation_data, callbacks) from the "
    "stored initial weights (jit_compile=False, graph mode). history is the whole History.history, epochs "
    "History.epoch, weights get_weights() after fit (EarlyStopping with restore_best_weights has put the best "
    "epoch's weights back by then), finalLearningRate float(optimizer.learning_rate) after fit, state each "
    "callback's counters after fit. See the module docstring of the generator for the format."
)


def gen():
    return header(GENERATOR, DESCRIPTION, gen_cases())


def main():
    t0 = time.time()
    obj = gen()
    obj["schedules"] = {
        "halve_from_epoch_2": "lr if epoch < 2 else lr * 0.5",
        "warmup_then_decay": "0.01 * (epoch + 1) if epoch < 3 else lr * 0.7",
    }
    write_json(FILE, obj)
    print(f"({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
