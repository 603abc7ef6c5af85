"""What every generator of tools/ shares: the environment, the JSON encoding, the case-file header, the
graph format of the family and training cases, Keras losses and optimizers from their specs, and the
`--check` loop. No generator imports another; each imports this module first, before TensorFlow loads.
"""

import os
import sys

# Must be set before TensorFlow / Keras are imported: CPU only, no TensorFlow log lines.
os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
# model.summary() caps its width at (terminal columns - 4).  When stdout is not
# a TTY the "terminal" is 80 columns, which would give 76-character tables.
# Pin a wide virtual terminal so the recorded texts use Keras's nominal
# default widths (88 for sequential-like models, 108 for functional graphs)
# no matter where the script runs.
os.environ["COLUMNS"] = "200"

import base64  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

# rich (used by model.summary) falls back to ASCII boxes on non-UTF-8 streams.
if hasattr(sys.stdout, "reconfigure"):
    sys.stdout.reconfigure(encoding="utf-8")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from rich.text import Text  # noqa: E402

tf.get_logger().setLevel("ERROR")  # silence tf.function retracing warnings
keras.config.set_floatx("float32")  # every stored value is float32 (a --check diagnostic may switch to float64)

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "test" / "cases"
TOLERANCE = {"atol": 1e-5, "rtol": 1e-4}


def seeded(seed):
    """Seeds Keras (its initialisers, dropout) and returns the NumPy generator a case draws its data from."""
    keras.utils.set_random_seed(seed)
    return np.random.RandomState(seed)


# --------------------------------------------------------------------------
# activations
# --------------------------------------------------------------------------


def hard_sigmoid_legacy(x):
    """Keras 2 / TF.js hard sigmoid: clip(0.2 * x + 0.5, 0, 1)."""
    return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)


def keras_activation(name):
    """Map a config activation name to what the Keras layer constructor takes."""
    if name == "hard_sigmoid_legacy":
        return hard_sigmoid_legacy
    if name not in ("tanh", "relu", "linear", "sigmoid", "hard_sigmoid", "softmax"):
        raise ValueError(f"unknown activation {name!r}")
    return name


SHORT = {
    "tanh": "tanh",
    "relu": "relu",
    "linear": "linear",
    "sigmoid": "sig",
    "hard_sigmoid": "hardsig",
    "hard_sigmoid_legacy": "hardsiglegacy",
    "softmax": "softmax",
}


# --------------------------------------------------------------------------
# encoding: arrays as {shape, b64[, dtype]}, little-endian, C order
# --------------------------------------------------------------------------


def enc(a):
    a = np.array(a, dtype="<f4", order="C")  # keeps a scalar weight 0-d
    return {"shape": [int(d) for d in a.shape], "b64": base64.b64encode(a.tobytes()).decode("ascii")}


def dec(o):
    raw = base64.b64decode(o["b64"])
    return np.frombuffer(raw, dtype="<f4").reshape(o["shape"]).astype(np.float32)


def enc_int(a):
    a = np.array(a, dtype="<i4", order="C")
    return {"shape": [int(d) for d in a.shape], "b64": base64.b64encode(a.tobytes()).decode("ascii"), "dtype": "int32"}


def dec_any(o):
    if o.get("dtype") == "int32":
        return np.frombuffer(base64.b64decode(o["b64"]), dtype="<i4").reshape(o["shape"]).astype(np.int32)
    return dec(o)


def enc_arr(a):
    """int32 arrays (token ids, class ids) keep their dtype; everything else is float32."""
    return enc_int(a) if a.dtype == np.int32 else enc(a)


def as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def tol_ratio(got, want, tol):
    """max |got - want| / (atol + rtol*|want|); <= 1 means within tolerance."""
    got = np.asarray(got, np.float64)
    want = np.asarray(want, np.float64)
    return float(np.max(np.abs(got - want) / (tol["atol"] + tol["rtol"] * np.abs(want)))) if got.size else 0.0


# --------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------


def file_header(generator):
    """The top of every case file: which script wrote it, with which Keras and TensorFlow, and the tolerance."""
    return {
        "generator": generator,
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "tolerance": dict(TOLERANCE),
    }


def header(generator, description, cases):
    """A whole case file: the header, a description of the cases, the cases."""
    obj = file_header(generator)
    obj["description"] = description
    obj["cases"] = cases
    return obj


def write_json(name, obj):
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / name
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {path.relative_to(ROOT)}  ({path.stat().st_size:,} bytes, {len(obj['cases'])} cases)")


# --------------------------------------------------------------------------
# predict and model.summary() capture
# --------------------------------------------------------------------------


