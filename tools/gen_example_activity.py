#!/usr/bin/env python3
"""Train the CNN-LSTM of examples/activity.mjs with real Keras 3 and write what the example and its test read.

The task is activity recognition from a 3-axis accelerometer window (64 steps): idle (small noise),
walking (a periodic swing) and jumping (spikes), synthesised here with a seeded NumPy generator. The
model is the usual CNN-LSTM of such projects: Conv1D -> MaxPooling1D -> LSTM -> Dense(softmax).

Writes examples/models/activity/model.keras (the trained model, as a Keras user would save it) and
examples/models/activity/keras.json: held-out windows, their labels and Keras's predicted probabilities.

Usage (from the repository root):  .venv/bin/python tools/gen_example_activity.py
"""

import json

import keras_common as kc  # first: it sets the environment before TensorFlow loads

import numpy as np
import keras
from keras import layers as L

OUT = kc.ROOT / "examples" / "models" / "activity"
CLASSES = ["idle", "walking", "jumping"]
T, AXES = 64, 3


def windows(rng, n):
    """n windows [n, T, 3] with labels [n]: each class drawn with its own random phase, rate and gain."""
    x = np.zeros((n, T, AXES), np.float32)
    y = rng.randint(0, len(CLASSES), size=n)
    t = np.arange(T, dtype=np.float32)
    for i, label in enumerate(y):
        noise = rng.normal(0, 0.15, size=(T, AXES))
        if label == 1:  # walking: a swing of 0.8-1.6 steps per second at 16 samples per second
            f = rng.uniform(0.8, 1.6) / 16
            phase = rng.uniform(0, 2 * np.pi, size=AXES)
            x[i] = np.sin(2 * np.pi * f * t[:, None] + phase) * rng.uniform(0.6, 1.2, size=AXES) + noise
        elif label == 2:  # jumping: a few sharp landings
            x[i] = noise
            for s in rng.choice(T - 4, size=rng.randint(2, 5), replace=False):
                x[i, s:s + 3, 2] += rng.uniform(2.0, 3.5) * np.array([1.0, 0.4, -0.3])
        else:
            x[i] = noise * 0.6
    return x, y.astype(np.int32)


def main():
    rng = kc.seeded(7)
    x_train, y_train = windows(rng, 900)
    x_test, y_test = windows(rng, 60)
    model = keras.Sequential([
        keras.Input((T, AXES)),
        L.Conv1D(16, 5, padding="same", activation="relu"),
        L.MaxPooling1D(2),
        L.Conv1D(16, 3, padding="same", activation="relu"),
        L.MaxPooling1D(2),
        L.LSTM(24),
        L.Dense(len(CLASSES), activation="softmax"),
    ], name="activity_cnn_lstm")
    model.compile(optimizer=keras.optimizers.Adam(0.005), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=12, batch_size=32, verbose=0)
    probs = kc.predict(model, x_test)[0]
    accuracy = float(np.mean(np.argmax(probs, -1) == y_test))
    OUT.mkdir(parents=True, exist_ok=True)
    model.save(OUT / "model.keras")
    doc = {
        "generator": "tools/gen_example_activity.py",
        "keras_version": keras.__version__,
        "classes": CLASSES,
        "tolerance": kc.TOLERANCE,
        "keras_accuracy": accuracy,
        "x": kc.enc(x_test),
        "labels": [int(v) for v in y_test],
        "probabilities": kc.enc(probs),
    }
    (OUT / "keras.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(kc.ROOT)}: Keras accuracy on held-out windows {accuracy:.3f}")


if __name__ == "__main__":
    main()
