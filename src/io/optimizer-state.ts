// Optimizer state in Keras 3 files. `optimizer/vars` of model.weights.h5 holds Keras's
// `optimizer.variables` as datasets "0", "1", ...: iteration (an int64 scalar), learning_rate (a
// float32 scalar; absent when a schedule drives it), then the slots, added group by group as the
// optimizer's build() calls `add_optimizer_variables` (Optimizer.kerasSlotGroups), each group going
// through the model's trainable variables and adding its slots for each in turn. The trainable
// variables are Keras's `model.trainable_variables`: the layers in order, each layer's weights in
// weightSpecs order (a Bidirectional's forward layer, then its backward one), frozen ones left out
// (src/layers/trainable.ts). A slot has its variable's Keras shape; the layer's own packing code
// (Layer.packParams / unpackParams) turns it into our packed layout, padding included, and back
// (a frozen weight's slots, which Keras does not have, are zeros there and dropped).
import { fmtShape, WasmRnnError } from "../core/errors.js";
import { sameShape } from "../core/validate.js";
import { sizeOf } from "../layers/heap.js";
import type { Layer } from "../layers/layer.js";
import { trainableBlockFlags, trainableWeightFlags } from "../layers/trainable.js";
import type { Optimizer, WeightRef } from "../train/optimizer.js";
import type { H5Dataset, H5Group } from "./hdf5.js";

/** What this module reads of a model: its layers in order and its flag (a Model; no import of model.ts, which imports io). */
interface LayeredModel {
  readonly layers: readonly Layer[];
  readonly trainable: boolean;
}

/** Layers with trainable weights, in Keras's trainable-variable order (none when the model is frozen). */
const weightedLayers = (model: LayeredModel): Layer[] =>
  model.trainable ? model.layers.filter((l) => trainableWeightFlags(l).some((t) => t)) : [];

/** Where each Keras optimizer variable goes: the header (iteration, learning_rate), then the slots. */
function layout(model: LayeredModel, opt: Optimizer) {
  const layers = weightedLayers(model);
  const vars = layers.flatMap((layer) => {
    const flags = trainableWeightFlags(layer);
    return layer.trainableWeightSpecs().flatMap((spec, w) => (flags[w] ? [{ layer, w, spec }] : []));
  });
  const header = opt.learningRateSchedule ? ["iteration"] : ["iteration", "learning_rate"];
  const slots: { name: string; v: number }[] = [];
  for (const group of opt.kerasSlotGroups())
    for (let v = 0; v < vars.length; v++) for (const name of group) slots.push({ name, v });
  return { layers, vars, header, slots, count: header.length + slots.length };
}

function expectation(opt: Optimizer, l: ReturnType<typeof layout>): string {
  const groups = opt
    .kerasSlotGroups()
    .map((g) => g.join(" + "))
    .join(", then ");
  return `${l.count} variables (${l.header.join(", ")}${groups ? `, then ${groups} for each of the model's ${l.vars.length} weights` : ""})`;
}

/** A file's optimizer variables in Keras's order, each with how errors name it. */
export type SavedOptimizerVars = { label: string; dataset: H5Dataset }[];

/**
 * The optimizer variables of a `.keras` file's weights (`optimizer/vars/<i>`), in Keras's order,
 * or null when it has none. (Keras 3's legacy `.h5` writer also saves them, as
 * `optimizer_weights`, but Keras's own load of them restores only iteration and learning_rate and
 * its next fit fails, so there is no behaviour to match: those start afresh.)
 */
export function savedOptimizerVars(root: H5Group, file: string): SavedOptimizerVars | null {
  const bad = (msg: string) => new WasmRnnError(`${file}: ${msg}`);
  // mixed precision: Keras wraps the optimizer in a LossScaleOptimizer, whose own vars add its loss
  // scale to the inner optimizer's; the inner optimizer's store is the compile config's optimizer
  const outer = root.get("optimizer");
  const inner = outer?.kind === "group" ? outer.get("inner_optimizer") : null;
  const og = inner?.kind === "group" ? inner : outer;
  const at = inner?.kind === "group" ? "optimizer/inner_optimizer/vars" : "optimizer/vars";
  const vg = og?.kind === "group" ? og.get("vars") : null;
  if (!vg || vg.kind !== "group") return null;
  const keys = vg.keys();
  if (keys.length === 0) return null;
  const numeric = keys
    .filter((k) => /^\d+$/.test(k))
    .map(Number)
    .sort((a, b) => a - b);
  if (numeric.length !== keys.length || numeric.some((k, i) => k !== i)) {
    throw bad(
      `expected ${at} to hold datasets 0..${keys.length - 1}, got ${keys.slice(0, 12).join(", ")}${keys.length > 12 ? ", ..." : ""}`,
    );
  }
  return numeric.map((i) => {
    const d = vg.get(String(i));
    if (!d || d.kind !== "dataset") throw bad(`expected ${at}/${i} to be a dataset, got a group`);
    return { label: `${at}/${i}`, dataset: d };
  });
}

/**
 * Installs a file's optimizer variables (savedOptimizerVars) in `opt`, built from the same file's
 * compile settings, for `model`'s weights. A shape or value that does not fit throws a
 * WasmRnnError naming the file, the optimizer, the variable and what was expected, and leaves
 * `opt` unchanged. False when nothing was installed: the file holds no state yet, or another count
 * of variables (warned, as Keras's load_own_variables does, which then starts afresh).
 */
