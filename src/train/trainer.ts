// Training a Model (Keras `compile` / `fit` / `train_on_batch` / `evaluate`): forward with traces,
// the loss and its gradient, backward through the plan's steps in reverse, one optimizer step.
//
// Memory: the trainer keeps its own plans (one per batch shape: full batches and a last, partial
// one), each with a gradient buffer per intermediate tensor, a trace per recurrent step and
// backward scratch, plus one gradient block per packed weight block. A batch allocates nothing.
import { arena } from "../core/arena.js";
import { fmtShape, WasmRnnError } from "../core/errors.js";
import { nextSeed, Rng } from "../core/random.js";
import { Tensor, type TensorLike, tensor } from "../core/tensor.js";
import { trainKernels } from "../core/train-kernels.js";
import { heapF32 } from "../core/wasm.js";
import { Activation } from "../layers/activation.js";
import { type Backward, type BackwardCall, backwardFor } from "../layers/backward.js";
import { Dense } from "../layers/dense.js";
import { type Buf, type ParamBlock, sizeOf, writeBufs } from "../layers/heap.js";
import type { Layer } from "../layers/layer.js";
import { RecurrentLayer } from "../layers/recurrent.js";
import type { Model, Plan } from "../model/model.js";
import { getLoss, type Loss, type LossSpec, logitsLossFor } from "./losses.js";
import { getMetric, type Metric, metricDirection } from "./metrics.js";
import { type GradBlock, getOptimizer, type Optimizer, type OptimizerSpec } from "./optimizers.js";

export type { LossSpec } from "./losses.js";

export interface CompileArgs {
  optimizer: OptimizerSpec;
  /** One loss for every output, or one per output (in `outputs` order). */
  loss: LossSpec | LossSpec[];
  /**
   * Keras metrics: names ("accuracy", "mae", "mse", "binary_accuracy", "categorical_accuracy",
   * "sparse_categorical_accuracy") for every output, or one list per output (an array in
   * `outputs` order, or an object by output layer name).
   */
  metrics?: MetricsSpec;
  /**
   * Keras 3 `weighted_metrics`: the same forms as `metrics`, weighted by fit's / evaluate's
   * `sampleWeight` (or `classWeight`); `metrics` never see sample weights. A key that an unweighted
   * metric already has becomes "weighted_<name>" (as Keras names it).
   */
  weightedMetrics?: MetricsSpec;
}

export type MetricsSpec = string[] | (string | string[])[] | Record<string, string[]>;

/** One compiled metric: its output, the name as given, whether sample weights reach it, its History key. */
interface MetricEntry {
  output: number;
  spec: string;
  weighted: boolean;
  key: string;
}

/** Training or evaluation metrics: each kept over an epoch (fit) or a whole evaluate. */
export type MetricSet = "train" | "test";

/**
 * How one output's loss is computed. Keras on TensorFlow computes a crossentropy that follows a
 * softmax or sigmoid from that activation's input (the logits, `_keras_logits`), in the stable
 * form: then `logits` holds the pre-activation [M, units] and the gradient goes to `dPre`, which
 * the producing Dense/Activation adds below its activation (src/train/losses.ts, logitsLossFor).
 */
interface OutputLoss {
  loss: Loss;
  /** The plan step producing the output, and where its pre-activation is (0: no substitution). */
  step: number;
  logits: number;
  dPre: number;
  mask: number;
  /** f32 sample weights, one per per-sample value ([B] or [B, T]), and whether this batch has them. */
  weight: number;
  weightCount: number;
  weighted: boolean;
}

interface TrainPlan {
  plan: Plan;
  /** Gradient buffer of each intermediate tensor (by its forward buffer). */
  grads: Map<Buf, number>;
  gradBytes: { ptr: number; bytes: number }[];
  /** Per step: its backward, trace and scratch, and which recurrent layers write the trace where. */
  backwards: Backward[];
  traces: number[];
  tracers: { layer: RecurrentLayer; ptr: number }[][];
  /** Per step, the backward call (all pointers fixed by the plan). */
  calls: BackwardCall[];
  scratch: number[];
  targets: Buf[];
  outputs: OutputLoss[];
  ptrs: number[];
}

