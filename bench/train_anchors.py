"""Training-step anchors for bench/train.mjs: PyTorch (CPU) or Keras 3 on TensorFlow (CPU), one thread.

Run by train.mjs as a child process, one per framework: `python bench/train_anchors.py torch|keras`.
It reads one JSON command per line on stdin and answers one JSON line on stdout:

  {"cmd": "setup", "dir": D, "shape": {...}}  the model of the shape (LSTM(H) -> Dense(U), mse), its
        weights, x and y from D/data.bin (float32, in the order and shapes of D/data.json); Adam
        (lr 1e-3, betas 0.9/0.999, epsilon 1e-7). Answers the first step's loss (before its update)
        of a fresh model, and writes D/<impl>-sgd.bin: the weight changes of one SGD step with learning
        rate 1 on a fresh model (minus the gradient), in Keras layouts, for train.mjs to compare.
  {"cmd": "block", "n": N}  resets the timed model to the initial weights (untimed; the optimizer
        state stays, as in train.mjs), then runs N training steps: answers {"wall", "cpu"} in ms per
        step. cpu is the process's CPU time (time.process_time): TensorFlow computes on its own pool
        thread, not the calling one, and with one intra-op and one inter-op thread that is the work.
  {"cmd": "quit"}

Threads: train.mjs sets OMP_NUM_THREADS=1 and friends; here torch.set_num_threads(1) and TF's intra-
and inter-op pools of one thread. Keras runs as a user would: model.train_on_batch (a compiled
tf.function, Keras's default jit_compile="auto"); PyTorch eagerly, nn.LSTM + nn.Linear.
"""

import json
import os
import sys
import time

import numpy as np

IMPL = sys.argv[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def read_data(d):
    meta = json.load(open(os.path.join(d, "data.json")))
    flat = np.fromfile(os.path.join(d, "data.bin"), dtype=np.float32)
    arrays, at = [], 0
    for shape in meta["shapes"]:
        n = int(np.prod(shape))
        arrays.append(flat[at : at + n].reshape(shape))
        at += n
    return arrays  # kernel, recurrent, bias, dense kernel, dense bias, x, y


class TorchAnchor:
    def __init__(self, shape, arrays):
        import torch

        if torch.get_num_threads() != 1:  # once per process: torch refuses a second interop setting
            torch.set_num_threads(1)
            torch.set_num_interop_threads(1)
        self.torch = torch
        self.shape = shape
        self.weights = arrays[:5]
        self.x = torch.from_numpy(arrays[5].copy())
        self.y = torch.from_numpy(arrays[6].copy())
        self.model, self.opt = self.make("adam")

    def make(self, kind):
        torch = self.torch
        s = self.shape
        seq = s["seq"]

        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = torch.nn.LSTM(s["I"], s["H"], batch_first=True)
                self.dense = torch.nn.Linear(s["H"], s["U"])

            def forward(self, x):
                out, _ = self.lstm(x)
                return self.dense(out if seq else out[:, -1])

        model = Net()
        self.load(model)
        if kind == "adam":
            opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
        else:
            opt = torch.optim.SGD(model.parameters(), lr=1.0)
        return model, opt

    def load(self, model):
        # Keras gate order i, f, c, o is PyTorch's i, f, g, o; Keras has one bias, PyTorch two
        t = self.torch
        k, r, b, dk, db = self.weights
        with t.no_grad():
            model.lstm.weight_ih_l0.copy_(t.from_numpy(k.T.copy()))
            model.lstm.weight_hh_l0.copy_(t.from_numpy(r.T.copy()))
            model.lstm.bias_ih_l0.copy_(t.from_numpy(b.copy()))
            model.lstm.bias_hh_l0.zero_()
            model.dense.weight.copy_(t.from_numpy(dk.T.copy()))
            model.dense.bias.copy_(t.from_numpy(db.copy()))

    def keras_weights(self, model):
        # both PyTorch biases get Keras's bias gradient; bias_ih started as Keras's bias, so its
        # change is the change Keras's bias would have made
        m = model
        return [
            m.lstm.weight_ih_l0.detach().numpy().T,
            m.lstm.weight_hh_l0.detach().numpy().T,
            m.lstm.bias_ih_l0.detach().numpy(),
            m.dense.weight.detach().numpy().T,
            m.dense.bias.detach().numpy(),
        ]

    def step_of(self, model, opt):
        opt.zero_grad()
        loss = self.torch.nn.functional.mse_loss(model(self.x), self.y)
        loss.backward()
        opt.step()
        return float(loss.item())

    def step(self):
        return self.step_of(self.model, self.opt)

    def reset(self):
        self.load(self.model)

    def fresh_step(self, kind):
        model, opt = self.make(kind)
        loss = self.step_of(model, opt)
        return loss, self.keras_weights(model)


class KerasAnchor:
    def __init__(self, shape, arrays):
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        import keras

        self.keras = keras
        self.shape = shape
        self.weights = list(arrays[:5])
        self.x, self.y = arrays[5], arrays[6]
        self.model = self.make("adam")

    def make(self, kind):
        keras = self.keras
        s = self.shape
        model = keras.Sequential(
            [
                keras.Input((s["T"], s["I"]), batch_size=s["B"]),
                keras.layers.LSTM(s["H"], return_sequences=s["seq"]),
                keras.layers.Dense(s["U"]),
            ]
        )
        model.set_weights(self.weights)
        if kind == "adam":
            opt = keras.optimizers.Adam(learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7)
        else:
            opt = keras.optimizers.SGD(learning_rate=1.0)
        model.compile(optimizer=opt, loss="mse")
        return model

    def step(self):
        return float(self.model.train_on_batch(self.x, self.y))

    def reset(self):
        self.model.set_weights(self.weights)

    def fresh_step(self, kind):
        model = self.make(kind)
        loss = float(model.train_on_batch(self.x, self.y))
        return loss, model.get_weights()


def main():
    anchor = None
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "quit":
            break
        if cmd["cmd"] == "setup":
            arrays = read_data(cmd["dir"])
            anchor = (TorchAnchor if IMPL == "torch" else KerasAnchor)(cmd["shape"], arrays)
            first_loss, _ = anchor.fresh_step("adam")
            _, after = anchor.fresh_step("sgd")
            delta = np.concatenate([(a - w).ravel() for a, w in zip(after, arrays[:5])]).astype(np.float32)
            delta.tofile(os.path.join(cmd["dir"], f"{IMPL}-sgd.bin"))
            import platform

            if IMPL == "torch":
                import torch

                version = f"torch {torch.__version__}"
            else:
                import keras
                import tensorflow as tf

                version = f"keras {keras.__version__}, tensorflow {tf.__version__}"
            reply = {"firstLoss": first_loss, "version": version, "python": platform.python_version()}
        elif cmd["cmd"] == "block":
            anchor.reset()
            n = cmd["n"]
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(n):
                anchor.step()
            wall = (time.perf_counter() - t0) * 1000 / n
            cpu = (time.process_time() - c0) * 1000 / n
            reply = {"wall": wall, "cpu": cpu}
        else:
            reply = {"error": f"unknown command {cmd['cmd']}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
