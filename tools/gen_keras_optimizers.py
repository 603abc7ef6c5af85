#!/usr/bin/env python3
"""Generate Keras reference cases for wasm-rnn's optimizers (src/train/optimizers.ts).

Every expected value comes from real Keras 3 (``optimizer.apply_gradients`` on ``keras.Variable``s,
TensorFlow backend, float32); nothing is computed by hand. Deterministic: each case seeds NumPy
from a fixed per-case seed, and Keras's session is cleared before each case, so its optimizer
gets the first auto-name ("sgd", "adam", "rm_sprop", "adagrad").

Usage (from the repository root):

    .venv/bin/python tools/gen_keras_optimizers.py           # (re)write test/cases/optimizers.json
    .venv/bin/python tools/gen_keras_optimizers.py --check   # replay every case in Keras and compare

Case format:

    {"name", "seed",
     "optimizer": {"className": "Adam", "config": {camelCase wasm-rnn options}},
     "keras_config": optimizer.get_config() right after construction (Keras's snake_case keys),
     "params": [array, ...],                        initial values of the variables
     "zero_grad": [[int, ...], ...],                per variable: flat indices whose gradient is 0
                                                    at every step
     "steps": [{"grads": [array, ...], "params": [array, ...]}, ...],  values after each step
     "iterations": int,                             optimizer.iterations after the last step
     "learning_rates": [float, ...]}                (schedule cases) optimizer.learning_rate before
                                                    each step: the schedule at iterations, float32

An array is {"shape": [...], "b64": base64 of little-endian float32}. The variables have 15, 6 and
16 floats (15 is not a multiple of 4, so the kernels' scalar tail runs); in the second one, the
entries listed in "zero_grad" get a zero gradient at every step, and one of them starts at 0.
Cases with "gradScale" tiny make epsilon's placement matter (inside or outside the sqrt).

Schedule cases (after the others) give "learningRate" as a Keras learning-rate schedule,
{"className", "config"} with Keras's arguments in camelCase or snake_case, or Keras's serialized
form {"module", "class_name", "config", "registered_name"}; they run "steps" (extra) steps, enough
to cross decay_steps and the PiecewiseConstantDecay boundaries. --check also rebuilds each
optimizer from its recorded get_config() (from_config) and replays it.
"""

import argparse
import json
import sys

import keras_common as kc  # first: it sets the environment before TensorFlow loads
from keras_common import dec, enc, file_header, write_json

import numpy as np
import keras

GENERATOR = "tools/gen_keras_optimizers.py"
FILE = "optimizers.json"
STEPS = 5
SHAPES = [(3, 5), (6,), (4, 4)]
ZERO_GRAD = [[], [1, 4], []]  # flat indices of variable i with a zero gradient at every step
ZERO_WEIGHT = [[], [4], []]  # ... and those that also start at exactly 0

# wasm-rnn option (camelCase) -> Keras argument
KEYS = {
    "learningRate": "learning_rate", "momentum": "momentum", "nesterov": "nesterov",
    "beta1": "beta_1", "beta2": "beta_2", "epsilon": "epsilon", "amsgrad": "amsgrad",
    "rho": "rho", "centered": "centered", "initialAccumulatorValue": "initial_accumulator_value",
    "weightDecay": "weight_decay", "clipnorm": "clipnorm", "clipvalue": "clipvalue",
    "globalClipnorm": "global_clipnorm", "name": "name",
}

# schedule argument, camelCase -> Keras (snake_case passes as it is)
SCHEDULE_KEYS = {
    "initialLearningRate": "initial_learning_rate", "decaySteps": "decay_steps", "decayRate": "decay_rate",
    "endLearningRate": "end_learning_rate", "warmupTarget": "warmup_target", "warmupSteps": "warmup_steps",
    "firstDecaySteps": "first_decay_steps", "tMul": "t_mul", "mMul": "m_mul",
}


def sched(class_name, **config):
    return {"className": class_name, "config": config}

