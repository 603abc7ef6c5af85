// Instantiation of the wasm core: `ready()` creates the instance once; its exports are then read
// synchronously through instance.ts by everything else.
// Two things differ per runtime and are settled here, once:
//  - how the module arrives: inlined base64 (load-inline.ts, the default) or an imported `.wasm`
//    module (load-module.ts, set by src/entry-worker.ts for workerd, which cannot compile from bytes);
//  - which build runs: plain SIMD128 ("simd", bit-identical everywhere) or relaxed SIMD ("relaxed",
//    fused multiply-add), picked by feature detection unless forced.
import { arena } from "./arena.js";
import { WasmRnnError } from "./errors.js";
import {
  type CoreBuild,
  type CoreExports,
  type CoreLoader,
  core,
  isReady,
  type QuantBuild,
  setCoreExports,
  type TrainBuild,
} from "./instance.js";

// The accessors and types live in instance.ts (which arena.ts, threads.ts and the layers import);
// re-exported so callers keep importing them from here.
export type { CoreBuild, CoreExports, CoreLoader, QuantBuild, TrainBuild } from "./instance.js";
export { core, heapF32, isReady, kernels, memoryGrew } from "./instance.js";

/** C = C0 + A . Bp over packed panels (assembly/gemm/gemm_2x16.ts); the suffix is the panel width. */
export type Gemm = CoreExports["gemm_2x16"];

let pending: Promise<void> | null = null;

/** Which build `ready()` instantiates: `"auto"` (the default) takes relaxed SIMD where supported. */
export type SimdChoice = "auto" | "plain" | "relaxed";

export interface ReadyOptions {
  /**
   * `"auto"` (default): the relaxed-SIMD build where the runtime supports it, else the plain one;
   * `"plain"`: the plain SIMD build, whose outputs are bit-identical on every runtime;
   * `"relaxed"`: the relaxed-SIMD build, or an error where unsupported. Without this option
   * `globalThis.WASM_RNN_SIMD` or the environment variable `WASM_RNN_SIMD` decides (Node, Bun;
   * Deno only with `--allow-env=WASM_RNN_SIMD`, it never prompts).
   */
  simd?: SimdChoice;
  /**
   * Threads for large batches (default 1). Above 1 (Node, Deno and Bun through `node:worker_threads`;
   * browsers on cross-origin isolated pages through Web Workers): the plain SIMD build runs on
   * shared memory, `threads - 1` workers join the main thread, and a
   * recurrent layer splits a batch across them (results are bit-identical to one thread).
   * `predict` stays synchronous.
   */
  threads?: number;
}

export interface CoreInfo {
  /** The build running: `"simd"` (plain SIMD128) or `"relaxed"` (relaxed SIMD). */
  build: CoreBuild;
  /** Whether this runtime can run the relaxed-SIMD build. */
  relaxedSimd: boolean;
  /** How the module was loaded: inlined bytes, or an imported `.wasm` module (workerd). */
  loader: "inline" | "module";
  /** Threads sharing the work, the main one included. */
  threads: number;
}

let loaderKind: CoreInfo["loader"] = "inline";
let loader: CoreLoader = async (build) => (await import("./load-inline.js")).loadInline(build);
let active: CoreBuild | null = null;
let activeThreads = 1;

/** For entry modules only: replaces the inline loader; no effect once instantiation has begun. */
export function useCoreLoader(kind: CoreInfo["loader"], load: CoreLoader): void {
  if (pending || isReady()) return;
  loaderKind = kind;
  loader = load;
}

// (func (param v128 v128 v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
const RELAXED_PROBE = new Uint8Array(
  "0061736d01000000 01080160037b7b7b017b 03020100 0a0d010b00200020012002fd85020b" // header, types, functions, code
    .replace(/ /g, "")
    .match(/../g)!
    .map((byte) => parseInt(byte, 16)),
);
let relaxedSupported: boolean | null = null;

/** Whether this runtime validates relaxed-SIMD code (Node 20 only with --experimental-wasm-relaxed-simd). */
export function relaxedSimdSupported(): boolean {
  if (relaxedSupported === null) {
    try {
      relaxedSupported = WebAssembly.validate(RELAXED_PROBE);
    } catch {
      relaxedSupported = false;
    }
  }
  return relaxedSupported;
}

const CHOICES: readonly string[] = ["auto", "plain", "relaxed", "simd"];

