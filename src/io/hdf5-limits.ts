// Bounds on what jsfive may do for one HDF5 file. jsfive reads synchronously, so the file being read
// is known while any of its code runs: `withBudget` marks it, and jsfive's gzip filter (replaced by
// a bounded one) charges that file's budget. Before a chunked dataset is read, its chunk B-tree is
// walked here (nodes counted, a DAG of nodes cannot multiply) and every chunk it lists is charged
// its size, so neither inflating nor copying chunks can exceed maxBytes per file.
import { WasmRnnError } from "../core/errors.js";
import { boundedInflate } from "./inflate.js";

export interface H5Budget {
  file: string;
  limit: number;
  /** Bytes of chunk data still allowed for this file. */
  left: number;
  /** Largest inflated size of one chunk of the dataset being read; Infinity when its chunks were not charged beforehand. */
  chunkLimit: number;
  /** Objects (groups, datasets) opened so far. */
  objects: number;
}

/** Objects opened per file: a Keras file has a few per weight; a hard-link DAG has millions of paths. */
export const MAX_OBJECTS = 100_000;
/** B-tree nodes walked per dataset. */
const MAX_NODES = 100_000;

let active: H5Budget | null = null;

export function withBudget<T>(b: H5Budget, fn: () => T): T {
  const prev = active;
  active = b;
  try {
    return fn();
  } finally {
    active = prev;
  }
}

type JsFive = typeof import("jsfive");
type Fflate = typeof import("fflate");
let installed = false;

/** Replaces jsfive's gzip filter (pako, unbounded) with one that inflates against the active budget. */
export function installBoundedGzip(h5: JsFive, lib: Fflate): void {
  if (installed) return;
  installed = true;
  h5.Filters.set(1, (buf: ArrayBuffer): ArrayBuffer => {
    const b = active;
    if (!b) throw new WasmRnnError("HDF5: expected gzip chunks to be read through openHdf5, got a read outside it");
    const limit = Math.min(b.left, b.chunkLimit);
    const out = boundedInflate(lib, new Uint8Array(buf), true, limit, (n) =>
      limit === b.left
        ? new WasmRnnError(
            `${b.file}: HDF5 data inflates to more than ${b.limit} bytes, over the limit (option maxBytes)`,
          )
        : new WasmRnnError(`${b.file}: expected an HDF5 chunk of at most ${limit} bytes, got ${n} when inflating`),
    );
    if (b.chunkLimit === Number.POSITIVE_INFINITY) b.left -= out.length;
    return out.byteOffset === 0 && out.byteLength === out.buffer.byteLength
      ? (out.buffer as ArrayBuffer)
      : (out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer);
  });
}

interface ChunkedObjects {
  chunks: number[] | null;
  _chunk_address?: number;
  _chunk_dims?: number;
}

function itemSize(dtype: unknown): number {
  const m = typeof dtype === "string" ? /(\d+)$/.exec(dtype) : null;
  return m ? Number(m[1]) : 16;
}

/**
 * Checks a chunked dataset before jsfive reads it: chunk dims within the dataset's (as HDF5 requires
 * for fixed-size datasets), and the chunk B-tree's leaves times the chunk size within the budget,
 * which is charged for the copying jsfive will do.
 */
export function checkChunks(
  d: { dtype: unknown; _dataobjects?: unknown },
  bytes: Uint8Array,
  shape: readonly number[],
  path: string,
  b: H5Budget,
): void {
  b.chunkLimit = Number.POSITIVE_INFINITY;
  const obj = d._dataobjects as ChunkedObjects | undefined;
  const chunks = obj?.chunks;
  if (!obj || !Array.isArray(chunks)) return;
  const who = `${b.file}: dataset ${path}`;
  if (chunks.length !== shape.length || chunks.some((c, i) => !(c >= 1 && c <= Math.max(1, shape[i]!))))
    throw new WasmRnnError(`${who}: expected chunks within its shape [${shape}], got chunks [${chunks}]`);
  const chunkBytes = chunks.reduce((a, c) => a * c, 1) * itemSize(d.dtype);
  const address = obj._chunk_address,
    dims = obj._chunk_dims;
  if (typeof address !== "number" || typeof dims !== "number" || address >= bytes.length) return;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const keySize = 8 + 8 * dims;
  const stack = [address];
  let nodes = 0,
    leaves = 0;
  while (stack.length) {
    const at = stack.pop()!;
    if (++nodes > MAX_NODES)
      throw new WasmRnnError(`${who}: expected at most ${MAX_NODES} chunk index nodes, got more`);
    if (at + 24 > bytes.length || dv.getUint32(at, true) !== 0x45455254) return; // jsfive reports it
    const level = bytes[at + 5]!,
      entries = dv.getUint16(at + 6, true);
    if (level === 0) {
      leaves += entries;
      if (leaves * chunkBytes > b.left)
        throw new WasmRnnError(`${who}: its chunks hold more than ${b.limit} bytes, over the limit (option maxBytes)`);
      continue;
    }
    for (let i = 0; i < entries; i++) {
      const child = at + 24 + i * (keySize + 8) + keySize;
      if (child + 8 > bytes.length) return;
      stack.push(dv.getUint32(child, true) + dv.getUint32(child + 4, true) * 2 ** 32);
    }
  }
  b.left -= leaves * chunkBytes;
  b.chunkLimit = chunkBytes + 64; // room for a Fletcher-32 checksum
}
