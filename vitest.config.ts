import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // memory tests collect garbage before they measure (test/helpers/memory.ts), so that models other
    // tests left to the finalizers are not freed in the middle of a measurement
    execArgv: ["--expose-gc"],
    setupFiles: ["test/setup/quiet-progress.ts"],
  },
});
