// The Python anchors of the training bench (train_anchors.py): PyTorch CPU and Keras 3 on
// TensorFlow CPU, one thread each, each in a child process that train.mjs drives block by block,
// so their steps are interleaved with ours and tfjs's in the same rounds (timing.mjs: an entry
// with timeBlock). The child sits blocked on its stdin while the other entries run.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ONE_THREAD = {
  OMP_NUM_THREADS: "1",
  MKL_NUM_THREADS: "1",
  OPENBLAS_NUM_THREADS: "1",
  TF_NUM_INTRAOP_THREADS: "1",
  TF_NUM_INTEROP_THREADS: "1",
  TF_CPP_MIN_LOG_LEVEL: "2",
};

/** The Python with torch / tensorflow: $WASM_RNN_PYTHON, else the project's .venv. */
function python() {
  if (process.env.WASM_RNN_PYTHON) return process.env.WASM_RNN_PYTHON;
  const venv = path.join(HERE, "..", ".venv", "bin", "python");
  return existsSync(venv) ? venv : "python3";
}

/**
 * Starts one anchor ("torch" or "keras"). Returns { name, request(cmd) -> reply, close() }; throws
 * (asynchronously, from the first request) when Python or the framework is missing.
 */
export function startAnchor(impl) {
  const child = spawn(python(), [path.join(HERE, "train_anchors.py"), impl], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...ONE_THREAD },
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let exited = null;
  child.on("exit", (code) => {
    exited = code;
  });
  return {
    name: impl,
    async request(cmd) {
      if (exited !== null) throw new Error(`${impl} anchor exited (${exited}): ${stderr.trim().split("\n").at(-1)}`);
      child.stdin.write(JSON.stringify(cmd) + "\n");
      const { value, done } = await lines.next();
      if (done) throw new Error(`${impl} anchor ended: ${stderr.trim().split("\n").slice(-3).join(" / ")}`);
      const reply = JSON.parse(value);
      if (reply.error) throw new Error(`${impl} anchor: ${reply.error}`);
      return reply;
    },
    close() {
      if (exited === null) {
        child.stdin.write(JSON.stringify({ cmd: "quit" }) + "\n");
        child.stdin.end();
      }
    },
  };
}

/** Writes one shape's weights, x and y for the anchors; returns { dir, read(name) -> Float32Array, remove() }. */
export function writeShapeData(data) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wasm-rnn-anchors-"));
  const arrays = [...data.weights.map((w) => ({ shape: w.shape, data: w.data }))];
  arrays.push({ shape: data.xShape, data: data.x }, { shape: data.yShape, data: data.y });
  writeFileSync(path.join(dir, "data.json"), JSON.stringify({ shapes: arrays.map((a) => a.shape) }));
  const total = arrays.reduce((n, a) => n + a.data.length, 0);
  const flat = new Float32Array(total);
  let at = 0;
  for (const a of arrays) {
    flat.set(a.data, at);
    at += a.data.length;
  }
  writeFileSync(path.join(dir, "data.bin"), flat);
  return {
    dir,
    read: (name) => {
      const b = readFileSync(path.join(dir, name));
      return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
