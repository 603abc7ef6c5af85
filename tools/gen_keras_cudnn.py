#!/usr/bin/env python3
"""Legacy CuDNNLSTM / CuDNNGRU files (issue 13, item 2): Keras 2 `.h5` files as Keras 2.2-2.3 wrote them for models
with the GPU-only cuDNN layers, made here without Keras 2 (not on this machine) from a real Keras 3 LSTM / GRU:

- a Keras 3 model with LSTM(recurrent_activation="sigmoid") or GRU(reset_after=True), the functions cuDNN fixes,
  with seeded weights, gives the reference `predict`;
- its weights are converted to the cuDNN layout the way Keras 2's loader undid it (keras/engine/saving.py
  `_convert_rnn_weights`): each gate's input-kernel block K (I, H) is stored as K.T reshaped to (I, H) (cuDNN
  reads the block's values as an (H, I) matrix), each recurrent block transposed, the LSTM bias split into an
  input and a recurrent half (8H, split unevenly so the test sees the sum), the GRU's [2, 3H] flattened (6H);
- the `.h5` is written with h5py in Keras 2's layout: root attributes keras_version / backend / model_config
  (class_name CuDNNLSTM / CuDNNGRU with Keras 2's config keys), model_weights/<layer>/<layer>/kernel:0 ... with
  layer_names and weight_names attributes.

Run: .venv/bin/python tools/gen_keras_cudnn.py  (writes test/cases/cudnn.json and test/models/cudnn/*.h5)
"""
import json

import keras_common as kc  # first: it sets the environment before TensorFlow loads

import h5py
import keras
import numpy as np

GENERATOR = "tools/gen_keras_cudnn.py"
MODELS = kc.ROOT / "test" / "models" / "cudnn"


def to_cudnn(kernel, recurrent, bias, gates, rng):
    """Keras layout -> the cuDNN layer's stored layout (the inverse of Keras 2's _convert_rnn_weights)."""
    I, W = kernel.shape
    H = W // gates
    k = np.hstack([kb.T.reshape(I, H) for kb in np.hsplit(kernel, gates)])
    r = np.hstack([rb.T for rb in np.hsplit(recurrent, gates)])
    if gates == 4:
        part = rng.uniform(-0.5, 0.5, size=bias.shape).astype(np.float32)
        b = np.concatenate([bias - part, part])
    else:
        b = bias.reshape(-1)
    return [k.astype(np.float32), r.astype(np.float32), b.astype(np.float32)]


def init(name, scale=1.0):
    return {"class_name": name, "config": {"seed": None} if name != "Zeros" else {}}


def cudnn_config(kind, name, units, extra):
    cfg = {"name": name, "trainable": True, "units": units, "kernel_initializer": init("VarianceScaling"),
           "recurrent_initializer": init("Orthogonal"), "bias_initializer": init("Zeros"),
           "kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None,
           "activity_regularizer": None, "kernel_constraint": None, "recurrent_constraint": None,
           "bias_constraint": None, "return_sequences": False, "return_state": False, "go_backwards": False,
           "stateful": False}
    if kind == "CuDNNLSTM":
        cfg["unit_forget_bias"] = True
    cfg.update(extra)
    return {"class_name": kind, "config": cfg}


def dense_config(name, units):
    return {"class_name": "Dense", "config": {"name": name, "trainable": True, "units": units, "activation": "linear",
                                               "use_bias": True, "kernel_initializer": init("VarianceScaling"),
                                               "bias_initializer": init("Zeros"), "kernel_regularizer": None,
                                               "bias_regularizer": None, "activity_regularizer": None,
                                               "kernel_constraint": None, "bias_constraint": None}}