def predict(model, inputs):
    return [np.asarray(o, dtype=np.float32) for o in as_list(model.predict(inputs, verbose=0))]


def plain(markup):
    return Text.from_markup(markup).plain


def capture_summary(model, case_name):
    from keras.src.utils import summary_utils

    chunks = []
    model.summary(print_fn=lambda s, *a, **k: chunks.append(s))
    text = "".join(chunks)
    functional = "Connected to" in text
    layers = []
    for layer in model.layers:
        entry = {
            "name": layer.name,
            "class_name": layer.__class__.__name__,
            "output_shape": plain(summary_utils.format_layer_shape(layer)),
            "params": int(layer.count_params()),
        }
        if functional:
            conns = []
            for node in layer._inbound_nodes:
                for kt in node.input_tensors:
                    kh = kt._keras_history
                    conns.append(f"{kh.operation.name}[{kh.node_index}][{kh.tensor_index}]")
            entry["connected_to"] = ", ".join(conns) if conns else "-"
        layers.append(entry)
    width = max(len(line) for line in text.splitlines())
    return {
        "name": case_name,
        "model_name": model.name,
        "line_length": width,
        "text": text,
        "layers": layers,
    }


# --------------------------------------------------------------------------
# the graph format of test/cases/family_*.json and train_*.json (camelCase, wasm-rnn names) -> Keras
# --------------------------------------------------------------------------


RNN_KEYS = {
    "units": "units", "activation": "activation", "recurrentActivation": "recurrent_activation",
    "useBias": "use_bias", "returnSequences": "return_sequences", "returnState": "return_state",
    "goBackwards": "go_backwards", "stateful": "stateful", "resetAfter": "reset_after",
    "unitForgetBias": "unit_forget_bias",
}


def keras_layer(spec):
    """The Keras layer of a spec, named after config["name"] when it has one (before it is called, so its weights'
    paths are under that name too): Keras names the metrics of an output after its layer."""
    layer = unnamed_keras_layer(spec)
    name = spec.get("config", {}).get("name")
    if name:
        layer.name = name
    return layer


def unnamed_keras_layer(spec):
    cls, cfg = spec["class"], dict(spec.get("config", {}))
    if cls in ("LSTM", "GRU", "SimpleRNN"):
        # returnCellSequences is ours (beyond Keras): the Keras layer is built without it
        kw = {RNN_KEYS[k]: v for k, v in cfg.items() if k not in ("returnCellSequences", "name")}
        for k in ("activation", "recurrent_activation"):
            if k in kw:
                kw[k] = keras_activation(kw[k])
        return getattr(keras.layers, cls)(**kw)
    if cls == "Bidirectional":
        inner = keras_layer(spec["layer"])
        return keras.layers.Bidirectional(inner, merge_mode=cfg.get("mergeMode", "concat"))
    if cls == "TimeDistributed":
        return keras.layers.TimeDistributed(keras_layer(spec["layer"]))
    if cls == "Dense":
        return keras.layers.Dense(cfg["units"], activation=keras_activation_any(cfg.get("activation", "linear")),
                                  use_bias=cfg.get("useBias", True))
    if cls == "Masking":
        return keras.layers.Masking(mask_value=cfg.get("maskValue", 0.0))
    if cls == "Embedding":
        return keras.layers.Embedding(cfg["inputDim"], cfg["outputDim"], mask_zero=cfg.get("maskZero", False))
    if cls == "RepeatVector":
        return keras.layers.RepeatVector(cfg["n"])
    if cls == "Concatenate":
        return keras.layers.Concatenate(axis=cfg.get("axis", -1))
    if cls == "Add":
        return keras.layers.Add()
    if cls == "Activation":
        return keras.layers.Activation(keras_activation_any(cfg["activation"]))
    if cls == "Dropout":
        return keras.layers.Dropout(cfg["rate"])
    if cls == "Flatten":
        return keras.layers.Flatten()
    # every other layer (issue 13's): wasm-rnn's camelCase options are Keras's snake_case ones
    layer_cls = getattr(keras.layers, cls, None)
    if layer_cls is None:
        raise ValueError(f"no Keras layer {cls}")
    kw = {snake_case(k): v for k, v in cfg.items() if k != "name"}
    for k in ("activation", "recurrent_activation"):
        if isinstance(kw.get(k), str):
            kw[k] = keras_activation_any(kw[k])
    if "layer" in spec:
        return layer_cls(keras_layer(spec["layer"]), **kw)
    return layer_cls(**kw)


