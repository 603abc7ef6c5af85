// `npm run test:deno`: the package imported by name in Deno (the `deno` npm package), with no
// permission flags: the tutorial, and the Keras cases on the plain and the auto-selected build.
// The plain build's outputs must be bit-identical to Node's (same hash, same printed tutorial).
import { bin, runtimeSuite } from "./harness.mjs";

await runtimeSuite(
  "deno",
  (script, args) =>
    script === "--version"
      ? [bin("deno"), ["--version"]]
      : [bin("deno"), ["run", "--quiet", "--no-prompt", script, ...args]],
  {
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    threads: true,
  },
);
