// The compiled cores export exactly what the types src/core uses declare: scripts/build-wasm.mjs
// generates CoreExports, TrainExports, LossKernels, OptimizerKernels and QuantExports from
// assembly/index.ts, assembly/train.ts and assembly/quant.ts (src/core/generated/kernel-exports.ts),
// and KERNEL_EXPORTS lists every export's parameter count beside them. Every build is instantiated here and each export's name and arity
// (a wasm function's .length) checked against that list, so a kernel whose signature drifts from
// its declaration, or a stale generated file, fails.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { KERNEL_EXPORTS } from "../../src/core/generated/kernel-exports.js";

const GENERATED = new URL("../../src/core/generated/", import.meta.url);

/** build file -> the entry it compiles, and its memory: its own, or imported (plain or shared). */
const BUILDS: Record<string, { entry: string; memory: "own" | "plain" | "shared" }> = {
  "core.wasm": { entry: "assembly/index.ts", memory: "own" },
  "core-relaxed.wasm": { entry: "assembly/index.ts", memory: "own" },
  "core-threads.wasm": { entry: "assembly/index.ts", memory: "shared" },
  "train.wasm": { entry: "assembly/train.ts", memory: "plain" },
  "train-threads.wasm": { entry: "assembly/train.ts", memory: "shared" },
  "quant.wasm": { entry: "assembly/quant.ts", memory: "plain" },
  "quant-relaxed.wasm": { entry: "assembly/quant.ts", memory: "plain" },
  "quant-threads.wasm": { entry: "assembly/quant.ts", memory: "shared" },
};

function imports(memory: "own" | "plain" | "shared"): WebAssembly.Imports {
  if (memory === "own") return {};
  // the limits of asconfig.json's threads target and asconfig.train.json's train-threads target
  const limits = memory === "shared" ? { initial: 2, maximum: 65536, shared: true } : { initial: 2 };
  return { env: { memory: new WebAssembly.Memory(limits) } };
}

describe("wasm core exports", () => {
  it("the generated list covers every entry and types every kernel", () => {
    expect(Object.keys(KERNEL_EXPORTS).sort()).toEqual(["assembly/index.ts", "assembly/quant.ts", "assembly/train.ts"]);
    for (const list of Object.values(KERNEL_EXPORTS)) {
      expect(list.memory).toBe("memory");
      expect(Object.keys(list).length).toBeGreaterThan(8);
    }
  });

  for (const [file, { entry, memory }] of Object.entries(BUILDS)) {
    const bytes = readFileSync(new URL(file, GENERATED));
    // the relaxed-SIMD build compiles only where the runtime has relaxed SIMD (Node 20: behind a flag)
    it.skipIf(!WebAssembly.validate(bytes))(
      `${file} exports what ${entry} declares, with the declared arities`,
      async () => {
        const { instance } = await WebAssembly.instantiate(bytes, imports(memory));
        const want = KERNEL_EXPORTS[entry]!;
        const got: Record<string, number | "memory"> = {};
        for (const [name, value] of Object.entries(instance.exports)) {
          got[name] = value instanceof WebAssembly.Memory ? "memory" : (value as (...args: number[]) => unknown).length;
        }
        expect(got).toEqual(want);
      },
    );
  }
});
