// Builds the AssemblyScript cores: the inference core (assembly/index.ts, asconfig.json) in three
// builds, `simd` (plain SIMD128, bit-identical on every runtime), `relaxed` (relaxed-SIMD fused
// multiply-add, picked at run time where the runtime supports it) and `threads` (plain SIMD on
// shared memory, for the worker pool), the training core (assembly/train.ts, asconfig.train.json)
// in two, `train` and `train-threads`, and the int8 core (assembly/quant.ts, asconfig.quant.json)
// in three, `quant`, `quant-relaxed` and `quant-threads`. Each build is written
//   - as base64 into a TypeScript module (src/core/generated/<module>.ts), which the default
//     entry imports lazily, so Node, Deno, Bun and browsers instantiate it without file access;
//   - as a .wasm file (src/core/generated/ and dist/core/generated/), which the workerd/worker entry
//     imports as a WebAssembly.Module (workerd refuses to compile wasm from bytes).
// Before compiling, it writes the TypeScript types of both cores' exports (src/core/generated/
// kernel-exports.ts, see kernel-types.mjs); after compiling, it checks each module's export names
// against them (test/core/exports.test.ts checks the arities too).
// A build whose inputs (assembly/, the asconfigs, these scripts, the compiler's version) are
// unchanged since the last one is skipped (see build-cache.mjs); `--force` compiles anyway.

import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { filesUnder, hashInputs, packageVersion, recordBuild, upToDate } from "./build-cache.mjs";
import { KERNEL_ENTRIES, kernelTypesModule, readEntry } from "./kernel-types.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

/**
 * asconfig target -> [config file, entry, name of the base64 constant, generated module, .wasm
 * file name]. The training core (asconfig.train.json) is a second module that imports the
 * inference core's memory: its few constants sit at memoryBase 1024, below the inference core's
 * data (memoryBase 16384 in asconfig.json), so neither overwrites the other and the arena, which
 * starts at the inference core's heap base, never reaches them.
 */
const builds = {
  simd: ["asconfig.json", "assembly/index.ts", "CORE_SIMD_BASE64", "core-simd.ts", "core.wasm"],
  relaxed: ["asconfig.json", "assembly/index.ts", "CORE_RELAXED_BASE64", "core-relaxed.ts", "core-relaxed.wasm"],
  // plain SIMD on imported shared memory, for the optional worker pool (ready({ threads }))
  threads: ["asconfig.json", "assembly/index.ts", "CORE_THREADS_BASE64", "core-threads.ts", "core-threads.wasm"],
  train: ["asconfig.train.json", "assembly/train.ts", "TRAIN_BASE64", "train.ts", "train.wasm"],
  "train-threads": [
    "asconfig.train.json",
    "assembly/train.ts",
    "TRAIN_THREADS_BASE64",
    "train-threads.ts",
    "train-threads.wasm",
  ],
  // the int8 core (assembly/quant.ts, asconfig.quant.json), loaded by the first quantize("int8"):
  // plain, relaxed SIMD and shared memory, as the inference core it runs beside
  quant: ["asconfig.quant.json", "assembly/quant.ts", "QUANT_BASE64", "quant.ts", "quant.wasm"],
  "quant-relaxed": [
    "asconfig.quant.json",
    "assembly/quant.ts",
    "QUANT_RELAXED_BASE64",
    "quant-relaxed.ts",
    "quant-relaxed.wasm",
  ],
  "quant-threads": [
    "asconfig.quant.json",
    "assembly/quant.ts",
    "QUANT_THREADS_BASE64",
    "quant-threads.ts",
    "quant-threads.wasm",
  ],
};

// Outputs of the earlier one-build layout would otherwise linger (and ship with dist/).
for (const stale of [
  "src/core/generated/core-wasm.ts",
  "dist/core/generated/core-wasm.js",
  "dist/core/generated/core-wasm.d.ts",
]) {
  rmSync(stale, { force: true });
}
/** Writes via a temporary file and a rename, so a concurrent reader never sees half a file. */
function writeAtomic(path, data) {
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}
mkdirSync("src/core/generated", { recursive: true });
mkdirSync("dist/core/generated", { recursive: true });

