// "wasm-rnn/train" under the `workerd` condition: as src/entry-train.ts, but the training core
// comes as an imported `.wasm` module (load-module.ts, set by the workerd entry's ready()), since
// workerd refuses to compile wasm from bytes.
import { installTraining } from "./train/install.js";

installTraining();
