// What a Model keeps of its training between calls: the Trainer made from its compile arguments,
// behind the few methods the Model calls, so that model/model.ts needs no type from trainer.ts or
// fit.ts (which import the Model back).
import type { TensorLike } from "../core/tensor.js";
import type { Model } from "../model/model.js";
import type { FitOptions } from "./fit.js";
import * as loops from "./fit.js";
import type { Optimizer } from "./optimizer.js";
import { Trainer } from "./trainer.js";
import type { CompileArgs, EvaluateOptions, History, TrainOnBatchOptions } from "./types.js";

type Data = TensorLike | TensorLike[];

/** A model's compiled training state (Model.fit / trainOnBatch / evaluate go through it). */
export interface TrainingSession {
  readonly optimizer: Optimizer;
  fit(x: Data, y: Data, options?: FitOptions): Promise<History>;
  trainOnBatch(x: Data, y: Data, options?: TrainOnBatchOptions): Promise<number>;
  evaluate(x: Data, y: Data, options?: EvaluateOptions): Promise<number | number[] | Record<string, number>>;
  /** Frees the trainer's buffers and the optimizer's state. */
  dispose(): void;
}

/** Checks `args` against `model` and makes its training state (the wasm training core must be loaded). */
export function startTraining(model: Model, args: CompileArgs): TrainingSession {
  const trainer = new Trainer(model, args);
  return {
    optimizer: trainer.optimizer,
    fit: (x, y, options) => loops.fit(model, trainer, x, y, options),
    trainOnBatch: (x, y, options) => loops.trainOnBatch(model, trainer, x, y, options),
    evaluate: (x, y, options) => loops.evaluate(model, trainer, x, y, options),
    dispose: () => trainer.dispose(),
  };
}
