#!/usr/bin/env python3
"""Keras 3 cases of Attention, AdditiveAttention and MultiHeadAttention (tools/layer_cases.py harness):
every option, masks from Embedding(mask_zero) on query and value, causal masks, the scores output, odd sizes,
batch 1, gradients, a Luong-style LSTM encoder-decoder and a small transformer-ish block."""
import layer_cases as lc  # first: it sets the environment before TensorFlow loads
from keras_common import padded_tokens, uni


import numpy as np

GENERATOR = "tools/gen_keras_layers_attention.py"


make_case = lc.make_case


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


def mha(i, ins, config, call=None, tensors=None):
    return att(i, "MultiHeadAttention", ins, config, call, "positional", tensors)


def mha_self():
    ins = [{"id": "x", "shape": [4, 3]}]
    ls = [dense("d", 6, "x"), mha("m", ["d:0", "d:0"], {"numHeads": 2, "keyDim": 3})]
    return make_case("mha_self", graph(ins, ls, ["m:0"]), floats((2, 4, 3)), 11, "MultiHeadAttention self-attention, 2 heads")


def mha_cross_key():
    ins = [{"id": "q", "shape": [3, 4]}, {"id": "v", "shape": [5, 2]}, {"id": "k", "shape": [5, 3]}]
    ls = [dense("dq", 4, "q"), mha("m", ["dq:0", "v", "k"], {"numHeads": 3, "keyDim": 2, "valueDim": 4, "outputShape": 5})]
    return make_case("mha_cross_key", graph(ins, ls, ["m:0"]), floats((2, 3, 4), (2, 5, 2), (2, 5, 3)), 12,
                     "cross attention with a separate key, valueDim, outputShape, odd sizes")


def mha_nobias_causal_scores():
    ins = [{"id": "x", "shape": [5, 3]}]
    ls = [mha("m", ["x", "x"], {"numHeads": 2, "keyDim": 5, "useBias": False}, {"useCausalMask": True, "returnAttentionScores": True})]
    # not trained: Keras gives the scores output the attention mask as its Keras mask, which its own loss then
    # cannot broadcast ([B, N, Tq] losses vs a [B, 1, Tq, Tv] mask); mha_scores_grad trains a scores output
    return make_case("mha_nobias_causal_scores", graph(ins, ls, ["m:0", "m:1"]), floats((1, 5, 3)), 13,
                     "no biases, causal mask, attention scores output, batch 1", train=False)


def mha_scores_grad():
    ins = [{"id": "q", "shape": [3, 4]}, {"id": "v", "shape": [4, 4]}]
    ls = [dense("dq", 4, "q"), mha("m", ["dq:0", "v"], {"numHeads": 2, "keyDim": 3}, {"returnAttentionScores": True})]
    return make_case("mha_scores_grad", graph(ins, ls, ["m:0", "m:1"]), floats((2, 3, 4), (2, 4, 4)), 20,
                     "the scores output with a loss of its own (gradients through both outputs)")


def mask_input(rng, B, Tq, Tv):
    m = (rng.uniform(size=(B, Tq, Tv)) > 0.3).astype(np.float32)
    m[0, 1, :] = 0  # a fully masked query row
    return m


def mha_attention_mask():
    ins = [{"id": "q", "shape": [4, 3]}, {"id": "v", "shape": [3, 3]}, {"id": "am", "shape": [4, 3]}]
    ls = [dense("dq", 3, "q"), mha("m", ["dq:0", "v"], {"numHeads": 2, "keyDim": 3}, None, {"attentionMask": "am"})]
    return make_case("mha_attention_mask", graph(ins, ls, ["m:0"]), lambda rng: [uni(rng, 2, 4, 3), uni(rng, 2, 3, 3), mask_input(rng, 2, 4, 3)],
                     14, "attention_mask tensor (a fully masked row: uniform weights, Keras's dot_product_attention path)")


def mha_attention_mask_scores():
    ins = [{"id": "q", "shape": [4, 3]}, {"id": "v", "shape": [3, 3]}, {"id": "am", "shape": [4, 3]}]
    ls = [mha("m", ["q", "v"], {"numHeads": 1, "keyDim": 4}, {"returnAttentionScores": True, "useCausalMask": True},
              {"attentionMask": "am"})]
    return make_case("mha_attention_mask_scores", graph(ins, ls, ["m:0", "m:1"]),
                     lambda rng: [uni(rng, 2, 4, 3), uni(rng, 2, 3, 3), mask_input(rng, 2, 4, 3)], 15,
                     "attention_mask with causal and the scores output (a fully masked row: zero weights, Keras's Softmax path)",
                     train=False)


