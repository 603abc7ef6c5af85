// One small adapter per implementation: { name, setup(shape, weights, x), run(), toBTH(result), dispose() }.
//
// - setup() builds the layer/session for one shape with the shared Keras-layout weights and the
//   [B, T, I] input; it may be async (onnxruntime sessions are created asynchronously).
// - run() is what gets timed: one forward over the whole sequence, input in, full output out.
//   `async: true` marks adapters whose run() returns a promise (onnxruntime's API is async).
// - toBTH(result) turns run()'s result into a [B, T, H] Float32Array for the correctness check
//   (not timed).
//
// Each load*() imports its packages lazily and throws if they are missing or broken, so run.mjs can
// skip that peer with the reason instead of failing the whole bench.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { buildLstmOnnx } from "./onnx-model.mjs";

/** Installed version of a package (for the results file), or null. Read from node_modules directly:
 * some packages (onnxruntime-web) do not export their package.json. */
export function versionOf(pkg) {
  try {
    return JSON.parse(readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), "utf8")).version;
  } catch {
    return null;
  }
}

/** [B, T, I] -> [T, B, I] (ONNX LSTM is time-major). Identity copy when B = 1. */
export function toTimeMajor(x, B, T, I) {
  const out = new Float32Array(x.length);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) out.set(x.subarray((b * T + t) * I, (b * T + t + 1) * I), (t * B + b) * I);
  }
  return out;
}

/** ONNX Y [T, 1, B, H] -> [B, T, H]. */
export function fromTimeMajor(y, B, T, H) {
  const out = new Float32Array(y.length);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) out.set(y.subarray((t * B + b) * H, (t * B + b + 1) * H), (b * T + t) * H);
  }
  return out;
}

/** mulberry32: tiny seeded PRNG, so every run and every implementation sees the same numbers. */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n floats uniform in [lo, hi) from `rand`. */
export function uniform(rand, n, lo, hi) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rand();
  return out;
}

/**
 * The machine and software a result came from. VMs often mask the CPU's model name ("AMD EPYC");
 * family/model and the AVX-512 flag tell the generation (family 25 = Zen 3/4, 26 = Zen 5), which
 * matters a lot for native peers.
 */
/** `git describe --always --dirty` of the checkout at dir (a path or file URL), or null outside git. */
export function gitDescribe(dir) {
  try {
    return execFileSync("git", ["describe", "--always", "--dirty"], { cwd: dir, encoding: "utf8" }).trim();
  } catch {
    return null;
  }
}

export function machineInfo() {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  let cpuId = null;
  let avx512 = null;
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const field = (k) => new RegExp(`^${k}\\s*:\\s*(.+)$`, "m").exec(info)?.[1];
    cpu = field("model name") ?? cpu;
    cpuId = `family ${field("cpu family")} model ${field("model")}`;
    avx512 = /\bavx512f\b/.test(field("flags") ?? "");
  } catch {}
  const git = gitDescribe(new URL(".", import.meta.url));
  return {
    cpu,
    cpuId,
    avx512,
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    loadAvg: os.loadavg(),
    platform: `${os.platform()} ${os.arch()}`,
    node: process.versions.node,
    v8: process.versions.v8,
    git,
  };
}

// ---- ours: wasm-rnn -----------------------------------------------------------------------------

export async function loadOurs({ name = "ours", label = "wasm-rnn", readyOptions, threadsOn } = {}) {
  const lib = await import("../dist/index.js");
  await lib.ready(readyOptions);
  // with a worker pool running, `threadsOn` says whether this adapter's calls may use it
  const pool = threadsOn === undefined ? null : await import("../dist/core/threads.js");
  let model = null;
  let input = null;
  return {
    name,
    label,
    version: JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version,
    async: false,
    setup({ B, T, I, H }, w, x) {
      const inp = lib.Input({ shape: [T, I] });
      const lstm = new lib.LSTM({ units: H, returnSequences: true });
      model = new lib.Model({ inputs: inp, outputs: lstm.apply(inp) });
      lstm.setWeights([
        lib.tensor(w.kernel, [I, 4 * H]),
        lib.tensor(w.recurrent, [H, 4 * H]),
        lib.tensor(w.bias, [4 * H]),
      ]);
      input = lib.tensor(x, [B, T, I]);
    },
    // predict copies the input into wasm memory and the output out: that is what a user pays.
    run: pool
      ? () => {
          pool.usePool(threadsOn);
          return model.predict(input);
        }
      : () => model.predict(input),
    toBTH: (out) => out.data,
    dispose() {
      model?.dispose();
      model = null;
    },
    memoryBytes: () => lib.memoryBytes(),
  };
}

// ---- onnxruntime (node native and web wasm) -----------------------------------------------------
//
// Input layout choice: the ONNX op wants X time-major [T, B, I]. The transpose from our [B, T, I] is
// done once in setup(), NOT timed, and the output stays [T, 1, B, H] (transposed back only for the
// check). That is the peer's most favourable case (a model exported time-major); the transpose
// would cost < 1 % of its time on every shape anyway.