const inputsHash = hashInputs(
  [
    ...filesUnder("assembly"),
    ...["asconfig.json", "asconfig.train.json", "scripts/build-wasm.mjs", "scripts/kernel-types.mjs"],
  ],
  [packageVersion("assemblyscript")],
);
const outputs = [
  "src/core/generated/kernel-exports.ts",
  ...Object.values(builds).flatMap(([, , , moduleFile, wasmFile]) => [
    join("src/core/generated", moduleFile),
    join("src/core/generated", wasmFile),
  ]),
];
if (upToDate("wasm", inputsHash, outputs)) {
  // dist/ may have been removed since: its .wasm files are copies of the generated ones
  for (const [, , , , wasmFile] of Object.values(builds)) {
    const from = join("src/core/generated", wasmFile),
      to = join("dist/core/generated", wasmFile);
    if (!existsSync(to) || !readFileSync(to).equals(readFileSync(from))) copyFileSync(from, to);
  }
  console.log("wasm core: up to date (assembly/ and the asconfigs unchanged since the last build)");
  process.exit(0);
}

const entries = new Map(KERNEL_ENTRIES.map((spec) => [spec.entry, readEntry(spec)]));
writeAtomic("src/core/generated/kernel-exports.ts", kernelTypesModule([...entries.values()]));

/**
 * Names in a module's export section, read from the bytes: WebAssembly.Module would refuse the
 * relaxed-SIMD build on runtimes without relaxed SIMD (Node 20).
 */
function exportNames(bytes) {
  let at = 8; // magic and version
  const leb = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    if (id !== 7) {
      at += size;
      continue;
    }
    const names = [];
    for (let n = leb(); n > 0; n--) {
      const length = leb();
      names.push(bytes.subarray(at, at + length).toString("utf8"));
      at += length + 1; // the name, then its kind
      leb(); // index
    }
    return names;
  }
  return [];
}

/** The compiled module exports exactly what the generated types declare (names; arities in the test). */
function checkExports(target, entry, bytes) {
  const want = ["memory", ...entries.get(entry).exports.map((e) => e.name)];
  const got = exportNames(bytes);
  const missing = want.filter((n) => !got.includes(n));
  const extra = got.filter((n) => !want.includes(n));
  if (missing.length || extra.length) {
    throw new Error(
      `asc target ${target}: exports differ from the types generated from ${entry}: ` +
        `missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(extra)}`,
    );
  }
}

// loaded only for a real build: importing the compiler is most of an up-to-date run's time
const { default: asc } = await import("assemblyscript/asc");
const sizes = [];
for (const [target, [configFile, entry, constant, moduleFile, wasmFile]] of Object.entries(builds)) {
  const config = JSON.parse(readFileSync(configFile, "utf8"));
  const { error, stderr } = await asc.main([entry, "--config", configFile, "--target", target]);
  if (error) {
    process.stderr.write(stderr.toString());
    throw new Error(`asc failed for target ${target}: ${error.message}`);
  }
  const outFile = config.targets[target].outFile;
  const bytes = readFileSync(outFile);
  checkExports(target, entry, bytes);
  writeAtomic(
    join("src/core/generated", moduleFile),
    `// Generated by scripts/build-wasm.mjs from assembly/ (asc target "${target}"): do not edit.\n` +
      `export const ${constant} = "${bytes.toString("base64")}";\n`,
  );
  writeAtomic(join("src/core/generated", wasmFile), bytes);
  writeAtomic(join("dist/core/generated", wasmFile), bytes);
  sizes.push(`${target} ${bytes.length} bytes`);
}
recordBuild("wasm", inputsHash);
console.log(`wasm core: ${sizes.join(", ")}`);
