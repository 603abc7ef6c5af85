// One batched run of streams with the same input shapes: their inputs written as rows of a plan's
// input buffers, their states gathered from their slots into each carried layer's forward scratch,
// every step run once, the outputs read back per stream and the final states scattered out.
//
// Shapes: n streams of [1, T, ...] each run as [rows, T, ...], rows = batchRows(n) >= n; a carried
// layer keeps its states in its scratch as [rows, stateStride] each (RecurrentLayer.stateScratch).
// The states move by one gather_rows / scatter_rows call per state over a list of the rows' slot
// addresses in wasm memory (assembly/layers/blocks.ts), not a copy per stream.
import { heapF32, kernels } from "../core/instance.js";
import { type Tensor, trustedTensor } from "../core/tensor.js";
import { sameShape } from "../core/validate.js";
import type { Buf } from "../layers/heap.js";
import type { Model } from "../model/model.js";
import type { Plan, PlanCache } from "../model/plan.js";
import type { CarriedPlan } from "./carried.js";

/** One stream's inputs: the tensor of a one-input model, else one per model input. */
export type StreamInput = Tensor | readonly Tensor[];

/** Stream input `x`'s tensor for model input `i`. */
const inputOf = (x: StreamInput, i: number): Tensor => (Array.isArray(x) ? x[i]! : (x as Tensor));

/** Rows a batch of n streams runs as: n up to 4, then powers of 2 and 1.5 x powers of 2 (few plans). */
export function batchRows(n: number): number {
  if (n <= 4) return n;
  const p = 2 ** Math.floor(Math.log2(n));
  return n === p ? p : n <= p * 1.5 ? p * 1.5 : p * 2;
}

