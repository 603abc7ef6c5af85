// Training, loaded on first use by Model.fit / trainOnBatch / evaluate (the default entry stays
// inference-only).
export { Trainer, type CompileArgs, type LossSpec } from "./trainer.js";
export { fit, evaluate, trainOnBatch, type FitOptions, type History, type EvaluateOptions, type FitLogs } from "./fit.js";
export { getOptimizer, SGD, Adam, RMSprop, Adagrad, Optimizer } from "./optimizers.js";
export { getLoss } from "./losses.js";
export { loadTrainCore } from "./kernels.js";
