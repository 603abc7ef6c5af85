// Loader for runtimes that compile wasm only from modules they load themselves: Cloudflare workerd
// refuses `WebAssembly.compile(bytes)`, and its bundlers (wrangler, esbuild) turn a `.wasm` import
// into a `WebAssembly.Module`. Used by entry-worker.ts (exports conditions `workerd` and `worker`).
import simdModule from "./generated/core.wasm";
import relaxedModule from "./generated/core-relaxed.wasm";
import type { CoreBuild } from "./wasm.js";

export async function loadModule(build: CoreBuild): Promise<WebAssembly.Module> {
  if (build === "threads") throw new Error("the worker pool needs Node's worker_threads; worker runtimes run one thread");
  return build === "relaxed" ? relaxedModule : simdModule;
}
