// Where model bytes come from: a file path (Node, Deno, Bun), a URL (fetch), or bytes already in
// memory. `node:fs/promises` is imported lazily through a non-literal specifier, so browsers and
// edge runtimes (and their bundlers) never see it.
import { WasmRnnError } from "../core/errors.js";
import type { ByteSource } from "./types.js";

export interface FileStats {
  isDirectory(): boolean;
  isFile(): boolean;
  size: number;
}
export interface FileHandleLike {
  stat(): Promise<FileStats>;
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}
export interface FileSystemLike {
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  mkdir(path: string, opts: { recursive: boolean }): Promise<unknown>;
  stat(path: string): Promise<FileStats>;
  rm(path: string, opts: { force: boolean }): Promise<void>;
  open(path: string, flags: string | number): Promise<FileHandleLike>;
  realpath(path: string): Promise<string>;
  constants?: { O_RDONLY?: number; O_NONBLOCK?: number };
}

let fsPromise: Promise<FileSystemLike> | null = null;

/** node:fs/promises, or a WasmRnnError in runtimes without a file system. */
export async function nodeFs(what: string): Promise<FileSystemLike> {
  const spec = "node:fs/promises";
  fsPromise ??= (import(/* @vite-ignore */ /* webpackIgnore: true */ spec) as Promise<FileSystemLike>).catch(() => {
    fsPromise = null;
    throw new WasmRnnError(
      `${what}: expected a runtime with a file system (Node, Deno, Bun) to use a path; pass a URL or the bytes instead`,
    );
  });
  return fsPromise;
}

export function isUrl(s: string): boolean {
  return /^(https?|file|data|blob):/i.test(s);
}

export function asBytes(b: Uint8Array | ArrayBuffer): Uint8Array {
  return b instanceof Uint8Array ? b : new Uint8Array(b);
}

/** A label for error messages: the path or URL, or "<bytes>" for in-memory data. */
export function describeSource(src: unknown): string {
  if (typeof src === "string") return src;
  if (src instanceof URL) return src.href;
  if (src instanceof Uint8Array || src instanceof ArrayBuffer) return `<${src.byteLength} bytes>`;
  return `<${typeof src}>`;
}

export interface ReadOptions {
  /** Refuse files larger than this many bytes: checked before reading when the size is known, and while reading. */
  maxBytes: number;
  fetch?: typeof fetch;
}

const overLimit = (label: string, size: number | string, max: number) =>
  new WasmRnnError(`loadModel: ${label} is ${size} bytes, over the limit of ${max} (option maxBytes)`);

/** The local path a file: URL names. */
export function fileUrlPath(url: URL): string {
  return decodeURIComponent(url.pathname);
}

/** Reads a whole source into memory, never more than maxBytes of it. */
export async function readBytes(src: ByteSource, opts: ReadOptions): Promise<Uint8Array> {
  const label = describeSource(src);
  if (src instanceof Uint8Array || src instanceof ArrayBuffer) return checkSize(asBytes(src), label, opts.maxBytes);
  if (src instanceof URL || (typeof src === "string" && isUrl(src))) {
    const url = src instanceof URL ? src : new URL(src);
    if (url.protocol === "file:") return readPath(fileUrlPath(url), opts);
    return fetchBytes(url, label, opts);
  }
  if (typeof src === "string") return readPath(src, opts);
  throw new WasmRnnError(
    `loadModel: expected a path, URL, Uint8Array or ArrayBuffer, got ${src === null ? "null" : typeof src}`,
  );
}