/** Indices of streams grouped by their inputs' shapes and dtypes, in first-seen order. */
export function groupByShapes(inputs: readonly StreamInput[], count: number): number[][] {
  const list = (x: StreamInput): readonly Tensor[] => (Array.isArray(x) ? x : [x as Tensor]);
  const first = list(inputs[0]!);
  const same = (x: StreamInput) =>
    list(x).every((t, i) => t.dtype === first[i]!.dtype && sameShape(t.shape, first[i]!.shape));
  if (inputs.every(same)) return [Array.from({ length: count }, (_, i) => i)];
  const groups = new Map<string, number[]>();
  inputs.forEach((x, i) => {
    const key = list(x)
      .map((t) => `${t.dtype}:${t.shape.join("x")}`)
      .join(",");
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  return [...groups.values()];
}

export interface BatchRun {
  readonly model: Model;
  readonly plans: PlanCache;
  readonly carry: CarriedPlan;
  /** Byte address of each stream's slot, by its index in the call. */
  readonly slotAddrs: Int32Array;
  /** Byte address of the zero slot (padding rows read it). */
  readonly zeroSlot: number;
  /** Byte address of room for 2 * batchRows(streams) i32s in wasm memory (the kernels' address lists). */
  readonly lists: number;
  /**
   * Byte address where the final states wait, [streams, slotFloats] by index in the call, until
   * every group has run; 0: they go straight into the slots.
   */
  readonly staging: number;
  /** Each stream's outputs, by index in the call (filled in). */
  readonly results: (Tensor | Tensor[])[];
}

let i32view: Int32Array<ArrayBufferLike> = new Int32Array(0);
function heapI32(): Int32Array {
  const buffer = heapF32().buffer;
  if (i32view.buffer !== buffer) i32view = new Int32Array(buffer);
  return i32view;
}

/** Runs the streams `group` (indices into `inputs`; null: all `count`, in order) as one batch. */
export function runBatch(run: BatchRun, group: readonly number[] | null, inputs: readonly StreamInput[]): void {
  const n = group ? group.length : inputs.length;
  const rows = batchRows(n);
  const first = inputs[group ? group[0]! : 0]!;
  const shapes = run.model.inputs.map((_, i) => ({ shape: [rows, ...inputOf(first, i).shape.slice(1)] }));
  const carried = run.carry.carried;
  for (const c of carried) c.layer.streamed = true;
  try {
    const plan = run.plans.planFor(run.model, shapes);
    writeRows(plan.inputs, group, n, inputs, rows);
    const gather = run.lists;
    const scatter = fillLists(run, group, n, rows);
    const k = kernels();
    for (const c of carried) {
      const st = plan.steps[c.step]!;
      const P = c.layer.stateStride;
      const ptrs = c.layer.stateScratch(st.scratch, rows, st.inputs[0]!.shape[1]!);
      for (let s = 0; s < ptrs.length; s++) k.gather_rows(rows, P, gather, (c.offset + s * P) * 4, ptrs[s]!);
    }
    for (const s of plan.steps) s.layer.forward(s.inputs, s.outputs, s.scratch, s.masks);
    readRows(plan, group, n, run.model.singleOutput, run.results);
    for (const c of carried) {
      const st = plan.steps[c.step]!;
      const P = c.layer.stateStride;
      const ptrs = c.layer.stateScratch(st.scratch, rows, st.inputs[0]!.shape[1]!);
      for (let s = 0; s < ptrs.length; s++) k.scatter_rows(n, P, ptrs[s]!, scatter, (c.offset + s * P) * 4);
    }
  } finally {
    for (const c of carried) c.layer.streamed = false;
  }
}

/**
 * Writes the rows' slot addresses (the zero slot past n) at run.lists, and where their final
 * states go (the slots, or staging); returns the byte address of the second list.
 */
function fillLists(run: BatchRun, group: readonly number[] | null, n: number, rows: number): number {
  const i32 = heapI32();
  const base = run.lists >>> 2;
  const addrs = run.slotAddrs;
  if (group) for (let r = 0; r < n; r++) i32[base + r] = addrs[group[r]!]!;
  else i32.set(addrs.subarray(0, n), base);
  i32.fill(run.zeroSlot, base + n, base + rows);
  if (!run.staging) return run.lists;
  const slotBytes = run.carry.slotFloats * 4;
  for (let r = 0; r < n; r++) i32[base + rows + r] = run.staging + (group ? group[r]! : r) * slotBytes;
  return run.lists + rows * 4;
}

/** Each stream's inputs as rows of the plan's input buffers; padding rows zero. */
function writeRows(
  bufs: readonly Buf[],
  group: readonly number[] | null,
  n: number,
  inputs: readonly StreamInput[],
  rows: number,
): void {
  const f32 = heapF32();
  for (let i = 0; i < bufs.length; i++) {
    const b = bufs[i]!;
    const base = b.ptr >>> 2;
    let row = 0;
    for (let r = 0; r < n; r++) {
      const t = inputOf(inputs[group ? group[r]! : r]!, i);
      row = t.data.length;
      if (t.dtype === "int32") new Int32Array(f32.buffer, b.ptr + r * row * 4, row).set(t.data);
      else f32.set(t.data, base + r * row);
    }
    f32.fill(0, base + n * row, base + rows * row);
  }
}

/** Each stream's outputs: per output buffer one copy of its first n rows, a [1, ...] view of it per stream. */
function readRows(
  plan: Plan,
  group: readonly number[] | null,
  n: number,
  single: boolean,
  results: (Tensor | Tensor[])[],
): void {
  const f32 = heapF32();
  plan.outputs.forEach((b, o) => {
    const shape = Object.freeze([1, ...b.shape.slice(1)]);
    let row = 1;
    for (let d = 1; d < b.shape.length; d++) row *= b.shape[d]!;
    const buffer = f32.slice(b.ptr >>> 2, (b.ptr >>> 2) + n * row).buffer;
    for (let r = 0; r < n; r++) {
      // a view made from the buffer is cheaper than subarray (no species lookup)
      const t = trustedTensor(new Float32Array(buffer, r * row * 4, row), shape, "float32");
      const at = group ? group[r]! : r;
      if (single) results[at] = t;
      else if (o === 0) results[at] = [t];
      else (results[at] as Tensor[]).push(t);
    }
  });
}