export class Trainer {
  readonly optimizer: Optimizer;
  readonly losses: Loss[];
  private readonly who: string;
  private readonly metricEntries: MetricEntry[];
  /** Each output's loss in the last batch (their sum is the batch's loss). */
  readonly outputLosses: number[] = [];
  /** Per set, one Metric per entry of metricEntries (made when the first batch shows the shapes). */
  private metrics: Record<MetricSet, Metric[]> | null = null;
  /** Seeds of training-time randomness (Dropout); `reseed` makes a run repeatable. */
  private rng = new Rng(nextSeed());
  private readonly plans = new Map<string, TrainPlan>();
  /** Trainable layers and the gradient blocks of their packed weights. */
  private readonly params: { layer: Layer; blocks: ParamBlock[]; grads: number[]; squares: number[] }[] = [];
  /** What the optimizer gets: every weight block and its gradient (rebuilt when blocks move). */
  private blocks: { params: ParamBlock[]; grads: GradBlock[] } = { params: [], grads: [] };

  constructor(
    private readonly model: Model,
    args: CompileArgs,
  ) {
    this.who = `Model '${model.name}'`;
    if (typeof args !== "object" || args === null || args.optimizer === undefined || args.loss === undefined) {
      throw new WasmRnnError(
        `${this.who}: compile: expected { optimizer, loss }, got ${args === null || typeof args !== "object" ? String(args) : `{ ${Object.keys(args).join(", ")} }`}`,
      );
    }
    const nOut = model.outputs.length;
    const specs = Array.isArray(args.loss) ? args.loss : new Array<LossSpec>(nOut).fill(args.loss);
    if (specs.length !== nOut) {
      throw new WasmRnnError(
        `${this.who}: compile: expected one loss or ${nOut} (one per output), got ${specs.length}`,
      );
    }
    this.losses = specs.map((s) => getLoss(s, this.who));
    this.metricEntries = metricKeys(
      this.model,
      this.metricSpecs(args.metrics, "metrics"),
      this.metricSpecs(args.weightedMetrics, "weightedMetrics"),
    );
    // names are checked now; shapes (which pick the accuracy) when the first batch comes
    for (const e of this.metricEntries) getMetric(e.spec, model.outputs[e.output]!.shape, 2, null, this.who);
    for (const node of model.nodes) backwardFor(node.layer, this.who); // refuse untrainable layers now
    this.optimizer = getOptimizer(args.optimizer);
  }

  reseed(seed: number): void {
    this.rng = new Rng(seed);
  }

  /**
   * One optimizer step on one batch; returns the batch's loss (Keras `train_on_batch`). `weights`:
   * per output, f32 sample weights [N, ...] (one per per-sample value) or null (fit.ts checks them).
   */
  trainOnBatch(
    xs: readonly Tensor[],
    ys: readonly Tensor[],
    rows?: readonly number[],
    weights?: readonly (Tensor | null)[] | null,
  ): number {
    const tp = this.planFor(xs, ys, rows, weights);
    const loss = this.forwardAndLoss(tp, true);
    this.updateMetrics(tp, "train");
    this.backward(tp);
    this.optimizer.apply(this.blocks.params, this.blocks.grads);
    return loss;
  }

  /** The loss on one batch without training (Keras `test_on_batch`). */
  testOnBatch(
    xs: readonly Tensor[],
    ys: readonly Tensor[],
    rows?: readonly number[],
    weights?: readonly (Tensor | null)[] | null,
  ): number {
    const tp = this.planFor(xs, ys, rows, weights);
    const loss = this.forwardAndLoss(tp, false);
    this.updateMetrics(tp, "test");
    return loss;
  }

  /** History keys of the metrics, in order (Keras: "<output layer>_<metric>" with several outputs). */
  metricNames(): string[] {
    return this.metricEntries.map((e) => e.key);
  }

  /** For each metric's History key: "up" when higher is better (the accuracies), else "down" (Keras `_direction`). */
  metricDirections(): Record<string, "up" | "down"> {
    return Object.fromEntries(this.metricEntries.map((e) => [e.key, metricDirection(e.spec)]));
  }

  /** With several outputs, Keras also reports each output's loss as "<output layer>_loss". */
  outputLossNames(): string[] {
    const outs = this.model.outputs;
    return outs.length > 1 ? outs.map((t) => `${t.sourceLayer.name}_loss`) : [];
  }

  resetMetrics(set: MetricSet): void {
    for (const m of this.metrics?.[set] ?? []) m.reset();
  }

