// Compiles src/ into dist/ (tsc -p tsconfig.build.json), skipped while src/, the tsconfigs and the
// compiler's version are unchanged and every output exists (see build-cache.mjs). A changed
// input runs tsc incrementally (its build info in node_modules/.cache/wasm-rnn); when outputs are
// missing (dist/ removed), the build info goes first, since tsc would otherwise emit nothing for
// sources it believes unchanged. `--force` compiles everything.
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CACHE_DIR, filesUnder, forced, hashInputs, packageVersion, recordBuild, upToDate } from "./build-cache.mjs";

process.chdir(join(dirname(fileURLToPath(import.meta.url)), ".."));

const sources = filesUnder("src");
const hash = hashInputs([...sources, "tsconfig.json", "tsconfig.build.json"], [packageVersion("typescript")]);
// what tsc writes for each module (the declaration files included: they ship)
const outputs = sources
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
  .flatMap((f) => {
    const out = join("dist", f.slice("src/".length, -".ts".length));
    return [`${out}.js`, `${out}.d.ts`];
  });
if (upToDate("ts", hash, outputs)) {
  console.log("dist: up to date (src/ unchanged since the last build)");
  process.exit(0);
}
const buildInfo = join(CACHE_DIR, "tsconfig.build.tsbuildinfo");
if (forced() || !outputs.every((f) => existsSync(f))) rmSync(buildInfo, { force: true });
execFileSync(
  process.execPath,
  [
    join("node_modules", "typescript", "bin", "tsc"),
    "-p",
    "tsconfig.build.json",
    "--incremental",
    "--tsBuildInfoFile",
    buildInfo,
  ],
  { stdio: "inherit" },
);
recordBuild("ts", hash);
