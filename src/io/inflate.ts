// Inflating with a running limit: deflate can expand about 1000:1, so a small file can ask for
// gigabytes. The compressed input is fed in small slices and the output counted as it comes, so an
// inflate stops (with a WasmRnnError) soon after it passes its limit, never after the whole bomb.
import { WasmRnnError } from "../core/errors.js";

type Fflate = typeof import("fflate");
let fflateMod: Promise<Fflate> | null = null;

/** fflate, loaded on first use (only .keras files and compressed HDF5 need it). */
export async function fflate(): Promise<Fflate> {
  fflateMod ??= import("fflate").catch((err: unknown) => {
    fflateMod = null;
    throw new WasmRnnError(
      `loadModel: reading .keras files needs the 'fflate' package, which failed to load: ${String((err as Error)?.message ?? err)}`,
    );
  });
  return fflateMod;
}

/** Input slice: at most ~1000x this much output appears between two checks of the limit. */
const SLICE = 4096;

/**
 * Inflates raw deflate (`zlib: false`) or zlib data, throwing `tooBig()` as soon as the output
 * passes `limit` bytes. Throws a plain Error on corrupt data (callers name the file).
 */
export function boundedInflate(
  lib: Fflate,
  data: Uint8Array,
  zlib: boolean,
  limit: number,
  tooBig: (atLeast: number) => Error,
): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const onData = (chunk: Uint8Array) => {
    total += chunk.length;
    if (total > limit) throw tooBig(total);
    parts.push(chunk);
  };
  const stream = zlib ? new lib.Unzlib(onData) : new lib.Inflate(onData);
  if (data.length === 0) stream.push(data, true);
  for (let at = 0; at < data.length; at += SLICE) {
    const end = Math.min(at + SLICE, data.length);
    stream.push(data.subarray(at, end), end === data.length);
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (the zip one: polynomial 0xEDB88320). */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
