// Default loader: the core's bytes are inlined as base64 (no file system, no fetch), which works
// in Node, Deno, Bun and browsers. Each build sits in its own generated module, imported only when
// it is the one chosen, so a browser downloads one build, not both. Runtimes that forbid compiling
// from bytes (workerd) use load-module.ts instead (see src/entry-worker.ts).
import type { CoreBuild, QuantBuild, TrainBuild } from "./instance.js";

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const BUILDS: Record<CoreBuild | TrainBuild | QuantBuild, () => Promise<string>> = {
  simd: async () => (await import("./generated/core-simd.js")).CORE_SIMD_BASE64,
  relaxed: async () => (await import("./generated/core-relaxed.js")).CORE_RELAXED_BASE64,
  threads: async () => (await import("./generated/core-threads.js")).CORE_THREADS_BASE64,
  // the training core, only once something trains
  train: async () => (await import("./generated/train.js")).TRAIN_BASE64,
  "train-threads": async () => (await import("./generated/train-threads.js")).TRAIN_THREADS_BASE64,
  // the int8 core, only once a model is quantized
  quant: async () => (await import("./generated/quant.js")).QUANT_BASE64,
  "quant-relaxed": async () => (await import("./generated/quant-relaxed.js")).QUANT_RELAXED_BASE64,
  "quant-threads": async () => (await import("./generated/quant-threads.js")).QUANT_THREADS_BASE64,
};

export async function loadInline(build: CoreBuild | TrainBuild | QuantBuild): Promise<WebAssembly.Module> {
  return WebAssembly.compile(decodeBase64(await BUILDS[build]()));
}
