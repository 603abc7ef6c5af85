// Loader for runtimes that compile wasm only from modules they load themselves: Cloudflare workerd
// refuses `WebAssembly.compile(bytes)`, and its bundlers (wrangler, esbuild) turn a `.wasm` import
// into a `WebAssembly.Module`. Used by src/entry-worker.ts (exports conditions `workerd` and `worker`).
import simdModule from "./generated/core.wasm";
import relaxedModule from "./generated/core-relaxed.wasm";
import trainModule from "./generated/train.wasm";
import type { CoreBuild, TrainBuild } from "./instance.js";

export async function loadModule(build: CoreBuild | TrainBuild): Promise<WebAssembly.Module> {
  if (build === "threads" || build === "train-threads")
    throw new Error("the worker pool needs Node's worker_threads; worker runtimes run one thread");
  return build === "relaxed" ? relaxedModule : build === "train" ? trainModule : simdModule;
}
