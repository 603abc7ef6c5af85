"""The harness of the layer generators (tools/gen_keras_layers_*.py): what every case of a layer family does
with real Keras 3, so each generator only lists its models.

A case is a small model in the graph format of keras_common (camelCase wasm-rnn options; see
tools/gen_keras_family.py's docstring), built with real Keras 3 and given seeded random weights. The case
records:
- Keras's `predict` on seeded inputs;
- the model saved as `.keras`, legacy `.h5` and TF.js layers format under test/models/layers/<case>/;
- when it trains, one `train_on_batch` with SGD(learning_rate=1) on random targets: the loss, and every
  weight's change w - w' in `model.get_weights()` order. For a trainable weight that change is its gradient,
  checked here against tf.GradientTape; for a non-trainable one it is Keras's own update (BatchNormalization's
  moving statistics).

The TF.js files are written here in the tensorflowjs converter's layers-model format (model.json with the
Keras topology and a weights manifest, one binary shard): the converter is not in this machine's package
mirror.

test/helpers/layer-cases.ts replays every case: through the API, through each file, and the training step.
"""

import json
import shutil
import sys

import keras_common as kc  # first: it sets the environment before TensorFlow loads
from keras_common import build, enc_arr, header, write_json

import numpy as np
import keras
import tensorflow as tf

MODELS = kc.ROOT / "test" / "models" / "layers"


def randomize_any(layer, rng, scale):
    """Seeded values for every weight of a layer: kernels are Keras's initial ones times `scale`; biases, betas and
    moving means uniform(-0.5, 0.5); gammas and moving variances uniform(0.5, 1.5); PReLU alphas uniform(0, 0.5)."""
    vals = []
    for v in layer.weights:
        a = np.asarray(v.numpy(), dtype=np.float32)
        name = v.path.split("/")[-1]
        if any(k in name for k in ("bias", "beta", "moving_mean")):
            a = rng.uniform(-0.5, 0.5, size=a.shape)
        elif any(k in name for k in ("gamma", "moving_variance")):
            a = rng.uniform(0.5, 1.5, size=a.shape)
        elif name == "alpha":
            a = rng.uniform(0.0, 0.5, size=a.shape)
        elif "embeddings" in name:
            a = rng.uniform(-1, 1, size=a.shape)
        else:
            a = a * scale
        vals.append(np.asarray(a, dtype=np.float32))
    if vals:
        layer.set_weights(vals)
    return [np.asarray(w, dtype=np.float32) for w in layer.get_weights()]


