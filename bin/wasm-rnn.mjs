#!/usr/bin/env node
// wasm-rnn command line: a thin wrapper over the library in dist/.
//   wasm-rnn summary <model>
//   wasm-rnn predict <model> --input x.json [--output y.json]
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { loadModel, tensor, WasmRnnError } from "../dist/index.js";

const USAGE = `usage:
  wasm-rnn summary <model> [options]                     print the model's layers, shapes and parameter counts
  wasm-rnn predict <model> --input x.json [--output y.json] [options]
                                                         run the model; print (or write) the outputs as JSON

<model>: a .keras file, a Keras .h5, a TF.js model.json (shards beside it), a Keras config JSON
         (with --weights), or an http(s) URL of one of these.
x.json:  nested arrays for a one-input model; for several inputs, a list with one entry per input
         or an object keyed by input name. Each entry may also be {"shape": [...], "data": [flat]}.
Output:  {"outputs": [{"name", "shape", "data": nested arrays}, ...]}

options:
  --weights <file>              weights for a Keras config JSON
  --hard-sigmoid auto|keras3|legacy
                                what "hard_sigmoid" means (default auto: by the file's Keras version)
  --max-params <n>              refuse models with more weight values than this
  -h, --help                    this text`;

function fail(msg, code = 1) {
  process.stderr.write(`wasm-rnn: ${msg}\n`);
  process.exit(code);
}

/** Why a file could not be read or written, in words (Node's error codes otherwise). */
function fileProblem(err, path) {
  switch (err?.code) {
    case "ENOENT":
      return existsSync(dirname(resolve(path))) ? "no such file" : `no such folder: ${dirname(resolve(path))}`;
    case "ENOTDIR":
      return "a part of the path is not a folder";
    case "EISDIR":
      return "it is a folder; expected a file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    default:
      return err?.message ?? String(err);
  }
}

function parseArgs(argv) {
  const pos = [];
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") opts.help = true;
    else if (a.startsWith("--")) {
      const key = a.slice(2);
      if (!["input", "output", "weights", "hard-sigmoid", "max-params"].includes(key))
        fail(`unknown option ${a}\n\n${USAGE}`, 2);
      const v = argv[++i];
      if (v === undefined) fail(`option ${a} needs a value`, 2);
      opts[key] = v;
    } else pos.push(a);
  }
  return { pos, opts };
}

function toTensor(entry, inputName, dtype) {
  if (
    entry &&
    typeof entry === "object" &&
    !Array.isArray(entry) &&
    Array.isArray(entry.shape) &&
    Array.isArray(entry.data)
  ) {
    const data = dtype === "int32" ? Int32Array.from(entry.data) : Float32Array.from(entry.data);
    return tensor(data, entry.shape, dtype);
  }
  if (!Array.isArray(entry))
    throw new WasmRnnError(`input '${inputName}': expected nested arrays or {shape, data}, got ${typeof entry}`);
  return tensor(entry, undefined, dtype);
}

function inputsFrom(json, model) {
  const ins = model.inputs;
  const names = ins.map((t) => t.sourceLayer.name);
  if (json && typeof json === "object" && !Array.isArray(json) && !("shape" in json)) {
    const keys = Object.keys(json);
    const missing = names.filter((n) => !keys.includes(n));
    if (missing.length)
      throw new WasmRnnError(`--input: expected keys ${names.join(", ")}, missing ${missing.join(", ")}`);
    return names.map((n, i) => toTensor(json[n], n, ins[i].dtype));
  }
  if (ins.length === 1) return [toTensor(json, names[0], ins[0].dtype)];
  if (!Array.isArray(json) || json.length !== ins.length)
    throw new WasmRnnError(
      `--input: the model has ${ins.length} inputs (${names.join(", ")}); expected a list of ${ins.length} entries or an object keyed by input name`,
    );
  return json.map((e, i) => toTensor(e, names[i], ins[i].dtype));
}

function outputName(model, i) {
  const t = model.outputs[i];
  const name = t.sourceLayer.name;
  return model.outputs.filter((o) => o.sourceLayer.name === name).length > 1 ? `${name}:${t.outputIndex}` : name;
}

async function main() {
  const { pos, opts } = parseArgs(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (pos.length === 0) fail(`expected a command\n\n${USAGE}`, 2);
  const [cmd, modelPath, ...rest] = pos;
  if (!["summary", "predict"].includes(cmd)) fail(`unknown command '${cmd}'\n\n${USAGE}`, 2);
  if (!modelPath) fail(`${cmd}: expected a model path\n\n${USAGE}`, 2);
  if (rest.length) fail(`unexpected argument '${rest[0]}'`, 2);
  // the CLI never trains: a file's training configuration is not read (nor refused)
  const loadOpts = { compile: false };
  if (opts.weights) loadOpts.weights = opts.weights;
  if (opts["hard-sigmoid"]) loadOpts.hardSigmoid = opts["hard-sigmoid"];
  if (opts["max-params"] !== undefined) {
    const text = opts["max-params"];
    const n = text.trim() === "" ? Number.NaN : Number(text);
    // checked here, so the message shows what was typed ("abc"), not the NaN it becomes
    if (!Number.isInteger(n) || n < 1)
      fail(`--max-params: expected a positive integer, got ${JSON.stringify(text)}`, 2);
    loadOpts.maxParams = n;
  }
  const model = await loadModel(modelPath, loadOpts);
  if (cmd === "summary") {
    model.summary((line) => process.stdout.write(`${line}\n`));
    return;
  }
  if (!opts.input) fail("predict: expected --input x.json", 2);
  let text;
  try {
    text = await readFile(opts.input, "utf8");
  } catch (err) {
    fail(`predict: cannot read the input file ${opts.input}: ${fileProblem(err, opts.input)}`);
  }
  let json;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail(`predict: ${opts.input} is not valid JSON (${err.message})`);
  }
  const xs = inputsFrom(json, model);
  const out = model.predict(xs.length === 1 ? xs[0] : xs);
  const outs = Array.isArray(out) ? out : [out];
  const result = JSON.stringify({
    outputs: outs.map((t, i) => ({ name: outputName(model, i), shape: t.shape, data: t.toArray() })),
  });
  if (!opts.output) {
    process.stdout.write(`${result}\n`);
    return;
  }
  try {
    await writeFile(opts.output, `${result}\n`);
  } catch (err) {
    fail(`predict: cannot write the output file ${opts.output}: ${fileProblem(err, opts.output)}`);
  }
}

main().catch((err) => {
  if (err instanceof WasmRnnError) fail(err.message);
  // not the user's doing: the stack is for the bug report
  fail(`internal error (please report it at https://github.com/wasm-rnn/wasm-rnn/issues): ${err?.stack ?? err}`);
});
