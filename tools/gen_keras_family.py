#!/usr/bin/env python3
"""Generate Keras reference cases for the recurrent family (GRU, SimpleRNN, Bidirectional,
stacking, initial states, masking, stateful layers, the layers around them, Sequential) and for
LSTM's returnCellSequences.

Every expected value comes from real Keras 3 (``model.predict``), or, for the cell sequence that
Keras cannot return, from Keras's own ``LSTMCell`` run step by step. Deterministic: each case seeds
Keras and NumPy from a fixed per-case seed.

Usage (from the repository root):

    .venv/bin/python tools/gen_keras_family.py           # (re)write test/cases/family_*.json
    .venv/bin/python tools/gen_keras_family.py --check   # rebuild every case and compare

Case format. A case describes its model as a small
graph the tests rebuild with wasm-rnn:

    {"model": {"inputs": [{"id", "shape" | "batchShape", "dtype"}],
               "layers": [{"id", "class", "config", "layer"?, "inputs": [ref], "initialState"?: [ref],
                           "weights": [array]}],
               "outputs": [ref], "sequential"?: true},
     "calls": [{"inputs": [array], "outputs": [array], "states"?: {layer id: [array]}} | {"reset": true}]}

A ref is an input id or "<layer id>:<output index>". Configs use wasm-rnn's camelCase names.
"""

import argparse
import json
import sys

import keras_common as kc  # first: it sets the environment before TensorFlow loads
from keras_common import (
    build, dec, dec_any, enc, enc_int, header, layer_states, randomize, run_check as check_file, stateful_layers, uni,
)

import numpy as np
import keras

GENERATOR = "tools/gen_keras_family.py"
TOL = kc.TOLERANCE

# --------------------------------------------------------------------------
# running a case in Keras
# --------------------------------------------------------------------------


def run_calls(model, layers, calls_inputs, resets):
    """Runs predict once per input set; `resets[i]` resets states before call i."""
    calls = []
    sl = stateful_layers(layers)
    for i, inputs in enumerate(calls_inputs):
        if resets[i]:
            for l in sl.values():
                l.reset_states()
            calls.append({"reset": True})
        outs = kc.predict(model, inputs if len(inputs) > 1 else inputs[0])
        call = {"inputs": [enc_int(a) if a.dtype == np.int32 else enc(a) for a in inputs],
                "outputs": [enc(o) for o in outs]}
        if sl:
            call["states"] = {k: [enc(s) for s in layer_states(l)] for k, l in sl.items()}
        calls.append(call)
    return calls


def make_case(name, seed, model_spec, make_inputs, scale=1.5, ncalls=1, resets=None, summary=False):
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    rng = np.random.RandomState(seed)
    model, layers = build(model_spec)
    for spec in model_spec["layers"]:
        spec["weights"] = [enc(w) for w in randomize(layers[spec["id"]], rng, scale)]
    calls_inputs = [make_inputs(rng) for _ in range(ncalls)]
    case = {"name": name, "seed": seed, "model": model_spec,
            "calls": run_calls(model, layers, calls_inputs, resets or [False] * ncalls)}
    if summary:
        s = kc.capture_summary(model, name)
        case["summary"] = {"text": s["text"], "model_name": s["model_name"]}
    return case


def rnn_cfg(units, **kw):
    cfg = {"units": units}
    cfg.update(kw)
    return cfg


# --------------------------------------------------------------------------
# the cases
# --------------------------------------------------------------------------


def single_rnn_model(cls, cfg, T, I, initial_state=False):
    layers = [{"id": "rnn", "class": cls, "config": cfg, "inputs": ["x"]}]
    inputs = [{"id": "x", "shape": [T, I]}]
    if initial_state:
        n = 2 if cls == "LSTM" else 1
        for k in range(n):
            inputs.append({"id": f"s{k}", "shape": [cfg["units"]]})
        layers[0]["initialState"] = [f"s{k}" for k in range(n)]
    nout = 1 + ((2 if cls == "LSTM" else 1) if cfg.get("returnState") else 0)
    return {"inputs": inputs, "layers": layers, "outputs": [f"rnn:{i}" for i in range(nout)]}


