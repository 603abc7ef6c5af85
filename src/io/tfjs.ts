// TensorFlow.js layers format: model.json (modelTopology + weightsManifest) and binary shards.
import { WasmRnnError } from "../core/errors.js";
import type { JsonObject, LoadContext } from "../layers/config.js";
import { fromFloat16Bits } from "../quant/float16.js";
import type { ShardBytes, ShardProvider, TfjsModelJson } from "./types.js";
import type { FileWeight, WeightGroup } from "./weights.js";

const isObj = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number } | undefined;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2, bool: 1 };

export function isTfjsModelJson(v: unknown): v is TfjsModelJson {
  return isObj(v) && v.modelTopology !== undefined;
}

/** Keras version the topology states, and whether "hard_sigmoid" means 0.2x+0.5 (always, in TF.js). */
export function tfjsVersion(json: TfjsModelJson): string {
  const t = json.modelTopology;
  if (isObj(t) && typeof t.keras_version === "string") return t.keras_version;
  return typeof json.generatedBy === "string" ? json.generatedBy : "unknown";
}

function parseManifest(json: TfjsModelJson, ctx: LoadContext): { paths: string[]; weights: ManifestEntry[] }[] {
  const m = json.weightsManifest;
  if (m === undefined || m === null) return [];
  if (!Array.isArray(m)) throw new WasmRnnError(`${ctx.file}: expected weightsManifest to be a list of groups`);
  let total = 0;
  return m.map((g, gi) => {
    if (
      !isObj(g) ||
      !Array.isArray(g.paths) ||
      !Array.isArray(g.weights) ||
      !g.paths.every((p) => typeof p === "string")
    ) {
      throw new WasmRnnError(`${ctx.file}: weightsManifest[${gi}]: expected {paths: [...], weights: [...]}`);
    }
    const weights = g.weights.map((w, wi): ManifestEntry => {
      const who = `${ctx.file}: weightsManifest[${gi}].weights[${wi}]`;
      if (!isObj(w) || typeof w.name !== "string" || !Array.isArray(w.shape) || typeof w.dtype !== "string") {
        throw new WasmRnnError(`${who}: expected {name, shape, dtype}`);
      }
      if (!w.shape.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0 && d <= ctx.maxParams)) {
        throw new WasmRnnError(
          `${who} ('${w.name}'): expected a shape of non-negative integers, got ${JSON.stringify(w.shape)}`,
        );
      }
      const shape = w.shape as number[];
      const n = shape.reduce((a, b) => a * b, 1);
      total += n;
      if (total > ctx.maxParams) {
        throw new WasmRnnError(
          `${who} ('${w.name}'): the manifest declares more than ${ctx.maxParams} weight values (option maxParams)`,
        );
      }
      let q: ManifestEntry["quantization"];
      if (isObj(w.quantization)) {
        const qd = w.quantization.dtype;
        if (qd !== "uint8" && qd !== "uint16" && qd !== "float16")
          throw new WasmRnnError(`${who}: unsupported quantization dtype ${JSON.stringify(qd)}`);
        const min = w.quantization.min,
          scale = w.quantization.scale;
        if (qd !== "float16" && (typeof min !== "number" || typeof scale !== "number"))
          throw new WasmRnnError(`${who}: quantization needs numeric min and scale`);
        q = { dtype: qd, min: min as number, scale: scale as number };
      }
      if (!q && w.dtype !== "float32" && w.dtype !== "int32")
        throw new WasmRnnError(`${who} ('${w.name}'): unsupported dtype ${JSON.stringify(w.dtype)}`);
      return { name: w.name, shape, dtype: w.dtype, quantization: q };
    });
    return { paths: g.paths as string[], weights };
  });
}

