// "wasm-rnn/quant" under the `workerd` condition: as src/entry-quant.ts, but the int8 core comes as
// imported `.wasm` modules (load-module.ts, set by the workerd entry's ready()).
import { quantCode } from "./model/model.js";
import { quantizeModel } from "./quant/quantize.js";

quantCode.provide({ quantizeModel });
