#!/usr/bin/env python3
"""Keras 3's `model.layers` order for graphs with branches of different lengths, several inputs,
initial states from another branch and shared layers: by depth from the deepest, ties by when a
depth-first walk from the outputs first meets a layer (keras/src/ops/function.py map_graph). That
order is also get_weights()'s and trainable_variables' (so a .keras file's optimizer variables).

    .venv/bin/python tools/gen_keras_layer_order.py   # writes test/cases/layer_order.json
"""
import keras_common as kc  # first: it sets the environment before TensorFlow loads

GENERATOR = "tools/gen_keras_layer_order.py"


def inp(i, shape):
    return {"id": i, "shape": list(shape)}


def L(i, cls, cfg, inputs, **kw):
    return {"id": i, "class": cls, "config": {**cfg, "name": i}, "inputs": inputs, "weights": [], **kw}


def dense(i, units, inputs):
    return L(i, "Dense", {"units": units}, inputs)


CASES = [
    ("branches_of_different_lengths", "x -> a -> b and x -> c, then Add([c, b]): c comes before b",
     {"inputs": [inp("x", [4])],
      "layers": [dense("a", 3, ["x"]), dense("b", 3, ["a:0"]), dense("c", 3, ["x"]), L("add", "Add", {}, ["c:0", "b:0"])],
      "outputs": ["add:0"]}),
    ("input_joining_late", "a second input that only meets the first branch at the end comes after it",
     {"inputs": [inp("x1", [4]), inp("x2", [3])],
      "layers": [dense("d1", 3, ["x1"]), dense("d2", 3, ["d1:0"]), L("cat", "Concatenate", {}, ["d2:0", "x2"])],
      "outputs": ["cat:0"]}),
    ("two_heads", "inputs given as [x2, x1], heads on both",
     {"inputs": [inp("x2", [3]), inp("x1", [4])],
      "layers": [dense("d1", 3, ["x1"]), dense("d2", 3, ["d1:0"]), dense("o1", 2, ["d2:0"]), dense("o2", 2, ["x2"])],
      "outputs": ["o1:0", "o2:0"]}),
    ("encoder_decoder", "the decoder's initial state from the encoder, a Dense on the decoder",
     {"inputs": [inp("enc_in", [5, 3]), inp("dec_in", [4, 2])],
      "layers": [L("encoder", "LSTM", {"units": 6, "returnState": True}, ["enc_in"]),
                 L("decoder", "LSTM", {"units": 6, "returnSequences": True}, ["dec_in"],
                   initialState=["encoder:1", "encoder:2"]),
                 L("head", "TimeDistributed", {}, ["decoder:0"], layer={"class": "Dense", "config": {"units": 3}})],
      "outputs": ["head:0"]}),
    ("shared_layer", "a Dense used on x and on e(x): its depth is the deeper call's",
     {"inputs": [inp("x", [4])],
      "layers": [dense("e", 4, ["x"]), dense("shared", 4, ["x"]), L("shared2", "Dense", {}, ["e:0"], shareWith="shared"),
                 L("sum", "Add", {}, ["shared:0", "shared2:0"])],
      "outputs": ["sum:0"]}),
    ("gru_and_lstm_side_by_side", "two recurrent branches of different depths over one sequence, concatenated",
     {"inputs": [inp("seq", [5, 3])],
      "layers": [L("conv", "Conv1D", {"filters": 4, "kernelSize": 2}, ["seq"]),
                 L("lstm", "LSTM", {"units": 3}, ["conv:0"]),
                 L("gru", "GRU", {"units": 2}, ["seq"]),
                 L("cat", "Concatenate", {}, ["gru:0", "lstm:0"]),
                 dense("out", 1, ["cat:0"])],
      "outputs": ["out:0"]}),
]


def build(spec):
    """kc.build, with `shareWith` calling an earlier layer again instead of making one."""
    tensors, layers, ins = {}, {}, []
    for s in spec["inputs"]:
        t = kc.keras_input(s)
        tensors[s["id"]] = t
        ins.append(t)
        layers[s["id"]] = t._keras_history[0]
    for s in spec["layers"]:
        layer = layers[s["shareWith"]] if "shareWith" in s else kc.keras_layer(s)
        layers.setdefault(s["id"], layer)
        args = [tensors[r] for r in s["inputs"]]
        out = layer(*kc.call_args(s, args), **kc.call_kwargs(s, tensors))
        for i, o in enumerate(kc.as_list(out)):
            tensors[f"{s['id']}:{i}"] = o
    outs = [tensors[r] for r in spec["outputs"]]
    return kc.keras.Model(ins, outs if len(outs) > 1 else outs[0]), layers


def case(name, description, spec):
    kc.keras.backend.clear_session()
    model, layers = build(spec)
    ids = {id(layer): i for i, layer in layers.items() if i not in {s["id"] for s in spec["layers"] if "shareWith" in s}}
    return {
        "name": name,
        "description": description,
        "model": spec,
        "layerOrder": [ids[id(layer)] for layer in model.layers],
        "weightShapes": [list(w.shape) for w in model.get_weights()],
    }


if __name__ == "__main__":
    cases = [case(*c) for c in CASES]
    kc.write_json("layer_order.json", kc.header(GENERATOR, "Keras 3's model.layers and get_weights() order", cases))
