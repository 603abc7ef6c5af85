// For the pooling, reshape and noise layer tests: a model saved by us (TF.js folder and .keras)
// loads back with the same predictions, and real Keras 3 loads our .keras and predicts the same.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { type Layer, loadModel, type Model, saveModel, type Tensor, tensor } from "../../src/index.js";
import { expectClose, KERAS_PYTHON } from "../helpers/cases.js";

const list = (o: Tensor | Tensor[]) => (Array.isArray(o) ? o : [o]);

const SCRIPT = `
import os, sys, json
os.environ["CUDA_VISIBLE_DEVICES"] = ""; os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, keras
m = keras.models.load_model(sys.argv[1])
xs = [np.array(a["data"], dtype=a["dtype"]).reshape(a["shape"]) for a in json.loads(sys.argv[2])]
ys = m.predict(xs if len(xs) > 1 else xs[0], verbose=0)
ys = ys if isinstance(ys, list) else [ys]
print(json.dumps({"classes": [l.__class__.__name__ for l in m.layers],
                  "outputs": [{"shape": list(y.shape), "data": [float(v) for v in y.ravel()]} for y in ys]}))
`;

/**
 * Saves `model` as a TF.js folder and as .keras, loads both back (same predictions, bit for bit, and the
 * same layer classes), then has Keras 3 load the .keras: same classes and predictions within the cases'
 * tolerance. Returns the reloaded models' layers (for option checks). `tfjs` false: .keras only (the model
 * uses what TF.js cannot run).
 */
export async function checkSaveRoundTrip(model: Model, x: Tensor, tfjs = true): Promise<Layer[][]> {
  const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-pool-"));
  try {
    const want = list(model.predict(x));
    const classes = model.layers.map((l) => l.className);
    const reloaded: Layer[][] = [];
    for (const path of tfjs ? [join(dir, "tfjs"), join(dir, "m.keras")] : [join(dir, "m.keras")]) {
      await saveModel(model, path);
      const again = await loadModel(path.endsWith(".keras") ? path : join(path, "model.json"));
      expect(
        again.layers.map((l) => l.className),
        path,
      ).toEqual(classes);
      list(again.predict(x)).forEach((g, i) => expect([...g.data], `${path} output ${i}`).toEqual([...want[i]!.data]));
      reloaded.push([...again.layers]);
    }
    expect(existsSync(KERAS_PYTHON), `real Keras 3 at ${KERAS_PYTHON}`).toBe(true);
    const arg = JSON.stringify([{ shape: x.shape, data: [...x.data], dtype: x.dtype }]);
    const res = spawnSync(KERAS_PYTHON, ["-c", SCRIPT, join(dir, "m.keras"), arg], {
      encoding: "utf8",
      timeout: 150_000,
    });
    expect(res.status, res.stderr.slice(-2000)).toBe(0);
    const got = JSON.parse(res.stdout.trim().split("\n").pop()!) as {
      classes: string[];
      outputs: { shape: number[]; data: number[] }[];
    };
    expect(got.classes.sort(), "the layer classes Keras 3 loads").toEqual([...classes].sort());
    got.outputs.forEach((y, i) =>
      expectClose(want[i]!, tensor(Float32Array.from(y.data), y.shape), `Keras 3 on our .keras, output ${i}`),
    );
    return reloaded;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
