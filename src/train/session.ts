// What a Model keeps of its training between calls: the Trainer made from its compile arguments,
// behind the few methods the Model calls, so that model/model.ts needs no type from trainer.ts or
// fit.ts (which import the Model back).

import { WasmRnnError } from "../core/errors.js";
import type { Model, TrainingSession } from "../model/model.js";
import { layerQuantization, leafLayers } from "../quant/state.js";
import * as loops from "./fit.js";
import { Trainer } from "./trainer.js";
import type { CompileArgs } from "./types.js";

export type { TrainingSession } from "../model/model.js";

/** Checks `args` against `model` and makes its training state (the wasm training core must be loaded). */
export function startTraining(model: Model, args: CompileArgs): TrainingSession {
  const trainer = new Trainer(model, args);
  return {
    optimizer: trainer.optimizer,
    // int8 kernels read copies the optimizer would not update (evaluate, a forward pass, may run them)
    fit: (x, y, options) => {
      refuseQuantizedTraining(`Model '${model.name}': fit`, model.layers);
      return loops.fit(model, trainer, x, y, options);
    },
    trainOnBatch: (x, y, options) => {
      refuseQuantizedTraining(`Model '${model.name}': trainOnBatch`, model.layers);
      return loops.trainOnBatch(model, trainer, x, y, options);
    },
    evaluate: (x, y, options) => loops.evaluate(model, trainer, x, y, options),
    dispose: () => trainer.dispose(),
  };
}

/** Training updates the float weights the int8 kernels do not read: refused until quantize("none"). */
function refuseQuantizedTraining(who: string, layers: Model["layers"]): void {
  const int8 = leafLayers(layers).filter((l) => layerQuantization(l)?.mode === "int8");
  if (int8.length) {
    throw new WasmRnnError(
      `${who}: expected float32 layers for training, got int8 inference weights in ${int8.map((l) => l.name).join(", ")} ` +
        `(call quantize("none") first)`,
    );
  }
}
