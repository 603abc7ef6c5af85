// The worker pool over shared wasm memory (`node:worker_threads`: Node, Deno, Bun; Web Workers on
// cross-origin isolated pages). Every worker runs its own instance of the threads build on the same
// memory; kernels never allocate, so instances share nothing but the buffers the caller names.
// Loaded only by `ready({ threads })`. The control-block protocol is described in threads.ts.
import { BLOCK_I32, clearPool, MAX_ARGS, POOL_EXPORTS, setPool, type WorkerPool } from "./threads.js";

let canBlock = true;

/** The worker's loop, given its instance's exports and its control block. */
const WORKER_LOOP = `
function serve(ex, memory, block, names) {
  const fns = names.map((n) => ex[n]);
  const i32 = new Int32Array(memory.buffer, block, ${BLOCK_I32});
  for (;;) {
    let s;
    while ((s = Atomics.load(i32, 0)) !== 1) {
      if (s === 3) return;
      Atomics.wait(i32, 0, s);
    }
    const argc = i32[${BLOCK_I32 - 1}], fn = i32[1];
    fns[fn](...Array.from(i32.subarray(2, 2 + argc)));
    Atomics.store(i32, 0, 2);
    Atomics.notify(i32, 0);
  }
}
`;

/** node:worker_threads (Node, Deno, Bun): the start data comes as workerData. */
const NODE_WORKER_SOURCE = `${WORKER_LOOP}
const { parentPort, workerData } = require("node:worker_threads");
const { wasmModule, memory, block, names } = workerData;
const ex = new WebAssembly.Instance(wasmModule, { env: { memory } }).exports;
parentPort.postMessage("ready");
serve(ex, memory, block, names);
process.exit(0);
`;

/** Web workers (cross-origin isolated pages): the start data comes as the first message. */
const WEB_WORKER_SOURCE = `${WORKER_LOOP}
onmessage = (e) => {
  const { wasmModule, memory, block, names } = e.data;
  const ex = new WebAssembly.Instance(wasmModule, { env: { memory } }).exports;
  postMessage("ready");
  serve(ex, memory, block, names);
  close();
};
`;

/** The slice of Node's worker_threads API the pool uses (typed here: the build has no Node types). */
interface NodeWorker {
  unref(): void;
  once(event: "message" | "error", listener: (value: unknown) => void): void;
  terminate(): Promise<number>;
}
type NodeWorkerClass = new (source: string, options: { eval: true; workerData: unknown }) => NodeWorker;

interface StartData {
  wasmModule: WebAssembly.Module;
  memory: WebAssembly.Memory;
  block: number;
  names: readonly string[];
}

/** Web Worker as in browsers (typed here: the build has no DOM worker types for this use). */
interface WebWorker {
  postMessage(data: unknown): void;
  addEventListener(
    type: "message" | "error",
    listener: (e: { message?: string }) => void,
    options?: { once: boolean },
  ): void;
  terminate(): void;
}
type WebWorkerClass = new (url: string) => WebWorker;

/** Where `node:worker_threads` exists (Node, Deno, Bun) its workers; else Web Workers. */
async function workerFactory(): Promise<(data: StartData) => Promise<{ terminate(): unknown }>> {
  const g = globalThis as { process?: { versions?: { node?: string } }; Worker?: WebWorkerClass };
  if (g.process?.versions?.node) {
    // a computed specifier keeps bundlers from resolving a Node built-in for the browser, and the
    // comments tell webpack and Vite to leave the import as it is, without a warning about it
    const specifier = "node:worker_threads";
    const { Worker } = (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as {
      Worker: NodeWorkerClass;
    };
    return async (workerData) => {
      const worker = new Worker(NODE_WORKER_SOURCE, { eval: true, workerData });
      worker.unref();
      await new Promise<void>((resolve, reject) => {
        worker.once("message", () => resolve());
        worker.once("error", reject);
      });
      return worker;
    };
  }
  const url = URL.createObjectURL(new Blob([WEB_WORKER_SOURCE], { type: "text/javascript" }));
  return async (data) => {
    const worker = new g.Worker!(url);
    await new Promise<void>((resolve, reject) => {
      worker.addEventListener("message", () => resolve(), { once: true });
      worker.addEventListener("error", (e) => reject(new Error(e.message ?? "worker failed to start")), { once: true });
      worker.postMessage(data);
    });
    return worker;
  };
}

/**
 * Starts `threads - 1` workers on `module` (the threads build) sharing `memory`. `allocBlock`
 * gives each worker its control block (bytes, 64-aligned) in that memory.
 */
export async function startPool(
  threads: number,
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  allocBlock: (bytes: number) => number,
): Promise<WorkerPool> {
  const blocks: number[] = [];
  const workers: { terminate(): unknown }[] = [];
  const spawn = await workerFactory();
  for (let w = 0; w < threads - 1; w++) {
    const block = allocBlock(BLOCK_I32 * 4);
    new Int32Array(memory.buffer, block, BLOCK_I32).fill(0);
    blocks.push(block);
    workers.push(await spawn({ wasmModule: module, memory, block, names: POOL_EXPORTS }));
  }
  const views = blocks.map((b) => new Int32Array(memory.buffer, b, BLOCK_I32));
  const posted = new Array<boolean>(workers.length).fill(false);
  const pool: WorkerPool = {
    size: threads,
    post(w, fn, args) {
      if (args.length > MAX_ARGS - 1) throw new Error(`worker pool: too many arguments (${args.length})`);
      const v = views[w]!;
      v[1] = POOL_EXPORTS.indexOf(fn);
      for (let i = 0; i < args.length; i++) v[2 + i] = args[i]!;
      v[BLOCK_I32 - 1] = args.length;
      posted[w] = true;
      Atomics.store(v, 0, 1);
      Atomics.notify(v, 0);
    },
    wait() {
      for (let w = 0; w < views.length; w++) {
        if (!posted[w]) continue;
        const v = views[w]!;
        let s;
        while ((s = Atomics.load(v, 0)) !== 2) {
          // a browser's main thread may not block: it spins (the wait is one slice of a call)
          if (canBlock) {
            try {
              Atomics.wait(v, 0, s);
            } catch {
              canBlock = false;
            }
          }
        }
        Atomics.store(v, 0, 0);
        posted[w] = false;
      }
    },
    async terminate() {
      for (const v of views) {
        Atomics.store(v, 0, 3);
        Atomics.notify(v, 0);
      }
      await Promise.all(workers.map((w) => w.terminate()));
      clearPool(pool);
    },
  };
  setPool(pool);
  return pool;
}
