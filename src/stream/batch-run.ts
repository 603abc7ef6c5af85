// One batched run of streams with the same input shapes: their inputs written as rows of a plan's
// input buffers, their states gathered from their slots into each carried layer's forward scratch,
// every step run once, the outputs read back per stream and the final states copied out.
//
// Shapes: n streams of [1, T, ...] each run as [rows, T, ...], rows = batchRows(n) >= n; a carried
// layer keeps its states in its scratch as [rows, stateStride] each (RecurrentLayer.stateScratch).
import { heapF32 } from "../core/instance.js";
import { type Tensor, trustedTensor } from "../core/tensor.js";
import { sameShape } from "../core/validate.js";
import type { Buf } from "../layers/heap.js";
import type { Model } from "../model/model.js";
import type { Plan, PlanCache } from "../model/plan.js";
import type { Carried, CarriedPlan } from "./carried.js";

/** Rows a batch of n streams runs as: n up to 4, then powers of 2 and 1.5 x powers of 2 (few plans). */
export function batchRows(n: number): number {
  if (n <= 4) return n;
  const p = 2 ** Math.floor(Math.log2(n));
  return n === p ? p : n <= p * 1.5 ? p * 1.5 : p * 2;
}

/** Indices of streams grouped by their inputs' shapes and dtypes, in first-seen order. */
export function groupByShapes(inputs: readonly Tensor[][]): number[][] {
  const first = inputs[0]!;
  if (inputs.every((ts) => ts.every((t, i) => t.dtype === first[i]!.dtype && sameShape(t.shape, first[i]!.shape)))) {
    return [inputs.map((_ts, i) => i)];
  }
  const groups = new Map<string, number[]>();
  inputs.forEach((ts, i) => {
    const key = ts.map((t) => `${t.dtype}:${t.shape.join("x")}`).join(",");
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
  /** Float index in wasm memory of the slot of the stream in row r (the zero slot past n). */
  slotAt(r: number): number;
  /** Float index in wasm memory where the final states of the stream in row r go (a slot's layout). */
  stageAt(r: number): number;
}

/** Runs the streams `group` (indices into `inputs`) as one batch; returns per output one [1, ...] tensor per stream. */
export function runBatch(run: BatchRun, group: readonly number[], inputs: readonly Tensor[][]): Tensor[][] {
  const n = group.length;
  const rows = batchRows(n);
  const shapes = inputs[group[0]!]!.map((t) => ({ shape: [rows, ...t.shape.slice(1)] }));
  const carried = run.carry.carried;
  for (const c of carried) c.layer.streamed = true;
  try {
    const plan = run.plans.planFor(run.model, shapes);
    writeRows(plan.inputs, group, inputs, rows);
    for (const c of carried)
      moveStates(plan, c, rows, (row, r) => heapF32().copyWithin(row, r, r + c.layer.stateStride), run.slotAt);
    for (const s of plan.steps) s.layer.forward(s.inputs, s.outputs, s.scratch, s.masks);
    const outs = plan.outputs.map((b) => readRows(b, n));
    const f32 = heapF32();
    for (const c of carried) {
      const P = c.layer.stateStride;
      moveStates(plan, c, n, (row, r) => f32.copyWithin(r, row, row + P), run.stageAt);
    }
    return outs;
  } finally {
    for (const c of carried) c.layer.streamed = false;
  }
}

/**
 * For each of layer c's states and each of `rows` rows: `move(rowIndex, otherIndex)` with the float
 * index of the row in the forward scratch and of the same state at `at(r)` in a slot's layout.
 */
function moveStates(
  plan: Plan,
  c: Carried,
  rows: number,
  move: (row: number, other: number) => void,
  at: (r: number) => number,
): void {
  const st = plan.steps[c.step]!;
  const P = c.layer.stateStride;
  const ptrs = c.layer.stateScratch(st.scratch, rows, st.inputs[0]!.shape[1]!);
  ptrs.forEach((ptr, s) => {
    for (let r = 0; r < rows; r++) move((ptr >>> 2) + r * P, at(r) + c.offset + s * P);
  });
}

/** Each stream's inputs as rows of the plan's input buffers; padding rows zero. */
function writeRows(bufs: readonly Buf[], group: readonly number[], inputs: readonly Tensor[][], rows: number): void {
  const f32 = heapF32();
  bufs.forEach((b, i) => {
    const row = inputs[group[0]!]![i]!.size;
    const base = b.ptr >>> 2;
    group.forEach((g, r) => {
      const t = inputs[g]![i]!;
      if (t.dtype === "int32") new Int32Array(f32.buffer, b.ptr + r * row * 4, row).set(t.data);
      else f32.set(t.data, base + r * row);
    });
    f32.fill(0, base + group.length * row, base + rows * row);
  });
}

/** The first n rows of an output buffer, one [1, ...] tensor each (views of one copy). */
function readRows(b: Buf, n: number): Tensor[] {
  const shape = Object.freeze([1, ...b.shape.slice(1)]);
  const row = shape.reduce((a, d) => a * d, 1);
  const data = heapF32().slice(b.ptr >>> 2, (b.ptr >>> 2) + n * row);
  const out: Tensor[] = [];
  for (let r = 0; r < n; r++) out.push(trustedTensor(data.subarray(r * row, (r + 1) * row), shape, "float32"));
  return out;
}
