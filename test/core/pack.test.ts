// The inlined core packs (src/core/pack.ts, written by scripts/wasm-pack.mjs): every build comes out
// byte for byte as asc wrote it, any set of lengths and block sizes round-trips, and a pack that
// does not hold what it says is an error, not a wrong module.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { packBuilds } from "../../scripts/wasm-pack.mjs";
import { PACK as CORE_PACK } from "../../src/core/generated/core-pack.js";
import { PACK as QUANT_PACK } from "../../src/core/generated/quant-pack.js";
import { PACK as TRAIN_PACK } from "../../src/core/generated/train-pack.js";
import { type Pack, unpack } from "../../src/core/pack.js";
import { WasmRnnError } from "../../src/index.js";
import { ROOT } from "../helpers/cases.js";

const wasm = (f: string) => new Uint8Array(readFileSync(join(ROOT, "src", "core", "generated", f)));

describe("the generated packs", () => {
  it.each([
    [CORE_PACK, "simd", "core.wasm"],
    [CORE_PACK, "relaxed", "core-relaxed.wasm"],
    [CORE_PACK, "threads", "core-threads.wasm"],
    [TRAIN_PACK, "train", "train.wasm"],
    [TRAIN_PACK, "train-threads", "train-threads.wasm"],
    [QUANT_PACK, "quant", "quant.wasm"],
    [QUANT_PACK, "quant-relaxed", "quant-relaxed.wasm"],
    [QUANT_PACK, "quant-threads", "quant-threads.wasm"],
  ] as const)("%# gives the %s build byte for byte", async (pack, build, file) => {
    expect(await unpack(pack, build, "test")).toEqual(wasm(file));
  });

  it("keeps the inference builds together smaller than one build as plain base64", () => {
    const oneBuildBase64 = Math.ceil(wasm("core.wasm").length / 3) * 4;
    expect(CORE_PACK.deflated.length).toBeLessThan(oneBuildBase64 / 2);
  });
});

describe("packing and unpacking", () => {
  it("round-trips any builds, of any lengths, at any block size", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 64 }),
        async (builds, block) => {
          const named = Object.fromEntries(builds.map((b, i) => [`b${i}`, b]));
          const pack = packBuilds(named, block);
          for (let i = 0; i < builds.length; i++) expect(await unpack(pack, `b${i}`, "test")).toEqual(builds[i]);
        },
      ),
      { numRuns: 60 },
    );
  });

  const small: Pack = packBuilds({ a: new Uint8Array([1, 2, 3]), b: new Uint8Array([4, 5]) }, 2);

  it("names the builds it has when asked for another", async () => {
    await expect(unpack(small, "c", "who")).rejects.toThrow(WasmRnnError);
    await expect(unpack(small, "c", "who")).rejects.toThrow(/who: expected one of the builds a, b, got "c"/);
  });

  it("refuses a pack whose lengths do not add up to what it inflates to", async () => {
    await expect(unpack({ ...small, lengths: [3, 3] }, "a", "who")).rejects.toThrow(/inflates to 5 bytes, expected 6/);
  });

  it("refuses bytes that are not deflate data", async () => {
    await expect(unpack({ ...small, deflated: btoa("not deflated") }, "a", "who")).rejects.toThrow(
      /who: expected the inlined wasm pack to be deflate data, got bytes that do not inflate/,
    );
  });

  describe("without DecompressionStream", () => {
    const saved = globalThis.DecompressionStream;
    afterEach(() => {
      globalThis.DecompressionStream = saved;
    });
    it("says what the runtime lacks", async () => {
      (globalThis as { DecompressionStream?: unknown }).DecompressionStream = undefined;
      await expect(unpack(small, "a", "who")).rejects.toThrow(/who: expected a runtime with DecompressionStream/);
    });
  });
});
