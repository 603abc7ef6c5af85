// The wasm instance: created once by `ready()`, then used synchronously by everything else.
// How the bytes arrive differs per runtime; that choice lives in the loader imported here.
import { WasmRnnError } from "./errors.js";
import { loadCoreModule } from "./load-inline.js";

/** C = C0 + A . Bp over packed panels (assembly/gemm.ts); the suffix is the panel width. */
export type Gemm = (M: number, N: number, K: number, a: number, lda: number, bp: number,
  c0: number, ldc0: number, c: number, ldc: number) => void;

/** Exports of assembly/index.ts. Pointers and sizes are plain numbers (wasm32). */
export interface CoreExports {
  memory: WebAssembly.Memory;
  heap_base(): number;
  pack_panel16(src: number, ldSrc: number, K: number, N: number, Kp: number, dst: number): void;
  pack_gates(src: number, K: number, H: number, G: number, Kp: number, dst: number): void;
  unpack_panel16(src: number, K: number, N: number, Kp: number, dst: number): void;
  unpack_gates(src: number, K: number, H: number, G: number, Kp: number, dst: number): void;
  gemm_2x16: Gemm;
  gemm_2x12: Gemm;
  gemm_2x8: Gemm;
  gemm_2x4: Gemm;
  activate_rows(src: number, ldSrc: number, M: number, N: number, dst: number, kind: number): void;
  activate_vec(src: number, dst: number, n: number, kind: number): void;
  exp_vec(src: number, dst: number, n: number): void;
  lstm_forward(B: number, T: number, I: number, H: number,
    x: number, w: number, u: number, bias: number,
    act: number, recAct: number, goBackwards: number,
    h: number, c: number, xw: number, z: number,
    y: number, cseq: number, trace: number,
    mask: number, zeroOutput: number, last: number): void;
}

let exportsRef: CoreExports | null = null;
let pending: Promise<void> | null = null;
let f32: Float32Array = new Float32Array(0);

/** Instantiates the wasm core once; every later call resolves immediately. */
export function ready(): Promise<void> {
  if (exportsRef) return Promise.resolve();
  if (!pending) {
    pending = (async () => {
      const module = await loadCoreModule();
      const instance = await WebAssembly.instantiate(module, {});
      exportsRef = instance.exports as unknown as CoreExports;
    })().catch((err: unknown) => {
      pending = null;
      throw new WasmRnnError(`wasm-rnn: could not instantiate the wasm core: ${String(err)}`);
    });
  }
  return pending;
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
