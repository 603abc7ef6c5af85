// What "wasm-rnn/train" does on import: gives every Model its training code (fit, trainOnBatch,
// evaluate: model/features.ts). The entry modules differ in how the training core arrives: an
// inlined pack (src/entry-train.ts) or imported `.wasm` modules for workerd (src/entry-train-worker.ts,
// whose loader the workerd entry's ready() sets).
import { loadTrainCore } from "../core/train-kernels.js";
import { trainingCode } from "../model/model.js";
import { startTraining } from "./session.js";

export function installTraining(): void {
  trainingCode.provide({ loadTrainCore, startTraining });
}