/**
 * The switch for tests and deployments: globalThis.WASM_RNN_SIMD, else the environment variable
 * WASM_RNN_SIMD (Node, Bun; Deno when run with --allow-env=WASM_RNN_SIMD).
 */
function switchFromEnvironment(): SimdChoice | undefined {
  type DenoLike = {
    permissions?: { querySync?(d: { name: "env"; variable: string }): { state: string } };
    env?: { get(k: string): string | undefined };
  };
  const g = globalThis as {
    WASM_RNN_SIMD?: unknown;
    Deno?: DenoLike;
    process?: { env?: Record<string, string | undefined> };
  };
  let value: unknown = g.WASM_RNN_SIMD;
  try {
    if (value === undefined && g.Deno !== undefined) {
      // Deno: only with the env permission already granted (never prompt for it)
      if (g.Deno.permissions?.querySync?.({ name: "env", variable: "WASM_RNN_SIMD" }).state === "granted") {
        value = g.Deno.env?.get("WASM_RNN_SIMD");
      }
    } else if (value === undefined) {
      value = g.process?.env?.WASM_RNN_SIMD;
    }
  } catch {
    value = undefined;
  }
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string" || !CHOICES.includes(value)) {
    throw new WasmRnnError(
      `wasm-rnn: WASM_RNN_SIMD: expected "auto", "plain" or "relaxed", got ${JSON.stringify(value)}`,
    );
  }
  return value === "simd" ? "plain" : (value as SimdChoice);
}

function chooseBuild(choice: SimdChoice): CoreBuild {
  if (choice === "plain") return "simd";
  if (choice === "relaxed") {
    if (!relaxedSimdSupported()) {
      throw new WasmRnnError(
        `wasm-rnn: the relaxed-SIMD build was requested, but this runtime does not support relaxed SIMD ` +
          `(Node 20 needs --experimental-wasm-relaxed-simd); use { simd: "auto" } or "plain"`,
      );
    }
    return "relaxed";
  }
  return relaxedSimdSupported() ? "relaxed" : "simd";
}

function checkSame(choice: SimdChoice | undefined): void {
  if (choice === undefined || choice === "auto" || active === null) return;
  const want: CoreBuild = choice === "plain" ? "simd" : "relaxed";
  if (want !== active) {
    throw new WasmRnnError(
      `wasm-rnn: ready({ simd: "${choice}" }): expected the core not yet instantiated, got it already running ` +
        `the ${active === "simd" ? "plain" : "relaxed"} build (choose the build in the first ready() call)`,
    );
  }
}

/**
 * Instantiates the wasm core once; every later call resolves immediately. `options.simd` picks the
 * build (see `ReadyOptions`); asking for a different build after the first call is an error.
 */
export function ready(options: ReadyOptions = {}): Promise<void> {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    const got =
      options === null ? "null" : Array.isArray(options) ? "an array" : `${typeof options} ${String(options)}`;
    return Promise.reject(
      new WasmRnnError(
        `wasm-rnn: ready(options): expected an options object ({ simd, threads }) or nothing, got ${got}`,
      ),
    );
  }
  let explicit = options.simd as string | undefined;
  if (explicit !== undefined && !CHOICES.includes(explicit)) {
    return Promise.reject(
      new WasmRnnError(
        `wasm-rnn: ready({ simd }): expected "auto", "plain" or "relaxed", got ${JSON.stringify(explicit)}`,
      ),
    );
  }
  if (explicit === "simd") explicit = "plain";
  const requested = explicit as SimdChoice | undefined;
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    return Promise.reject(
      new WasmRnnError(
        `wasm-rnn: ready({ threads }): expected an integer from 1 to 64, got ${JSON.stringify(options.threads)}`,
      ),
    );
  }
  if (threads > 1 && requested === "relaxed") {
    return Promise.reject(
      new WasmRnnError(
        `wasm-rnn: ready({ threads: ${threads}, simd: "relaxed" }): expected simd "plain" or "auto" with threads ` +
          `(the threads build is plain SIMD), got "relaxed"`,
      ),
    );
  }
  const sameThreads = () => {
    if (options.threads !== undefined && threads !== activeThreads) {
      throw new WasmRnnError(
        `wasm-rnn: ready({ threads: ${threads} }): expected the core not yet instantiated, got it already running ` +
          `with ${activeThreads} thread(s) (choose threads in the first ready() call)`,
      );
    }
  };
  if (isReady()) {
    try {
      checkSame(requested);
      sameThreads();
    } catch (err) {
      return Promise.reject(err);
    }
    return Promise.resolve();
  }
  if (!pending) {
    pending = (async () => {
      if (threads > 1) {
        await startThreaded(threads);
        return;
      }
      const build = chooseBuild(requested ?? switchFromEnvironment() ?? "auto");
      let instance: WebAssembly.Instance;
      try {
        const module = await loader(build);
        instance = await WebAssembly.instantiate(module, {});
      } catch (err) {
        throw new WasmRnnError(`wasm-rnn: could not instantiate the wasm core (${build} build): ${String(err)}`);
      }
      active = build;
      setCoreExports(instance.exports as unknown as CoreExports);
    })().catch((err: unknown) => {
      pending = null;
      throw err instanceof WasmRnnError
        ? err
        : new WasmRnnError(`wasm-rnn: could not instantiate the wasm core: ${String(err)}`);
    });
    return pending;
  }
  return pending.then(() => {
    checkSame(requested);
    sameThreads();
  });
}