  /** The metrics' values since their last reset, by History key. */
  metricResults(set: MetricSet): Record<string, number> {
    const out: Record<string, number> = {};
    const list = this.metrics?.[set];
    if (list)
      this.metricEntries.forEach((e, i) => {
        out[e.key] = list[i]!.result();
      });
    return out;
  }

  private updateMetrics(tp: TrainPlan, set: MetricSet): void {
    const list = this.metrics![set];
    this.metricEntries.forEach((e, k) => {
      const out = tp.plan.outputs[e.output]!,
        t = tp.targets[e.output]!,
        o = tp.outputs[e.output]!;
      const F = out.shape[out.shape.length - 1]!,
        M = sizeOf(out.shape) / F;
      list[k]!.update(
        out.ptr,
        M,
        F,
        t.ptr,
        t.dtype,
        sizeOf(t.shape) === M,
        o.mask,
        e.weighted && o.weighted ? o.weight : 0,
      );
    });
  }

  /** Metric specs per output, from compile's `metrics` or `weightedMetrics`. */
  private metricSpecs(spec: MetricsSpec | undefined, arg: string): string[][] {
    const outs = this.model.outputs;
    if (spec === undefined) return outs.map(() => []);
    if (Array.isArray(spec)) {
      if (spec.every((s) => typeof s === "string")) {
        if (outs.length === 1) return [spec as string[]];
        // Keras 3: with several outputs, a flat list holds one metric per output
        if (spec.length !== outs.length) {
          throw new WasmRnnError(
            `${this.who}: compile: expected ${arg} for ${outs.length} outputs as one name per output, a list per output or an object by output name, got a flat list of ${spec.length}`,
          );
        }
        return (spec as string[]).map((m) => [m]);
      }
      if (spec.length !== outs.length || !spec.every((s) => Array.isArray(s) || typeof s === "string")) {
        throw new WasmRnnError(
          `${this.who}: compile: expected ${arg} as a list of names, or ${outs.length} lists (one per output), got ${JSON.stringify(spec)}`,
        );
      }
      return (spec as (string | string[])[]).map((s) => (Array.isArray(s) ? s : [s]));
    }
    if (typeof spec !== "object" || spec === null)
      throw new WasmRnnError(`${this.who}: compile: expected ${arg} as a list of names, got ${JSON.stringify(spec)}`);
    const names = outs.map((t) => t.sourceLayer.name);
    for (const k of Object.keys(spec)) {
      if (!names.includes(k))
        throw new WasmRnnError(
          `${this.who}: compile: ${arg} for unknown output ${JSON.stringify(k)}; expected output layer names ${names.join(", ")}`,
        );
    }
    return names.map((n) => (spec as Record<string, string[]>)[n] ?? []);
  }

  /** Checks the count, row count and values of targets for `n` rows (shapes: the losses, per plan). */
  checkTargets(ys: readonly Tensor[], n: number): void {
    if (ys.length !== this.model.outputs.length) {
      throw new WasmRnnError(
        `${this.who}: expected ${this.model.outputs.length} target array(s), one per output, got ${ys.length}`,
      );
    }
    ys.forEach((y, i) => {
      if (y.shape[0] !== n) {
        throw new WasmRnnError(
          `${this.who}: expected targets for output ${i} with ${n} rows (as the inputs), got shape ${fmtShape(y.shape)}`,
        );
      }
      for (let j = 0; j < y.size; j++) {
        if (!Number.isFinite(y.data[j]))
          throw new WasmRnnError(
            `${this.who}: expected finite targets for output ${i}, got ${y.data[j]} at flat index ${j}`,
          );
      }
    });
  }

