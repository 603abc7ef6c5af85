// The running wasm core: its exports and a view of its memory, set once by `ready()` (wasm.ts) and
// read synchronously by everything else (the arena, the worker pool, the layers). Kept apart from
// the instantiation in wasm.ts so the arrows point one way: arena.ts, threads.ts and wasm.ts import
// this module, and it imports nothing that imports them.
import { WasmRnnError } from "./errors.js";
import type { CoreExports } from "./generated/kernel-exports.js";

export type {
  CoreExports,
  LossKernels,
  OptimizerKernels,
  QuantExports,
  TrainExports,
} from "./generated/kernel-exports.js";

/**
 * The builds of the core: plain SIMD128, relaxed SIMD (fused multiply-add), and plain SIMD on
 * shared memory for the worker pool (`ready({ threads })`).
 */
export type CoreBuild = "simd" | "relaxed" | "threads";
/** The training core (assembly/train.ts) on the inference core's memory: plain or shared. */
export type TrainBuild = "train" | "train-threads";
/** The int8 core (assembly/quant.ts) beside each inference build: plain, relaxed SIMD, shared memory. */
export type QuantBuild = "quant" | "quant-relaxed" | "quant-threads";
/** Gets the compiled module of one build. */
export type CoreLoader = (build: CoreBuild | TrainBuild | QuantBuild) => Promise<WebAssembly.Module>;

let exportsRef: CoreExports | null = null;
let f32: Float32Array = new Float32Array(0);

/** For wasm.ts: the instance's exports once instantiated (null again when a start failed). */
export function setCoreExports(ex: CoreExports | null): void {
  exportsRef = ex;
  f32 = new Float32Array(0);
}

export function isReady(): boolean {
  return exportsRef !== null;
}

/** The core's exports; `who` names the caller in the error when `ready()` has not finished. */
export function core(who: string): CoreExports {
  if (!exportsRef) {
    throw new WasmRnnError(
      `${who}: the wasm core is not ready: expected \`await ready()\` to have finished before this call, ` +
        `got a call before it`,
    );
  }
  return exportsRef;
}

/** The exports without the readiness check, for hot paths reached only after a build. */
export function kernels(): CoreExports {
  return exportsRef!;
}

/**
 * A Float32Array over the whole wasm memory. Growing memory detaches old views; the arena (the
 * only code that grows memory) calls `memoryGrew()`, so the view is re-created only then. Never
 * keep the returned view across a call that may allocate.
 */
export function heapF32(): Float32Array {
  if (f32.length === 0) f32 = new Float32Array(exportsRef!.memory.buffer);
  return f32;
}

export function memoryGrew(): void {
  f32 = new Float32Array(0);
}
