// Type tests for compile's optimizer, loss and metric names (src/train/types.ts, compile-names.ts,
// optimizer-spec.ts): the names compile() takes at run time, Keras's and TF.js's spellings, and
// the object forms; anything else is an error. Never run.
import { Adam, Input, type LossName, LSTM, type MetricName, Model, type OptimizerSpecName } from "../../src/index.js";
import type { LOSS_NAMES } from "../../src/train/compile-names.js";
import type { OPTIMIZER_NAMES } from "../../src/train/optimizer-spec.js";
import type { Equal, Expect } from "./expect.js";

const x = Input({ shape: [3, 1] });
const [y, h, c] = new LSTM({ units: 2, returnState: true }).apply(x);
const model = new Model({ inputs: x, outputs: [y, h, c] });

// the types are the run-time lists
type _losses = Expect<Equal<LossName, (typeof LOSS_NAMES)[number]>>;
type _optimizers = Expect<
  Equal<
    Exclude<OptimizerSpecName, "SGD" | "Adam" | "RMSprop" | "RMSProp" | "Adagrad">,
    (typeof OPTIMIZER_NAMES)[number]
  >
>;

// Keras's names, TF.js's spellings (tf.LayersModel.compile), objects
model.compile({ optimizer: "adam", loss: "mse", metrics: ["mae"] });
model.compile({ optimizer: "RMSProp", loss: "meanSquaredError", metrics: ["categoricalAccuracy", "acc"] });
model.compile({ optimizer: "Adagrad", loss: ["categorical_crossentropy", null, null] });
model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: { lstm: "huber" } });
model.compile({ optimizer: { className: "SGD", config: { learningRate: 0.1 } }, loss: { name: "mse" } });
model.compile({
  optimizer: { class_name: "RMSprop", config: { learning_rate: 0.01 }, module: "keras.optimizers" },
  loss: { class_name: "function", config: "binary_crossentropy" },
  metrics: [["binary_accuracy"], [], []],
  weightedMetrics: { lstm: ["MeanSquaredError"] },
});
model.compile({ optimizer: "sgd", loss: { className: "BinaryCrossentropy", config: { from_logits: true } } });
const metric: MetricName = "top_k_categorical_accuracy";

// anything else
// @ts-expect-error: Type '"adamw"' is not assignable to type 'OptimizerSpec'
model.compile({ optimizer: "adamw", loss: "mse" });
// @ts-expect-error: Type '{ className: string; }' is not assignable to type 'OptimizerSpec'
model.compile({ optimizer: { className: "AdamW" }, loss: "mse" });
// @ts-expect-error: Type '"msee"' is not assignable to type
model.compile({ optimizer: "adam", loss: "msee" });
// @ts-expect-error: Type '{ name: string; }' is not assignable to type 'LossSpec
model.compile({ optimizer: "adam", loss: { name: "mean_sq_error" } });
// @ts-expect-error: Type '"hinge"' is not assignable to type
model.compile({ optimizer: "adam", loss: ["hinge", null, null] });
// @ts-expect-error: Type '"f1"' is not assignable to type
model.compile({ optimizer: "adam", loss: "mse", metrics: ["f1"] });

export const used = [metric];