/** The threads build on fresh shared memory, then the worker pool on that memory. */
async function startThreaded(threads: number): Promise<void> {
  const g = globalThis as {
    process?: { versions?: { node?: string } };
    crossOriginIsolated?: boolean;
    Worker?: unknown;
  };
  const workerThreads = Boolean(g.process?.versions?.node);
  const isolatedPage = g.crossOriginIsolated === true && typeof g.Worker === "function";
  if ((!workerThreads && !isolatedPage) || typeof SharedArrayBuffer === "undefined") {
    const got =
      g.crossOriginIsolated === false
        ? "a page that is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp)"
        : "a runtime without them";
    throw new WasmRnnError(
      `wasm-rnn: ready({ threads: ${threads} }): expected Node, Deno, Bun or a cross-origin isolated page ` +
        `(workers and shared memory), got ${got}; use threads: 1`,
    );
  }
  let module: WebAssembly.Module;
  let memory: WebAssembly.Memory;
  try {
    module = await loader("threads");
    // the module imports shared memory of at most 65536 pages (asconfig.json target "threads")
    memory = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: true });
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    setCoreExports(instance.exports as unknown as CoreExports);
  } catch (err) {
    throw new WasmRnnError(`wasm-rnn: could not instantiate the wasm core (threads build): ${String(err)}`);
  }
  active = "threads";
  const { startPool } = await import("./pool.js");
  try {
    await startPool(threads, module, memory, (bytes) => arena.alloc(bytes));
  } catch (err) {
    setCoreExports(null);
    active = null;
    throw new WasmRnnError(`wasm-rnn: could not start ${threads - 1} worker thread(s): ${String(err)}`);
  }
  activeThreads = threads;
}

let trainExports: Promise<WebAssembly.Exports> | null = null;

/**
 * Instantiates the training core once, on the inference core's memory (the first `fit` calls
 * it), with the same loader as the core (inlined: the pack "wasm-rnn/train" adds). Resolves to its exports.
 */
export function loadTrainCore(who: string): Promise<WebAssembly.Exports> {
  const ex = core(who);
  trainExports ??= (async () => {
    const build: TrainBuild = active === "threads" ? "train-threads" : "train";
    const module = await loader(build);
    return (await WebAssembly.instantiate(module, { env: { memory: ex.memory } })).exports;
  })().catch((err: unknown) => {
    trainExports = null;
    throw new WasmRnnError(`${who}: could not instantiate the training core: ${String(err)}`);
  });
  return trainExports;
}

let quantExports: Promise<WebAssembly.Exports> | null = null;

/** The int8 core (assembly/quant.ts) beside the running build, once (the first quantize("int8")), as loadTrainCore. */
export function loadQuantCore(who: string): Promise<WebAssembly.Exports> {
  const ex = core(who);
  quantExports ??= (async () => {
    const build: QuantBuild = active === "threads" ? "quant-threads" : active === "relaxed" ? "quant-relaxed" : "quant";
    const module = await loader(build);
    return (await WebAssembly.instantiate(module, { env: { memory: ex.memory } })).exports;
  })().catch((err: unknown) => {
    quantExports = null;
    throw new WasmRnnError(`${who}: could not instantiate the int8 core: ${String(err)}`);
  });
  return quantExports;
}

/** Which build of the core runs, and how it was loaded. Call after `await ready()`. */
export function coreInfo(): CoreInfo {
  core("coreInfo");
  return { build: active!, relaxedSimd: relaxedSimdSupported(), loader: loaderKind, threads: activeThreads };
}