async function fetchBytes(url: URL, label: string, opts: ReadOptions): Promise<Uint8Array> {
  const f = opts.fetch ?? globalThis.fetch;
  if (typeof f !== "function")
    throw new WasmRnnError(`loadModel: expected fetch() to read ${label}, got a runtime without it`);
  let res: Response;
  try {
    res = await f(url.href);
  } catch (err) {
    throw new WasmRnnError(`loadModel: could not fetch ${label}: ${(err as Error)?.message ?? String(err)}`);
  }
  if (!res.ok) throw new WasmRnnError(`loadModel: expected HTTP 200 for ${label}, got ${res.status} ${res.statusText}`);
  const len = Number(res.headers.get("content-length") ?? NaN);
  const body = res.body;
  if (Number.isFinite(len) && len > opts.maxBytes) {
    if (body && typeof body.cancel === "function") await body.cancel().catch(() => {});
    throw overLimit(label, len, opts.maxBytes);
  }
  if (!body || typeof body.getReader !== "function")
    return checkSize(new Uint8Array(await res.arrayBuffer()), label, opts.maxBytes);
  // chunk by chunk: a body without (or lying about) Content-Length stops at maxBytes
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let step: ReadableStreamReadResult<Uint8Array>;
    try {
      step = await reader.read();
    } catch (err) {
      throw new WasmRnnError(`loadModel: could not fetch ${label}: ${(err as Error)?.message ?? String(err)}`);
    }
    if (step.done) break;
    total += step.value.byteLength;
    if (total > opts.maxBytes) {
      await reader.cancel().catch(() => {});
      throw overLimit(label, `more than ${opts.maxBytes}`, opts.maxBytes);
    }
    parts.push(step.value);
  }
  return concat(parts, total);
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1 && parts[0]!.byteLength === total) return parts[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/**
 * Why a path could not be looked at, as a WasmRnnError: missing, not readable (Node's EACCES, or a
 * runtime's permission system: Deno without --allow-read throws NotCapable, whose message says
 * which flag to add), or the runtime's own reason.
 */
function pathError(err: unknown, what: "file" | "folder", path: string): WasmRnnError {
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  const name = typeof e?.name === "string" ? e.name : "";
  const message = typeof e?.message === "string" ? e.message : String(err);
  if (code === "ENOENT" || code === "ENOTDIR") return new WasmRnnError(`loadModel: no such ${what}: ${path}`);
  if (code === "EACCES" || code === "EPERM" || name === "NotCapable" || name === "PermissionDenied")
    return new WasmRnnError(`loadModel: no permission to read ${path}: ${message}`);
  return new WasmRnnError(`loadModel: could not read ${path}: ${message}`);
}

/**
 * Reads a regular file, bounded: a device (/dev/zero), a FIFO or a socket is refused (by the path's
 * stat, then again on the open handle, opened non-blocking so a FIFO cannot stall the open), and
 * reading stops at maxBytes whatever the stat size said.
 */
async function readPath(path: string, opts: ReadOptions): Promise<Uint8Array> {
  const fs = await nodeFs("loadModel");
  let st: FileStats;
  try {
    st = await fs.stat(path);
  } catch (err) {
    throw pathError(err, "file", path);
  }
  if (st.isDirectory()) {
    throw new WasmRnnError(
      `loadModel: ${path} is a directory; expected a model file (.keras, .h5 or a TF.js model.json)`,
    );
  }
  const notRegular = () =>
    new WasmRnnError(`loadModel: expected ${path} to be a regular file, got a device, FIFO or socket`);
  if (!st.isFile()) throw notRegular();
  if (st.size > opts.maxBytes) throw overLimit(path, st.size, opts.maxBytes);
  const flags = fs.constants?.O_NONBLOCK ? (fs.constants.O_RDONLY ?? 0) | fs.constants.O_NONBLOCK : "r";
  let fh: FileHandleLike;
  try {
    fh = await fs.open(path, flags);
  } catch (err) {
    throw new WasmRnnError(`loadModel: could not read ${path}: ${(err as Error)?.message ?? String(err)}`);
  }
  try {
    const hst = await fh.stat();
    if (!hst.isFile()) throw notRegular();
    if (hst.size > opts.maxBytes) throw overLimit(path, hst.size, opts.maxBytes);
    // one buffer of the stated size (+1 to see growth), grown only if the file is longer than stated
    let buf = new Uint8Array(Math.min(opts.maxBytes, hst.size) + 1);
    let total = 0;
    for (;;) {
      if (total === buf.length) {
        if (buf.length > opts.maxBytes) throw overLimit(path, `more than ${opts.maxBytes}`, opts.maxBytes);
        const grown = new Uint8Array(Math.min(opts.maxBytes + 1, buf.length * 2 + (1 << 16)));
        grown.set(buf);
        buf = grown;
      }
      const { bytesRead } = await fh.read(buf, total, buf.length - total, null);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return buf.subarray(0, total);
  } catch (err) {
    if (err instanceof WasmRnnError) throw err;
    throw new WasmRnnError(`loadModel: could not read ${path}: ${(err as Error)?.message ?? String(err)}`);
  } finally {
    await fh.close().catch(() => {});
  }
}

function checkSize(b: Uint8Array, label: string, max: number): Uint8Array {
  if (b.byteLength > max)
    throw new WasmRnnError(`loadModel: ${label} is ${b.byteLength} bytes, over the limit of ${max} (option maxBytes)`);
  return b;
}

/** Resolves `name` next to `base` (a path or URL); a directory path ends with "/". */
export function siblingOf(base: string | URL, name: string): string | URL {
  if (base instanceof URL || isUrl(base)) return new URL(name, base);
  const i = Math.max(base.lastIndexOf("/"), base.lastIndexOf("\\"));
  return i < 0 ? name : base.slice(0, i + 1) + name;
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `name` joined to the folder `dir` (ending in a separator), or null if it would leave it. */
function joinInside(dir: string, name: string): string | null {
  if (name.includes("\0") || /^[\\/]|^[a-z][a-z0-9+.-]*:/i.test(name)) return null;
  const kept: string[] = [];
  for (const seg of name.split(/[\\/]/)) {
    if (seg === "..") {
      if (!kept.length) return null;
      kept.pop();
    } else if (seg !== "." && seg !== "") kept.push(seg);
  }
  return kept.length ? dir + kept.join("/") : null;
}

/** `name` resolved against `base`, or null unless it has base's origin and stays under its folder. */
function urlInside(base: URL, name: string): URL | null {
  let dir: URL, target: URL;
  try {
    dir = new URL("./", base);
    target = new URL(name, base);
  } catch {
    return null;
  }
  if (target.protocol !== dir.protocol || target.host !== dir.host || target.username || target.password) return null;
  if (!target.pathname.startsWith(dir.pathname)) return null;
  // percent-encoded dots and slashes become real ones when a file: URL is read
  const rest = decoded(target.pathname.slice(dir.pathname.length));
  return joinInside("", rest) === null ? null : target;
}

const sameOrUnder = (dir: string, p: string) => {
  const d = dir.replace(/\\/g, "/").replace(/\/?$/, "/");
  return p.replace(/\\/g, "/").startsWith(d);
};

/**
 * Reads the file `name` (a path from an untrusted manifest) in the folder of `base` (a model file's
 * path or URL; a directory path ends with "/"). The path is resolved first (URL resolution,
 * percent-decoding, backslashes), then must stay inside that folder: for URLs the same origin and
 * path prefix, for files the same prefix also after resolving symlinks. Anything else is refused
 * naming `modelFile` and the path.
 */
export async function readInside(
  base: string | URL,
  name: string,
  modelFile: string,
  opts: ReadOptions,
): Promise<Uint8Array> {
  const refuse = (folder: string) =>
    new WasmRnnError(`${modelFile}: expected weight shard paths inside the model's folder ${folder}, got '${name}'`);
  if (base instanceof URL || isUrl(base)) {
    const url = base instanceof URL ? base : new URL(base);
    const folder = new URL("./", url);
    const target = urlInside(url, name);
    if (!target) throw refuse(folder.href);
    if (target.protocol !== "file:") return naming(modelFile, name, fetchBytes(target, target.href, opts));
    return naming(modelFile, name, readFileInside(fileUrlPath(folder), fileUrlPath(target), refuse(folder.href), opts));
  }
  const i = Math.max(base.lastIndexOf("/"), base.lastIndexOf("\\"));
  const dir = i < 0 ? "./" : base.slice(0, i + 1);
  const path = joinInside(dir, name);
  if (path === null || joinInside(dir, decoded(name)) === null) throw refuse(dir);
  return naming(modelFile, name, readFileInside(dir, path, refuse(dir), opts));
}

/** Read errors of a shard name the model file that listed it. */
async function naming(modelFile: string, name: string, read: Promise<Uint8Array>): Promise<Uint8Array> {
  try {
    return await read;
  } catch (err) {
    if (!(err instanceof WasmRnnError) || err.message.startsWith(`${modelFile}: `)) throw err;
    throw new WasmRnnError(`${modelFile}: weight shard '${name}': ${err.message.replace(/^loadModel: /, "")}`);
  }
}

async function readFileInside(dir: string, path: string, refusal: WasmRnnError, opts: ReadOptions) {
  const fs = await nodeFs("loadModel");
  let realDir: string, real: string;
  try {
    realDir = await fs.realpath(dir);
  } catch (err) {
    throw pathError(err, "folder", dir);
  }
  try {
    real = await fs.realpath(path);
  } catch (err) {
    throw pathError(err, "file", path);
  }
  if (!sameOrUnder(realDir, real)) throw refusal; // a symlink inside the folder pointing out of it
  return readPath(real, opts);
}
