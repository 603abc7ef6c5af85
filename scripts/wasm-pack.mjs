// Packs several builds of a wasm module into one deflated, base64 string (src/core/pack.ts unpacks
// it). The builds of one core differ in a few instructions, so deflate stores the second and third
// almost for free, but only when the copy they repeat lies within its 32 KB window: the builds are
// interleaved in blocks (BLOCK bytes of the first, of the second, ..., then the next block of each),
// which keeps each byte within BLOCK of its twin in the build before however large the core grows.
// The three inference builds (96 KB) pack into about 12 KB, less than one of them inlined as base64.
import { deflateSync } from "node:zlib";

export const BLOCK = 8192;

/** The builds' bytes interleaved block by block (the lengths say where each ends). */
export function interleave(builds, block = BLOCK) {
  const parts = [];
  const longest = Math.max(0, ...builds.map((b) => b.length));
  for (let at = 0; at < longest; at += block) {
    for (const b of builds) if (at < b.length) parts.push(b.subarray(at, Math.min(b.length, at + block)));
  }
  return Buffer.concat(parts);
}

/** { builds, lengths, block, deflated }: what src/core/pack.ts's `unpack` reads. */
export function packBuilds(named, block = BLOCK) {
  const names = Object.keys(named);
  const bytes = names.map((n) => named[n]);
  return {
    builds: names,
    lengths: bytes.map((b) => b.length),
    block,
    deflated: deflateSync(interleave(bytes, block), { level: 9 }).toString("base64"),
  };
}