function decode(bytes: Uint8Array, off: number, w: ManifestEntry): Float32Array {
  const n = w.shape.reduce((a, b) => a * b, 1);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + off);
  const out = new Float32Array(n);
  const q = w.quantization;
  if (!q) {
    if (w.dtype === "float32") for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
    else for (let i = 0; i < n; i++) out[i] = dv.getInt32(i * 4, true);
  } else if (q.dtype === "float16") for (let i = 0; i < n; i++) out[i] = fromFloat16Bits(dv.getUint16(i * 2, true));
  else if (q.dtype === "uint8") for (let i = 0; i < n; i++) out[i] = dv.getUint8(i) * q.scale! + q.min!;
  else for (let i = 0; i < n; i++) out[i] = dv.getUint16(i * 2, true) * q.scale! + q.min!;
  return out;
}

/**
 * Reads every manifest group (shards concatenated in `paths` order) and returns the weights grouped
 * by layer. `layerNames` tells which path token is the layer (`lstm/kernel`, `model/lstm/...`).
 */
export async function readTfjsWeights(
  json: TfjsModelJson,
  shards: ShardProvider | null,
  ctx: LoadContext,
  layerNames: string[],
  weightData?: ShardBytes,
): Promise<WeightGroup[]> {
  const groups = parseManifest(json, ctx);
  const all: FileWeight[] = [];
  const concat: Uint8Array | null = weightData
    ? weightData instanceof Uint8Array
      ? weightData
      : new Uint8Array(weightData)
    : null;
  let concatOff = 0;
  for (const g of groups) {
    const need = g.weights.reduce(
      (a, w) => a + w.shape.reduce((x, y) => x * y, 1) * BYTES[w.quantization?.dtype ?? w.dtype]!,
      0,
    );
    let bytes: Uint8Array;
    if (concat) {
      bytes = concat.subarray(concatOff, concatOff + need);
      concatOff += need;
    } else {
      if (!shards)
        throw new WasmRnnError(
          `${ctx.file}: the model has weight shards (${g.paths.join(", ")}) but no way to read them was given`,
        );
      const parts: Uint8Array[] = [];
      let len = 0;
      for (const p of g.paths) {
        let b: ShardBytes;
        try {
          b = await shards(p);
        } catch (err) {
          if (err instanceof WasmRnnError) throw err;
          throw new WasmRnnError(
            `${ctx.file}: could not read weight shard '${p}': ${String((err as Error)?.message ?? err)}`,
          );
        }
        if (!(b instanceof Uint8Array) && !(b instanceof ArrayBuffer))
          throw new WasmRnnError(`${ctx.file}: weight shard '${p}': expected bytes, got ${typeof b}`);
        const u = b instanceof Uint8Array ? b : new Uint8Array(b);
        parts.push(u);
        len += u.byteLength;
        if (len > need + 16 * 1024 * 1024) break;
      }
      bytes = parts.length === 1 ? parts[0]! : new Uint8Array(len);
      if (parts.length > 1) {
        let o = 0;
        for (const p of parts) {
          bytes.set(p, o);
          o += p.byteLength;
        }
      }
    }
    if (bytes.byteLength < need) {
      throw new WasmRnnError(
        `${ctx.file}: weight group (${g.paths.join(", ")}) should hold ${need} bytes, got ${bytes.byteLength} (truncated shard?)`,
      );
    }
    let off = 0;
    for (const w of g.weights) {
      const start = off;
      const data = bytes;
      all.push({ name: w.name, shape: w.shape, read: () => decode(data, start, w) });
      off += w.shape.reduce((x, y) => x * y, 1) * BYTES[w.quantization?.dtype ?? w.dtype]!;
    }
  }
  return groupByLayer(all, layerNames);
}

/** Groups weight names by the path token that names a model layer (first match from the left). */
export function groupByLayer(all: FileWeight[], layerNames: string[]): WeightGroup[] {
  const known = new Set(layerNames);
  const groups = new Map<string, WeightGroup>();
  for (const w of all) {
    const parts = w.name.split("/");
    const layerName = parts.slice(0, -1).find((p) => known.has(p)) ?? parts[0]!;
    let g = groups.get(layerName);
    if (!g) groups.set(layerName, (g = { layerName, weights: [] }));
    g.weights.push(w);
  }
  return [...groups.values()];
}