def snake_case(name):
    """poolSize -> pool_size: wasm-rnn's option names are Keras's, in camelCase."""
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def keras_activation_any(name):
    """Like keras_activation, but any Keras activation name passes through (the new layers take them all)."""
    return hard_sigmoid_legacy if name == "hard_sigmoid_legacy" else name


def call_args(spec, args):
    """How a layer of a spec is called: one tensor, a list (`"inputsAs": "list"`, merges and Attention) or
    positional tensors (`"inputsAs": "positional"`, MultiHeadAttention's query, value, key)."""
    how = spec.get("inputsAs", "list" if spec["class"] in ("Concatenate", "Add") else "single")
    if how == "list":
        return [args]
    if how == "positional":
        return list(args)
    return [args[0]]


def call_kwargs(spec, tensors):
    """The keyword arguments of a call: initial states, tensors named in `"callTensors"` (attention masks),
    and plain `"call"` options (useCausalMask, returnAttentionScores), camelCase in the spec."""
    kwargs = {}
    if spec.get("initialState"):
        kwargs["initial_state"] = [tensors[r] for r in spec["initialState"]]
    for k, ref in spec.get("callTensors", {}).items():
        kwargs[snake_case(k)] = tensors[ref]
    for k, v in spec.get("call", {}).items():
        kwargs[snake_case(k)] = v
    return kwargs


def keras_input(spec):
    dtype = spec.get("dtype", "float32")
    if "batchShape" in spec:
        return keras.Input(batch_shape=tuple(spec["batchShape"]), dtype=dtype)
    return keras.Input(shape=tuple(spec["shape"]), dtype=dtype)


def build(model_spec):
    """Builds the Keras model; returns (model, {layer id: keras layer})."""
    tensors, layers = {}, {}
    ins = []
    for s in model_spec["inputs"]:
        t = keras_input(s)
        tensors[s["id"]] = t
        ins.append(t)
    for spec in model_spec["layers"]:
        layer = keras_layer(spec)
        layers[spec["id"]] = layer
        args = [tensors[r] for r in spec["inputs"]]
        out = layer(*call_args(spec, args), **call_kwargs(spec, tensors))
        for i, o in enumerate(as_list(out)):
            tensors[f"{spec['id']}:{i}"] = o
    outs = [tensors[r] for r in model_spec["outputs"]]
    if model_spec.get("sequential"):
        model = keras.Sequential([keras.Input(**input_kwargs(model_spec["inputs"][0]))]
                                 + [layers[s["id"]] for s in model_spec["layers"]])
    else:
        model = keras.Model(ins, outs if len(outs) > 1 else outs[0])
    return model, layers


def input_kwargs(s):
    kw = {"dtype": s.get("dtype", "float32")}
    if "batchShape" in s:
        kw["batch_shape"] = tuple(s["batchShape"])
    else:
        kw["shape"] = tuple(s["shape"])
    return kw


def randomize(layer, rng, scale):
    """Scales Keras's initial kernels by `scale`; biases uniform(-0.5, 0.5); embeddings uniform(-1, 1)."""
    ws = layer.weights
    if not ws:
        return []
    vals = []
    for v in ws:
        a = np.asarray(v.numpy(), dtype=np.float32)
        name = v.path.split("/")[-1]
        if "bias" in name:
            a = rng.uniform(-0.5, 0.5, size=a.shape)
        elif "embeddings" in name:
            a = rng.uniform(-1, 1, size=a.shape)
        else:
            a = a * scale
        vals.append(np.asarray(a, dtype=np.float32))
    layer.set_weights(vals)
    return [np.asarray(w, dtype=np.float32) for w in layer.get_weights()]


def stateful_layers(layers):
    return {k: l for k, l in layers.items() if getattr(l, "stateful", False)}


def layer_states(layer):
    if isinstance(layer, keras.layers.Bidirectional):
        vs = list(layer.forward_layer.states) + list(layer.backward_layer.states)
    else:
        vs = list(layer.states)
    return [np.asarray(v.numpy(), dtype=np.float32) for v in vs]


def uni(rng, *shape):
    return rng.uniform(-1, 1, size=shape).astype(np.float32)


# --------------------------------------------------------------------------
# training: losses, optimizers, a case's model with its initial weights
# --------------------------------------------------------------------------


LOSS_CLASSES = {
    "mse": keras.losses.MeanSquaredError,
    "mae": keras.losses.MeanAbsoluteError,
    "binary_crossentropy": keras.losses.BinaryCrossentropy,
    "categorical_crossentropy": keras.losses.CategoricalCrossentropy,
    "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy,
}