  private planFor(
    xs: readonly Tensor[],
    ys: readonly Tensor[],
    rows?: readonly number[],
    weights?: readonly (Tensor | null)[] | null,
  ): TrainPlan {
    const n = rows ? rows.length : xs[0]!.shape[0]!;
    const shapes = xs.map((x) => [n, ...x.shape.slice(1)]);
    const key = [...shapes.map((s) => s.join("x")), ...ys.map((y) => `${y.dtype}:${y.shape.slice(1).join("x")}`)].join(
      ",",
    );
    let tp = this.plans.get(key);
    if (!tp) {
      tp = this.makePlan(shapes, ys, n);
      this.plans.set(key, tp);
    }
    tp.plan.inputs.forEach((b, i) => writeRows(b, xs[i]!, rows));
    tp.targets.forEach((b, i) => writeRows(b, ys[i]!, rows));
    tp.outputs.forEach((o, i) => {
      const w = weights?.[i] ?? null;
      o.weighted = w !== null;
      if (!w) return;
      if ((w.size / w.shape[0]!) * n !== o.weightCount || w.dtype !== "float32") {
        throw new WasmRnnError(
          `${this.who}: expected float32 sample weights for output ${i} with ${o.weightCount / n} value(s) per row (the output's shape without its last axis), got ${w.dtype} ${fmtShape(w.shape)}`,
        );
      }
      writeRows({ ptr: o.weight, shape: [n, ...w.shape.slice(1)], dtype: "float32" }, w, rows);
    });
    return tp;
  }

  private makePlan(shapes: number[][], ys: readonly Tensor[], n: number): TrainPlan {
    for (const t of this.model.inputs) {
      const fixed = t.shape[0];
      if (fixed !== null && fixed !== n) {
        throw new WasmRnnError(
          `${this.who}: expected batches of ${fixed} rows (input '${t.sourceLayer.name}' has a fixed batch size, as a stateful ` +
            `model does), got a batch of ${n}; use batchSize: ${fixed} and a row count divisible by it`,
        );
      }
    }
    const plan = this.model.buildPlan(shapes);
    const ptrs = [...plan.ptrs];
    const alloc = (bytes: number) => {
      const p = arena.alloc(Math.max(bytes, 4));
      ptrs.push(p);
      return p;
    };
    try {
      const grads = new Map<Buf, number>();
      const gradBytes: { ptr: number; bytes: number }[] = [];
      for (const s of plan.steps) {
        for (const b of s.outputs) {
          const bytes = sizeOf(b.shape) * 4;
          const ptr = alloc(bytes);
          grads.set(b, ptr);
          gradBytes.push({ ptr, bytes });
        }
      }
      const backwards = plan.steps.map((s) => backwardFor(s.layer, this.who));
      const traces = plan.steps.map((s, i) => {
        const bytes = backwards[i]!.traceBytes(s);
        return bytes ? alloc(bytes) : 0;
      });
      const scratch = plan.steps.map((s, i) => {
        const bytes = backwards[i]!.scratchBytes(s);
        return bytes ? alloc(bytes) : 0;
      });
      const targets = plan.outputs.map((out, i) => {
        const y = ys[i]!;
        this.losses[i]!.checkTarget(out.shape, [n, ...y.shape.slice(1)], y.dtype, `${this.who} output ${i}`);
        const shape = [n, ...y.shape.slice(1)];
        // int targets of a non-sparse loss are written as floats (Keras casts them), so the loss
        // needs no conversion buffer per batch
        const dtype = this.losses[i]!.sparse ? y.dtype : "float32";
        return { ptr: alloc(sizeOf(shape) * 4), shape, dtype };
      });
      const tracers = plan.steps.map((s, i) => {
        if (!traces[i]) return [];
        const at =
          backwards[i]!.tracedLayers?.(s) ?? (s.layer instanceof RecurrentLayer ? [{ layer: s.layer, offset: 0 }] : []);
        return at.map(({ layer, offset }) => ({ layer, ptr: traces[i]! + offset }));
      });
      const outputs = plan.outputs.map((out, i) => this.outputLoss(plan, out, this.losses[i]!, alloc));
      if (!this.metrics) {
        const make = () =>
          this.metricEntries.map((e) =>
            getMetric(
              e.spec,
              plan.outputs[e.output]!.shape,
              ys[e.output]!.shape.length,
              ys[e.output]!.shape.at(-1) ?? null,
              this.who,
            ),
          );
        this.metrics = { train: make(), test: make() };
      }
      this.ensureParams();
      const byLayer = new Map(this.params.map((p) => [p.layer, p]));
      const calls = plan.steps.map(
        (step, i): BackwardCall => ({
          step,
          dOut: step.outputs.map((b) => grads.get(b) ?? 0),
          dIn: step.inputs.map((b) => grads.get(b) ?? 0),
          dParams: byLayer.get(step.layer)?.grads ?? [],
          dSquares: byLayer.get(step.layer)?.squares ?? [],
          scratch: scratch[i]!,
          trace: traces[i]!,
          dPre: outputs.find((o) => o.step === i && o.dPre)?.dPre ?? 0,
        }),
      );
      return { plan, grads, gradBytes, backwards, traces, tracers, calls, scratch, targets, outputs, ptrs };
    } catch (err) {
      for (const p of ptrs) arena.free(p);
      throw err;
    }
  }

