#!/usr/bin/env python3
"""Per-stream inference (issue 15): what Keras gives for whole sequences and for a stateful model fed chunks.

Each model is saved as .keras under test/models/streams/ with seeded non-trivial weights (kernels scaled,
biases uniform(-0.5, 0.5)). For each, Keras predicts a few whole sequences (rows of different content, with
masked steps where the model masks); the tests feed each row to a StreamPool in chunks and must get these
numbers. Keras's own stateful form of the same model, fed the same chunks with its states carried between
calls, is recorded too, and checked here to agree with the whole-sequence outputs (what "carrying a stream's
state" means in Keras).

The exchange case is the tutorial reader's question: two streams of one stateful LSTM, their cell states
swapped after every step (`lstm.states[1].assign(c[::-1])`).
Run: .venv/bin/python tools/gen_stream_cases.py  (writes test/cases/streams.json, test/models/streams/*.keras)
"""
import keras_common as kc  # first: it sets the environment before TensorFlow loads
from keras_common import enc, enc_int, header, write_json

import keras
import numpy as np

GENERATOR = "tools/gen_stream_cases.py"
MODELS = kc.ROOT / "test" / "models" / "streams"
L = keras.layers


def randomized(model, rng):
    for layer in model.layers:
        kc.randomize(layer, rng, 1.5)
    return model


def float_rows(rng, B, T, I, masked=()):
    x = rng.uniform(-1, 1, size=(B, T, I)).astype(np.float32)
    for b, t in masked:
        x[b, t] = 0.0
    return x


def build(name, make, stateful_batch, xs, chunks, rng):
    """make(stateful, batch) -> model; the stateless model gives the whole-sequence outputs."""
    model = randomized(make(False, None), rng)
    MODELS.mkdir(parents=True, exist_ok=True)
    model.save(MODELS / f"{name}.keras")
    want = kc.predict(model, xs)
    # Keras's stateful form, batch = one row at a time, fed the chunks: the reference for carrying state
    sf = make(True, 1)
    sf.set_weights(model.get_weights())
    for b in range(xs.shape[0]):
        for layer in sf.layers:
            if getattr(layer, "stateful", False):
                layer.reset_states()
        outs, t0 = [], 0
        for n in chunks:
            outs.append(kc.predict(sf, xs[b:b + 1, t0:t0 + n]))
            t0 += n
        for i, w in enumerate(want):
            got = np.concatenate([o[i] for o in outs], axis=1) if w.ndim == 3 else outs[-1][i]
            if kc.tol_ratio(got, w[b:b + 1], kc.TOLERANCE) > 1:
                print(name, "row", b, "output", i, "stateful", got.ravel()[:6], "whole", w[b].ravel()[:6])
    enc_x = enc_int(xs) if xs.dtype == np.int32 else enc(xs)
    return {"name": name, "file": f"test/models/streams/{name}.keras", "x": enc_x, "chunks": chunks,
            "outputs": [enc(w) for w in want]}


def lstm_sequences(rng):
    def make(stateful, batch):
        x = keras.Input(batch_shape=(batch, None, 3))
        y = L.LSTM(8, return_sequences=True, stateful=stateful, name="lstm")(x)
        return keras.Model(x, L.Dense(2, name="dense")(y))
    return build("lstm_sequences", make, 1, float_rows(rng, 3, 7, 3), [2, 1, 3, 1], rng)


def masked_gru_simple_rnn(rng):
    def make(stateful, batch):
        x = keras.Input(batch_shape=(batch, None, 3))
        m = L.Masking(0.0)(x)
        g = L.GRU(6, return_sequences=True, stateful=stateful, name="gru")(m)
        s = L.SimpleRNN(5, stateful=stateful, name="rnn")(g)
        return keras.Model(x, L.Dense(1, name="dense")(s))
    # masked steps inside a chunk, a whole masked chunk (row 1, steps 5-6), a masked first step
    xs = float_rows(rng, 3, 8, 3, masked=[(0, 2), (1, 5), (1, 6), (2, 0), (2, 7)])
    return build("masked_gru_simple_rnn", make, 1, xs, [1, 4, 2, 1], rng)


def tokens_reset_before(rng):
    def make(stateful, batch):
        x = keras.Input(batch_shape=(batch, None), dtype="int32")
        e = L.Embedding(20, 4, mask_zero=True, name="embedding")(x)
        a = L.LSTM(7, return_sequences=True, stateful=stateful, name="lstm")(e)
        b = L.GRU(5, return_sequences=True, reset_after=False, stateful=stateful, name="gru")(a)
        return keras.Model(x, L.Dense(3, activation="softmax", name="dense")(b))
    xs = rng.randint(1, 20, size=(3, 6)).astype(np.int32)
    xs[0, 4:] = 0
    xs[1, 1] = 0
    return build("tokens_reset_before", make, 1, xs, [3, 1, 2], rng)


def states_out(rng):
    def make(stateful, batch):
        x = keras.Input(batch_shape=(batch, None, 2))
        y, h, c = L.LSTM(4, return_state=True, stateful=stateful, name="lstm")(x)
        return keras.Model(x, [y, h, c])
    return build("states_out", make, 1, float_rows(rng, 2, 5, 2), [2, 3], rng)


def exchange(rng):
    """Two streams of a stateful LSTM (batch 2), their cell states swapped after every step."""
    x = keras.Input(batch_shape=(2, 1, 3))
    lstm = L.LSTM(4, return_sequences=True, stateful=True, name="lstm")
    model = randomized(keras.Model(x, lstm(x)), rng)
    model.save(MODELS / "exchange.keras")
    xs = float_rows(rng, 2, 6, 3)
    ys = []
    for t in range(xs.shape[1]):
        ys.append(kc.predict(model, xs[:, t:t + 1])[0])
        c = np.asarray(lstm.states[1].numpy())
        lstm.states[1].assign(c[::-1].copy())
    return {"name": "exchange", "file": "test/models/streams/exchange.keras", "x": enc(xs),
            "outputs": [enc(np.concatenate(ys, axis=1))]}


def main():
    rng = kc.seeded(15)
    cases = [lstm_sequences(rng), masked_gru_simple_rnn(rng), tokens_reset_before(rng), states_out(rng)]
    write_json("streams.json", header(GENERATOR, __doc__.strip().splitlines()[0], cases + [exchange(rng)]))


if __name__ == "__main__":
    main()
