// `npm run test:bun`: the package imported by name in Bun (the `bun` npm package): the tutorial,
// and the Keras cases on the plain and the auto-selected build. The plain build's outputs must be
// bit-identical to Node's (same hash, same printed tutorial).
import { bin, runtimeSuite } from "./harness.mjs";

await runtimeSuite(
  "bun",
  (script, args) => (script === "--version" ? [bin("bun"), ["--version"]] : [bin("bun"), ["run", script, ...args]]),
  {
    env: { ...process.env, DO_NOT_TRACK: "1", NO_COLOR: "1", BUN_CONFIG_NO_INSTALL: "1" },
    threads: true,
  },
);
