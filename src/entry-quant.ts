// "wasm-rnn/quant": imported once in a bundled app (`import "wasm-rnn/quant"`), it enables
// model.quantize (and loadModel's `quantize` option brings it itself), with the int8 core's three
// builds inlined as one deflated pack. Unbundled, Model imports it on the first quantize
// (model/features.ts). Listed under "sideEffects" in package.json, so bundlers keep it.
import { PACK } from "./core/generated/quant-pack.js";
import { addInlinePack } from "./core/inline-packs.js";
import { quantCode } from "./model/model.js";
import { quantizeModel } from "./quant/quantize.js";

addInlinePack(PACK);
quantCode.provide({ quantizeModel });
