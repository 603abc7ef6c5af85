// Builds the AssemblyScript cores: the inference core (assembly/index.ts, asconfig.json) in three
// builds, `simd` (plain SIMD128, bit-identical on every runtime), `relaxed` (relaxed-SIMD fused
// multiply-add, picked at run time where the runtime supports it) and `threads` (plain SIMD on
// shared memory, for the worker pool), the training core (assembly/train.ts, asconfig.train.json)
// in two, `train` and `train-threads`, and the int8 core (assembly/quant.ts, asconfig.quant.json)
// in three, `quant`, `quant-relaxed` and `quant-threads`. Each build is written
//   - into a pack, the builds of one core deflated together as base64 in a TypeScript module
//     (src/core/generated/core-pack.ts, train-pack.ts, quant-pack.ts; see wasm-pack.mjs), which the
//     default entry, "wasm-rnn/train" and "wasm-rnn/quant" inline, so Node, Deno, Bun and browsers
//     instantiate it without file access;
//   - as a .wasm file (src/core/generated/ and dist/core/generated/), which the workerd entries
//     import as a WebAssembly.Module (workerd refuses to compile wasm from bytes).
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
import { packBuilds } from "./wasm-pack.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

/**
 * asconfig target -> [config file, entry, .wasm file name, the pack (generated module) it goes
 * into]. The training core (asconfig.train.json) is a second module that imports the
 * inference core's memory: its few constants sit at memoryBase 1024, below the inference core's
 * data (memoryBase 16384 in asconfig.json), so neither overwrites the other and the arena, which
 * starts at the inference core's heap base, never reaches them.
 */
const builds = {
  simd: ["asconfig.json", "assembly/index.ts", "core.wasm", "core-pack.ts"],
  relaxed: ["asconfig.json", "assembly/index.ts", "core-relaxed.wasm", "core-pack.ts"],
  // plain SIMD on imported shared memory, for the optional worker pool (ready({ threads }))
  threads: ["asconfig.json", "assembly/index.ts", "core-threads.wasm", "core-pack.ts"],
  train: ["asconfig.train.json", "assembly/train.ts", "train.wasm", "train-pack.ts"],
  "train-threads": ["asconfig.train.json", "assembly/train.ts", "train-threads.wasm", "train-pack.ts"],
  // the int8 core (assembly/quant.ts, asconfig.quant.json), loaded by the first quantize("int8"):
  // plain, relaxed SIMD and shared memory, as the inference core it runs beside
  quant: ["asconfig.quant.json", "assembly/quant.ts", "quant.wasm", "quant-pack.ts"],
  "quant-relaxed": ["asconfig.quant.json", "assembly/quant.ts", "quant-relaxed.wasm", "quant-pack.ts"],
  "quant-threads": ["asconfig.quant.json", "assembly/quant.ts", "quant-threads.wasm", "quant-pack.ts"],
};

// Outputs of earlier layouts (one build, then a base64 module per build) would otherwise linger
// (and ship with dist/).
const staleModules = ["core-wasm", "core-simd", "core-relaxed", "core-threads", "train", "train-threads"];
for (const name of [...staleModules, "quant", "quant-relaxed", "quant-threads"]) {
  for (const stale of [
    `src/core/generated/${name}.ts`,
    `dist/core/generated/${name}.js`,
    `dist/core/generated/${name}.d.ts`,
  ])
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
    ...["asconfig.json", "asconfig.train.json", "asconfig.quant.json"],
    ...["scripts/build-wasm.mjs", "scripts/kernel-types.mjs", "scripts/wasm-pack.mjs"],
  ],
  [packageVersion("assemblyscript")],
);
const outputs = [
  "src/core/generated/kernel-exports.ts",
  ...new Set(
    Object.values(builds).flatMap(([, , wasmFile, packFile]) => [
      join("src/core/generated", packFile),
      join("src/core/generated", wasmFile),
    ]),
  ),
];
if (upToDate("wasm", inputsHash, outputs)) {
  // dist/ may have been removed since: its .wasm files are copies of the generated ones
  for (const [, , wasmFile] of Object.values(builds)) {
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
const packs = new Map();
for (const [target, [configFile, entry, wasmFile, packFile]] of Object.entries(builds)) {
  const config = JSON.parse(readFileSync(configFile, "utf8"));
  const { error, stderr } = await asc.main([entry, "--config", configFile, "--target", target]);
  if (error) {
    process.stderr.write(stderr.toString());
    throw new Error(`asc failed for target ${target}: ${error.message}`);
  }
  const outFile = config.targets[target].outFile;
  const bytes = readFileSync(outFile);
  checkExports(target, entry, bytes);
  if (!packs.has(packFile)) packs.set(packFile, {});
  packs.get(packFile)[target] = bytes;
  writeAtomic(join("src/core/generated", wasmFile), bytes);
  writeAtomic(join("dist/core/generated", wasmFile), bytes);
  sizes.push(`${target} ${bytes.length} bytes`);
}
for (const [packFile, named] of packs) {
  const pack = packBuilds(named);
  writeAtomic(
    join("src/core/generated", packFile),
    `// Generated by scripts/build-wasm.mjs from assembly/ (asc targets ${pack.builds.join(", ")}): do not edit.\n` +
      `import type { Pack } from "../pack.js";\n\n` +
      `export const PACK: Pack = ${JSON.stringify(pack)};\n`,
  );
  sizes.push(`${packFile} ${Math.round((pack.deflated.length * 3) / 4)} bytes deflated`);
}
recordBuild("wasm", inputsHash);
console.log(`wasm core: ${sizes.join(", ")}`);
