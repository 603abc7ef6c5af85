// Reading named members of a zip (a .keras file) without trusting its headers: sizes are checked
// against maxBytes before inflating, inflating stops at the smaller of the declared size and
// maxBytes, and the result must have exactly the declared length and CRC-32.
import { WasmRnnError } from "../core/errors.js";
import { boundedInflate, crc32, fflate } from "./inflate.js";

interface Entry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const corrupt = (file: string, why: string) => new WasmRnnError(`${file}: corrupt .keras zip: ${why}`);

function u64(dv: DataView, at: number): number {
  return dv.getUint32(at, true) + dv.getUint32(at + 4, true) * 2 ** 32;
}

/** The central directory's entries (zip64 sizes and offsets included). */
function centralDirectory(b: Uint8Array, file: string): Entry[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let eocd = -1;
  for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 65535); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt(file, "no end of central directory record");
  let count = dv.getUint16(eocd + 10, true);
  let offset = dv.getUint32(eocd + 16, true);
  if ((count === 0xffff || offset === 0xffffffff) && eocd >= 20 && dv.getUint32(eocd - 20, true) === 0x07064b50) {
    const at = u64(dv, eocd - 12);
    if (at + 56 > b.length || dv.getUint32(at, true) !== 0x06064b50) throw corrupt(file, "bad zip64 record");
    count = u64(dv, at + 32);
    offset = u64(dv, at + 48);
  }
  const entries: Entry[] = [];
  let p = offset;
  const dec = new TextDecoder();
  for (let k = 0; k < count; k++) {
    if (p + 46 > b.length || dv.getUint32(p, true) !== 0x02014b50) throw corrupt(file, "bad central directory entry");
    const nameLen = dv.getUint16(p + 28, true),
      extraLen = dv.getUint16(p + 30, true),
      commentLen = dv.getUint16(p + 32, true);
    if (p + 46 + nameLen + extraLen > b.length) throw corrupt(file, "central directory entry past the end");
    const e: Entry = {
      name: dec.decode(b.subarray(p + 46, p + 46 + nameLen)),
      flags: dv.getUint16(p + 8, true),
      method: dv.getUint16(p + 10, true),
      crc: dv.getUint32(p + 16, true),
      compressedSize: dv.getUint32(p + 20, true),
      size: dv.getUint32(p + 24, true),
      localOffset: dv.getUint32(p + 42, true),
    };
    // zip64 extra field: the 8-byte values of the fields whose 4-byte slot is 0xffffffff, in order
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = dv.getUint16(x, true),
        len = dv.getUint16(x + 2, true);
      if (id === 1) {
        let f = x + 4;
        const take = () => {
          if (f + 8 > x + 4 + len) throw corrupt(file, `short zip64 field for ${e.name}`);
          const v = u64(dv, f);
          f += 8;
          return v;
        };
        if (e.size === 0xffffffff) e.size = take();
        if (e.compressedSize === 0xffffffff) e.compressedSize = take();
        if (e.localOffset === 0xffffffff) e.localOffset = take();
      }
      x += 4 + len;
    }
    entries.push(e);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/**
 * The members of `bytes` named in `wanted` (others are never inflated). Each is refused if its
 * declared size is over `maxBytes`, if it inflates past its declared size, or if its length or
 * CRC-32 differ from the header's.
 */
export async function unzipMembers(
  bytes: Uint8Array,
  file: string,
  wanted: ReadonlySet<string>,
  maxBytes: number,
): Promise<Map<string, Uint8Array>> {
  const lib = await fflate();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, Uint8Array>();
  for (const e of centralDirectory(bytes, file)) {
    // zips written on Windows may name members with backslashes
    const name = e.name.replace(/\\/g, "/");
    if (!wanted.has(name)) continue;
    const who = `${file}: zip member ${e.name}`;
    if (out.has(name)) throw new WasmRnnError(`${who}: expected one member of that name, got several`);
    if (e.size > maxBytes)
      throw new WasmRnnError(
        `${who} would inflate to ${e.size} bytes, over the limit of ${maxBytes} (option maxBytes)`,
      );
    if (e.flags & 1) throw new WasmRnnError(`${who}: expected an unencrypted member, got an encrypted one`);
    const lo = e.localOffset;
    if (lo + 30 > bytes.length || dv.getUint32(lo, true) !== 0x04034b50)
      throw corrupt(file, `bad local header for ${e.name}`);
    const start = lo + 30 + dv.getUint16(lo + 26, true) + dv.getUint16(lo + 28, true);
    if (start + e.compressedSize > bytes.length) throw corrupt(file, `${e.name} runs past the end of the file`);
    const raw = bytes.subarray(start, start + e.compressedSize);
    let data: Uint8Array;
    if (e.method === 0) data = raw;
    else if (e.method === 8) {
      const limit = Math.min(e.size, maxBytes);
      const tooBig = (n: number) =>
        new WasmRnnError(
          e.size <= maxBytes
            ? `${who}: expected ${e.size} bytes (its declared size), got more (at least ${n}) when inflating`
            : `${who} inflates to more than ${maxBytes} bytes, over the limit (option maxBytes)`,
        );
      try {
        data = boundedInflate(lib, raw, false, limit, tooBig);
      } catch (err) {
        if (err instanceof WasmRnnError) throw err;
        throw corrupt(file, `${e.name}: ${String((err as Error)?.message ?? err)}`);
      }
    } else throw new WasmRnnError(`${who}: expected compression method 0 or 8 (deflate), got ${e.method}`);
    if (data.length !== e.size)
      throw new WasmRnnError(`${who}: expected ${e.size} bytes (its declared size), got ${data.length}`);
    const crc = crc32(data);
    if (crc !== e.crc)
      throw new WasmRnnError(
        `${who}: expected CRC-32 ${e.crc.toString(16).padStart(8, "0")}, got ${crc.toString(16).padStart(8, "0")}`,
      );
    out.set(name, data);
  }
  return out;
}
