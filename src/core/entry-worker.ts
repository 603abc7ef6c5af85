// The package entry for Cloudflare workerd and other worker runtimes (exports conditions `workerd`
// and `worker`): the same public API, with the core loaded from imported `.wasm` modules instead of
// inlined bytes. Everything runtime-specific stays in src/core/.
import { loadModule } from "./load-module.js";
import { useCoreLoader } from "./wasm.js";

useCoreLoader("module", loadModule);

export * from "../index.js";
