// The whole suite again against the relaxed-SIMD build of the core (issue 3): Node 20 runs relaxed
// SIMD only behind --experimental-wasm-relaxed-simd, and the setup file sets the global switch
// WASM_RNN_SIMD = "relaxed", so `ready()` insists on that build: a runtime without it fails loudly
// instead of quietly testing the plain one. The tarball test and the type checks (test/types,
// test/readme-types.test.ts) do not depend on the build and run once.
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

export default mergeConfig(
  base,
  defineConfig({
    test: {
      name: "relaxed-simd",
      exclude: [
        "test/package.test.ts",
        "test/types/**",
        "test/readme-types.test.ts",
        "test/runtimes/**",
        "node_modules/**",
      ],
      execArgv: ["--experimental-wasm-relaxed-simd"],
      setupFiles: ["test/runtimes/relaxed-setup.ts"],
    },
  }),
);
