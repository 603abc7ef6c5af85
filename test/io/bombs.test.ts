// Issue 12, items 3-4: decompression bombs (HDF5 gzip chunks, zip members lying about their size,
// HTTP bodies without Content-Length) stop at maxBytes while inflating or reading, and small HDF5
// files cannot make the reader walk a DAG of hard links or look members up quadratically.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync, unzipSync, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dense, Input, loadModel, loadWeights, ready, Sequential } from "../../src/index.js";
import { expectRefused, MODELS, PYTHON, serve } from "./untrusted-helpers.js";

let dir: string;
beforeAll(async () => {
  await ready();
  dir = mkdtempSync(join(tmpdir(), "wasm-rnn-bombs-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const dense = (n: number) => new Sequential({ layers: [Input({ shape: [n] }), new Dense({ units: n })] });

// ---- zip members whose header lies -------------------------------------------------------------

const real = new Uint8Array(readFileSync(join(MODELS, "lstm_sequential.keras")));

/** A .keras zip of the real model's members with `weights` (deflated) as model.weights.h5. */
function kerasZip(weights: Uint8Array): Uint8Array {
  const m = unzipSync(real);
  return zipSync({
    "config.json": [m["config.json"]!, { level: 6 }],
    "metadata.json": [m["metadata.json"] ?? new Uint8Array(), { level: 6 }],
    "model.weights.h5": [weights, { level: 9 }],
  });
}

/** Rewrites the uncompressed size (and optionally the CRC) that the headers declare for `name`. */
function lie(zip: Uint8Array, name: string, size: number | null, crc: number | null = null): Uint8Array {
  const out = zip.slice();
  const dv = new DataView(out.buffer);
  const enc = new TextEncoder().encode(name);
  for (let i = 0; i + 46 < out.length; i++) {
    const sig = dv.getUint32(i, true);
    const at = sig === 0x04034b50 ? 30 : sig === 0x02014b50 ? 46 : 0;
    if (!at || !enc.every((c, k) => out[i + at + k] === c)) continue;
    if (size !== null) dv.setUint32(i + (at === 30 ? 22 : 24), size, true);
    if (crc !== null) dv.setUint32(i + (at === 30 ? 14 : 16), crc, true);
  }
  return out;
}

describe("zip members", () => {
  it("a member inflating past its declared size stops there (a 64 MiB bomb declared as 1000 bytes)", async () => {
    const file = join(dir, "liar.keras");
    writeFileSync(file, lie(kerasZip(new Uint8Array(64 << 20)), "model.weights.h5", 1000));
    const t0 = Date.now();
    const err = await expectRefused(loadModel(file, { maxBytes: 1e6 }), [file, "model.weights.h5"]);
    expect(err.message).toMatch(/expected 1000 bytes \(its declared size\), got more/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("a member declaring more than maxBytes is refused before inflating; one inflating past it stops", async () => {
    const file = join(dir, "big.keras");
    writeFileSync(file, kerasZip(new Uint8Array(8 << 20)));
    await expectRefused(loadModel(file, { maxBytes: 1e6 }), [file, "over the limit of 1000000 (option maxBytes)"]);
  });

  it("a member whose CRC-32 differs from its header is refused", async () => {
    const file = join(dir, "crc.keras");
    writeFileSync(file, lie(real, "config.json", null, 0x12345678));
    const err = await expectRefused(loadModel(file), [file, "config.json"]);
    expect(err.message).toMatch(/expected CRC-32 12345678, got [0-9a-f]{8}/);
  });

  it("a truncated deflate stream is refused as a corrupt zip", async () => {
    const file = join(dir, "cut.keras");
    const z = kerasZip(deflateSync(new Uint8Array(1000)));
    writeFileSync(file, lie(z, "model.weights.h5", 5000));
    await expectRefused(loadModel(file), [file]);
  });
});

// ---- HTTP bodies without Content-Length --------------------------------------------------------

describe("HTTP bodies", () => {
  it("a body without Content-Length stops at maxBytes, chunk by chunk", async () => {
    let sent = 0;
    const srv = await serve(dir, (_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" }); // chunked, no length
      const chunk = new Uint8Array(1 << 16);
      const pump = () => {
        while (sent < 1.5e9 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
    });
    try {
      const url = `${srv.url}/endless.keras`;
      await expectRefused(loadModel(url, { maxBytes: 1e6 }), [url, "over the limit of 1000000 (option maxBytes)"]);
      expect(sent, "bytes the server got to send").toBeLessThan(64e6);
    } finally {
      await srv.close();
    }
  });

  it("a Content-Length over maxBytes is refused before reading the body", async () => {
    const srv = await serve(dir, (_req, res) => {
      res.writeHead(200, { "content-length": 5e6 });
      res.end(new Uint8Array(5e6));
    });
    try {
      const url = `${srv.url}/big.h5`;
      await expectRefused(loadModel(url, { maxBytes: 1e6 }), [url, "5000000 bytes, over the limit of 1000000"]);
    } finally {
      await srv.close();
    }
  });
});

// ---- HDF5: gzip chunks, link DAGs, many members (files written by h5py at test time) ----------

const hasH5py = (() => {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ["-c", "import h5py, numpy"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const SCRIPT = String.raw`
import sys, h5py, numpy as np
out = sys.argv[1]
def dense_vars(f, n):
    v = f.create_group("layers/dense/vars")
    v.create_dataset("0", data=np.full((n, n), 0.5, "f4"))
    v.create_dataset("1", data=np.full((n,), 0.25, "f4"))
    return f["layers/dense"]
with h5py.File(out + "/gzip.weights.h5", "w") as f:
    v = f.create_group("layers/dense/vars")
    v.create_dataset("0", data=np.zeros((2048, 2048), "f4"), chunks=(2048, 2048), compression="gzip", compression_opts=9)
    v.create_dataset("1", data=np.zeros((2048,), "f4"), compression="gzip")
with h5py.File(out + "/dag.weights.h5", "w") as f:
    d = dense_vars(f, 2)
    nodes = [f.create_group("pool/n%d" % i) for i in range(8)]
    for i in range(7):
        for k in range(12):
            nodes[i]["a%d" % k] = nodes[i + 1]
    d["dag"] = nodes[0]
with h5py.File(out + "/many.weights.h5", "w") as f:
    d = dense_vars(f, 2)
    x = f.create_dataset("pool/x", data=np.zeros((1,), "f4"))
    for i in range(30000):
        d["x%d" % i] = x
`;

describe.skipIf(!hasH5py)("HDF5", () => {
  beforeAll(() => {
    writeFileSync(join(dir, "make.py"), SCRIPT);
    execFileSync(PYTHON, [join(dir, "make.py"), dir], { stdio: "inherit", timeout: 120_000 });
  });

  it("gzip chunks inflate against maxBytes per file (16 MiB of chunk data, maxBytes 2e6)", async () => {
    const file = join(dir, "gzip.weights.h5");
    expect(readFileSync(file).length).toBeLessThan(2e6);
    const m = dense(2048);
    try {
      const t0 = Date.now();
      await expectRefused(loadWeights(m, file, { maxBytes: 2e6 }), [file, "over the limit (option maxBytes)"]);
      expect(Date.now() - t0).toBeLessThan(3000);
      await loadWeights(m, file); // the default limit (2^30) lets the same file load
      expect(m.getWeights()[0]!.data.every((x) => x === 0)).toBe(true);
    } finally {
      m.dispose();
    }
  });

  it("a DAG of hard links (12 per group, depth 8) is refused at once, not walked 12^7 times", async () => {
    const file = join(dir, "dag.weights.h5");
    const m = dense(2);
    try {
      const err = await expectRefused(loadWeights(m, file), [file], 5000);
      expect(err.message).toMatch(/expected a tree of weights, got \S+ linked from a second place/);
    } finally {
      m.dispose();
    }
  });

  it("30 000 extra members of a layer's group are looked up in linear time", async () => {
    const file = join(dir, "many.weights.h5");
    const m = dense(2);
    try {
      const t0 = Date.now();
      await loadWeights(m, file);
      expect(Date.now() - t0, "ms to load").toBeLessThan(10_000);
      expect([...m.getWeights()[0]!.data]).toEqual([0.5, 0.5, 0.5, 0.5]);
    } finally {
      m.dispose();
    }
  });
});
