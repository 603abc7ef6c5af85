// The tutorial forced onto the plain SIMD build, whose printed numbers must match Node's exactly.
globalThis.WASM_RNN_SIMD = "plain";
await import("./tutorial.mjs");
