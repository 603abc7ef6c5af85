// Keras files: legacy HDF5 (.h5 from Keras 1/2, tf.keras and Keras 3's legacy writer, full models
// or save_weights), Keras 3 `.keras` zips and Keras 3 `.weights.h5` (object-tree layout).
import { WasmRnnError } from "../core/errors.js";
import type { H5Dataset, H5Group } from "./hdf5.js";
import type { FileWeight, WeightGroup } from "./weights.js";
import { unzipMembers } from "./zip.js";

/** Keras's naming.to_snake_case: "SimpleRNN" -> "simple_rnn", "LSTM" -> "lstm". */
export function kerasSnake(name: string): string {
  let s = name.replace(/\W+/g, "");
  s = s.replace(/(.)([A-Z][a-z]+)/g, "$1_$2");
  s = s.replace(/([a-z])([A-Z])/g, "$1_$2");
  return s.toLowerCase();
}

export interface LegacyH5 {
  kerasVersion: string;
  modelConfig: string | null;
  groups: WeightGroup[] | null;
  /** The object-tree root (`layers/...`) of a Keras 3 weights file, when that is the layout. */
  objectTree: H5Group | null;
}

const toWeight = (d: H5Dataset, name: string): FileWeight => ({ name, shape: d.shape, read: () => d.read() });

/** Reads the structure of a Keras HDF5 file (no weight values are decoded yet). */
export function readKerasH5(root: H5Group, file: string): LegacyH5 {
  const modelConfig = root.str("model_config");
  const mw = root.get("model_weights");
  const weightsRoot = mw && mw.kind === "group" ? mw : root;
  const kerasVersion = root.str("keras_version") ?? weightsRoot.str("keras_version") ?? "";
  const layerNames = weightsRoot.strings("layer_names");
  if (!layerNames) {
    const layers = backslashTree(root).get("layers");
    if (layers && layers.kind === "group")
      return { kerasVersion: kerasVersion || "3", modelConfig, groups: null, objectTree: layers };
    throw new WasmRnnError(`${file}: not a Keras HDF5 file (no layer_names attribute and no layers/ group)`);
  }
  if (/^1\./.test(kerasVersion))
    throw new WasmRnnError(`${file}: Keras ${kerasVersion} files are not supported (Keras 2 or later)`);
  const groups = layerNames.map((ln): WeightGroup => {
    const g = weightsRoot.get(ln);
    if (!g || g.kind !== "group")
      throw new WasmRnnError(`${file}: layer_names lists '${ln}' but there is no such weight group`);
    const names = g.strings("weight_names") ?? [];
    const weights = names.map((wn) => {
      const d = g.get(wn);
      if (!d || d.kind !== "dataset")
        throw new WasmRnnError(`${file}: weight_names of '${ln}' lists '${wn}' but there is no such dataset`);
      return toWeight(d, wn);
    });
    return { layerName: ln, weights };
  });
  return { kerasVersion, modelConfig, groups, objectTree: null };
}

/**
 * Keras 2.13-2.15 on Windows joined object-tree paths with os.path.join (keras-team/keras#18528):
 * a weights file whose root holds groups named `layers\lstm\cell` (each with its `vars`) instead
 * of the tree `layers/lstm/cell`. This views such a root as the tree; any other file is returned as it is.
 */
export function backslashTree(root: H5Group): H5Group {
  const keys = root.keys();
  if (!keys.some((k) => k.includes("\\"))) return root;
  const split = keys.map((k) => k.split("\\"));
  const node = (prefix: readonly string[]): H5Group => {
    const joined = prefix.join("\\");
    const own = keys.includes(joined) ? root.get(joined) : null;
    const real = own && own.kind === "group" ? own : null;
    const deeper = (key: string) =>
      split.some((s) => s.length > prefix.length + 1 && prefix.every((p, i) => s[i] === p) && s[prefix.length] === key);
    const kids = () => {
      const out = new Set(real ? real.keys() : []);
      for (const s of split)
        if (s.length > prefix.length && prefix.every((p, i) => s[i] === p)) out.add(s[prefix.length]!);
      return [...out];
    };
    return {
      kind: "group",
      path: `/${prefix.join("/")}`,
      address: real ? real.address : null,
      keys: kids,
      get(key) {
        const path = [...prefix, key];
        if (deeper(key)) return node(path);
        const whole = path.join("\\");
        return (keys.includes(whole) ? root.get(whole) : null) ?? (real ? real.get(key) : null);
      },
      attr: (name) => real?.attr(name),
      strings: (name) => real?.strings(name) ?? null,
      str: (name) => real?.str(name) ?? null,
    };
  };
  return node([]);
}

// Sub-objects read before the others, in this order: RNN cells, Bidirectional halves, wrapped layers, and
// MultiHeadAttention's projections in its weights' order (Keras creates them so; alphabetical would not be)
const PREFERRED = [
  "cell",
  "cells",
  "forward_layer",
  "backward_layer",
  "layer",
  "query_dense",
  "key_dense",
  "value_dense",
  "output_dense",
];

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