def keras_loss(spec, reduction=None):
    """The Keras loss of a spec {name, fromLogits[, reduction]}; `reduction` overrides the spec's."""
    kw = {"reduction": reduction if reduction is not None else spec.get("reduction", "sum_over_batch_size")}
    if spec["name"] not in ("mse", "mae"):
        kw["from_logits"] = spec.get("fromLogits", False)
    return LOSS_CLASSES[spec["name"]](**kw)


def keras_losses(spec, reduction=None):
    """One loss, or a list of them for a model with several outputs."""
    return [keras_loss(s, reduction) for s in spec] if isinstance(spec, list) else keras_loss(spec, reduction)


def loss_spec(name, from_logits=False):
    return {"name": name, "fromLogits": from_logits}


OPTIMIZERS = {
    # name: (Keras class, {camelCase argument: Keras argument}) -- every hyperparameter that changes the update
    "sgd": (keras.optimizers.SGD, {"learningRate": "learning_rate", "momentum": "momentum", "nesterov": "nesterov"}),
    "adam": (keras.optimizers.Adam, {"learningRate": "learning_rate", "beta1": "beta_1", "beta2": "beta_2",
                                     "epsilon": "epsilon", "amsgrad": "amsgrad"}),
    "rmsprop": (keras.optimizers.RMSprop, {"learningRate": "learning_rate", "rho": "rho", "momentum": "momentum",
                                           "epsilon": "epsilon", "centered": "centered"}),
    "adagrad": (keras.optimizers.Adagrad, {"learningRate": "learning_rate",
                                           "initialAccumulatorValue": "initial_accumulator_value",
                                           "epsilon": "epsilon"}),
}


def keras_optimizer(spec):
    cls, names = OPTIMIZERS[spec["name"]]
    return cls(**{names[k]: v for k, v in spec.items() if k != "name"})


def optimizer_config(opt, name):
    """Every hyperparameter Keras used (defaults included), camelCase; floats as Keras stores them."""
    cfg = opt.get_config()
    out = {"name": name}
    for camel, snake in OPTIMIZERS[name][1].items():
        v = cfg[snake]
        out[camel] = float(v) if isinstance(v, (float, np.floating)) else v
    return out


def one_hot(idx, V):
    return np.eye(V, dtype=np.float32)[idx]


def weight_names(model_spec, layers):
    """"<layer id>/<weight name>"; "<layer id>/forward|backward/<weight name>" inside a Bidirectional."""
    names = []
    for s in model_spec["layers"]:
        layer = layers[s["id"]]
        fw = {id(v) for v in layer.forward_layer.weights} if isinstance(layer, keras.layers.Bidirectional) else None
        for v in layer.weights:
            side = "" if fw is None else ("forward/" if id(v) in fw else "backward/")
            names.append(f"{s['id']}/{side}{v.path.split('/')[-1]}")
    return names


def check_weight_order(model, model_spec, layers):
    """The flat lists are in get_weights() order; make sure that is the spec's layer order, and that
    trainable_weights (what the gradients are taken over) is the same list."""
    flat = [v for s in model_spec["layers"] for v in layers[s["id"]].weights]
    assert [v.path for v in model.weights] == [v.path for v in flat], "get_weights() order != spec layer order"
    assert [v.path for v in model.trainable_weights] == [v.path for v in model.weights], "trainable != weights"


def init_model(seed, model_spec, scale, keep_bias=(), layer_scale=None):
    """Builds the spec in Keras with seeded random weights and stores them in the spec.

    Kernels are Keras's initialisers times `scale` (or `layer_scale[layer id]`), biases
    uniform(-0.5, 0.5), embeddings uniform(-1, 1) (randomize); layers in
    `keep_bias` keep Keras's default bias (for LSTM: unit_forget_bias, zeros with ones in the
    forget block)."""
    keras.backend.clear_session()
    rng = seeded(seed)
    model, layers = build(model_spec)
    for s in model_spec["layers"]:
        layer = layers[s["id"]]
        default = [np.array(w) for w in layer.get_weights()]
        ws = randomize(layer, rng, (layer_scale or {}).get(s["id"], scale))
        if s["id"] in keep_bias:
            ws = [d if "bias" in v.path.split("/")[-1] else w for w, d, v in zip(ws, default, layer.weights)]
            layer.set_weights(ws)
        s["weights"] = [enc(w) for w in ws]
    check_weight_order(model, model_spec, layers)
    return model, layers, rng


