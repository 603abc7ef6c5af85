// Plans: for one set of input shapes, every intermediate tensor, mask and layer scratch of a graph
// gets a fixed place in wasm memory, so repeated calls with the same shapes allocate nothing.
// A model caches a few of them (PlanCache); training builds its own (buildPlan).
import { arena } from "../core/arena.js";
import { sameShape } from "../core/validate.js";
import { type Buf, maskBytes, sizeOf } from "../layers/heap.js";
import type { Node, Step, SymbolicTensor } from "../layers/layer.js";

/** What a plan is chosen by: a tensor, or just a shape. */
export interface Shaped {
  readonly shape: readonly number[];
}

/** Buffers for one set of input shapes: model inputs, outputs, every step; `ptrs` to free. */
export interface Plan {
  inputs: Buf[];
  outputs: Buf[];
  steps: Step[];
  ptrs: number[];
}

/** What a plan is built from: the model's inputs and outputs and its layer calls in execution order. */
export interface PlanGraph {
  readonly inputs: readonly SymbolicTensor[];
  readonly outputs: readonly SymbolicTensor[];
  readonly nodes: readonly Node[];
}

/** Whether a plan's input buffers have these tensors' shapes. */
export function planFits(plan: Plan, tensors: readonly Shaped[]): boolean {
  for (let i = 0; i < plan.inputs.length; i++) if (!sameShape(plan.inputs[i]!.shape, tensors[i]!.shape)) return false;
  return true;
}

/**
 * Allocates the buffers of a plan for these input shapes (not cached: the caller frees
 * `plan.ptrs`). Each layer checks its inputs and gives its output shapes, masks and scratch size.
 */
export function buildPlan(graph: PlanGraph, inputShapes: number[][]): Plan {
  const ptrs: number[] = [];
  try {
    const bufs = new Map<number, Buf>();
    const alloc = (shape: number[], dtype: "float32" | "int32"): Buf => {
      const ptr = arena.alloc(sizeOf(shape) * 4);
      ptrs.push(ptr);
      return { ptr, shape, dtype };
    };
    const inputs = graph.inputs.map((t, i) => {
      const b = alloc(inputShapes[i]!, t.dtype);
      bufs.set(t.id, b);
      return b;
    });
    // u8 [B, T] masks by tensor id; a pass-through mask shares its producer's buffer
    const maskPtrs = new Map<number, number>();
    const steps: Step[] = graph.nodes.map((node) => {
      const ins = node.allInputs.map((t) => bufs.get(t.id)!);
      const data = node.inputs.map((t) => bufs.get(t.id)!.shape);
      const states = node.initialState.map((t) => bufs.get(t.id)!.shape);
      node.layer.checkInputs(data, states);
      const outShapes = node.layer.computeOutputShapes(data, states) as number[][];
      const outs = node.outputs.map((t, i) => {
        const b = alloc(Object.freeze(outShapes[i]!) as number[], "float32");
        bufs.set(t.id, b);
        return b;
      });
      const inMasks = node.inputs.map((t) => maskPtrs.get(t.id) ?? 0);
      const sources = node.layer.outputMasks(
        inMasks.map((m) => m !== 0),
        outs.length,
      );
      const outMasks = node.outputs.map((t, i) => {
        const src = sources[i] ?? null;
        let ptr = 0;
        if (src === "computed") {
          ptr = arena.alloc(maskBytes(outShapes[i]!));
          ptrs.push(ptr);
        } else if (src !== null) {
          ptr = inMasks[src.input]!;
        }
        if (ptr) maskPtrs.set(t.id, ptr);
        return ptr;
      });
      const scratchBytes = node.layer.scratchBytes([...data, ...states]);
      const scratch = scratchBytes > 0 ? arena.alloc(scratchBytes) : 0;
      if (scratch) ptrs.push(scratch);
      return {
        layer: node.layer,
        inputs: ins,
        outputs: outs,
        scratch,
        masks: { inputs: inMasks, outputs: outMasks },
      };
    });
    return { inputs, outputs: graph.outputs.map((t) => bufs.get(t.id)!), steps, ptrs };
  } catch (err) {
    for (const p of ptrs) arena.free(p);
    throw err;
  }
}

/** How many input-shape plans a model keeps before freeing the oldest. */
const MAX_PLANS = 8;

/** A model's predict plans by input shapes, oldest freed first; `last` is the one used last. */
export class PlanCache {
  private readonly plans = new Map<string, Plan>();
  last: Plan | null = null;

  constructor(private readonly maxPlans = MAX_PLANS) {}

  /** The plan for these tensors' shapes: the last one when it fits, else a cached or new one. */
  planFor(graph: PlanGraph, tensors: readonly Shaped[]): Plan {
    let plan = this.last;
    if (!plan || !planFits(plan, tensors)) {
      const key = tensors.map((t) => t.shape.join("x")).join(",");
      plan =
        this.plans.get(key) ??
        this.add(
          key,
          buildPlan(
            graph,
            tensors.map((t) => [...t.shape]),
          ),
        );
      this.last = plan;
    }
    return plan;
  }

  private add(key: string, plan: Plan): Plan {
    if (this.plans.size >= this.maxPlans) this.free(this.plans.keys().next().value!);
    this.plans.set(key, plan);
    return plan;
  }

  private free(key: string): void {
    const plan = this.plans.get(key);
    if (!plan) return;
    for (const p of plan.ptrs) arena.free(p);
    this.plans.delete(key);
    if (this.last === plan) this.last = null;
  }

  /** Frees every cached plan's wasm memory. */
  release(): void {
    for (const key of [...this.plans.keys()]) this.free(key);
  }
}