export function readOptimizerState(
  saved: SavedOptimizerVars,
  file: string,
  model: LayeredModel,
  opt: Optimizer,
): boolean {
  const who = `${file}: optimizer ${opt.className} '${opt.name}'`;
  const l = layout(model, opt);
  // only iteration (and learning_rate): saved before Keras built the optimizer (compiled, never
  // trained), which has no state yet
  if (saved.length === l.header.length && l.slots.length > 0) return false;
  if (saved.length !== l.count) {
    // Keras's load_own_variables warns and keeps its fresh optimizer (the model still loads)
    console.warn(
      `${who}: skipping the optimizer's variables: expected ${expectation(opt, l)}, the file has ${saved.length} ` +
        "optimizer variables; training starts with a fresh optimizer",
    );
    return false;
  }
  const dataset = (i: number, what: string, shape: readonly number[]): H5Dataset => {
    const { label, dataset: d } = saved[i]!;
    // Keras writes scalars with shape []; [1] is accepted for them too
    const ok = sameShape(d.shape, shape) || (shape.length === 0 && sameShape(d.shape, [1]));
    if (!ok)
      throw new WasmRnnError(
        `${who}: expected ${label} (${what}) of shape ${fmtShape(shape)}, got ${fmtShape(d.shape)}`,
      );
    return d;
  };
  const iterations = dataset(0, "iteration", []).readExact()[0]!;
  if (!Number.isSafeInteger(iterations) || iterations < 0) {
    throw new WasmRnnError(`${who}: expected ${saved[0]!.label} (iteration) to be an integer >= 0, got ${iterations}`);
  }
  let lr: number | null = null;
  if (l.header.length > 1) {
    lr = dataset(1, "learning_rate", []).read()[0]!;
    if (!Number.isFinite(lr) || lr < 0)
      throw new WasmRnnError(
        `${who}: expected ${saved[1]!.label} (learning_rate) to be a finite number >= 0, got ${lr}`,
      );
  }
  // values[v][slot name]: each slot of each Keras variable, in its Keras shape
  const values = l.vars.map(() => new Map<string, Float32Array>());
  l.slots.forEach(({ name, v }, k) => {
    const i = l.header.length + k;
    const { layer, spec } = l.vars[v]!;
    const what = `${name} of layer '${layer.name}' ${spec.name}`;
    const data = dataset(i, what, spec.shape).read();
    for (let j = 0; j < data.length; j++) {
      if (!Number.isFinite(data[j]))
        throw new WasmRnnError(
          `${who}: expected finite values in ${saved[i]!.label} (${what}), got ${data[j]} at flat index ${j}`,
        );
    }
    values[v]!.set(name, data);
  });
  // pack each layer's slots as its weights are packed, then give them to the optimizer per
  // weight (layer, block index), which keeps them whatever block the layer's weights live in later
  const weights: WeightRef[] = [];
  const slots: Float32Array[][] = [];
  let v0 = 0;
  for (const layer of l.layers) {
    const specs = layer.trainableWeightSpecs();
    const flags = trainableWeightFlags(layer);
    const trained = trainableBlockFlags(layer);
    const ofWeights = (name: string) => {
      let v = v0;
      return specs.map((spec, w) => (flags[w] ? values[v++]!.get(name)! : new Float32Array(sizeOf(spec.shape))));
    };
    const packed = opt.slotList.map((name) => layer.packParams(ofWeights(name)));
    layer.paramBlocks().forEach((_, index) => {
      if (!trained[index]) return;
      weights.push({ layer, index });
      slots.push(packed.map((p) => p[index]!));
    });
    v0 += flags.filter((t) => t).length;
  }
  opt.setState(iterations, weights, slots);
  if (lr !== null) opt.learningRate = lr;
  return true;
}

/** The minimal h5wasm group interface save-keras.ts writes through. */
export interface H5WriteGroup {
  create_group(name: string): H5WriteGroup;
  create_dataset(args: { name: string; data: Float32Array | BigInt64Array; shape: number[]; dtype: string }): unknown;
  create_attribute(name: string, data: string): void;
}

/** Writes `opt`'s state as Keras 3 saves an optimizer: `optimizer/vars/<i>` in Keras's order. */
export function writeOptimizerState(root: H5WriteGroup, model: LayeredModel, opt: Optimizer): void {
  const l = layout(model, opt);
  // every slot of every Keras variable, in its Keras shape
  const values = l.vars.map(() => new Map<string, Float32Array>());
  let v0 = 0;
  for (const layer of l.layers) {
    const flags = trainableWeightFlags(layer);
    const state = opt.getState(layer.paramBlocks().map((_, index) => ({ layer, index })));
    opt.slotList.forEach((name, s) => {
      const unpacked = layer.unpackParams(state.map((blockSlots) => blockSlots[s]!));
      let v = v0;
      unpacked.forEach((data, w) => flags[w] && values[v++]!.set(name, data));
    });
    v0 += flags.filter((t) => t).length;
  }
  const vars = root.create_group("optimizer").create_group("vars");
  vars.create_attribute("name", opt.name);
  vars.create_dataset({ name: "0", data: new BigInt64Array([BigInt(opt.iterations)]), shape: [], dtype: "<q" });
  if (l.header.length > 1)
    vars.create_dataset({ name: "1", data: new Float32Array([opt.learningRate]), shape: [], dtype: "<f" });
  l.slots.forEach(({ name, v }, k) => {
    vars.create_dataset({
      name: String(l.header.length + k),
      data: values[v]!.get(name)!,
      shape: [...l.vars[v]!.spec.shape],
      dtype: "<f",
    });
  });
}