def rebuild(model_spec):
    """The Keras model of a stored spec, with the stored initial weights."""
    keras.backend.clear_session()
    model, layers = build(json.loads(json.dumps(model_spec)))
    for s in model_spec["layers"]:
        if s["weights"]:
            layers[s["id"]].set_weights([dec(w).astype(layers[s["id"]].weights[0].dtype) for w in s["weights"]])
    check_weight_order(model, model_spec, layers)
    return model, layers


def model_input(xs):
    return xs[0] if len(xs) == 1 else list(xs)


def lstm_cfg(units, **kw):
    return dict(units=units, **kw)


def seq_model(T, I, stack, dtype=None):
    """Input(shape=[T, I], or [I] / [T] when the other is None) -> a chain of (id, class, config[, inner])
    layers; the last layer's first output is the model's output."""
    inp = {"id": "x", "shape": [d for d in (T, I) if d is not None]}
    if dtype:
        inp["dtype"] = dtype
    layers, prev = [], "x"
    for entry in stack:
        lid, cls, cfg = entry[:3]
        layer = {"id": lid, "class": cls, "config": cfg, "inputs": [prev]}
        if len(entry) > 3:
            layer["layer"] = entry[3]
        layers.append(layer)
        prev = f"{lid}:0"
    return {"inputs": [inp], "layers": layers, "outputs": [prev]}


def dense(units, activation="linear"):
    return {"units": units, "activation": activation}


def padded_tokens(rng, V, rows):
    """int32 tokens for Embedding(mask_zero=True): each row is (leading zeros, tokens, trailing zeros);
    the tokens are drawn from [1, V) (0 is the padding id), so with a small V ids repeat."""
    T = sum(rows[0])
    x = np.zeros((len(rows), T), np.int32)
    for b, (lead, n, trail) in enumerate(rows):
        assert lead + n + trail == T
        x[b, lead:lead + n] = rng.randint(1, V, size=n)
    return x


def targets(ys):
    return ys[0] if len(ys) == 1 else list(ys)


def metric_values(fn, kwargs, y, p):
    """Keras's metric function on one batch, in float64: one value per (sample[, step][, unit]), before
    Keras's reduction. Also returns the decision margins of the predictions it looked at (None for mae/mse)."""
    y = np.asarray(y)
    p = np.asarray(p, np.float64)
    if fn == "binary_accuracy":
        thr = kwargs.get("threshold", 0.5)
        yy = y.reshape(p.shape) if y.size == p.size else y
        return ((p > thr).astype(np.float64) == yy).astype(np.float64), np.abs(p - thr)
    if fn in ("mean_absolute_error", "mean_squared_error"):
        d = np.asarray(y, np.float64).reshape(p.shape) - p
        return (np.abs(d) if fn == "mean_absolute_error" else d * d).mean(-1), None
    srt = np.sort(p, -1)
    if fn in ("categorical_accuracy", "top_k_categorical_accuracy"):
        t = np.argmax(y, -1)
    else:  # sparse_*: integer targets, [B] / [B, T] (or with a trailing 1)
        t = y[..., 0] if y.ndim == p.ndim and y.shape[-1] == 1 else y
        t = t.astype(np.int64)
    if fn in ("categorical_accuracy", "sparse_categorical_accuracy"):
        return (np.argmax(p, -1) == t).astype(np.float64), srt[..., -1] - srt[..., -2]
    k = kwargs.get("k", 5)
    pt = np.take_along_axis(p, t[..., None], -1)
    hit = (np.sum(p > pt, -1) < k).astype(np.float64)  # in_top_k: ties at the boundary count as in
    return hit, srt[..., -k] - srt[..., -k - 1]


# --------------------------------------------------------------------------
# --check: re-run the committed cases in Keras
# --------------------------------------------------------------------------


def run_check(fname, check_case, what="Keras rebuild"):
    """The `--check` loop over the committed test/cases/<fname>: check_case(case, the file's tolerance) re-runs one
    case in Keras and returns how far that is from the stored values in tolerance units (<= 1 passes), or (that
    ratio, [problems]). Prints every failure and the worst case; returns (whether all passed, the file's JSON)."""
    obj = json.loads((OUT_DIR / fname).read_text(encoding="utf-8"))
    ok, worst = True, (0.0, "")
    for case in obj["cases"]:
        result = check_case(case, obj["tolerance"])
        r, problems = result if isinstance(result, tuple) else (result, [])
        worst = max(worst, (r, case["name"]))
        if not r <= 1 or problems:
            ok = False
            print(f"  FAIL {fname}:{case['name']}: {r:.3g}x tolerance" + "".join(f"; {p}" for p in problems))
    print(f"{fname}: {len(obj['cases'])} cases, {what} worst {worst[0]:.3g}x tol ({worst[1]})")
    return ok, obj
