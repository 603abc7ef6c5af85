// "wasm-rnn/train": imported once in a bundled app (`import "wasm-rnn/train"`), it enables Model's
// fit, trainOnBatch and evaluate, with the training core's two builds inlined as one deflated pack.
// Unbundled, Model imports it on the first fit (model/features.ts). A module with a side effect on
// purpose: package.json lists it under "sideEffects", so bundlers keep it.
import { PACK } from "./core/generated/train-pack.js";
import { addInlinePack } from "./core/inline-packs.js";
import { installTraining } from "./train/install.js";

addInlinePack(PACK);
installTraining();