# (name, class, wasm-rnn options, extra: {"gradScale", "paramScale"})
CASES = [
    ("sgd", "SGD", {}, {}),
    ("sgd_lr", "SGD", {"learningRate": 0.1}, {}),
    ("sgd_momentum", "SGD", {"learningRate": 0.05, "momentum": 0.9}, {}),
    ("sgd_nesterov", "SGD", {"learningRate": 0.05, "momentum": 0.9, "nesterov": True}, {}),
    ("adam", "Adam", {}, {}),
    ("adam_lr_beta1", "Adam", {"learningRate": 0.01, "beta1": 0.8}, {}),
    ("adam_beta2_epsilon", "Adam", {"learningRate": 0.02, "beta2": 0.99, "epsilon": 1e-3}, {}),
    ("adam_amsgrad", "Adam", {"learningRate": 0.01, "amsgrad": True}, {}),
    ("adam_tiny_grads", "Adam", {"learningRate": 0.01}, {"gradScale": 1e-5}),
    ("rmsprop", "RMSprop", {}, {}),
    ("rmsprop_rho_lr", "RMSprop", {"learningRate": 0.01, "rho": 0.7}, {}),
    ("rmsprop_momentum", "RMSprop", {"learningRate": 0.01, "momentum": 0.5}, {}),
    ("rmsprop_centered", "RMSprop", {"learningRate": 0.01, "centered": True}, {}),
    ("rmsprop_centered_momentum", "RMSprop",
     {"learningRate": 0.01, "rho": 0.8, "momentum": 0.3, "centered": True}, {}),
    ("rmsprop_tiny_grads", "RMSprop", {"learningRate": 0.01}, {"gradScale": 1e-4}),
    ("adagrad", "Adagrad", {"learningRate": 0.1}, {}),
    ("adagrad_init_epsilon", "Adagrad",
     {"learningRate": 0.05, "initialAccumulatorValue": 0.5, "epsilon": 1e-3}, {}),
    ("sgd_clipnorm", "SGD", {"learningRate": 0.1, "clipnorm": 1.0}, {}),
    ("sgd_momentum_global_clipnorm", "SGD", {"learningRate": 0.1, "momentum": 0.9, "globalClipnorm": 2.0}, {}),
    ("sgd_clipvalue", "SGD", {"learningRate": 0.1, "clipvalue": 0.5}, {}),
    ("adam_clipvalue", "Adam", {"learningRate": 0.01, "clipvalue": 0.5}, {}),
    ("adam_clipnorm", "Adam", {"learningRate": 0.01, "clipnorm": 0.7}, {}),
    ("rmsprop_global_clipnorm", "RMSprop", {"learningRate": 0.01, "globalClipnorm": 1.5}, {}),
    ("adagrad_clipnorm", "Adagrad", {"learningRate": 0.1, "clipnorm": 0.8}, {}),
    ("sgd_weight_decay", "SGD", {"learningRate": 0.1, "weightDecay": 0.05}, {}),
    ("adam_weight_decay_clipvalue", "Adam", {"learningRate": 0.01, "weightDecay": 0.1, "clipvalue": 0.3}, {}),
    ("rmsprop_weight_decay", "RMSprop", {"learningRate": 0.01, "weightDecay": 0.2, "momentum": 0.5}, {}),
    ("sgd_named", "SGD", {"learningRate": 0.2, "name": "my_sgd"}, {"gradScale": 3.0, "paramScale": 2.0}),
]

SCHEDULE_STEPS = {"steps": 10}

