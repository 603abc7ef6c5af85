// The package entry for Cloudflare workerd (exports condition `workerd`): the same public API, with
// every core (inference, training, int8) loaded from imported `.wasm` modules instead of inlined
// bytes (workerd refuses to compile wasm from bytes). Web workers (webpack's `webworker` target,
// the `worker` condition) compile from bytes as pages do, so they get the default entry. Everything runtime-specific stays in
// src/core/; this file sits beside index.js because it re-exports the whole API.
//
// The loader is set inside `ready()`, not as a module side effect: the package declares
// `"sideEffects": false`, so a bundler may skip this module's top-level statements when a user
// imports only names re-exported from index.js. `ready()` is the one call every user makes.
import { loadModule } from "./core/load-module.js";
import { type ReadyOptions, ready as readyCore, useCoreLoader } from "./core/wasm.js";

export * from "./index.js";

/** Instantiates the wasm core once (see the default entry's `ready`), from the imported `.wasm` modules. */
export function ready(options?: ReadyOptions): Promise<void> {
  useCoreLoader("module", loadModule);
  return readyCore(options);
}