/** Refuses an object reached a second time: Keras writes a tree, and a DAG of hard links would multiply the walk. */
function visitOnce(o: H5Group | H5Dataset, seen: Set<number>, file: string): void {
  if (o.address === null) return;
  if (seen.has(o.address))
    throw new WasmRnnError(`${file}: expected a tree of weights, got ${o.path} linked from a second place`);
  seen.add(o.address);
}

/** Datasets of one object-tree node in Keras creation order: own vars 0..n, then sub-objects. */
function collectVars(g: H5Group, file: string, depth: number, seen: Set<number>): FileWeight[] {
  if (depth > 8) throw new WasmRnnError(`${file}: weight tree at ${g.path} is nested too deeply`);
  visitOnce(g, seen, file);
  const out: FileWeight[] = [];
  const keys = g.keys();
  if (keys.includes("vars")) {
    const v = g.get("vars");
    if (v && v.kind === "group") {
      const vk = v
        .keys()
        .filter((k) => /^\d+$/.test(k))
        .sort((a, b) => Number(a) - Number(b));
      for (const k of vk) {
        const d = v.get(k);
        if (!d || d.kind !== "dataset") throw new WasmRnnError(`${file}: ${v.path}/${k} is not a dataset`);
        visitOnce(d, seen, file);
        out.push(toWeight(d, `${v.path.replace(/^\//, "")}/${k}`));
      }
    }
  }
  const subs = keys
    .filter((k) => k !== "vars")
    .sort((a, b) => {
      const ia = PREFERRED.indexOf(a),
        ib = PREFERRED.indexOf(b);
      if (ia >= 0 || ib >= 0) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
      return naturalCompare(a, b);
    });
  for (const k of subs) {
    const s = g.get(k);
    if (s && s.kind === "group") out.push(...collectVars(s, file, depth + 1, seen));
  }
  return out;
}

/** A layer of the file's model for weight matching; `children` for a nested model. */
export interface TreeLayer {
  name: string;
  className: string;
  children?: TreeLayer[];
}

/** The object-tree key of a class: Keras 3 saves every functional model as "Functional". */
const treeClass = (className: string) => (className === "Model" ? "Functional" : className);

/**
 * Keras 3 object-tree weights (`layers/<snake_case class>[_<n>]/...`), matched to layers given in
 * the model's layer order with their Keras class names. A nested model is its own tree
 * (`layers/sequential/layers/...`), matched to its own layers.
 */
export function objectTreeGroups(
  layersGroup: H5Group,
  file: string,
  layers: readonly TreeLayer[],
  depth = 0,
  seen = new Set<number>(),
): WeightGroup[] {
  const used = new Map<string, number>();
  const present = new Set(layersGroup.keys());
  const groups: WeightGroup[] = [];
  for (const l of layers) {
    const base = kerasSnake(treeClass(l.className));
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    const key = n === undefined ? base : `${base}_${n + 1}`;
    if (!present.has(key)) continue;
    const g = layersGroup.get(key);
    if (!g || g.kind !== "group") continue;
    if (l.children) {
      if (depth > 8) throw new WasmRnnError(`${file}: weight tree at ${g.path} is nested too deeply`);
      const inner = g.get("layers");
      if (inner && inner.kind === "group") groups.push(...objectTreeGroups(inner, file, l.children, depth + 1, seen));
      continue;
    }
    groups.push({ layerName: l.name, weights: collectVars(g, file, 0, seen) });
  }
  return groups;
}

// ---- .keras (zip) ------------------------------------------------------------------------------

/** fflate, loaded on first use (save-keras.ts takes it from here). */
export { fflate } from "./inflate.js";

export const isZip = (b: Uint8Array) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

export interface KerasZip {
  config: string;
  metadata: string | null;
  weights: Uint8Array;
}

/** Unzips the three members a .keras file needs, each bounded by maxBytes and checked (length, CRC). */
export async function readKerasZip(bytes: Uint8Array, file: string, maxBytes: number): Promise<KerasZip> {
  const wanted = new Set(["config.json", "metadata.json", "model.weights.h5"]);
  const members = await unzipMembers(bytes, file, wanted, maxBytes);
  const files: Record<string, Uint8Array> = Object.fromEntries(members);
  const dec = new TextDecoder("utf-8", { fatal: false });
  if (!files["config.json"]) {
    const names = Object.keys(files);
    throw new WasmRnnError(
      `${file}: a .keras file needs config.json${names.length ? `; found ${names.join(", ")}` : ""}`,
    );
  }
  if (!files["model.weights.h5"]) {
    throw new WasmRnnError(
      `${file}: a .keras file needs model.weights.h5 (other weight formats such as .npz or sharded weights are not supported)`,
    );
  }
  return {
    config: dec.decode(files["config.json"]),
    metadata: files["metadata.json"] ? dec.decode(files["metadata.json"]) : null,
    weights: files["model.weights.h5"],
  };
}