function makeOrtAdapter(ort, { name, label, version, sessionOptions }) {
  let session = null;
  let feeds = null;
  let dims = null;
  return {
    name,
    label,
    version,
    async: true,
    async setup(shape, w, x) {
      const { B, T, I } = shape;
      dims = shape;
      session = await ort.InferenceSession.create(buildLstmOnnx(shape, w), sessionOptions);
      feeds = { X: new ort.Tensor("float32", toTimeMajor(x, B, T, I), [T, B, I]) };
    },
    run: () => session.run(feeds),
    toBTH: (res) => fromTimeMajor(res.Y.data, dims.B, dims.T, dims.H),
    dispose() {
      session?.release();
      session = null;
    },
    session: () => session,
  };
}

export const ORT_OPTIONS = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
};

/** Must be called BEFORE loadOrtWeb: the first package to register the `cpu` backend keeps it. */
export async function loadOrtNode() {
  const mod = await import("onnxruntime-node");
  const ort = mod.default ?? mod;
  return makeOrtAdapter(ort, {
    name: "ort-node",
    label: "onnxruntime-node (native)",
    version: versionOf("onnxruntime-node"),
    sessionOptions: { ...ORT_OPTIONS, executionProviders: ["cpu"] },
  });
}

export async function loadOrtWeb() {
  const mod = await import("onnxruntime-web");
  const ort = mod.default ?? mod;
  ort.env.wasm.numThreads = 1; // no worker threads: compare one core against one core
  ort.env.wasm.proxy = false; // run in this thread, no proxy worker
  // Releases since 1.19 ship only SIMD builds (ort-wasm-simd-threaded*.wasm), so SIMD is always on.
  return makeOrtAdapter(ort, {
    name: "ort-web",
    label: "onnxruntime-web (wasm)",
    version: versionOf("onnxruntime-web"),
    sessionOptions: { ...ORT_OPTIONS, executionProviders: ["wasm"] },
  });
}

/**
 * Proof that an onnxruntime-node session runs native code, not onnxruntime-web's wasm that may
 * have taken over the shared `cpu` backend: the native library is mapped into this process and the
 * session handler is the native binding's. Returns null when fine, else the reason.
 */
export function ortNodeNotNative(adapter) {
  const maps = readFileSync("/proc/self/maps", "utf8");
  if (!maps.includes("libonnxruntime")) return "libonnxruntime is not mapped in /proc/self/maps";
  // onnxruntime-node's handler class keeps its name (plain tsc output); onnxruntime-web's is minified.
  const handler = adapter.session()?.handler?.constructor?.name ?? "(none)";
  if (handler !== "OnnxruntimeSessionHandler") return `session handler is ${handler}, not onnxruntime-node's`;
  return null;
}

// ---- TensorFlow.js, wasm backend ----------------------------------------------------------------

export async function loadTfjsWasm() {
  const tf = await import("@tensorflow/tfjs-core");
  const tfl = await import("@tensorflow/tfjs-layers");
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  // One thread: the non-threaded SIMD binary (Node would otherwise pick the threaded one).
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  wasm.setThreadsCount(1);
  if (!(await tf.setBackend("wasm"))) throw new Error("tf.setBackend('wasm') failed");
  await tf.ready();
  if (!tf.env().getBool("WASM_HAS_SIMD_SUPPORT")) throw new Error("tfjs-backend-wasm runs without SIMD here");

  let model = null;
  let dims = null;
  let xData = null;
  return {
    name: "tfjs-wasm",
    label: "tfjs-backend-wasm",
    version: versionOf("@tensorflow/tfjs-backend-wasm"),
    async: false,
    setup({ B, T, I, H }, w, x) {
      dims = { B, T, I };
      xData = x;
      const lstm = tfl.layers.lstm({
        units: H,
        returnSequences: true,
        recurrentActivation: "sigmoid", // tfjs defaults to hard sigmoid; Keras to sigmoid
        // The default "orthogonal" initializer throws on the wasm backend (rMat.flatten is not a
        // function, tfjs 4.22); the weights are overwritten right below anyway.
        recurrentInitializer: "zeros",
        batchInputShape: [B, T, I],
      });
      model = tfl.sequential({ layers: [lstm] });
      const ws = [tf.tensor2d(w.kernel, [I, 4 * H]), tf.tensor2d(w.recurrent, [H, 4 * H]), tf.tensor1d(w.bias)];
      lstm.setWeights(ws);
      ws.forEach((t) => t.dispose());
    },
    // Like ours: the input goes into the backend's memory, the output comes back as a Float32Array.
    run() {
      const xt = tf.tensor3d(xData, [dims.B, dims.T, dims.I]);
      const y = model.predict(xt, { batchSize: dims.B }); // default batchSize 32 would split B = 64
      const out = y.dataSync();
      xt.dispose();
      y.dispose();
      return out;
    },
    toBTH: (out) => out,
    dispose() {
      model?.dispose();
      model = null;
    },
  };
}
