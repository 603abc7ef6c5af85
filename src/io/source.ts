// Where model bytes come from: a file path (Node, Deno, Bun), a URL (fetch), or bytes already in
// memory. `node:fs/promises` is imported lazily through a non-literal specifier, so browsers and
// edge runtimes (and their bundlers) never see it.
import { WasmRnnError } from "../core/errors.js";
import type { ByteSource } from "./types.js";

export interface FileSystemLike {
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  mkdir(path: string, opts: { recursive: boolean }): Promise<unknown>;
  stat(path: string): Promise<{ isDirectory(): boolean; size: number }>;
  rm(path: string, opts: { force: boolean }): Promise<void>;
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
  /** Refuse files larger than this many bytes (checked before reading when the size is known). */
  maxBytes: number;
  fetch?: typeof fetch;
}

/** Reads a whole source into memory. */
export async function readBytes(src: ByteSource, opts: ReadOptions): Promise<Uint8Array> {
  const label = describeSource(src);
  if (src instanceof Uint8Array || src instanceof ArrayBuffer) return checkSize(asBytes(src), label, opts.maxBytes);
  if (src instanceof URL || (typeof src === "string" && isUrl(src))) {
    const url = src instanceof URL ? src : new URL(src);
    if (url.protocol === "file:") return readPath(decodeURIComponent(url.pathname), opts);
    const f = opts.fetch ?? globalThis.fetch;
    if (typeof f !== "function")
      throw new WasmRnnError(`loadModel: expected fetch() to read ${label}, got a runtime without it`);
    let res: Response;
    try {
      res = await f(url.href);
    } catch (err) {
      throw new WasmRnnError(`loadModel: could not fetch ${label}: ${(err as Error)?.message ?? String(err)}`);
    }
    if (!res.ok)
      throw new WasmRnnError(`loadModel: expected HTTP 200 for ${label}, got ${res.status} ${res.statusText}`);
    const len = Number(res.headers.get("content-length") ?? NaN);
    if (Number.isFinite(len) && len > opts.maxBytes) {
      throw new WasmRnnError(
        `loadModel: ${label} is ${len} bytes, over the limit of ${opts.maxBytes} (option maxBytes)`,
      );
    }
    return checkSize(new Uint8Array(await res.arrayBuffer()), label, opts.maxBytes);
  }
  if (typeof src === "string") return readPath(src, opts);
  throw new WasmRnnError(
    `loadModel: expected a path, URL, Uint8Array or ArrayBuffer, got ${src === null ? "null" : typeof src}`,
  );
}

async function readPath(path: string, opts: ReadOptions): Promise<Uint8Array> {
  const fs = await nodeFs("loadModel");
  let st;
  try {
    st = await fs.stat(path);
  } catch {
    throw new WasmRnnError(`loadModel: no such file: ${path}`);
  }
  if (st.isDirectory()) {
    throw new WasmRnnError(
      `loadModel: ${path} is a directory; expected a model file (.keras, .h5 or a TF.js model.json)`,
    );
  }
  if (st.size > opts.maxBytes)
    throw new WasmRnnError(
      `loadModel: ${path} is ${st.size} bytes, over the limit of ${opts.maxBytes} (option maxBytes)`,
    );
  try {
    return await fs.readFile(path);
  } catch (err) {
    throw new WasmRnnError(`loadModel: could not read ${path}: ${(err as Error)?.message ?? String(err)}`);
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