def mha_masked_lstm():
    ls = embeds(4) + [mha("m", ["eq:0", "ev:0"], {"numHeads": 2, "keyDim": 3}),
                      {"id": "l", "class": "LSTM", "config": {"units": 3}, "inputs": ["m:0"]}]
    spec = graph(embed_inputs(5, 6), ls, ["l:0"])
    return make_case("mha_masked_lstm", spec, token_inputs([(0, 3, 2), (0, 5, 0)], [(0, 4, 2), (0, 2, 4)]), 16,
                     "Embedding(mask_zero) query and value masks into MultiHeadAttention, then a masked LSTM")


def mha_masked_scores():
    ls = embeds(4) + [mha("m", ["eq:0", "ev:0", "ev:0"], {"numHeads": 2, "keyDim": 2}, {"returnAttentionScores": True})]
    spec = graph(embed_inputs(4, 5), ls, ["m:0", "m:1"])
    return make_case("mha_masked_scores", spec, token_inputs([(0, 2, 2), (0, 4, 0)], [(0, 3, 2), (0, 5, 0)]), 17,
                     "masked query, value and key, scores output (masked query rows: zero weights)", train=False)


def mha_transformer_block():
    """A small transformer-ish block without LayerNormalization: causal self-attention with a residual, a Dense
    feed-forward with a residual, then an LSTM reads it."""
    ins = [{"id": "x", "shape": [6], "dtype": "int32"}]
    ls = [{"id": "e", "class": "Embedding", "config": {"inputDim": 9, "outputDim": 8, "maskZero": True}, "inputs": ["x"]},
          mha("m", ["e:0", "e:0"], {"numHeads": 2, "keyDim": 4}, {"useCausalMask": True}),
          {"id": "r1", "class": "Add", "config": {}, "inputs": ["e:0", "m:0"]},
          dense("f1", 12, "r1:0", activation="relu"),
          dense("f2", 8, "f1:0"),
          {"id": "r2", "class": "Add", "config": {}, "inputs": ["r1:0", "f2:0"]},
          {"id": "l", "class": "LSTM", "config": {"units": 4}, "inputs": ["r2:0"]},
          dense("out", 2, "l:0")]
    return make_case("mha_transformer_block", graph(ins, ls, ["out:0"]),
                     lambda rng: [padded_tokens(rng, 9, [(0, 6, 0), (0, 4, 2), (0, 2, 4)])], 18,
                     "causal self-attention + residual + Dense feed-forward + residual -> LSTM -> Dense")


def mha_dropout_output_list():
    ins = [{"id": "x", "shape": [3, 4]}]
    ls = [mha("m", ["x", "x"], {"numHeads": 2, "keyDim": 2, "dropout": 0.3, "outputShape": [2, 3]})]
    return make_case("mha_dropout_output_list", graph(ins, ls, ["m:0"]), floats((2, 3, 4)), 19,
                     "dropout (inference: none) and a two-axis outputShape", train=False)


def mha_wide_causal():
    ins = [{"id": "x", "shape": [10, 8]}]
    ls = [mha("m", ["x", "x"], {"numHeads": 2, "keyDim": 16, "valueDim": 16}, {"useCausalMask": True})]
    return make_case("mha_wide_causal", graph(ins, ls, ["m:0"]), floats((2, 10, 8)), 21,
                     "causal self-attention wide enough for the kernels' vector paths: keyDim and valueDim 16, 10 steps (4-wide tiles plus tails)")


def mha_wide_odd_masked():
    ins = [{"id": "q", "shape": [11, 6]}, {"id": "v", "shape": [13, 5]}, {"id": "k", "shape": [13, 7]}, {"id": "am", "shape": [11, 13]}]
    ls = [mha("m", ["q", "v", "k"], {"numHeads": 2, "keyDim": 21, "valueDim": 19, "outputShape": 9}, {"returnAttentionScores": True},
              {"attentionMask": "am"})]
    return make_case("mha_wide_odd_masked", graph(ins, ls, ["m:0", "m:1"]),
                     lambda rng: [uni(rng, 3, 11, 6), uni(rng, 3, 13, 5), uni(rng, 3, 13, 7), mask_input(rng, 3, 11, 13)], 22,
                     "odd sizes past the vector blocks (11 queries, 13 keys, keyDim 21, valueDim 19) with an attention_mask and the scores",
                     train=False)


CASES = [attention_dot, attention_scale_causal_scores, attention_concat_key, attention_concat_noscale, attention_masked_lstm,
         attention_masked_causal_scores, attention_luong_seq2seq, additive_default, additive_noscale_masked_causal,
         additive_batch1_odd, mha_self, mha_cross_key, mha_nobias_causal_scores, mha_scores_grad, mha_attention_mask, mha_attention_mask_scores,
         mha_masked_lstm, mha_masked_scores, mha_transformer_block, mha_dropout_output_list, mha_wide_causal,
         mha_wide_odd_masked]

if __name__ == "__main__":
    lc.write_layer_cases("layers_attention.json", GENERATOR, "Attention, AdditiveAttention, MultiHeadAttention", CASES)