def gen_gru():
    rng = np.random.RandomState(71)
    cases = []
    acts = [("tanh", "sigmoid"), ("tanh", "hard_sigmoid"), ("relu", "sigmoid"), ("linear", "hard_sigmoid_legacy")]
    k = 0
    for reset_after in (True, False):
        for seq in (False, True):
            for state in (False, True):
                for back in (False, True):
                    act, ra = acts[(k + int(reset_after)) % 4]
                    bias = (int(seq) ^ int(state) ^ int(back) ^ (k // 8)) == 0
                    H, B, T, I = int(rng.choice([1, 3, 4, 5, 8, 13, 16, 33])), int(rng.randint(1, 6)), \
                        int(rng.randint(1, 12)), int(rng.randint(1, 9))
                    cfg = rnn_cfg(H, activation=act, recurrentActivation=ra, useBias=bias, returnSequences=seq,
                                  returnState=state, goBackwards=back, resetAfter=reset_after)
                    name = f"gru{k:02d}_{'ra' if reset_after else 'rb'}_u{H}_b{B}_t{T}_i{I}" + \
                        ("_seq" if seq else "") + ("_state" if state else "") + ("_back" if back else "") + \
                        f"_{kc.SHORT[act]}_{kc.SHORT[ra]}" + ("" if bias else "_nobias")
                    scale = 2.0 if act == "tanh" else 1.0
                    cases.append(make_case(name, 7100 + k, single_rnn_model("GRU", cfg, T, I),
                                           lambda r, B=B, T=T, I=I: [uni(r, B, T, I)], scale))
                    k += 1
    # hard sigmoid stress (pre-activations beyond +-3) and initial states
    for j, (ra_, reset_after) in enumerate([("hard_sigmoid", True), ("hard_sigmoid_legacy", False)]):
        cfg = rnn_cfg(6, recurrentActivation=ra_, returnSequences=True, resetAfter=reset_after)
        cases.append(make_case(f"gru_stress{j}_{kc.SHORT[ra_]}", 7200 + j, single_rnn_model("GRU", cfg, 8, 6),
                               lambda r: [uni(r, 3, 8, 6)], 6.0))
    for j, reset_after in enumerate((True, False, True)):
        cfg = rnn_cfg(5 + j, returnSequences=j != 1, returnState=True, goBackwards=j == 2, resetAfter=reset_after)
        cases.append(make_case(f"gru_init{j}_{'ra' if reset_after else 'rb'}", 7300 + j,
                               single_rnn_model("GRU", cfg, 6, 4, initial_state=True),
                               lambda r, H=5 + j: [uni(r, 3, 6, 4), uni(r, 3, H)], 2.0))
    return header(GENERATOR, "GRU (reset_after true and false) over flags and activations, stress and initial_state.", cases)


def gen_simple_rnn():
    rng = np.random.RandomState(72)
    cases = []
    acts = ["tanh", "relu", "linear", "sigmoid", "hard_sigmoid", "tanh", "relu", "tanh"]
    k = 0
    for seq in (False, True):
        for state in (False, True):
            for back in (False, True):
                act = acts[k]
                bias = (int(seq) ^ int(state) ^ int(back)) == 0
                H, B, T, I = int(rng.choice([1, 4, 6, 16, 17, 20])), int(rng.randint(1, 6)), int(rng.randint(1, 12)), \
                    int(rng.randint(1, 9))
                cfg = rnn_cfg(H, activation=act, useBias=bias, returnSequences=seq, returnState=state, goBackwards=back)
                name = f"srnn{k:02d}_u{H}_b{B}_t{T}_i{I}" + ("_seq" if seq else "") + ("_state" if state else "") + \
                    ("_back" if back else "") + f"_{kc.SHORT[act]}" + ("" if bias else "_nobias")
                cases.append(make_case(name, 7400 + k, single_rnn_model("SimpleRNN", cfg, T, I),
                                       lambda r, B=B, T=T, I=I: [uni(r, B, T, I)], 1.5 if act == "tanh" else 1.0))
                k += 1
    for j in range(2):
        cfg = rnn_cfg(7 + 10 * j, returnSequences=j == 0, returnState=True, goBackwards=j == 1)
        cases.append(make_case(f"srnn_init{j}", 7500 + j, single_rnn_model("SimpleRNN", cfg, 5, 3, initial_state=True),
                               lambda r, H=7 + 10 * j: [uni(r, 2, 5, 3), uni(r, 2, H)], 1.5))
    return header(GENERATOR, "SimpleRNN over flags and activations, and initial_state.", cases)


def n_states(cls):
    return 2 if cls == "LSTM" else 1


def bidi_model(cls, inner_cfg, merge, T, I, initial_state=False, batch=None):
    S = n_states(cls)
    inputs = [{"id": "x", "shape": [T, I]} if batch is None else {"id": "x", "batchShape": [batch, T, I]}]
    layer = {"id": "bi", "class": "Bidirectional", "config": {"mergeMode": merge},
             "layer": {"class": cls, "config": inner_cfg}, "inputs": ["x"]}
    if initial_state:
        ids = [f"s{k}" for k in range(2 * S)]
        inputs += [{"id": i, "shape": [inner_cfg["units"]]} for i in ids]
        layer["initialState"] = ids
    nout = (1 if merge is not None else 2) + (2 * S if inner_cfg.get("returnState") else 0)
    return {"inputs": inputs, "layers": [layer], "outputs": [f"bi:{i}" for i in range(nout)]}


def gen_bidirectional():
    cases = []
    k = 0
    for cls in ("LSTM", "GRU", "SimpleRNN"):
        for merge in ("concat", "sum", "mul", "ave", None):
            for state in (False, True):
                seq = (k % 2 == 0) != state
                H = [3, 4, 5][k % 3]
                cfg = rnn_cfg(H, returnSequences=seq, returnState=state)
                if cls == "GRU":
                    cfg["resetAfter"] = k % 4 != 1
                B, T, I = 1 + k % 3, 2 + k % 5, 1 + k % 4
                name = f"bi{k:02d}_{cls.lower()}_{merge or 'none'}" + ("_seq" if seq else "") + ("_state" if state else "")
                cases.append(make_case(name, 7600 + k, bidi_model(cls, cfg, merge, T, I),
                                       lambda r, B=B, T=T, I=I: [uni(r, B, T, I)], 1.5))
                k += 1
    # the other returnSequences value for the default merge mode
    for j, cls in enumerate(("LSTM", "GRU", "SimpleRNN")):
        cfg = rnn_cfg(4, returnSequences=True, returnState=True)
        cases.append(make_case(f"bi_concat_seq_state_{cls.lower()}", 7650 + j, bidi_model(cls, cfg, "concat", 5, 3),
                               lambda r: [uni(r, 2, 5, 3)], 1.5))
    # initial_state split in half, forward first
    for j, (cls, merge) in enumerate((("LSTM", "concat"), ("GRU", None), ("SimpleRNN", "sum"))):
        cfg = rnn_cfg(4, returnSequences=j != 2, returnState=True)
        S = n_states(cls)
        cases.append(make_case(f"bi_init_{cls.lower()}_{merge or 'none'}", 7700 + j,
                               bidi_model(cls, cfg, merge, 4, 3, initial_state=True),
                               lambda r, S=S: [uni(r, 2, 4, 3)] + [uni(r, 2, 4) for _ in range(2 * S)], 1.5))
    return header(GENERATOR, "Bidirectional(LSTM | GRU | SimpleRNN) in every merge mode, with and without states, "
                  "and with initial_state split in half.", cases)


def gen_stacked():
    cases = []
    # GRU -> GRU(reset_after=False) -> Dense
    m = {"inputs": [{"id": "x", "shape": [6, 4]}], "layers": [
        {"id": "g1", "class": "GRU", "config": rnn_cfg(8, returnSequences=True), "inputs": ["x"]},
        {"id": "g2", "class": "GRU", "config": rnn_cfg(5, resetAfter=False), "inputs": ["g1:0"]},
        {"id": "d", "class": "Dense", "config": {"units": 3, "activation": "softmax"}, "inputs": ["g2:0"]},
    ], "outputs": ["d:0"]}
    cases.append(make_case("stack_gru_gru_dense", 7800, m, lambda r: [uni(r, 3, 6, 4)], 2.0))
    # LSTM -> SimpleRNN -> GRU (all sequences)
    m = {"inputs": [{"id": "x", "shape": [5, 3]}], "layers": [
        {"id": "l", "class": "LSTM", "config": rnn_cfg(6, returnSequences=True), "inputs": ["x"]},
        {"id": "s", "class": "SimpleRNN", "config": rnn_cfg(7, returnSequences=True, goBackwards=True), "inputs": ["l:0"]},
        {"id": "g", "class": "GRU", "config": rnn_cfg(4, returnSequences=True), "inputs": ["s:0"]},
    ], "outputs": ["g:0"]}
    cases.append(make_case("stack_lstm_srnn_gru", 7801, m, lambda r: [uni(r, 2, 5, 3)], 2.0))
    # Bidirectional(LSTM) -> Bidirectional(GRU, sum)
    m = {"inputs": [{"id": "x", "shape": [4, 3]}], "layers": [
        {"id": "b1", "class": "Bidirectional", "config": {"mergeMode": "concat"},
         "layer": {"class": "LSTM", "config": rnn_cfg(5, returnSequences=True)}, "inputs": ["x"]},
        {"id": "b2", "class": "Bidirectional", "config": {"mergeMode": "sum"},
         "layer": {"class": "GRU", "config": rnn_cfg(3)}, "inputs": ["b1:0"]},
    ], "outputs": ["b2:0"]}
    cases.append(make_case("stack_bilstm_bigru", 7802, m, lambda r: [uni(r, 2, 4, 3)], 1.5))
    # encoder GRU(return_state) -> decoder GRU(initial_state) -> TimeDistributed(Dense)
    m = {"inputs": [{"id": "e", "shape": [5, 3]}, {"id": "d", "shape": [4, 2]}], "layers": [
        {"id": "enc", "class": "GRU", "config": rnn_cfg(6, returnState=True), "inputs": ["e"]},
        {"id": "dec", "class": "GRU", "config": rnn_cfg(6, returnSequences=True, returnState=True, resetAfter=True),
         "inputs": ["d"], "initialState": ["enc:1"]},
        {"id": "td", "class": "TimeDistributed", "config": {}, "layer": {"class": "Dense", "config": {"units": 4}},
         "inputs": ["dec:0"]},
    ], "outputs": ["td:0", "dec:1"]}
    cases.append(make_case("encdec_gru_timedistributed", 7803, m, lambda r: [uni(r, 2, 5, 3), uni(r, 2, 4, 2)], 2.0))
    # SimpleRNN encoder -> RepeatVector -> SimpleRNN decoder with initial state
    m = {"inputs": [{"id": "x", "shape": [4, 3]}], "layers": [
        {"id": "enc", "class": "SimpleRNN", "config": rnn_cfg(5, returnState=True), "inputs": ["x"]},
        {"id": "rep", "class": "RepeatVector", "config": {"n": 3}, "inputs": ["enc:0"]},
        {"id": "dec", "class": "SimpleRNN", "config": rnn_cfg(5, returnSequences=True), "inputs": ["rep:0"],
         "initialState": ["enc:1"]},
    ], "outputs": ["dec:0"]}
    cases.append(make_case("encdec_srnn_repeat", 7804, m, lambda r: [uni(r, 3, 4, 3)], 1.5))
    # LSTM -> RepeatVector -> Bidirectional(LSTM) -> TimeDistributed(Dense)
    m = {"inputs": [{"id": "x", "shape": [6, 2]}], "layers": [
        {"id": "enc", "class": "LSTM", "config": rnn_cfg(8), "inputs": ["x"]},
        {"id": "rep", "class": "RepeatVector", "config": {"n": 4}, "inputs": ["enc:0"]},
        {"id": "bi", "class": "Bidirectional", "config": {"mergeMode": "ave"},
         "layer": {"class": "LSTM", "config": rnn_cfg(6, returnSequences=True)}, "inputs": ["rep:0"]},
        {"id": "td", "class": "TimeDistributed", "config": {},
         "layer": {"class": "Dense", "config": {"units": 2, "activation": "tanh"}}, "inputs": ["bi:0"]},
    ], "outputs": ["td:0"]}
    cases.append(make_case("lstm_repeat_bilstm_td", 7805, m, lambda r: [uni(r, 2, 6, 2)], 1.5))
    return header(GENERATOR, "Stacked recurrent layers, encoder-decoders with GRU/SimpleRNN initial states, "
                  "RepeatVector and TimeDistributed(Dense).", cases)


PADDINGS = {
    # per batch row: which input steps are padding (True = padded)
    "left": lambda T: [[t < 2 for t in range(T)], [t < 1 for t in range(T)], [False] * T],
    "right": lambda T: [[t >= T - 2 for t in range(T)], [t >= T - 1 for t in range(T)], [False] * T],
    "inner": lambda T: [[t in (1, 2) for t in range(T)], [t == T - 2 for t in range(T)], [t in (0, T - 1) for t in range(T)]],
    "mixed": lambda T: [[True] * T, [t % 2 == 1 for t in range(T)], [t < 1 or t >= T - 1 for t in range(T)]],
}


def padded_input(r, T, I, pad, mask_value=0.0):
    x = uni(r, 3, T, I)
    for b, row in enumerate(PADDINGS[pad](T)):
        for t, p in enumerate(row):
            if p:
                x[b, t, :] = mask_value
    return x


def padded_tokens(r, T, V, pad):
    x = r.randint(1, V, size=(3, T)).astype(np.int32)
    for b, row in enumerate(PADDINGS[pad](T)):
        for t, p in enumerate(row):
            if p:
                x[b, t] = 0
    return x


def gen_masking():
    cases = []
    k = 0
    T, I = 6, 3
    cells = [("LSTM", {}), ("GRU", {"resetAfter": True}), ("GRU", {"resetAfter": False}), ("SimpleRNN", {})]
    for cls, extra in cells:
        for pad in ("left", "right", "inner", "mixed"):
            for init in (False, True):
                seq = (k % 3) != 0
                cfg = rnn_cfg(4, returnSequences=seq, returnState=True, goBackwards=k % 4 == 3, **extra)
                S = n_states(cls)
                inputs = [{"id": "x", "shape": [T, I]}]
                rnn = {"id": "rnn", "class": cls, "config": cfg, "inputs": ["m:0"]}
                if init:
                    inputs += [{"id": f"s{j}", "shape": [4]} for j in range(S)]
                    rnn["initialState"] = [f"s{j}" for j in range(S)]
                mv = 0.0 if k % 2 == 0 else -1.0
                m = {"inputs": inputs, "layers": [
                    {"id": "m", "class": "Masking", "config": {"maskValue": mv}, "inputs": ["x"]}, rnn],
                    "outputs": [f"rnn:{i}" for i in range(1 + S)]}
                name = f"mask{k:02d}_{cls.lower()}{'_rb' if extra.get('resetAfter') is False else ''}_{pad}" + \
                    ("_seq" if seq else "") + ("_back" if cfg["goBackwards"] else "") + ("_init" if init else "")
                cases.append(make_case(
                    name, 7900 + k, m,
                    lambda r, pad=pad, init=init, S=S, mv=mv: [padded_input(r, T, I, pad, mv)] +
                    ([uni(r, 3, 4) for _ in range(S)] if init else []), 1.5))
                k += 1
    # Embedding(mask_zero) -> recurrent layers; predict takes int32 tokens
    for j, (cls, extra, pad) in enumerate([("GRU", {}, "left"), ("LSTM", {}, "right"), ("SimpleRNN", {}, "inner"),
                                           ("GRU", {"resetAfter": False}, "mixed")]):
        cfg = rnn_cfg(5, returnSequences=j % 2 == 0, **extra)
        m = {"inputs": [{"id": "x", "shape": [7], "dtype": "int32"}], "layers": [
            {"id": "emb", "class": "Embedding", "config": {"inputDim": 12, "outputDim": 4, "maskZero": True}, "inputs": ["x"]},
            {"id": "rnn", "class": cls, "config": cfg, "inputs": ["emb:0"]}], "outputs": ["rnn:0"]}
        cases.append(make_case(f"embed{j}_{cls.lower()}_{pad}", 8000 + j, m,
                               lambda r, pad=pad: [padded_tokens(r, 7, 12, pad)], 1.5))
    # Embedding without mask_zero: zeros are ordinary tokens
    m = {"inputs": [{"id": "x", "shape": [5], "dtype": "int32"}], "layers": [
        {"id": "emb", "class": "Embedding", "config": {"inputDim": 6, "outputDim": 3}, "inputs": ["x"]},
        {"id": "rnn", "class": "LSTM", "config": rnn_cfg(3), "inputs": ["emb:0"]}], "outputs": ["rnn:0", "emb:0"]}
    cases.append(make_case("embed_nomask_lstm", 8010, m, lambda r: [padded_tokens(r, 5, 6, "left")], 1.5))
    # Bidirectional under a mask: zero outputs at masked steps when returning sequences
    for j, (cls, merge, seq, pad) in enumerate([("LSTM", "concat", True, "right"), ("GRU", "sum", True, "left"),
                                                ("SimpleRNN", None, True, "inner"), ("LSTM", "ave", False, "mixed"),
                                                ("GRU", "mul", False, "inner"), ("GRU", None, True, "mixed")]):
        cfg = rnn_cfg(3, returnSequences=seq, returnState=j % 2 == 0)
        S = n_states(cls)
        nout = (1 if merge else 2) + (2 * S if cfg["returnState"] else 0)
        m = {"inputs": [{"id": "x", "shape": [6, 2]}], "layers": [
            {"id": "m", "class": "Masking", "config": {"maskValue": 0.0}, "inputs": ["x"]},
            {"id": "bi", "class": "Bidirectional", "config": {"mergeMode": merge}, "layer": {"class": cls, "config": cfg},
             "inputs": ["m:0"]}], "outputs": [f"bi:{i}" for i in range(nout)]}
        cases.append(make_case(f"mask_bi{j}_{cls.lower()}_{merge or 'none'}_{pad}" + ("_seq" if seq else ""), 8100 + j, m,
                               lambda r, pad=pad: [padded_input(r, 6, 2, pad)], 1.5))
    # masks through Dense / TimeDistributed / Activation / Dropout, merged by Add and Concatenate
    m = {"inputs": [{"id": "x", "shape": [6, 3]}], "layers": [
        {"id": "m", "class": "Masking", "config": {}, "inputs": ["x"]},
        {"id": "d", "class": "Dense", "config": {"units": 4, "activation": "tanh"}, "inputs": ["m:0"]},
        {"id": "td", "class": "TimeDistributed", "config": {}, "layer": {"class": "Dense", "config": {"units": 4}},
         "inputs": ["m:0"]},
        {"id": "a", "class": "Activation", "config": {"activation": "relu"}, "inputs": ["td:0"]},
        {"id": "dr", "class": "Dropout", "config": {"rate": 0.3}, "inputs": ["a:0"]},
        {"id": "add", "class": "Add", "config": {}, "inputs": ["d:0", "dr:0"]},
        {"id": "g", "class": "GRU", "config": rnn_cfg(4, returnSequences=True), "inputs": ["add:0"]},
        {"id": "cat", "class": "Concatenate", "config": {}, "inputs": ["g:0", "d:0"]},
        {"id": "l", "class": "LSTM", "config": rnn_cfg(3), "inputs": ["cat:0"]},
    ], "outputs": ["l:0", "g:0"]}
    cases.append(make_case("mask_through_merges", 8200, m, lambda r: [padded_input(r, 6, 3, "inner")], 1.5))
    # Concatenate of a masked and an unmasked stream: Keras's mask becomes all-true
    m = {"inputs": [{"id": "x", "shape": [5, 2]}, {"id": "y", "shape": [5, 2]}], "layers": [
        {"id": "m", "class": "Masking", "config": {}, "inputs": ["x"]},
        {"id": "cat", "class": "Concatenate", "config": {}, "inputs": ["m:0", "y"]},
        {"id": "l", "class": "SimpleRNN", "config": rnn_cfg(3), "inputs": ["cat:0"]},
    ], "outputs": ["l:0"]}
    cases.append(make_case("mask_concat_unmasked", 8201, m, lambda r: [padded_input(r, 5, 2, "right"), uni(r, 3, 5, 2)], 1.5))
    return header(GENERATOR, "Masking (left, right, inner and mixed padding; with and without initial states), "
                  "Embedding(mask_zero) with int32 tokens, Bidirectional under a mask, masks through "
                  "Dense, TimeDistributed, Activation, Dropout, Add and Concatenate.", cases)


def gen_stateful():
    cases = []
    k = 0
    B, T, I = 2, 3, 3
    variants = [("LSTM", {}), ("GRU", {"resetAfter": True}), ("GRU", {"resetAfter": False}), ("SimpleRNN", {})]
    for cls, extra in variants:
        for resets in ([False, False, False], [False, True, False]):
            cfg = rnn_cfg(4, stateful=True, returnSequences=k % 2 == 1, returnState=True, **extra)
            S = n_states(cls)
            m = {"inputs": [{"id": "x", "batchShape": [B, T, I]}],
                 "layers": [{"id": "rnn", "class": cls, "config": cfg, "inputs": ["x"]}],
                 "outputs": [f"rnn:{i}" for i in range(1 + S)]}
            name = f"stateful{k}_{cls.lower()}{'_rb' if extra.get('resetAfter') is False else ''}" + \
                ("_reset" if any(resets) else "")
            cases.append(make_case(name, 8300 + k, m, lambda r: [uni(r, B, T, I)], 1.5, ncalls=3, resets=resets))
            k += 1
    # stateful Bidirectional and a stateful stack; masked stateful GRU
    cfg = rnn_cfg(3, stateful=True, returnSequences=True)
    cases.append(make_case("stateful_bi_gru", 8320, bidi_model("GRU", cfg, "concat", T, I, batch=B),
                           lambda r: [uni(r, B, T, I)], 1.5, ncalls=3, resets=[False, True, False]))
    m = {"inputs": [{"id": "x", "batchShape": [B, T, I]}], "layers": [
        {"id": "l", "class": "LSTM", "config": rnn_cfg(5, stateful=True, returnSequences=True), "inputs": ["x"]},
        {"id": "s", "class": "SimpleRNN", "config": rnn_cfg(4, stateful=True), "inputs": ["l:0"]},
    ], "outputs": ["s:0"]}
    cases.append(make_case("stateful_stack", 8321, m, lambda r: [uni(r, B, T, I)], 1.5, ncalls=3))
    m = {"inputs": [{"id": "x", "batchShape": [3, 6, I]}], "layers": [
        {"id": "m", "class": "Masking", "config": {}, "inputs": ["x"]},
        {"id": "g", "class": "GRU", "config": rnn_cfg(4, stateful=True), "inputs": ["m:0"]},
    ], "outputs": ["g:0"]}
    cases.append(make_case("stateful_masked_gru", 8322, m, lambda r: [padded_input(r, 6, I, "inner")], 1.5, ncalls=3))
    return header(GENERATOR, "Stateful layers (fixed batch from Input(batch_shape)) over three consecutive predict calls, "
                  "with and without reset_states; states after each call.", cases)


def gen_layers():
    cases = []
    m = {"inputs": [{"id": "x", "shape": [4, 5]}], "layers": [
        {"id": "td", "class": "TimeDistributed", "config": {},
         "layer": {"class": "Dense", "config": {"units": 3, "activation": "softmax"}}, "inputs": ["x"]}],
        "outputs": ["td:0"]}
    cases.append(make_case("timedistributed_dense", 8400, m, lambda r: [uni(r, 2, 4, 5)], 2.0))
    m = {"inputs": [{"id": "x", "shape": [3]}], "layers": [
        {"id": "rep", "class": "RepeatVector", "config": {"n": 4}, "inputs": ["x"]}], "outputs": ["rep:0"]}
    cases.append(make_case("repeatvector", 8401, m, lambda r: [uni(r, 2, 3)]))
    m = {"inputs": [{"id": "a", "shape": [3, 2]}, {"id": "b", "shape": [3, 4]}, {"id": "c", "shape": [3, 1]}], "layers": [
        {"id": "cat", "class": "Concatenate", "config": {}, "inputs": ["a", "b", "c"]}], "outputs": ["cat:0"]}
    cases.append(make_case("concatenate_last", 8402, m, lambda r: [uni(r, 2, 3, 2), uni(r, 2, 3, 4), uni(r, 2, 3, 1)]))
    m = {"inputs": [{"id": "a", "shape": [3, 2]}, {"id": "b", "shape": [1, 2]}], "layers": [
        {"id": "cat", "class": "Concatenate", "config": {"axis": 1}, "inputs": ["a", "b"]}], "outputs": ["cat:0"]}
    cases.append(make_case("concatenate_axis1", 8403, m, lambda r: [uni(r, 2, 3, 2), uni(r, 2, 1, 2)]))
    m = {"inputs": [{"id": "a", "shape": [3, 5]}, {"id": "b", "shape": [3, 5]}, {"id": "c", "shape": [3, 5]}], "layers": [
        {"id": "add", "class": "Add", "config": {}, "inputs": ["a", "b", "c"]}], "outputs": ["add:0"]}
    cases.append(make_case("add_three", 8404, m, lambda r: [uni(r, 2, 3, 5) for _ in range(3)]))
    for j, act in enumerate(["relu", "tanh", "sigmoid", "softmax", "hard_sigmoid", "linear"]):
        m = {"inputs": [{"id": "x", "shape": [3, 6]}], "layers": [
            {"id": "a", "class": "Activation", "config": {"activation": act}, "inputs": ["x"]}], "outputs": ["a:0"]}
        cases.append(make_case(f"activation_{act}", 8410 + j, m, lambda r: [uni(r, 2, 3, 6) * 4]))
    m = {"inputs": [{"id": "x", "shape": [3, 4]}], "layers": [
        {"id": "d", "class": "Dropout", "config": {"rate": 0.5}, "inputs": ["x"]},
        {"id": "f", "class": "Flatten", "config": {}, "inputs": ["d:0"]},
        {"id": "o", "class": "Dense", "config": {"units": 2}, "inputs": ["f:0"]}], "outputs": ["o:0", "f:0"]}
    cases.append(make_case("dropout_flatten_dense", 8420, m, lambda r: [uni(r, 2, 3, 4)]))
    # Sequential models, with Keras's summary text
    m = {"sequential": True, "inputs": [{"id": "x", "shape": [5, 3]}], "layers": [
        {"id": "l", "class": "LSTM", "config": rnn_cfg(6, returnSequences=True), "inputs": ["x"]},
        {"id": "g", "class": "GRU", "config": rnn_cfg(4), "inputs": ["l:0"]},
        {"id": "d", "class": "Dense", "config": {"units": 2, "activation": "softmax"}, "inputs": ["g:0"]}],
        "outputs": ["d:0"]}
    cases.append(make_case("sequential_lstm_gru_dense", 8430, m, lambda r: [uni(r, 2, 5, 3)], 1.5, summary=True))
    m = {"sequential": True, "inputs": [{"id": "x", "shape": [6], "dtype": "int32"}], "layers": [
        {"id": "e", "class": "Embedding", "config": {"inputDim": 10, "outputDim": 4, "maskZero": True}, "inputs": ["x"]},
        {"id": "b", "class": "Bidirectional", "config": {"mergeMode": "concat"},
         "layer": {"class": "GRU", "config": rnn_cfg(3, returnSequences=True)}, "inputs": ["e:0"]},
        {"id": "s", "class": "SimpleRNN", "config": rnn_cfg(5), "inputs": ["b:0"]},
        {"id": "r", "class": "RepeatVector", "config": {"n": 2}, "inputs": ["s:0"]},
        {"id": "td", "class": "TimeDistributed", "config": {}, "layer": {"class": "Dense", "config": {"units": 3}},
         "inputs": ["r:0"]},
        {"id": "dr", "class": "Dropout", "config": {"rate": 0.1}, "inputs": ["td:0"]},
        {"id": "f", "class": "Flatten", "config": {}, "inputs": ["dr:0"]},
        {"id": "a", "class": "Activation", "config": {"activation": "tanh"}, "inputs": ["f:0"]}],
        "outputs": ["a:0"]}
    cases.append(make_case("sequential_embedding_to_flatten", 8431, m, lambda r: [padded_tokens(r, 6, 10, "left")], 1.5,
                           summary=True))
    return header(GENERATOR, "TimeDistributed(Dense), RepeatVector, Concatenate, Add, Activation, Dropout, Flatten, and "
                  "Sequential models with Keras's summary text.", cases)


# --------------------------------------------------------------------------
# LSTM returnCellSequences: Keras cannot return c per step, so the reference runs Keras's own
# LSTMCell step by step with the same weights.
# --------------------------------------------------------------------------


def lstm_cell_reference(cfg, weights, x, h0=None, c0=None):
    cell = keras.layers.LSTMCell(cfg["units"], activation=kc.keras_activation(cfg.get("activation", "tanh")),
                                 recurrent_activation=kc.keras_activation(cfg.get("recurrentActivation", "sigmoid")),
                                 use_bias=cfg.get("useBias", True))
    B, T, I = x.shape
    cell.build((B, I))
    cell.set_weights(weights)
    H = cfg["units"]
    h = np.zeros((B, H), np.float32) if h0 is None else h0
    c = np.zeros((B, H), np.float32) if c0 is None else c0
    order = range(T - 1, -1, -1) if cfg.get("goBackwards") else range(T)
    ys, cs = [], []
    for t in order:
        y, (h, c) = cell(keras.ops.convert_to_tensor(x[:, t]), [keras.ops.convert_to_tensor(h), keras.ops.convert_to_tensor(c)])
        h, c = np.asarray(h, np.float32), np.asarray(c, np.float32)
        ys.append(np.asarray(y, np.float32))
        cs.append(c)
    return np.stack(ys, 1), h, c, np.stack(cs, 1)


def gen_cell_sequences():
    cases = []
    specs = [
        (rnn_cfg(4, returnSequences=True), 2, 5, 3, False),
        (rnn_cfg(6, returnState=True, goBackwards=True), 3, 4, 2, False),
        (rnn_cfg(5, returnSequences=True, returnState=True, activation="relu", recurrentActivation="hard_sigmoid"), 1, 6, 4, False),
        (rnn_cfg(7, returnSequences=True, returnState=True), 2, 3, 5, True),
    ]
    for j, (cfg, B, T, I, init) in enumerate(specs):
        seed = 8500 + j
        keras.backend.clear_session()
        keras.utils.set_random_seed(seed)
        rng = np.random.RandomState(seed)
        m = single_rnn_model("LSTM", cfg, T, I, initial_state=init)
        model, layers = build(m)
        weights = randomize(layers["rnn"], rng, 2.0)
        m["layers"][0]["weights"] = [enc(w) for w in weights]
        x = uni(rng, B, T, I)
        inputs = [x] + ([uni(rng, B, cfg["units"]), uni(rng, B, cfg["units"])] if init else [])
        keras_outs = kc.predict(model, inputs if init else x)
        seq, h, c, cseq = lstm_cell_reference(cfg, weights, x, *(inputs[1:] if init else []))
        # the step-by-step cell must agree with the layer before its c sequence is trusted
        want_y = seq if cfg.get("returnSequences") else h
        assert kc.tol_ratio(want_y, keras_outs[0], TOL) <= 1, "LSTMCell reference disagrees with the LSTM layer"
        if cfg.get("returnState"):
            assert kc.tol_ratio(c, keras_outs[2], TOL) <= 1
        outputs = keras_outs + [cseq]
        m["layers"][0]["config"]["returnCellSequences"] = True
        m["outputs"].append(f"rnn:{len(keras_outs)}")
        cases.append({"name": f"cellseq{j}_u{cfg['units']}", "seed": seed, "model": m,
                      "calls": [{"inputs": [enc(a) for a in inputs], "outputs": [enc(o) for o in outputs]}]})
    return header(GENERATOR, "LSTM returnCellSequences (beyond Keras): outputs as the Keras layer gives them, then the cell "
                  "state after every step from Keras's LSTMCell run step by step (processing order).", cases)


FILES = {
    "family_gru.json": gen_gru,
    "family_simple_rnn.json": gen_simple_rnn,
    "family_bidirectional.json": gen_bidirectional,
    "family_stacked.json": gen_stacked,
    "family_masking.json": gen_masking,
    "family_stateful.json": gen_stateful,
    "family_layers.json": gen_layers,
    "family_cell_sequences.json": gen_cell_sequences,
}


# --------------------------------------------------------------------------
# --check: rebuild each case from its JSON and compare with the stored outputs
# --------------------------------------------------------------------------


def check_case(case, tol):
    keras.backend.clear_session()
    spec = json.loads(json.dumps(case["model"]))
    if case["name"].startswith("cellseq"):
        spec["outputs"] = spec["outputs"][:-1]  # the cell sequence is not a Keras output
    model, layers = build(spec)
    for spec in case["model"]["layers"]:
        if spec["weights"]:
            layers[spec["id"]].set_weights([dec(w) for w in spec["weights"]])
    worst = 0.0
    sl = stateful_layers(layers)
    if case["name"].startswith("cellseq"):
        call = case["calls"][0]
        ins = [dec_any(a) for a in call["inputs"]]
        got = kc.predict(model, ins if len(ins) > 1 else ins[0])
        cfg = case["model"]["layers"][0]["config"]
        *_, cseq = lstm_cell_reference(cfg, [dec(w) for w in case["model"]["layers"][0]["weights"]], *ins)
        got = got + [cseq]
        return max(kc.tol_ratio(g, dec(o), tol) for g, o in zip(got, call["outputs"]))
    for call in case["calls"]:
        if call.get("reset"):
            for l in sl.values():
                l.reset_states()
            continue
        ins = [dec_any(a) for a in call["inputs"]]
        got = kc.predict(model, ins if len(ins) > 1 else ins[0])
        if len(got) != len(call["outputs"]):
            return float("inf")
        worst = max([worst] + [kc.tol_ratio(g, dec(o), tol) for g, o in zip(got, call["outputs"])])
        for k, states in call.get("states", {}).items():
            worst = max([worst] + [kc.tol_ratio(s, dec(o), tol) for s, o in zip(layer_states(sl[k]), states)])
    return worst


def run_check():
    ok = True
    for fname in FILES:
        ok &= check_file(fname, check_case)[0]
    print("CHECK OK" if ok else "CHECK FAILED")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="verify the files in test/cases instead of writing")
    ap.add_argument("--only", help="write only this file (e.g. family_gru.json)")
    args = ap.parse_args()
    if args.check:
        sys.exit(0 if run_check() else 1)
    for fname, gen in FILES.items():
        if args.only and fname != args.only:
            continue
        kc.write_json(fname, gen())


if __name__ == "__main__":
    main()
