// The inlined builds of a wasm core: one pack per core (scripts/wasm-pack.mjs writes it), its builds
// interleaved in blocks and deflated together, as base64. Inflating uses the runtime's own
// DecompressionStream (Node 18+, Deno, Bun, and every browser that runs wasm SIMD but Firefox
// 89-112), so the package ships no inflate code; the pack of three builds is smaller than one
// build inlined as plain base64 (issue 16: what an app ships).
import { WasmRnnError } from "./errors.js";

export interface Pack {
  /** The builds, in the order they are interleaved. */
  readonly builds: readonly string[];
  /** Each build's length in bytes. */
  readonly lengths: readonly number[];
  /** Bytes of one build before the next build's block. */
  readonly block: number;
  /** The interleaved builds, zlib-deflated, as base64. */
  readonly deflated: string;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function inflate(bytes: Uint8Array<ArrayBuffer>, who: string): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof DecompressionStream !== "function") {
    throw new WasmRnnError(
      `${who}: expected a runtime with DecompressionStream (Node 18+, Deno, Bun, Chrome 80+, Firefox 113+, ` +
        `Safari 16.4+) to inflate the inlined wasm core, got none`,
    );
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  try {
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (err) {
    throw new WasmRnnError(
      `${who}: expected the inlined wasm pack to be deflate data, got bytes that do not inflate (${String(err)})`,
    );
  }
}

/** One build's bytes out of its pack. */
export async function unpack(pack: Pack, build: string, who: string): Promise<Uint8Array<ArrayBuffer>> {
  const index = pack.builds.indexOf(build);
  if (index < 0) throw new WasmRnnError(`${who}: expected one of the builds ${pack.builds.join(", ")}, got "${build}"`);
  const all = await inflate(decodeBase64(pack.deflated), who);
  const total = pack.lengths.reduce((s, n) => s + n, 0);
  if (all.length !== total)
    throw new WasmRnnError(`${who}: the inlined wasm pack inflates to ${all.length} bytes, expected ${total}`);
  const out = new Uint8Array(pack.lengths[index]!);
  // walk the blocks in the packer's order: block k of every build that still has one
  for (let at = 0, from = 0; at < out.length; at += pack.block) {
    for (let b = 0; b < pack.builds.length; b++) {
      const length = pack.lengths[b]!;
      if (at >= length) continue;
      const n = Math.min(pack.block, length - at);
      if (b === index) out.set(all.subarray(from, from + n), at);
      from += n;
    }
  }
  return out;
}
