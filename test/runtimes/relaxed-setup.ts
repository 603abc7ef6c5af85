// Setup file of vitest.relaxed.config.ts: makes `ready()` insist on the relaxed-SIMD build in the
// test process (a global, not an environment variable, so that child processes some tests spawn,
// which lack the V8 flag, keep their automatic choice).
(globalThis as { WASM_RNN_SIMD?: string }).WASM_RNN_SIMD = "relaxed";