def write_h5(path, model_config, groups):
    """groups: [(layer name, [(weight name, array)])] in Keras 2's model_weights layout."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.2.4"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(model_config).encode("utf-8")
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = [n.encode("utf-8") for n, _ in groups]
        mw.attrs["backend"] = b"tensorflow"
        mw.attrs["keras_version"] = b"2.2.4"
        for n, ws in groups:
            g = mw.create_group(n)
            g.attrs["weight_names"] = [w.encode("utf-8") for w, _ in ws]
            for w, a in ws:
                g.create_dataset(w, data=np.asarray(a, np.float32))
    return str(path.relative_to(kc.ROOT))


def rnn(kind, units, **kw):
    if kind == "CuDNNLSTM":
        return keras.layers.LSTM(units, recurrent_activation="sigmoid", **kw)
    return keras.layers.GRU(units, recurrent_activation="sigmoid", reset_after=True, **kw)


def weights_of(layer, rng, scale=1.0):
    vals = [np.asarray(w, np.float32) for w in layer.get_weights()]
    vals = [v * scale if v.ndim == 2 else rng.uniform(-0.5, 0.5, size=v.shape).astype(np.float32) for v in vals]
    layer.set_weights(vals)
    return vals


def case_sequential(name, kind, T, I, H, D, seed, extra):
    """Sequential([CuDNN*(batch_input_shape), Dense]) as Keras 2 saved it."""
    keras.backend.clear_session()
    rng = kc.seeded(seed)
    cell = rnn(kind, H, **{k: v for k, v in extra.items()})
    dense = keras.layers.Dense(D)
    model = keras.Sequential([keras.Input((T, I)), cell, dense])
    gates = 4 if kind == "CuDNNLSTM" else 3
    cw = weights_of(cell, rng, 1.5)
    dw = weights_of(dense, rng)
    x = rng.uniform(-1, 1, size=(3, T, I)).astype(np.float32)
    y = kc.predict(model, x)
    lname = "cu_dnnlstm_1" if kind == "CuDNNLSTM" else "cu_dnngru_1"
    snake = {k: v for k, v in extra.items()}
    layer_cfg = cudnn_config(kind, lname, H, snake)
    layer_cfg["config"]["batch_input_shape"] = [None, T, I]
    layer_cfg["config"]["dtype"] = "float32"
    config = {"class_name": "Sequential", "config": {"name": "sequential_1",
                                                     "layers": [layer_cfg, dense_config("dense_1", D)]}}
    groups = [(lname, [(f"{lname}/{w}:0", a) for w, a in zip(("kernel", "recurrent_kernel", "bias"),
                                                              to_cudnn(*cw, gates, rng))]),
              ("dense_1", [("dense_1/kernel:0", dw[0]), ("dense_1/bias:0", dw[1])])]
    path = write_h5(MODELS / f"{name}.h5", config, groups)
    return {"name": name, "description": f"Sequential {kind}({H}, {extra}) -> Dense({D}) in a Keras 2.2.4 .h5",
            "file": path, "inputs": [kc.enc(x)], "outputs": [kc.enc(o) for o in y]}


def case_bidirectional(name, kind, T, I, H, seed):
    """Functional Input -> Bidirectional(CuDNN*(return_sequences)) as Keras 2 saved it."""
    keras.backend.clear_session()
    rng = kc.seeded(seed)
    bi = keras.layers.Bidirectional(rnn(kind, H, return_sequences=True))
    inp = keras.Input((T, I))
    model = keras.Model(inp, bi(inp))
    gates = 4 if kind == "CuDNNLSTM" else 3
    vals = weights_of(bi, rng, 1.5)
    x = rng.uniform(-1, 1, size=(2, T, I)).astype(np.float32)
    y = kc.predict(model, x)
    inner = cudnn_config(kind, "cu_dnn", H, {"return_sequences": True})
    low = kind.lower().replace("cudnn", "cu_dnn")
    config = {"class_name": "Model", "config": {
        "name": "model_1",
        "layers": [{"name": "input_1", "class_name": "InputLayer",
                    "config": {"batch_input_shape": [None, T, I], "dtype": "float32", "sparse": False, "name": "input_1"},
                    "inbound_nodes": []},
                   {"name": "bidirectional_1", "class_name": "Bidirectional",
                    "config": {"name": "bidirectional_1", "trainable": True, "layer": inner, "merge_mode": "concat"},
                    "inbound_nodes": [[["input_1", 0, 0, {}]]]}],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["bidirectional_1", 0, 0]]}}
    fw = to_cudnn(*vals[:3], gates, rng)
    bw = to_cudnn(*vals[3:], gates, rng)
    names = ("kernel", "recurrent_kernel", "bias")
    ws = [(f"bidirectional_1/forward_{low}_1/{n}:0", a) for n, a in zip(names, fw)]
    ws += [(f"bidirectional_1/backward_{low}_1/{n}:0", a) for n, a in zip(names, bw)]
    path = write_h5(MODELS / f"{name}.h5", config, [("input_1", []), ("bidirectional_1", ws)])
    return {"name": name, "description": f"Input -> Bidirectional({kind}({H}, return_sequences)) in a Keras 2.2.4 .h5",
            "file": path, "inputs": [kc.enc(x)], "outputs": [kc.enc(o) for o in y]}


def main():
    cases = [
        case_sequential("cudnn_lstm", "CuDNNLSTM", 6, 3, 5, 2, 1, {}),
        case_sequential("cudnn_lstm_sequences", "CuDNNLSTM", 4, 7, 3, 4, 2, {"return_sequences": True}),
        case_sequential("cudnn_gru", "CuDNNGRU", 5, 4, 6, 3, 3, {}),
        case_sequential("cudnn_gru_backwards", "CuDNNGRU", 7, 2, 4, 2, 4, {"go_backwards": True}),
        case_bidirectional("cudnn_bidirectional_lstm", "CuDNNLSTM", 5, 3, 4, 5),
        case_bidirectional("cudnn_bidirectional_gru", "CuDNNGRU", 4, 5, 3, 6),
    ]
    kc.write_json("cudnn.json", kc.header(GENERATOR, "legacy CuDNNLSTM / CuDNNGRU Keras 2 .h5 files", cases))


if __name__ == "__main__":
    main()
