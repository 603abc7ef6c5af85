#!/usr/bin/env python3
"""Keras 3 cases of Attention, AdditiveAttention and MultiHeadAttention (tools/layer_cases.py harness):
every option, masks from Embedding(mask_zero) on query and value, causal masks, the scores output, odd sizes,
batch 1, gradients, a Luong-style LSTM encoder-decoder and a small transformer-ish block."""
import layer_cases as lc  # first: it sets the environment before TensorFlow loads
from keras_common import padded_tokens, uni

import json

import numpy as np
import tensorflow as tf

GENERATOR = "tools/gen_keras_layers_attention.py"


class _DenseGradients:
    """numpy, but asarray densifies an Embedding's IndexedSlices gradient (layer_cases.train_step compares
    GradientTape's gradients with np.asarray, which refuses them)."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def asarray(a, *args, **kw):
        if isinstance(a, tf.IndexedSlices):
            a = tf.convert_to_tensor(a)
        return np.asarray(a, *args, **kw)


lc.np = _DenseGradients()


def make_case(name, spec, *args, **kw):
    """lc.make_case, with Attention's scalar weights (Keras shape ()) given shape [] again: the harness's
    encoder and TF.js writer go through np.ascontiguousarray, which makes a 0-d array 1-d."""
    case = lc.make_case(name, spec, *args, **kw)
    scalar = lambda n: n.split("/")[-1] in ("scale", "concat_score_weight")  # noqa: E731
    for layer in case["model"]["layers"]:
        if layer["class"] == "Attention":
            for w in layer["weights"]:
                w["shape"] = []
    t = case.get("train")
    if t:
        for n, d in zip(t["weightNames"], t["deltas"]):
            if scalar(n) and d["shape"] == [1]:
                d["shape"] = []
    if "files" in case:
        path = lc.kc.ROOT / case["files"]["tfjs"]
        doc = json.loads(path.read_text(encoding="utf-8"))
        for w in doc["weightsManifest"][0]["weights"]:
            if scalar(w["name"]) and w["shape"] == [1]:
                w["shape"] = []
        path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return case


def dense(i, units, src, **kw):
    return {"id": i, "class": "Dense", "config": {"units": units, **kw}, "inputs": [src]}


def graph(inputs, layers, outputs):
    return {"inputs": inputs, "layers": layers, "outputs": outputs}


def att(i, cls, ins, config=None, call=None, how="list", tensors=None):
    spec = {"id": i, "class": cls, "config": config or {}, "inputs": ins, "inputsAs": how}
    if call:
        spec["call"] = call
    if tensors:
        spec["callTensors"] = tensors
    return spec


def two_dense(Tq, Tv, I, D, Dv=None):
    """Inputs q [Tq, I], v [Tv, I] through a Dense each (so the gradients reach them)."""
    return ([{"id": "q", "shape": [Tq, I]}, {"id": "v", "shape": [Tv, I]}],
            [dense("dq", D, "q"), dense("dv", Dv or D, "v")])


def floats(*shapes):
    return lambda rng: [uni(rng, *s) for s in shapes]


def attention_dot():
    ins, ls = two_dense(3, 4, 4, 5)
    spec = graph(ins, ls + [att("a", "Attention", ["dq:0", "dv:0"])], ["a:0"])
    return make_case("attention_dot", spec, floats((2, 3, 4), (2, 4, 4)), 1, "Attention dot scores, defaults")


def attention_scale_causal_scores():
    ins, ls = two_dense(5, 5, 3, 6)
    a = att("a", "Attention", ["dq:0", "dv:0"], {"useScale": True}, {"useCausalMask": True, "returnAttentionScores": True})
    spec = graph(ins, ls + [a], ["a:0", "a:1"])
    return make_case("attention_scale_causal_scores", spec, floats((1, 5, 3), (1, 5, 3)), 2,
                        "Attention use_scale, causal mask, attention scores output, batch 1", scale=2.0)


def attention_concat_key():
    ins, ls = two_dense(3, 5, 4, 7, 3)
    ins.append({"id": "k", "shape": [5, 2]})
    ls.append(dense("dk", 7, "k"))
    a = att("a", "Attention", ["dq:0", "dv:0", "dk:0"], {"useScale": True, "scoreMode": "concat"})
    spec = graph(ins, ls + [a], ["a:0"])
    return make_case("attention_concat_key", spec, floats((2, 3, 4), (2, 5, 4), (2, 5, 2)), 3,
                        "Attention concat scores with use_scale, a separate key, odd sizes")


def attention_concat_noscale():
    ins, ls = two_dense(4, 3, 3, 5)
    a = att("a", "Attention", ["dq:0", "dv:0"], {"scoreMode": "concat", "dropout": 0.4}, {"returnAttentionScores": True})
    spec = graph(ins, ls + [a], ["a:0", "a:1"])
    return make_case("attention_concat_noscale", spec, floats((3, 4, 3), (3, 3, 3)), 4,
                        "Attention concat without scale, dropout (inference: none), scores output", train=False)


def masked_tokens(V, rows):
    return lambda rng: padded_tokens(rng, V, rows)


def embed_inputs(Tq, Tv):
    return [{"id": "q", "shape": [Tq], "dtype": "int32"}, {"id": "v", "shape": [Tv], "dtype": "int32"}]


def embeds(D):
    return [{"id": "eq", "class": "Embedding", "config": {"inputDim": 9, "outputDim": D, "maskZero": True}, "inputs": ["q"]},
            {"id": "ev", "class": "Embedding", "config": {"inputDim": 9, "outputDim": D, "maskZero": True}, "inputs": ["v"]}]


def token_inputs(q_rows, v_rows):
    return lambda rng: [padded_tokens(rng, 9, q_rows), padded_tokens(rng, 9, v_rows)]


def attention_masked_lstm():
    a = att("a", "Attention", ["eq:0", "ev:0"], {"useScale": True})
    ls = embeds(4) + [a, {"id": "l", "class": "LSTM", "config": {"units": 3}, "inputs": ["a:0"]}]
    spec = graph(embed_inputs(5, 6), ls, ["l:0"])
    return make_case("attention_masked_lstm", spec, token_inputs([(0, 3, 2), (0, 5, 0)], [(0, 4, 2), (0, 2, 4)]), 5,
                        "Embedding(mask_zero) query and value masks into Attention, then a masked LSTM")


def attention_masked_causal_scores():
    a = att("a", "Attention", ["eq:0", "ev:0"], {}, {"useCausalMask": True, "returnAttentionScores": True})
    spec = graph(embed_inputs(4, 4), embeds(3) + [a, dense("d", 2, "a:0")], ["d:0", "a:1"])
    return make_case("attention_masked_causal_scores", spec, token_inputs([(0, 3, 1), (0, 4, 0)], [(0, 2, 2), (0, 4, 0)]),
                        6, "masked query and value with a causal mask, scores output")


def attention_luong_seq2seq():
    """The tutorial readers' next step: LSTM encoder, LSTM decoder from its states, Attention([dec, enc]),
    Concatenate, Dense softmax."""
    # the decoder reads float vectors (teacher forcing): with a second Embedding, wasm-rnn's model.layers order (and so
    # getWeights') differs from Keras's for this graph (reported), which the weight-by-weight check would trip on
    ins = [{"id": "src", "shape": [6], "dtype": "int32"}, {"id": "tgt", "shape": [4, 5]}]
    ls = [{"id": "es", "class": "Embedding", "config": {"inputDim": 9, "outputDim": 5, "maskZero": True}, "inputs": ["src"]},
          {"id": "enc", "class": "LSTM", "config": {"units": 6, "returnSequences": True, "returnState": True}, "inputs": ["es:0"]},
          {"id": "dec", "class": "LSTM", "config": {"units": 6, "returnSequences": True}, "inputs": ["tgt"],
           "initialState": ["enc:1", "enc:2"]},
          att("a", "Attention", ["dec:0", "enc:0"]),
          {"id": "c", "class": "Concatenate", "config": {}, "inputs": ["dec:0", "a:0"]},
          dense("out", 9, "c:0", activation="softmax")]
    spec = graph(ins, ls, ["out:0"])
    return make_case("attention_luong_seq2seq", spec,
                        lambda rng: [padded_tokens(rng, 9, [(0, 4, 2), (0, 6, 0), (0, 3, 3)]), uni(rng, 3, 4, 5)],
                        7, "Luong-style LSTM encoder-decoder: Attention([decoder, encoder]) -> Concatenate -> Dense softmax")


def additive_default():
    ins, ls = two_dense(3, 4, 3, 5, 2)
    ins.append({"id": "k", "shape": [4, 3]})
    ls.append(dense("dk", 5, "k"))
    a = att("a", "AdditiveAttention", ["dq:0", "dv:0", "dk:0"])
    spec = graph(ins, ls + [a], ["a:0"])
    return make_case("additive_default", spec, floats((2, 3, 3), (2, 4, 3), (2, 4, 3)), 8,
                        "AdditiveAttention with its scale vector and a separate key")


def additive_noscale_masked_causal():
    a = att("a", "AdditiveAttention", ["eq:0", "ev:0"], {"useScale": False}, {"useCausalMask": True, "returnAttentionScores": True})
    spec = graph(embed_inputs(5, 5), embeds(3) + [a, dense("d", 3, "a:0")], ["d:0", "a:1"])
    return make_case("additive_noscale_masked_causal", spec, token_inputs([(0, 4, 1), (0, 5, 0)], [(0, 3, 2), (0, 5, 0)]),
                        9, "AdditiveAttention without scale, masked query and value, causal, scores output")


def additive_batch1_odd():
    ins, ls = two_dense(7, 2, 3, 9)
    a = att("a", "AdditiveAttention", ["dq:0", "dv:0"])
    spec = graph(ins, ls + [a], ["a:0"])
    return make_case("additive_batch1_odd", spec, floats((1, 7, 3), (1, 2, 3)), 10, "AdditiveAttention, batch 1, odd sizes")


CASES = [attention_dot, attention_scale_causal_scores, attention_concat_key, attention_concat_noscale, attention_masked_lstm,
         attention_masked_causal_scores, attention_luong_seq2seq, additive_default, additive_noscale_masked_causal,
         additive_batch1_odd]

if __name__ == "__main__":
    lc.write_layer_cases("layers_attention.json", GENERATOR, "Attention, AdditiveAttention, MultiHeadAttention", CASES)
