// Reading HDF5 with jsfive (pure JavaScript, so it also runs where compiling wasm from bytes is
// forbidden, e.g. Cloudflare workerd). Imported lazily: users of other formats never load it.
// jsfive throws strings and generic errors on malformed files; everything is wrapped into
// WasmRnnError here. A hostile file is bounded three ways: gzip chunks inflate against a per-file
// budget of maxBytes (see ./hdf5-limits.js), the chunk B-tree is counted before any chunk is read,
// and every object opened counts against MAX_OBJECTS (hard links can make a small file a huge DAG).
import { WasmRnnError } from "../core/errors.js";
import { checkChunks, type H5Budget, installBoundedGzip, MAX_OBJECTS, withBudget } from "./hdf5-limits.js";
import { fflate } from "./inflate.js";

type JsFive = typeof import("jsfive");
let mod: Promise<JsFive> | null = null;

async function jsfive(): Promise<JsFive> {
  mod ??= import("jsfive").catch((err: unknown) => {
    mod = null;
    throw new WasmRnnError(
      `loadModel: reading HDF5 (.h5/.keras) needs the 'jsfive' package, which failed to load: ${String((err as Error)?.message ?? err)}`,
    );
  });
  return mod;
}

export const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function isHdf5(b: Uint8Array): boolean {
  return HDF5_MAGIC.every((v, i) => b[i] === v);
}

export interface H5Dataset {
  kind: "dataset";
  path: string;
  /** The object's address in the file (the same object reached by two hard links has one address). */
  address: number | null;
  shape: number[];
  read(): Float32Array;
  /** The values as doubles (exact for integers such as an int64 step count up to 2^53). */
  readExact(): Float64Array;
}
export interface H5Group {
  kind: "group";
  path: string;
  address: number | null;
  keys(): string[];
  get(key: string): H5Group | H5Dataset | null;
  attr(name: string): unknown;
  /** A string attribute, or a list of strings (Keras splits long ones into name0, name1, ...). */
  strings(name: string): string[] | null;
  str(name: string): string | null;
}

function cleanStr(v: unknown): string {
  if (typeof v === "string") return v.replace(/\0+$/, "");
  if (v instanceof Uint8Array) return new TextDecoder().decode(v).replace(/\0+$/, "");
  return String(v);
}

/** The end-of-file address the superblock declares (relative to the base address), or null. */
export function declaredEof(b: Uint8Array): number | null {
  if (b.length < 16) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const version = b[8]!;
  let o: number, at: number;
  if (version === 0 || version === 1) {
    o = b[13]!;
    at = 24 + (version === 1 ? 4 : 0) + 2 * o;
  } else if (version === 2 || version === 3) {
    o = b[9]!;
    at = 12 + 2 * o;
  } else return null;
  if (o !== 8 || at + 8 > b.length) return null;
  const lo = dv.getUint32(at, true),
    hi = dv.getUint32(at + 4, true);
  if (hi === 0xffffffff && lo === 0xffffffff) return null; // undefined address
  return hi * 2 ** 32 + lo;
}

const addressOf = (o: unknown): number | null => {
  const a = (o as { _dataobjects?: { offset?: unknown } })._dataobjects?.offset;
  return typeof a === "number" ? a : null;
};

/**
 * Opens an HDF5 file held in memory. Every access may throw WasmRnnError naming `file`. All data
 * decoded from the file (inflated or copied chunks) counts against `maxBytes`.
 */
