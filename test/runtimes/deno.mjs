// `npm run test:deno`: the package imported by name in Deno (the `deno` npm package), with no
// permission flags: the tutorial, and the Keras cases on the plain and the auto-selected build.
// The plain build's outputs must be bit-identical to Node's (same hash, same printed tutorial).
// Then loadModel(path) under Deno's permissions: without --allow-read it names the missing
// permission (not "no such file" for a file that exists); with it, the model loads and predicts.
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, ROOT, runtimeSuite } from "./harness.mjs";

const LOAD_FILE = `import { loadModel, ready, tensor, WasmRnnError } from "wasm-rnn";
await ready();
try {
  const model = await loadModel("model.keras");
  const shape = [1, ...model.inputs[0].shape.slice(1)];
  const y = model.predict(tensor(new Float32Array(shape.reduce((a, b) => a * b)), shape));
  console.log(JSON.stringify({ loaded: true, outputShape: y.shape }));
} catch (err) {
  console.log(JSON.stringify({ loaded: false, wasmRnnError: err instanceof WasmRnnError, message: String(err.message) }));
}
`;

async function permissionChecks({ dir, check, run, opts }) {
  copyFileSync(join(ROOT, "test", "models", "compiled_lstm.keras"), join(dir, "model.keras"));
  writeFileSync(join(dir, "load-file.mjs"), LOAD_FILE);
  const deno = (...flags) =>
    run(bin("deno"), ["run", "--quiet", "--no-prompt", ...flags, "load-file.mjs"], { cwd: dir, ...opts });
  const last = (r) => {
    try {
      return JSON.parse(r.stdout.trim().split("\n").pop());
    } catch {
      return { message: `exit ${r.code}: ${r.stderr.trim()}` };
    }
  };
  const denied = last(await deno());
  check(
    "loadModel(path) without --allow-read names the permission",
    denied.loaded === false &&
      denied.wasmRnnError === true &&
      /^loadModel: no permission to read model\.keras: .*--allow-read/.test(denied.message) &&
      !/no such file/.test(denied.message),
    denied.message,
  );
  const allowed = last(await deno("--allow-read=."));
  check(
    "loadModel(path) with --allow-read loads and predicts",
    allowed.loaded === true && JSON.stringify(allowed.outputShape) === "[1,3]",
    allowed.loaded ? `output shape ${JSON.stringify(allowed.outputShape)}` : allowed.message,
  );
}

await runtimeSuite(
  "deno",
  (script, args) =>
    script === "--version"
      ? [bin("deno"), ["--version"]]
      : [bin("deno"), ["run", "--quiet", "--no-prompt", script, ...args]],
  {
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    threads: true,
    extraChecks: permissionChecks,
  },
);
