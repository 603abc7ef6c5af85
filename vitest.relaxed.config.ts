// The whole suite again against the relaxed-SIMD build of the core (issue 3): Node 20 runs relaxed
// SIMD only behind --experimental-wasm-relaxed-simd, and WASM_RNN_SIMD=relaxed makes `ready()`
// insist on that build, so a runtime without it fails loudly instead of quietly testing the plain one.
// The tarball test and the other runtimes' tests do not depend on the build and run once.
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

export default mergeConfig(
  base,
  defineConfig({
    test: {
      name: "relaxed-simd",
      exclude: ["test/package.test.ts", "test/runtimes/**", "node_modules/**"],
      execArgv: ["--experimental-wasm-relaxed-simd"],
      env: { WASM_RNN_SIMD: "relaxed" },
    },
  }),
);
