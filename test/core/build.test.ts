// The core build the suite runs on: plain SIMD by default on Node 20; relaxed SIMD under
// vitest.relaxed.config.ts (V8 flag + the WASM_RNN_SIMD switch). Checks that the choice is really made.
import { describe, expect, it } from "vitest";
import { coreInfo, ready, WasmRnnError } from "../../src/index.js";

describe("core build selection", () => {
  it("runs the build the environment asks for and reports it", async () => {
    expect(() => coreInfo()).toThrow(WasmRnnError);
    await ready();
    const info = coreInfo();
    const forced = (globalThis as { WASM_RNN_SIMD?: string }).WASM_RNN_SIMD ?? process.env.WASM_RNN_SIMD;
    const want =
      forced === "relaxed" || process.execArgv.includes("--experimental-wasm-relaxed-simd") ? "relaxed" : "simd";
    expect(info.build).toBe(want);
    expect(info.loader).toBe("inline");
    expect(info.relaxedSimd).toBe(process.execArgv.includes("--experimental-wasm-relaxed-simd"));
    // asking for the other build once the core runs is an error, not a silent no-op
    const other = info.build === "simd" ? "relaxed" : "plain";
    await expect(ready({ simd: other })).rejects.toThrow(/already running/);
    await expect(ready({ simd: info.build === "simd" ? "plain" : "relaxed" })).resolves.toBeUndefined();
    await expect(ready({ simd: "auto" })).resolves.toBeUndefined();
    // an unknown choice is named in the error
    await expect(ready({ simd: "fast" as never })).rejects.toThrow(/expected "auto", "plain" or "relaxed", got "fast"/);
  });
});