# learning-rate schedules, evaluated by Keras at iterations (0, 1, ...) before each step
SCHEDULE_CASES = [
    ("sgd_exponential_decay", "SGD",
     {"learningRate": sched("ExponentialDecay", initialLearningRate=0.1, decaySteps=3, decayRate=0.5)}),
    ("sgd_exponential_decay_staircase", "SGD",
     {"learningRate": sched("ExponentialDecay", initial_learning_rate=0.2, decay_steps=4, decay_rate=0.6,
                            staircase=True)}),
    ("adam_exponential_decay", "Adam",
     {"learningRate": sched("ExponentialDecay", initialLearningRate=0.02, decaySteps=2.5, decayRate=0.7)}),
    ("adam_exponential_decay_staircase", "Adam",
     {"learningRate": sched("ExponentialDecay", initial_learning_rate=0.01, decay_steps=3, decay_rate=0.3,
                            staircase=True, name="my_decay")}),
    ("sgd_inverse_time_decay", "SGD",
     {"learningRate": sched("InverseTimeDecay", initialLearningRate=0.1, decaySteps=2, decayRate=0.5)}),
    ("sgd_inverse_time_decay_staircase", "SGD",
     {"learningRate": sched("InverseTimeDecay", initialLearningRate=0.15, decaySteps=3, decayRate=1.5,
                            staircase=True)}),
    ("adam_inverse_time_decay_staircase", "Adam",
     {"learningRate": sched("InverseTimeDecay", initial_learning_rate=0.02, decay_steps=3, decay_rate=1.0,
                            staircase=True)}),
    ("sgd_piecewise_constant", "SGD",
     {"learningRate": sched("PiecewiseConstantDecay", boundaries=[2, 5], values=[0.1, 0.05, 0.01])}),
    # a float boundary: Keras casts it to the int64 step type (6.5 -> 6)
    ("adam_piecewise_constant", "Adam",
     {"learningRate": sched("PiecewiseConstantDecay", boundaries=[0, 3, 6.5, 8], values=[0.03, 0.01, 0.005, 0.002, 0.001],
                            name="pw")}),
    ("sgd_polynomial_decay", "SGD",
     {"learningRate": sched("PolynomialDecay", initialLearningRate=0.1, decaySteps=6, endLearningRate=0.01, power=0.5)}),
    ("sgd_polynomial_decay_cycle", "SGD",
     {"learningRate": sched("PolynomialDecay", initialLearningRate=0.1, decaySteps=4, endLearningRate=0.02, power=2.0,
                            cycle=True)}),
    ("adam_polynomial_decay", "Adam",
     {"learningRate": sched("PolynomialDecay", initial_learning_rate=0.01, decay_steps=5)}),
    ("adam_polynomial_decay_cycle", "Adam",
     {"learningRate": sched("PolynomialDecay", initial_learning_rate=0.01, decay_steps=3, end_learning_rate=0.001,
                            power=1.5, cycle=True)}),
    ("sgd_cosine_decay", "SGD",
     {"learningRate": sched("CosineDecay", initialLearningRate=0.1, decaySteps=6)}),
    ("sgd_cosine_decay_alpha", "SGD",
     {"learningRate": sched("CosineDecay", initialLearningRate=0.1, decaySteps=5, alpha=0.2)}),
    ("sgd_cosine_decay_warmup", "SGD",
     {"learningRate": sched("CosineDecay", initialLearningRate=0.05, decaySteps=4, warmupTarget=0.2, warmupSteps=2)}),
    ("adam_cosine_decay", "Adam",
     {"learningRate": sched("CosineDecay", initial_learning_rate=0.01, decay_steps=7, alpha=0.3)}),
    ("adam_cosine_decay_warmup", "Adam",
     {"learningRate": sched("CosineDecay", initial_learning_rate=0.0, decay_steps=5, alpha=0.1, warmup_target=0.01,
                            warmup_steps=3)}),
    ("sgd_cosine_decay_restarts", "SGD",
     {"learningRate": sched("CosineDecayRestarts", initialLearningRate=0.1, firstDecaySteps=2)}),
    ("sgd_cosine_decay_restarts_t_mul_1", "SGD",
     {"learningRate": sched("CosineDecayRestarts", initialLearningRate=0.1, firstDecaySteps=3, tMul=1.0, mMul=0.5,
                            alpha=0.1)}),
    ("adam_cosine_decay_restarts", "Adam",
     {"learningRate": sched("CosineDecayRestarts", initial_learning_rate=0.01, first_decay_steps=2, t_mul=1.5,
                            m_mul=0.8, alpha=0.1)}),
    ("adam_cosine_decay_restarts_t_mul_3", "Adam",
     {"learningRate": sched("CosineDecayRestarts", initial_learning_rate=0.02, first_decay_steps=1.5, t_mul=3.0,
                            m_mul=1.2)}),
    # the schedule's value also drives weight decay; with momentum and clipping
    ("sgd_momentum_exponential_decay_weight_decay", "SGD",
     {"learningRate": sched("ExponentialDecay", initialLearningRate=0.1, decaySteps=2, decayRate=0.8),
      "momentum": 0.9, "weightDecay": 0.05, "clipnorm": 1.0}),
    ("adam_amsgrad_polynomial_decay_weight_decay", "Adam",
     {"learningRate": sched("PolynomialDecay", initialLearningRate=0.02, decaySteps=4, power=3.0),
      "amsgrad": True, "weightDecay": 0.1}),
    ("rmsprop_piecewise_constant", "RMSprop",
     {"learningRate": sched("PiecewiseConstantDecay", boundaries=[1, 4], values=[0.01, 0.003, 0.001]),
      "momentum": 0.5}),
    ("adagrad_inverse_time_decay", "Adagrad",
     {"learningRate": sched("InverseTimeDecay", initialLearningRate=0.1, decaySteps=1, decayRate=0.25)}),
    # Keras's serialized form, as get_config() and .keras files write it
    ("sgd_serialized_cosine_decay", "SGD",
     {"learningRate": {"module": "keras.optimizers.schedules", "class_name": "CosineDecay",
                       "config": {"initial_learning_rate": 0.1, "decay_steps": 5, "alpha": 0.05, "name": "CosineDecay",
                                  "warmup_target": None, "warmup_steps": 0},
                       "registered_name": None}}),
]


def keras_schedule(spec):
    if "class_name" in spec:
        return keras.optimizers.schedules.deserialize(spec)
    config = {SCHEDULE_KEYS.get(k, k): v for k, v in spec["config"].items()}
    return getattr(keras.optimizers.schedules, spec["className"])(**config)


