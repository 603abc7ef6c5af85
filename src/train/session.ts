// What a Model keeps of its training between calls: the Trainer made from its compile arguments,
// behind the few methods the Model calls, so that model/model.ts needs no type from trainer.ts or
// fit.ts (which import the Model back).
import type { Model, TrainingSession } from "../model/model.js";
import * as loops from "./fit.js";
import { Trainer } from "./trainer.js";
import type { CompileArgs } from "./types.js";

export type { TrainingSession } from "../model/model.js";

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