  private outputLoss(plan: Plan, out: Buf, loss: Loss, alloc: (bytes: number) => number): OutputLoss {
    const step = plan.steps.findIndex((s) => s.outputs.includes(out));
    const s = plan.steps[step]!;
    const mask = s.masks.outputs[s.outputs.indexOf(out)] ?? 0;
    const layer = s.layer;
    const weightCount = sizeOf(out.shape) / out.shape[out.shape.length - 1]!;
    const weights = { weight: alloc(weightCount * 4), weightCount, weighted: false };
    const activation = layer instanceof Dense || layer instanceof Activation ? layer.activation : null;
    const logitsLoss = activation && !loss.fromLogits ? logitsLossFor(loss, activation) : null;
    if (!logitsLoss || s.outputs[0] !== out) return { loss, step, logits: 0, dPre: 0, mask, ...weights };
    const n = sizeOf(out.shape);
    return {
      loss: logitsLoss,
      step,
      logits: layer instanceof Dense ? alloc(n * 4) : s.inputs[0]!.ptr,
      dPre: alloc(n * 4),
      mask,
      ...weights,
    };
  }

  /** Gradient blocks for every trainable layer's weights (after the first plan has built them). */
  private ensureParams(): void {
    this.optimizer.followOwners();
    const seen = new Set(this.params.map((p) => p.layer));
    for (const node of this.model.nodes) {
      const layer = node.layer;
      if (seen.has(layer)) continue;
      seen.add(layer);
      const blocks = layer.paramBlocks();
      if (blocks.length === 0) continue;
      const grads = blocks.map((b) => arena.alloc(b.length * 4));
      const squares = backwardFor(layer, this.who).sparseSquares ? blocks.map((b) => arena.alloc(b.length * 4)) : [];
      this.params.push({ layer, blocks, grads, squares });
    }
    this.collectBlocks();
  }

  private collectBlocks(): void {
    this.blocks = {
      params: this.params.flatMap((p) => p.blocks),
      grads: this.params.flatMap((p) =>
        p.blocks.map((b, i) => ({ ptr: p.grads[i]!, length: b.length, squares: p.squares[i] })),
      ),
    };
  }

  private forwardAndLoss(tp: TrainPlan, keepTraces: boolean): number {
    const steps = tp.plan.steps;
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!;
      const tracers = keepTraces ? tp.tracers[i]! : [];
      for (const t of tracers) t.layer.trace = t.ptr;
      const own = keepTraces ? tp.backwards[i]!.trainingForward : undefined;
      try {
        if (own) own(s, tp.traces[i]!, (this.rng.next() * 4294967296) >>> 0);
        else s.layer.forward(s.inputs, s.outputs, s.scratch, s.masks);
      } finally {
        for (const t of tracers) t.layer.trace = 0;
      }
    }
    const f32 = heapF32();
    for (const g of tp.gradBytes) f32.fill(0, g.ptr >> 2, (g.ptr + g.bytes) >> 2);
    let total = 0;
    const perOutput = this.outputLosses;
    tp.plan.outputs.forEach((out, i) => {
      const t = tp.targets[i]!;
      const o = tp.outputs[i]!;
      if (!o.dPre) {
        total += perOutput[i] = o.loss.compute(
          out.ptr,
          out.shape,
          t.ptr,
          t.dtype,
          tp.grads.get(out)!,
          o.mask,
          o.weighted ? o.weight : 0,
        );
        return;
      }
      const s = steps[o.step]!;
      if (s.layer instanceof Dense) {
        // Dense keeps its pre-activation in its scratch, rows padded to paddedUnits
        const U = s.layer.units,
          M = sizeOf(out.shape) / U;
        f32.fill(0, o.logits >> 2, (o.logits >> 2) + M * U);
        trainKernels().add_blocks(M, U, s.scratch, s.layer.paddedUnits, o.logits, U);
      }
      total += perOutput[i] = o.loss.compute(
        o.logits,
        out.shape,
        t.ptr,
        t.dtype,
        o.dPre,
        o.mask,
        o.weighted ? o.weight : 0,
      );
    });
    return total;
  }

  private backward(tp: TrainPlan): void {
    const f32 = heapF32();
    const moves: [number, number][] = [];
    for (const p of this.params) {
      const now = p.layer.paramBlocks();
      now.forEach((b, i) => {
        if (b.ptr !== p.blocks[i]!.ptr) moves.push([p.blocks[i]!.ptr, b.ptr]);
      });
      p.blocks = now;
    }
    if (moves.length) {
      this.optimizer.moveSlots(moves);
      this.collectBlocks();
    }
    for (const p of this.params) {
      p.blocks.forEach((b, i) => {
        f32.fill(0, p.grads[i]! >> 2, (p.grads[i]! >> 2) + b.length);
        if (p.squares.length) f32.fill(0, p.squares[i]! >> 2, (p.squares[i]! >> 2) + b.length);
      });
    }
    for (let i = tp.calls.length - 1; i >= 0; i--) tp.backwards[i]!.run(tp.calls[i]!);
  }

  dispose(): void {
    for (const tp of this.plans.values()) for (const p of tp.ptrs) arena.free(p);
    this.plans.clear();
    for (const p of this.params) for (const g of [...p.grads, ...p.squares]) arena.free(g);
    this.params.length = 0;
    this.optimizer.dispose();
  }
}

