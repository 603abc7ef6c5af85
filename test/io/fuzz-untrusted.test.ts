// Issue 12, "Done when": fast-check over hostile shard paths (encoded, backslash, absolute, URL)
// and hostile bytes (random files behind each format's magic, mutated real files, random shard
// bytes). Each load is refused with a WasmRnnError naming the file (or, for bytes that happen to
// be valid, loads), within seconds and bounded memory; a known-good model predicts correctly after.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModel, type Model, ready, WasmRnnError } from "../../src/index.js";
import { expectGood, expectRefused, type Fixture, MODELS, tfjsFixture, writeManifest } from "./untrusted-helpers.js";

let fx: Fixture;
let rss0 = 0;
beforeAll(async () => {
  await ready();
  fx = await tfjsFixture();
  rss0 = process.memoryUsage().rss;
});
afterAll(() => fx?.cleanup());

const dots = fc.constantFrom("..", "%2e%2e", "%2E%2e", ".%2e", "%2e.", "..%00");
const sep = fc.constantFrom("/", "\\", "%2f", "%5c", "%2F", "\\\\", "//");
const tail = fc.constantFrom("secret.bin", "etc/passwd", "", "x?y#z");
const relativeEscape = fc
  .tuple(
    fc.constantFrom("", "sub/", "./", "sub\\"),
    fc.array(fc.tuple(dots, sep), { minLength: 2, maxLength: 4 }),
    tail,
  )
  .map(([pre, parts, t]) => pre + parts.map(([d, s]) => d + s).join("") + t);
const absolute = fc
  .tuple(fc.constantFrom("/", "\\", "\\\\host\\share\\", "C:\\", "c:/", "/dev/", "/proc/self/"), tail)
  .map(([a, t]) => a + t);
const url = fc
  .tuple(
    fc.constantFrom(
      "http://127.0.0.1:1/",
      "https://example.invalid/",
      "file:///",
      "file://host/",
      "//127.0.0.1:1/",
      "\\\\127.0.0.1:1\\",
      "data:,",
      "blob:",
      "javascript:",
    ),
    fc.string({ maxLength: 12 }),
  )
  .map(([u, s]) => u + s);

describe("fuzzing untrusted files", () => {
  it("every escaping shard path is refused naming the model file, by path and by file URL", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(relativeEscape, absolute, url), fc.boolean(), async (p, byUrl) => {
        const file = writeManifest(fx, p, `fuzz${n++}.json`);
        const src = byUrl ? pathToFileURL(file) : file;
        const err = await expectRefused(loadModel(src, { maxBytes: 4e6 }), [byUrl ? (src as URL).href : file]);
        // WHATWG URLs keep empty segments ("a//../b" is "a/b"): such a path resolves inside, to a missing file
        expect(err.message).toMatch(/expected weight shard paths inside the model's folder|no such file: \S+\/m\//);
      }),
      { numRuns: 150, seed: 12 },
    );
  });

  const magic: Record<string, number[]> = {
    hdf5: [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a],
    zip: [0x50, 0x4b, 0x03, 0x04],
    json: [0x7b],
    none: [],
  };
  const originals = ["lstm_sequential.h5", "lstm_sequential.keras", "gru_stack.h5", "bidirectional.keras"].map(
    (f) => new Uint8Array(readFileSync(join(MODELS, f))),
  );
  const randomFile = fc
    .tuple(fc.constantFrom(...Object.values(magic)), fc.uint8Array({ maxLength: 4096 }))
    .map(([m, b]) => Uint8Array.from([...m, ...b]));
  const mutated = fc
    .tuple(
      fc.constantFrom(...originals),
      fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      }),
      fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
    )
    .map(([orig, edits, cut]) => {
      const b = orig.slice(0, cut === null ? orig.length : Math.floor(orig.length * cut));
      for (const [at, v] of edits) if (b.length) b[Math.floor(at * (b.length - 1))] = v;
      return b;
    });

  /** Loads `bytes` from a file: a model that loads is fine (the bytes may be valid); anything else must be a WasmRnnError naming it. */
  async function loadOrRefuse(file: string, bytes: Uint8Array): Promise<void> {
    writeFileSync(file, bytes);
    const t0 = Date.now();
    let model: Model | null = null;
    try {
      model = await loadModel(file, { maxBytes: 4e6, maxParams: 1e6 });
    } catch (err) {
      if (!(err instanceof WasmRnnError)) throw new Error(`expected a WasmRnnError, got ${String(err)}`);
      expect(err.message, "the refusal names the file").toContain(file);
    } finally {
      model?.dispose();
    }
    expect(Date.now() - t0, "ms to load or refuse").toBeLessThan(5000);
  }

  it("random and mutated model files are refused naming the file (or load), within seconds", async () => {
    const dir = join(fx.root, "bytes");
    mkdirSync(dir, { recursive: true });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(randomFile, mutated), (b) => loadOrRefuse(join(dir, `f${n++}.bin`), b)),
      { numRuns: 400, seed: 12 },
    );
  });

  it("shards of hostile bytes (random, short, long) are refused naming the model file (or load)", async () => {
    const good = readFileSync(join(fx.folder, fx.shard)).length;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: good + 64 }), async (b) => {
        const shard = `hostile${n}.bin`;
        writeFileSync(join(fx.folder, shard), b);
        const file = writeManifest(fx, shard, `hostile${n++}.json`);
        let model: Model | null = null;
        try {
          model = await loadModel(file, { maxBytes: 4e6 });
        } catch (err) {
          if (!(err instanceof WasmRnnError)) throw new Error(`expected a WasmRnnError, got ${String(err)}`);
          expect(err.message).toContain(file);
        } finally {
          model?.dispose();
        }
      }),
      { numRuns: 60, seed: 12 },
    );
  });

  it("zip members whose header lies about their size are refused naming the file, bounded by maxBytes", async () => {
    const { unzipSync, zipSync } = await import("fflate");
    const real = unzipSync(new Uint8Array(readFileSync(join(MODELS, "lstm_sequential.keras"))));
    const dir = join(fx.root, "zips");
    mkdirSync(dir, { recursive: true });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 << 20 }),
        fc.integer({ min: 0, max: 16 << 20 }),
        fc.integer({ min: 1e5, max: 4e6 }),
        async (actual, declared, maxBytes) => {
          const z = zipSync({
            "config.json": real["config.json"]!,
            "model.weights.h5": [new Uint8Array(actual), { level: 1 }],
          });
          const dv = new DataView(z.buffer);
          for (let i = 0; i + 46 < z.length; i++) {
            const sig = dv.getUint32(i, true);
            const name = sig === 0x04034b50 ? 30 : sig === 0x02014b50 ? 46 : 0;
            if (name && new TextDecoder().decode(z.subarray(i + name, i + name + 16)) === "model.weights.h5")
              dv.setUint32(i + (name === 30 ? 22 : 24), declared, true);
          }
          const file = join(dir, `z${n++}.keras`);
          writeFileSync(file, z);
          const t0 = Date.now();
          await expectRefused(loadModel(file, { maxBytes }), [file]);
          expect(Date.now() - t0).toBeLessThan(3000);
        },
      ),
      { numRuns: 40, seed: 12 },
    );
  });

  it("afterwards, in the same process, a known-good model predicts correctly and memory stayed bounded", async () => {
    await expectGood(fx, join(fx.folder, "model.json"));
    expect(process.memoryUsage().rss - rss0, "rss growth in bytes").toBeLessThan(1.5e9);
  });
});