def save_tfjs(model, folder):
    """The model in TF.js layers format, as the tensorflowjs converter writes it (float32, one shard)."""
    folder.mkdir(parents=True, exist_ok=True)
    entries, chunks = [], []
    for v in model.weights:
        a = np.array(v.numpy(), dtype="<f4", order="C")
        entries.append({"name": v.path, "shape": [int(d) for d in a.shape], "dtype": "float32"})
        chunks.append(a.tobytes())
    (folder / "case-weights.bin").write_bytes(b"".join(chunks))
    topology = {"keras_version": keras.__version__, "backend": "tensorflow", "model_config": json.loads(model.to_json())}
    doc = {
        "format": "layers-model",
        "generatedBy": f"keras v{keras.__version__}",
        "convertedBy": "wasm-rnn tools/layer_cases.py (tensorflowjs layers-model format)",
        "modelTopology": topology,
        "weightsManifest": [{"paths": ["case-weights.bin"], "weights": entries}],
    }
    (folder / "model.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def save_files(name, model):
    """Writes the three forms; returns their paths relative to the repository root."""
    folder = MODELS / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    model.save(folder / "model.keras")
    model.save(folder / "model.h5")  # Keras 3's legacy HDF5 writer
    save_tfjs(model, folder / "tfjs")
    rel = lambda p: str(p.relative_to(kc.ROOT)).replace("\\", "/")  # noqa: E731
    return {"keras": rel(folder / "model.keras"), "h5": rel(folder / "model.h5"), "tfjs": rel(folder / "tfjs" / "model.json")}


def train_step(model, xs, rng, loss):
    """One SGD(1) train_on_batch on random targets: loss and w - w' for every weight, checked against GradientTape."""
    outs = kc.predict(model, kc.model_input(xs))
    ys = [rng.uniform(-1, 1, size=o.shape).astype(np.float32) for o in outs]
    if loss["name"] in ("binary_crossentropy",):
        ys = [(y > 0).astype(np.float32) for y in ys]
    before = [np.asarray(w, np.float32) for w in model.get_weights()]
    # GradientTape on the same loss, before the step; a training forward moves BatchNormalization's
    # moving statistics, so the weights are put back before train_on_batch
    keras_loss = kc.keras_loss(loss)
    x_in = [tf.constant(x) for x in xs]
    with tf.GradientTape() as tape:
        got = kc.as_list(model(x_in if len(x_in) > 1 else x_in[0], training=True))
        total = sum(keras_loss(tf.constant(y), g) for y, g in zip(ys, got))
    tape_grads = [None if g is None else tf.convert_to_tensor(g) for g in tape.gradient(total, model.trainable_weights)]
    model.set_weights(before)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss=[kc.keras_loss(loss) for _ in ys])
    value = model.train_on_batch(kc.model_input(xs), kc.model_input(ys), return_dict=True)["loss"]
    after = [np.asarray(w, np.float32) for w in model.get_weights()]
    deltas = [b - a for b, a in zip(before, after)]
    by_path = {v.path: i for i, v in enumerate(model.weights)}
    for v, g in zip(model.trainable_weights, tape_grads):
        if g is None:
            continue
        d = deltas[by_path[v.path]]
        ratio = kc.tol_ratio(d, np.asarray(g, np.float32), {"atol": 1e-4, "rtol": 1e-3})
        if ratio > 1:
            raise SystemExit(f"{v.path}: train_on_batch's step differs from GradientTape's gradient ({ratio:.2f}x tolerance)")
    return {
        "loss": loss,
        "y": [kc.enc(y) for y in ys],
        "lossValue": float(value),
        "weightNames": [v.path for v in model.weights],
        "deltas": [kc.enc(d) for d in deltas],
    }


def make_case(name, model_spec, inputs, seed, description, train=True, files=True, loss=None, scale=1.0):
    """One case: `inputs(rng)` gives the model's input arrays (int32 arrays stay int32)."""
    keras.backend.clear_session()
    rng = kc.seeded(seed)
    model, layers = build(json.loads(json.dumps(model_spec)))
    for spec in model_spec["layers"]:
        spec["weights"] = [kc.enc(w) for w in randomize_any(layers[spec["id"]], rng, scale)]
    xs = inputs(rng)
    outs = kc.predict(model, kc.model_input(xs))
    case = {
        "name": name,
        "description": description,
        "seed": seed,
        "model": model_spec,
        "inputs": [enc_arr(x) for x in xs],
        "outputs": [kc.enc(o) for o in outs],
    }
    if files:
        case["files"] = save_files(name, model)
    if train:
        case["train"] = train_step(model, xs, rng, loss or kc.loss_spec("mse"))
    return case


def write_layer_cases(fname, generator, description, cases):
    """Writes test/cases/<fname>; `--only=a,b` on the command line regenerates just those cases into it."""
    only = next((a.split("=", 1)[1].split(",") for a in sys.argv[1:] if a.startswith("--only=")), None)
    path = kc.OUT_DIR / fname
    kept = []
    if only and path.exists():
        kept = [c for c in json.loads(path.read_text(encoding="utf-8"))["cases"] if c["name"] not in only]
    made = [c() for c in cases if not only or c.__name__ in only]
    by_name = {c["name"]: c for c in kept + made}
    order = [c.__name__ for c in cases]
    write_json(fname, header(generator, description, [by_name[n] for n in order if n in by_name]))
