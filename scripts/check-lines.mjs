// Line-length check for every source file, AssemblyScript and Python included: Biome formats the
// TypeScript and JavaScript but cannot parse AssemblyScript's function decorators (`@inline`), and it
// never breaks long strings or comments. Lines stay readable: at most 160 characters.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const MAX = 160;
const DIRS = ["src", "assembly", "test", "bench", "scripts", "tools", "examples", "bin"];
const SKIP = new Set(["generated", "cases", "models", "results", "node_modules", "__pycache__"]);
const EXT = /\.(ts|mts|js|mjs|py)$/;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (EXT.test(name)) yield path;
  }
}

let bad = 0;
for (const dir of DIRS) {
  for (const path of files(join(ROOT, dir))) {
    readFileSync(path, "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (line.length > MAX) {
          bad++;
          console.log(`${relative(ROOT, path)}:${i + 1}: ${line.length} characters (at most ${MAX})`);
        }
      });
  }
}
if (bad) {
  console.log(`${bad} lines over ${MAX} characters`);
  process.exit(1);
}
