// Up-to-date checks for the build steps (build-wasm.mjs, build-ts.mjs): a step records a hash of
// its inputs' contents (and of the tool versions) after it succeeds, and is skipped while that
// hash is unchanged and its outputs exist. Contents, not mtimes: a git checkout touches files it
// does not change. The stamps live in node_modules/.cache/wasm-rnn, so `npm ci` (which empties
// node_modules) always builds once from scratch. `--force` (or WASM_RNN_FORCE_BUILD=1) rebuilds.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

export const CACHE_DIR = join("node_modules", ".cache", "wasm-rnn");

export const forced = () => process.argv.includes("--force") || process.env.WASM_RNN_FORCE_BUILD === "1";

/** Every file under `dir` (recursive, sorted), skipping folder names in `skip`. */
export function filesUnder(dir, skip = new Set()) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      if (skip.has(name)) continue;
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(path);
    }
  };
  walk(dir);
  return out;
}

/** One hash over the paths and contents of `files` and the `extra` strings (tool versions). */
export function hashInputs(files, extra = []) {
  const hash = createHash("sha256");
  for (const s of extra) hash.update(`${s}\0`);
  for (const file of files) {
    hash.update(`${relative(".", file)}\0`);
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}

/** The version of an installed package, for the hash: a new compiler means a new build. */
export function packageVersion(name) {
  return `${name}@${JSON.parse(readFileSync(join("node_modules", name, "package.json"), "utf8")).version}`;
}

const stampPath = (step) => join(CACHE_DIR, `${step}.sha256`);

/** True when `step` last succeeded on inputs with this hash and every output exists. */
export function upToDate(step, hash, outputs) {
  if (forced() || !existsSync(stampPath(step))) return false;
  return readFileSync(stampPath(step), "utf8").trim() === hash && outputs.every((f) => existsSync(f));
}

export function recordBuild(step, hash) {
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(stampPath(step), `${hash}\n`);
}
