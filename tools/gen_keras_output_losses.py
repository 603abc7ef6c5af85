#!/usr/bin/env python3
"""Keras `fit` runs of models whose outputs do not all carry a loss, and of losses weighted per output.

The tutorial's readers asked how to fit a model whose outputs are [y, state_h, state_c]: Keras takes
`loss=["mse", None, None]`, and `y` for the state outputs as None (or y alone). These runs are real
Keras 3 `model.fit` calls (shuffle off) from seeded weights; each case records the compile arguments
(loss lists with null, dicts by output name, loss_weights, metrics by output), Keras's whole History,
the weights after fit and the model's predictions after fit. test/train/output-losses.test.ts replays them.

Usage (from the repository root):  .venv/bin/python tools/gen_keras_output_losses.py
"""

import keras_common as kc  # first: it sets the environment before TensorFlow loads
from keras_common import enc, enc_arr, header, init_model, keras_optimizer, model_input, optimizer_config, uni, write_json

import numpy as np

GENERATOR = "tools/gen_keras_output_losses.py"


def lstm(lid, units, src, **cfg):
    return {"id": lid, "class": "LSTM", "config": {"units": units, "name": lid, **cfg}, "inputs": [src]}


def dense(lid, units, src, activation="linear"):
    return {"id": lid, "class": "Dense", "config": {"units": units, "activation": activation, "name": lid}, "inputs": [src]}


def tutorial_states():
    """The tutorial's LSTM with return_state: [y, state_h, state_c], trained on y only."""
    spec = {"inputs": [{"id": "x", "shape": [6, 3]}],
            "layers": [lstm("lstm", 5, "x", returnState=True), dense("out", 2, "lstm:0")],
            "outputs": ["out:0", "lstm:1", "lstm:2"]}
    data = lambda rng: ([uni(rng, 12, 6, 3)], [uni(rng, 12, 2)])  # noqa: E731
    return spec, data, {"optimizer": {"name": "adam", "learningRate": 0.01}, "loss": ["mse", None, None]}


def seq2seq_states():
    """An encoder-decoder whose decoder states are outputs too (for decoding step by step later)."""
    spec = {"inputs": [{"id": "enc_x", "shape": [5, 4]}, {"id": "dec_x", "shape": [4, 3]}],
            "layers": [lstm("encoder", 6, "enc_x", returnState=True),
                       {**lstm("decoder", 6, "dec_x", returnSequences=True, returnState=True),
                        "initialState": ["encoder:1", "encoder:2"]},
                       dense("probs", 3, "decoder:0", "softmax")],
            "outputs": ["probs:0", "decoder:1", "decoder:2"]}

    def data(rng):
        labels = rng.randint(0, 3, size=(10, 4))
        return [uni(rng, 10, 5, 4), uni(rng, 10, 4, 3)], [np.eye(3, dtype=np.float32)[labels]]

    compile_spec = {"optimizer": {"name": "rmsprop", "learningRate": 0.01},
                    "loss": ["categorical_crossentropy", None, None], "metrics": {"probs": ["accuracy"]}}
    return spec, data, compile_spec


def two_heads():
    """Two heads with their own losses by output name, weighted (loss_weights) and with a metric each."""
    spec = {"inputs": [{"id": "x", "shape": [5, 3]}],
            "layers": [lstm("lstm", 6, "x"), dense("value", 1, "lstm:0"), dense("kind", 3, "lstm:0", "softmax")],
            "outputs": ["value:0", "kind:0"]}

    def data(rng):
        return [uni(rng, 12, 5, 3)], [uni(rng, 12, 1), rng.randint(0, 3, size=(12,)).astype(np.int32)]

    compile_spec = {"optimizer": {"name": "sgd", "learningRate": 0.1, "momentum": 0.5},
                    "loss": {"value": "mse", "kind": "sparse_categorical_crossentropy"},
                    "lossWeights": {"value": 0.5, "kind": 2.0},
                    "metrics": {"value": ["mae"], "kind": ["accuracy"]}}
    return spec, data, compile_spec


def two_heads_list_weights():
    """The same heads with a list of loss weights and a list of losses."""
    spec, data, _ = two_heads()
    compile_spec = {"optimizer": {"name": "adam", "learningRate": 0.02},
                    "loss": ["mse", "sparse_categorical_crossentropy"], "lossWeights": [3.0, 0.25]}
    return spec, data, compile_spec


def keras_fit_args(compile_spec, model_spec):
    """Keras's compile arguments for a spec: names as given, None for no loss, dicts keyed by output name."""
    kw = {"loss": compile_spec["loss"]}
    if "lossWeights" in compile_spec:
        kw["loss_weights"] = compile_spec["lossWeights"]
    if "metrics" in compile_spec:
        kw["metrics"] = compile_spec["metrics"]
    return kw


def make_case(name, seed, description, builder, epochs=3, batch_size=4):
    spec, data, compile_spec = builder()
    model, layers, rng = init_model(seed, spec, 1.0)
    xs, ys = data(rng)
    opt = keras_optimizer(compile_spec["optimizer"])
    model.compile(optimizer=opt, jit_compile=False, **keras_fit_args(compile_spec, spec))
    loss = compile_spec["loss"]
    # y as a Keras user passes it: None for an output without a loss
    y_keras = ys if isinstance(loss, dict) or None not in loss else [ys[0]] + [None] * (len(spec["outputs"]) - 1)
    hist = model.fit(model_input(xs), y_keras if len(y_keras) > 1 else y_keras[0], batch_size=batch_size,
                     epochs=epochs, shuffle=False, verbose=0)
    compile_spec["optimizerConfig"] = optimizer_config(opt, compile_spec["optimizer"]["name"])
    return {
        "name": name, "seed": seed, "description": description, "model": spec,
        "x": [enc_arr(a) for a in xs], "y": [enc_arr(a) for a in ys],
        "compile": compile_spec, "fit": {"epochs": epochs, "batchSize": batch_size, "shuffle": False},
        "history": {k: [float(v) for v in vs] for k, vs in hist.history.items()},
        "weightNames": kc.weight_names(spec, layers),
        "weights": [enc(w) for w in model.get_weights()],
        "predictions": [enc(p) for p in kc.predict(model, model_input(xs))],
    }


def main():
    cases = [
        make_case("tutorial_states", 9401, "LSTM [y, h, c] with loss ['mse', None, None]", tutorial_states),
        make_case("seq2seq_states", 9402, "encoder-decoder with decoder states as outputs, loss on the probabilities",
                  seq2seq_states),
        make_case("two_heads", 9403, "losses, loss_weights and metrics as dicts by output name", two_heads),
        make_case("two_heads_list_weights", 9404, "losses and loss_weights as lists", two_heads_list_weights),
    ]
    write_json("train_output_losses.json", header(GENERATOR, "fit with outputs without a loss, and weighted losses", cases))


if __name__ == "__main__":
    main()
