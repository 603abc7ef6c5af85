// Loader for runtimes that compile wasm only from modules they load themselves: Cloudflare workerd
// refuses `WebAssembly.compile(bytes)`, and its bundlers (wrangler, esbuild) turn a `.wasm` import
// into a `WebAssembly.Module`. Used by src/entry-worker.ts (exports condition `workerd`) for every core.
import simdModule from "./generated/core.wasm";
import relaxedModule from "./generated/core-relaxed.wasm";
import quantModule from "./generated/quant.wasm";
import quantRelaxedModule from "./generated/quant-relaxed.wasm";
import trainModule from "./generated/train.wasm";
import type { CoreBuild, QuantBuild, TrainBuild } from "./instance.js";

const MODULES: Record<string, WebAssembly.Module> = {
  simd: simdModule,
  relaxed: relaxedModule,
  train: trainModule,
  quant: quantModule,
  "quant-relaxed": quantRelaxedModule,
};

export async function loadModule(build: CoreBuild | TrainBuild | QuantBuild): Promise<WebAssembly.Module> {
  const module = MODULES[build];
  if (!module) throw new Error("the worker pool needs Node's worker_threads; worker runtimes run one thread");
  return module;
}