def keras_optimizer(class_name, options):
    kw = {KEYS[k]: v for k, v in options.items()}
    if isinstance(kw.get("learning_rate"), dict):
        kw["learning_rate"] = keras_schedule(kw["learning_rate"])
    return getattr(keras.optimizers, class_name)(**kw)


def inputs_for(seed, extra):
    """Initial values and the gradients of every step, from a fixed seed."""
    rs = np.random.RandomState(seed)
    n_steps = extra.get("steps", STEPS)
    p_scale = extra.get("paramScale", 0.5)
    g_scale = extra.get("gradScale", 1.0)
    params = []
    for i, shape in enumerate(SHAPES):
        p = (rs.standard_normal(shape) * p_scale).astype(np.float32)
        p.reshape(-1)[ZERO_WEIGHT[i]] = 0.0
        params.append(p)
    steps = []
    for _ in range(n_steps):
        grads = []
        for i, shape in enumerate(SHAPES):
            g = (rs.standard_normal(shape) * g_scale).astype(np.float32)
            g.reshape(-1)[ZERO_GRAD[i]] = 0.0
            grads.append(g)
        steps.append(grads)
    return params, steps


def run(class_name, options, params, steps, from_config=None):
    """Runs the optimizer in Keras (built from `options`, or from a get_config() dict); returns
    (get_config before the first step, values after each step, iterations, learning rate before
    each step)."""
    keras.backend.clear_session()
    if from_config is None:
        opt = keras_optimizer(class_name, options)
    else:
        opt = getattr(keras.optimizers, class_name).from_config(json.loads(json.dumps(from_config)))
    config = opt.get_config()
    variables = [keras.Variable(p, dtype="float32", name=f"v{i}") for i, p in enumerate(params)]
    after = []
    rates = []
    for grads in steps:
        rates.append(float(np.float32(keras.ops.convert_to_numpy(opt.learning_rate))))
        opt.apply_gradients([(keras.ops.convert_to_tensor(g), v) for g, v in zip(grads, variables)])
        after.append([np.array(v.numpy(), dtype=np.float32) for v in variables])
    return config, after, int(opt.iterations.numpy()), rates


def gen_case(index, spec):
    name, class_name, options, extra = spec
    seed = 9100 + index
    params, steps = inputs_for(seed, extra)
    config, after, iterations, rates = run(class_name, options, params, steps)
    # the zero-gradient entries never move in Keras either (unless weight decay pulls them)
    if "weightDecay" not in options:
        for i, idx in enumerate(ZERO_GRAD):
            for s in after:
                assert np.array_equal(s[i].reshape(-1)[idx], params[i].reshape(-1)[idx]), (name, i)
    case = {
        "name": name,
        "seed": seed,
        "optimizer": {"className": class_name, "config": dict(options)},
        "keras_config": config,
        "params": [enc(p) for p in params],
        "zero_grad": ZERO_GRAD,
        "steps": [{"grads": [enc(g) for g in grads], "params": [enc(p) for p in ps]}
                  for grads, ps in zip(steps, after)],
        "iterations": iterations,
    }
    if isinstance(options.get("learningRate"), dict):
        case["learning_rates"] = rates
    if extra:
        case["extra"] = dict(extra)
    return case


def generate():
    out = file_header(GENERATOR)
    specs = CASES + [(name, cls, opts, dict(SCHEDULE_STEPS)) for name, cls, opts in SCHEDULE_CASES]
    out["cases"] = [gen_case(i, spec) for i, spec in enumerate(specs)]
    return out


def check_case(case, tol):
    params = [dec(p) for p in case["params"]]
    steps = [[dec(g) for g in s["grads"]] for s in case["steps"]]
    opt = case["optimizer"]
    runs = [run(opt["className"], opt["config"], params, steps)]
    if "learning_rates" in case:  # and rebuilt from its get_config(), as a .keras file would
        runs.append(run(opt["className"], None, params, steps, from_config=case["keras_config"]))
    r, problems = 0.0, []
    for config, after, iterations, rates in runs:
        for got, s in zip(after, case["steps"]):
            r = max([r] + [kc.tol_ratio(g, dec(w), tol) for g, w in zip(got, s["params"])])
        if config != case["keras_config"] or iterations != case["iterations"]:
            problems.append("config or iterations differ")
        if "learning_rates" in case and rates != case["learning_rates"]:
            problems.append("learning rates differ")
    return r, problems


def run_check():
    ok = kc.run_check(FILE, check_case, "Keras replay")[0]
    print("CHECK OK" if ok else "CHECK FAILED")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="verify test/cases/optimizers.json instead of writing")
    args = ap.parse_args()
    if args.check:
        sys.exit(0 if run_check() else 1)
    write_json(FILE, generate())


if __name__ == "__main__":
    main()
