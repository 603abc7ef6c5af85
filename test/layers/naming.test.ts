// Default layer names (src/layers/naming.ts toSnakeCase) against real Keras 3's to_snake_case.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { toSnakeCase } from "../../src/layers/naming.js";
import { KERAS_PYTHON } from "../helpers/cases.js";

const CLASSES = [
  "LSTM",
  "GRU",
  "SimpleRNN",
  "TimeDistributed",
  "Conv1D",
  "SeparableConv1D",
  "DepthwiseConv1D",
  "ZeroPadding1D",
  "UpSampling1D",
  "Cropping1D",
  "MaxPooling1D",
  "GlobalAveragePooling1D",
  "SpatialDropout1D",
  "Conv2D",
  "MaxPooling2D",
  "ConvLSTM2D",
  "BatchNormalization",
  "MultiHeadAttention",
  "PReLU",
  "ReLU",
  "LeakyReLU",
  "ELU",
];

describe("default layer names", () => {
  it("are Keras 3's to_snake_case of the class name (conv1d, max_pooling1d, conv_lstm2d, p_re_lu)", () => {
    expect(existsSync(KERAS_PYTHON), `real Keras 3 at ${KERAS_PYTHON}`).toBe(true);
    const script =
      "import json, sys\nfrom keras.src.utils.naming import to_snake_case\n" +
      "print(json.dumps([to_snake_case(c) for c in json.loads(sys.argv[1])]))";
    const res = spawnSync(KERAS_PYTHON, ["-c", script, JSON.stringify(CLASSES)], {
      encoding: "utf8",
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "3" },
    });
    expect(res.status, res.stderr).toBe(0);
    const keras = JSON.parse(res.stdout.trim().split("\n").at(-1)!) as string[];
    expect(CLASSES.map(toSnakeCase)).toEqual(keras);
  }, 60_000);
});
