// Training, loaded on first use by Model.fit / trainOnBatch / evaluate (the default entry stays
// inference-only).

export { loadTrainCore } from "../core/train-kernels.js";
export {
  type EvaluateOptions,
  evaluate,
  type FitLogs,
  fit,
  type History,
  trainOnBatch,
} from "./fit.js";
export { getLoss } from "./losses.js";
export { Adagrad, Adam, getOptimizer, Optimizer, RMSprop, SGD } from "./optimizers.js";
export { type CompileArgs, type LossSpec, Trainer } from "./trainer.js";