/**
 * The History keys of compile's metrics, as Keras 3's CompileMetrics.result names them: the
 * unweighted metrics first (output by output), then the weighted ones; with several outputs each key
 * is prefixed "<output layer>_". A repeated unweighted key gets "_1", "_2", ...; a weighted metric
 * whose key is taken becomes "weighted_<name>" (then "weighted_<name>_1", ...).
 */
function metricKeys(model: Model, plain: string[][], weighted: string[][]): MetricEntry[] {
  const prefix = (i: number) => (model.outputs.length > 1 ? `${model.outputs[i]!.sourceLayer.name}_` : "");
  const seen = new Map<string, number>();
  const entries: MetricEntry[] = [];
  plain.forEach((list, output) =>
    list.forEach((spec) => {
      const name = prefix(output) + spec;
      const n = seen.get(name);
      seen.set(name, (n ?? 0) + 1);
      entries.push({ output, spec, weighted: false, key: n === undefined ? name : `${name}_${n}` });
    }),
  );
  weighted.forEach((list, output) =>
    list.forEach((spec) => {
      let key = prefix(output) + spec;
      if (!seen.has(key)) seen.set(key, 1);
      else {
        const name = `${prefix(output)}weighted_${spec}`;
        const n = seen.get(name);
        seen.set(name, (n ?? 0) + 1);
        key = n === undefined ? name : `${name}_${n}`;
      }
      entries.push({ output, spec, weighted: true, key });
    }),
  );
  return entries;
}

/** Copies rows `rows` of `t` (all rows when omitted) into a batch buffer, converting to its dtype. */
function writeRows(b: Buf, t: Tensor, rows?: readonly number[]): void {
  if (!rows && b.dtype === t.dtype) {
    writeBufs([b], [t]);
    return;
  }
  const f32 = heapF32();
  const view = b.dtype === "int32" ? new Int32Array(f32.buffer) : f32;
  if (!rows) {
    view.set(t.data, b.ptr >> 2);
    return;
  }
  const rowSize = t.size / t.shape[0]!;
  rows.forEach((r, i) => view.set(t.data.subarray(r * rowSize, (r + 1) * rowSize), (b.ptr >> 2) + i * rowSize));
}

/** Targets as tensors: nested arrays become float32 (or int32 when they are given as Int32Array). */
export function toTargets(y: TensorLike | TensorLike[], count: number, who: string): Tensor[] {
  const list =
    count === 1 && !(Array.isArray(y) && y.length === 1 && y[0] instanceof Tensor)
      ? [y as TensorLike]
      : (y as TensorLike[]);
  if (!Array.isArray(list) || list.length !== count) {
    throw new WasmRnnError(
      `${who}: expected ${count} target array(s), one per output, got ${Array.isArray(y) ? y.length : typeof y}`,
    );
  }
  return list.map((t) => (t instanceof Tensor ? t : tensor(t as never)));
}