export async function openHdf5(
  bytes: Uint8Array,
  file: string,
  maxValues: number,
  maxBytes = 2 ** 30,
): Promise<H5Group> {
  const h5 = await jsfive();
  installBoundedGzip(h5, await fflate());
  const budget: H5Budget = { file, limit: maxBytes, left: maxBytes, chunkLimit: Number.POSITIVE_INFINITY, objects: 0 };
  const guard = <T>(what: string, fn: () => T): T => {
    try {
      return withBudget(budget, fn);
    } catch (err) {
      if (err instanceof WasmRnnError) throw err;
      const msg = typeof err === "string" ? err : String((err as Error)?.message ?? err);
      throw new WasmRnnError(`${file}: corrupt or unsupported HDF5 (${what}): ${msg.slice(0, 200)}`);
    }
  };
  const eof = declaredEof(bytes);
  if (eof !== null && eof > bytes.length) {
    throw new WasmRnnError(`${file}: truncated HDF5 file: the superblock declares ${eof} bytes, got ${bytes.length}`);
  }
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const root = guard("superblock", () => new h5.File(buf, file));
  const wrapDataset = (d: InstanceType<JsFive["Dataset"]>, path: string): H5Dataset => {
    const shape = guard(`shape of ${path}`, () => d.shape);
    if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0))
      throw new WasmRnnError(`${file}: dataset ${path} has an invalid shape`);
    const n = shape.reduce((a: number, b: number) => a * b, 1);
    const readInto = <T extends Float32Array | Float64Array>(out: T): T => {
      if (n > maxValues)
        throw new WasmRnnError(
          `${file}: dataset ${path} holds ${n} values, over the limit of ${maxValues} (option maxParams)`,
        );
      guard(`chunks of ${path}`, () => checkChunks(d, bytes, shape, path, budget));
      const v = guard(`data of ${path}`, () => d.value) as ArrayLike<number>;
      if (!v || typeof v.length !== "number" || v.length !== n)
        throw new WasmRnnError(
          `${file}: dataset ${path} should hold ${n} values, got ${v && typeof v.length === "number" ? v.length : typeof v}`,
        );
      for (let i = 0; i < n; i++) {
        const x = v[i];
        if (typeof x !== "number") throw new WasmRnnError(`${file}: dataset ${path} is not numeric`);
        out[i] = x;
      }
      return out;
    };
    return {
      kind: "dataset",
      path,
      address: addressOf(d),
      shape: [...shape],
      read: () => readInto(new Float32Array(n)),
      readExact: () => readInto(new Float64Array(n)),
    };
  };
  const wrapGroup = (g: InstanceType<JsFive["Group"]>, path: string): H5Group => {
    let keys: string[] | null = null;
    let keySet: Set<string> | null = null;
    const self: H5Group = {
      kind: "group",
      path,
      address: addressOf(g),
      // jsfive's keys copies the list each time; kept once here, so lookups stay linear
      keys: () => [...(keys ??= guard(`members of ${path}`, () => g.keys))],
      get(key) {
        const sub = `${path === "/" ? "" : path}/${key}`;
        keySet ??= new Set((keys ??= guard(`members of ${path}`, () => g.keys)));
        if (!key.includes("/") && !keySet.has(key)) return null;
        if (++budget.objects > MAX_OBJECTS)
          throw new WasmRnnError(
            `${file}: expected at most ${MAX_OBJECTS} HDF5 objects to be opened, got more at ${sub} (a hard-link DAG?)`,
          );
        const o = guard(`object ${sub}`, () => g.get(key));
        if (!o) return null;
        if (o instanceof h5.Dataset) return wrapDataset(o, sub);
        if (o instanceof h5.Group) return wrapGroup(o, sub);
        return null;
      },
      attr: (name) => guard(`attribute ${name} of ${path}`, () => g.attrs[name]),
      str(name) {
        const v = self.attr(name);
        if (v === undefined || v === null) return null;
        return cleanStr(Array.isArray(v) ? v[0] : v);
      },
      strings(name) {
        const attrs = guard(`attributes of ${path}`, () => g.attrs);
        const parts: unknown[] = [];
        if (attrs[name] !== undefined) parts.push(attrs[name]);
        else for (let i = 0; attrs[`${name}${i}`] !== undefined; i++) parts.push(attrs[`${name}${i}`]);
        if (!parts.length) return null;
        const out: string[] = [];
        for (const p of parts) {
          if (Array.isArray(p))
            for (const s of p) {
              if (typeof s === "string" || s instanceof Uint8Array) out.push(cleanStr(s));
            }
          else if (typeof p === "string" || p instanceof Uint8Array) out.push(cleanStr(p));
        }
        return out;
      },
    };
    return self;
  };
  return wrapGroup(root, "/");
}
