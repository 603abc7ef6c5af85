// The second app of the bundler matrix (test/runtimes/bundlers.mjs): the runtime checks
// (checks.mjs: the Keras cases, fit included) through the whole API and "wasm-rnn/train", which
// a bundler must keep although it is imported for its effect only ("sideEffects" in package.json).
import * as lib from "wasm-rnn";
import "wasm-rnn/train";
import { runChecks } from "./checks.mjs";

const checks = (picked) => runChecks(lib, picked, "auto");

if (typeof document === "object") {
  globalThis.wasmRnnApp = checks;
} else {
  globalThis.onmessage = async (e) => {
    try {
      globalThis.postMessage({ outputs: await checks(e.data) });
    } catch (err) {
      globalThis.postMessage({ error: String(err && err.stack ? err.stack : err) });
    }
  };
}
