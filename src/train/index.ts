// Training, loaded on first use by Model.fit / trainOnBatch / evaluate (the default entry stays
// inference-only).

export { loadTrainCore } from "../core/train-kernels.js";
export { evaluate, type FitOptions, fit, trainOnBatch } from "./fit.js";
export { getLoss } from "./losses.js";
export { Adagrad, Adam, getOptimizer, Optimizer, RMSprop, SGD } from "./optimizers.js";
export { startTraining, type TrainingSession } from "./session.js";
export { Trainer } from "./trainer.js";
export type { BaseFitOptions, CompileArgs, EvaluateOptions, FitLogs, History, LossSpec } from "./types.js";
