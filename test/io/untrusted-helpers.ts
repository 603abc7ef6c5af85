// Shared by the untrusted-file tests: a TF.js copy of a known-good model in a temp folder (with a
// "secret" outside it that a shard path might try to reach), a local HTTP server on 127.0.0.1, and
// assertions that a load is refused with a WasmRnnError naming the file.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { loadModel, type Model, saveModel, type Tensor, tensor, WasmRnnError } from "../../src/index.js";
import { ROOT } from "../helpers/cases.js";

export { KERAS_PYTHON as PYTHON, ROOT } from "../helpers/cases.js";
export const MODELS = join(ROOT, "test", "models");

export interface Fixture {
  /** Temp root: holds `secret.bin` (a copy of the shard) and the model folder `m/`. */
  root: string;
  folder: string;
  modelJson: Record<string, unknown>;
  shard: string;
  input: Tensor;
  expected: Float32Array;
  cleanup(): void;
}

/** Saves lstm_sequential as TF.js into a temp folder and records its prediction on a fixed input. */
export async function tfjsFixture(): Promise<Fixture> {
  const root = mkdtempSync(join(tmpdir(), "wasm-rnn-untrusted-"));
  const folder = join(root, "m");
  const m = await loadModel(join(MODELS, "lstm_sequential.keras"));
  await saveModel(m, folder);
  const modelJson = JSON.parse(readFileSync(join(folder, "model.json"), "utf8")) as Record<string, unknown>;
  const shard = (modelJson.weightsManifest as { paths: string[] }[])[0]!.paths[0]!;
  copyFileSync(join(folder, shard), join(root, "secret.bin"));
  mkdirSync(join(folder, "sub"));
  copyFileSync(join(folder, shard), join(folder, "sub", "inside.bin"));
  const input = knownInput(m);
  const expected = (m.predict(input) as Tensor).data.slice() as Float32Array;
  m.dispose();
  return {
    root,
    folder,
    modelJson,
    shard,
    input,
    expected,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export function knownInput(m: Model): Tensor {
  const shape = m.inputs[0]!.shape.map((d) => d ?? 1);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(
    Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7)),
    shape,
  );
}

/** Writes `model.json` (named `name`) into the fixture's folder with its first shard path replaced. */
export function writeManifest(fx: Fixture, shardPath: string, name = "model.json"): string {
  const mj = JSON.parse(JSON.stringify(fx.modelJson)) as { weightsManifest: { paths: string[] }[] };
  mj.weightsManifest[0]!.paths = [shardPath];
  const file = join(fx.folder, name);
  writeFileSync(file, JSON.stringify(mj));
  return file;
}

/** A loaded model predicts exactly what the fixture recorded. */
export async function expectGood(fx: Fixture, source: string | URL): Promise<void> {
  const m = await loadModel(source);
  try {
    expect([...(m.predict(fx.input) as Tensor).data]).toEqual([...fx.expected]);
  } finally {
    m.dispose();
  }
}

/** Awaits `p` (at most `ms`), expecting a WasmRnnError whose message contains every string in `names`. */
export async function expectRefused(p: Promise<unknown>, names: string[], ms = 5000): Promise<WasmRnnError> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((r) => {
    timer = setTimeout(() => r("timeout"), ms);
  });
  const got = await Promise.race([
    p.then(
      (v) => ({ ok: v }),
      (err: unknown) => ({ err }),
    ),
    timeout,
  ]);
  clearTimeout(timer);
  if (got === "timeout") throw new Error(`expected a refusal within ${ms} ms, got none (hang?)`);
  if ("ok" in got) {
    (got.ok as Model | undefined)?.dispose?.();
    throw new Error(`expected a refusal naming ${names.join(", ")}, got a successful load`);
  }
  const err = got.err;
  if (!(err instanceof WasmRnnError)) throw new Error(`expected a WasmRnnError, got ${String(err)}`);
  for (const n of names) expect(err.message, "the refusal names the file").toContain(n);
  return err;
}

export interface StaticServer {
  url: string;
  hits: string[];
  close(): Promise<void>;
}

/** Serves files under `root` on 127.0.0.1 (a naive server: it decodes and joins paths, so escapes reach it). */
export async function serve(root: string, handler?: Parameters<typeof createServer>[1]): Promise<StaticServer> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? "");
    if (handler) return handler(req, res);
    try {
      const path = resolve(root, `.${decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)}`);
      const body = readFileSync(path);
      res.writeHead(200, { "content-length": body.length });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
