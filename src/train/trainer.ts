// Training a Model (Keras `compile` / `fit` / `train_on_batch` / `evaluate`): forward with traces,
// the loss and its gradient, backward through the plan's steps in reverse, one optimizer step.
//
// Memory: the trainer keeps its own plans (one per batch shape: full batches and a last, partial
// one), each with a gradient buffer per intermediate tensor, a trace per recurrent step and
// backward scratch, plus one gradient block per packed weight block. A batch allocates nothing.
import { arena } from "../core/arena.js";
import { fmtShape, WasmRnnError } from "../core/errors.js";
import { nextSeed, Rng } from "../core/random.js";
import type { Tensor } from "../core/tensor.js";
import { trainKernels } from "../core/train-kernels.js";
import { heapF32 } from "../core/wasm.js";
import { backwardFor } from "../layers/backward.js";
import { type Buf, sizeOf } from "../layers/heap.js";
import type { Layer } from "../layers/layer.js";
import { trainableBlockFlags } from "../layers/trainable.js";
import type { Model, Plan } from "../model/model.js";
import { statefulLayers } from "../model/predict.js";
import { type MetricEntry, type MetricSet, metricKeys, metricSpecs } from "./compile-metrics.js";
import { checkFiniteGradients, checkFiniteInputs, firstNonFinite } from "./finite-checks.js";
import { getLoss } from "./losses.js";
import { getMetric, type Metric, metricDirection } from "./metrics.js";
import type { GradBlock, Optimizer, WeightRef } from "./optimizer.js";
import { getOptimizer } from "./optimizers.js";
import { outputLosses } from "./output-losses.js";
import {
  buildTrainPlan,
  type LayerGrads,
  type OutputLoss,
  preActivation,
  type TrainPlan,
  writeRows,
} from "./train-plan.js";
import { checkTrainableUnchanged, trainableKey, warnNothingTrainable } from "./trainable-check.js";
import { collectedTrainers, releaseTrainerMemory, type TrainerMemory } from "./trainer-memory.js";
import type { CompileArgs, Loss } from "./types.js";

export type { MetricSet } from "./compile-metrics.js";
export type { CompileArgs, LossSpec, MetricsSpec } from "./types.js";

type LayerParams = { layer: Layer; lengths: number[]; grads: number[]; squares: number[]; trained: boolean[] };

export class Trainer {
  readonly optimizer: Optimizer;
  /** Per output: its loss, or null for an output without one (compile's null / missing entries). */
  readonly losses: (Loss | null)[];
  /** Per output: the weight of its loss in the total (Keras loss_weights). */
  readonly lossWeights: number[];
  private readonly who: string;
  private readonly metricEntries: MetricEntry[];
  /** Each lossy output's loss in the last batch, unweighted (the batch's loss sums them times their weights). */
  readonly outputLosses: number[] = [];
  /** Per set, one Metric per entry of metricEntries (made when the first batch shows the shapes). */
  private metrics: Record<MetricSet, Metric[]> | null = null;
  /** Seeds of training-time randomness (Dropout); `reseed` makes a run repeatable. */
  private rng = new Rng(nextSeed());
  private readonly plans = new Map<string, TrainPlan>();
  /** Layers with weights: gradient blocks of their packed weights (one per paramBlocks() entry), which are trained. */
  private readonly params: LayerParams[] = [];
  private trainableAtStart: string | null = null; // trainableKey at the first plan: a later change is refused
  /** What the optimizer gets: every trainable weight (layer, index) and its gradient. */
  private weights: { refs: WeightRef[]; grads: GradBlock[] } = { refs: [], grads: [] };

  constructor(
    private readonly model: Model,
    args: CompileArgs,
  ) {
    this.who = `Model '${model.name}'`;
    if (typeof args !== "object" || args === null || args.optimizer === undefined || args.loss === undefined) {
      throw new WasmRnnError(
        `${this.who}: compile: expected { optimizer, loss }, got ` +
          (args === null || typeof args !== "object" ? String(args) : `{ ${Object.keys(args).join(", ")} }`),
      );
    }
    const names = model.outputs.map((t) => t.sourceLayer.name);
    const { specs, weights } = outputLosses(`${this.who}`, names, args);
    this.losses = specs.map((s) => (s === null ? null : getLoss(s, this.who)));
    this.lossWeights = weights;
    this.metricEntries = metricKeys(
      names,
      metricSpecs(this.who, names, args.metrics, "metrics"),
      metricSpecs(this.who, names, args.weightedMetrics, "weightedMetrics"),
    );
    // names are checked now; shapes (which pick the accuracy) when the first batch comes
    for (const e of this.metricEntries) {
      if (!this.losses[e.output]) {
        throw new WasmRnnError(
          `${this.who}: compile: metric ${e.key} is for output ${e.output} ('${names[e.output]}'), which has no loss and so no targets`,
        );
      }
    }
    for (const e of this.metricEntries) getMetric(e.spec, model.outputs[e.output]!.shape, 2, null, this.who);
    for (const node of model.nodes) backwardFor(node.layer, this.who); // refuse untrainable layers now
    this.optimizer = getOptimizer(args.optimizer);
    const given = this.optimizer === (args.optimizer as unknown);
    this.memory = { plans: this.plans, params: this.params, ownOptimizer: given ? null : this.optimizer };
    collectedTrainers?.register(this, this.memory, this.memory);
  }

  private readonly memory: TrainerMemory;

  reseed(seed: number): void {
    this.rng = new Rng(seed);
  }

  /**
   * One optimizer step on one batch; returns the batch's loss (Keras `train_on_batch`). `weights`:
   * per output, f32 sample weights [N, ...] (one per per-sample value) or null (fit.ts checks them).
   */
  trainOnBatch(
    xs: readonly Tensor[],
    ys: readonly (Tensor | null)[],
    rows?: readonly number[],
    weights?: readonly (Tensor | null)[] | null,
  ): number {
    const tp = this.planFor(xs, ys, rows, weights);
    checkTrainableUnchanged(this.who, this.model, this.trainableAtStart);
    // a non-finite loss or gradient must change nothing: checked before the optimizer writes, the
    // metrics count the batch, or a stateful layer keeps the states this forward left
    const stateful = statefulLayers(this.model.layers);
    for (const l of stateful) l.keepStates("save");
    let loss: number;
    try {
      loss = this.forwardAndLoss(tp, true);
      if (Number.isFinite(loss)) {
        this.backward(tp);
        this.checkGradients();
      }
    } catch (err) {
      for (const l of stateful) l.keepStates("restore");
      throw err;
    }
    if (!Number.isFinite(loss)) {
      for (const l of stateful) l.keepStates("restore");
      return loss;
    }
    this.updateMetrics(tp, "train");
    this.optimizer.applyToWeights(this.weights.refs, this.weights.grads);
    // non-trainable weights the training forward updates (moving statistics), once the step is taken
    tp.backwards.forEach((b, i) => b.commit?.(tp.plan.steps[i]!, tp.traces[i]!));
    return loss;
  }

  /** Refuses a step whose gradients hold NaN or Infinity, naming the layer (weights and slots unchanged). */
  private checkGradients(): void {
    checkFiniteGradients(this.who, this.params);
  }

  /** Checks that float inputs are finite (as checkTargets does for targets), before any step. */
  checkInputs(xs: readonly Tensor[]): void {
    checkFiniteInputs(this.who, this.model, xs);
  }

  /** The loss on one batch without training (Keras `test_on_batch`). */
  testOnBatch(
    xs: readonly Tensor[],
    ys: readonly (Tensor | null)[],
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

  /** With several outputs that have a loss, Keras also reports each one's loss as "<output layer>_loss". */
  outputLossNames(): string[] {
    const lossy = this.model.outputs.filter((_, i) => this.losses[i]);
    return lossy.length > 1 ? lossy.map((t) => `${t.sourceLayer.name}_loss`) : [];
  }

  /** Which outputs take targets (those with a loss). */
  get hasLoss(): boolean[] {
    return this.losses.map((l) => l !== null);
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

  /** Checks the row count and values of targets for `n` rows (null: an output without a loss). */
  checkTargets(ys: readonly (Tensor | null)[], n: number): void {
    ys.forEach((y, i) => {
      if (!y) return;
      if (y.shape[0] !== n) {
        throw new WasmRnnError(
          `${this.who}: expected targets for output ${i} with ${n} rows (as the inputs), got shape ${fmtShape(y.shape)}`,
        );
      }
      const j = firstNonFinite(y.data);
      if (j >= 0) {
        throw new WasmRnnError(
          `${this.who}: expected finite targets for output ${i}, got ${y.data[j]} at flat index ${j}`,
        );
      }
    });
  }

  private planFor(
    xs: readonly Tensor[],
    ys: readonly (Tensor | null)[],
    rows?: readonly number[],
    weights?: readonly (Tensor | null)[] | null,
  ): TrainPlan {
    const n = rows ? rows.length : xs[0]!.shape[0]!;
    const shapes = xs.map((x) => [n, ...x.shape.slice(1)]);
    const key = [
      ...shapes.map((s) => s.join("x")),
      ...ys.map((y) => (y ? `${y.dtype}:${y.shape.slice(1).join("x")}` : "none")),
    ].join(",");
    let tp = this.plans.get(key);
    if (!tp) {
      tp = this.makePlan(shapes, ys, n);
      this.plans.set(key, tp);
    }
    tp.plan.inputs.forEach((b, i) => writeRows(b, xs[i]!, rows, this.who));
    tp.targets.forEach((b, i) => b && writeRows(b, ys[i]!, rows, this.who));
    tp.outputs.forEach((o, i) => {
      if (!o) return;
      const w = weights?.[i] ?? null;
      o.weighted = w !== null;
      if (!w) return;
      if ((w.size / w.shape[0]!) * n !== o.weightCount || w.dtype !== "float32") {
        throw new WasmRnnError(
          `${this.who}: expected float32 sample weights for output ${i} with ${o.weightCount / n} value(s) per row ` +
            `(the output's shape without its last axis), got ${w.dtype} ${fmtShape(w.shape)}`,
        );
      }
      writeRows({ ptr: o.weight, shape: [n, ...w.shape.slice(1)], dtype: "float32" }, w, rows, this.who);
    });
    return tp;
  }

  private makePlan(shapes: number[][], ys: readonly (Tensor | null)[], n: number): TrainPlan {
    for (const t of this.model.inputs) {
      const fixed = t.shape[0];
      if (fixed !== null && fixed !== n) {
        throw new WasmRnnError(
          `${this.who}: expected batches of ${fixed} rows (input '${t.sourceLayer.name}' has a fixed batch size, as a stateful ` +
            `model does), got a batch of ${n}; use batchSize: ${fixed} and a row count divisible by it`,
        );
      }
    }
    const byLayer = new Map<Layer, LayerGrads>();
    const prepare = (plan: Plan) => {
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
      for (const p of this.params) byLayer.set(p.layer, p);
    };
    return buildTrainPlan(this.model.buildPlan(shapes), ys, n, this.losses, this.who, prepare, (l) => byLayer.get(l));
  }

  /** Gradient blocks for every trainable layer's weights (after the first plan has built them). */
  private ensureParams(): void {
    this.trainableAtStart ??= trainableKey(this.model);
    const seen = new Set(this.params.map((p) => p.layer));
    for (const node of this.model.nodes) {
      const layer = node.layer;
      if (seen.has(layer)) continue;
      seen.add(layer);
      const lengths = layer.paramBlocks().map((b) => b.length);
      if (lengths.length === 0) continue;
      const grads = lengths.map((n) => arena.alloc(n * 4));
      const squares = backwardFor(layer, this.who).sparseSquares ? lengths.map((n) => arena.alloc(n * 4)) : [];
      // frozen weights still get gradient blocks (their backward writes them) but no update
      const trained = trainableBlockFlags(layer).map((t) => t && this.model.trainable);
      this.params.push({ layer, lengths, grads, squares, trained });
    }
    const blocks = this.params.flatMap((p) => p.lengths.map((length, index) => ({ p, length, index })));
    const kept = blocks.filter(({ p, index }) => p.trained[index]);
    this.weights = {
      refs: kept.map(({ p, index }) => ({ layer: p.layer, index })),
      grads: kept.map(({ p, length, index }) => ({ ptr: p.grads[index]!, length, squares: p.squares[index] })),
    };
    if (kept.length === 0) warnNothingTrainable(this.who, this);
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
    for (const g of tp.gradBytes) f32.fill(0, g.ptr >>> 2, (g.ptr + g.bytes) >>> 2);
    let total = 0;
    let k = 0;
    tp.plan.outputs.forEach((out, i) => {
      const o = tp.outputs[i];
      if (!o) return;
      const value = this.outputLoss(tp, out, tp.targets[i]!, o);
      this.outputLosses[k++] = value;
      total += this.lossWeights[i]! * value;
      if (this.lossWeights[i] !== 1) scaleFloats(o.dPre || tp.grads.get(out)!, sizeOf(out.shape), this.lossWeights[i]!);
    });
    return total;
  }

  /** One output's loss, its gradient written (to the output's gradient, or below its activation: dPre). */
  private outputLoss(tp: TrainPlan, out: Buf, t: Buf, o: OutputLoss): number {
    const weight = o.weighted ? o.weight : 0;
    if (!o.dPre) return o.loss.compute(out.ptr, out.shape, t.ptr, t.dtype, tp.grads.get(out)!, o.mask, weight);
    const s = tp.plan.steps[o.step]!;
    const pre = preActivation(s.layer);
    if (pre) {
      // Dense and the convolutions keep their pre-activation in their scratch, rows padded
      const M = sizeOf(out.shape) / pre.units;
      heapF32().fill(0, o.logits >>> 2, (o.logits >>> 2) + M * pre.units);
      trainKernels().add_blocks(M, pre.units, s.scratch, pre.padded, o.logits, pre.units);
    }
    return o.loss.compute(o.logits, out.shape, t.ptr, t.dtype, o.dPre, o.mask, weight);
  }

  private backward(tp: TrainPlan): void {
    const f32 = heapF32();
    for (const p of this.params) {
      p.lengths.forEach((n, i) => {
        f32.fill(0, p.grads[i]! >>> 2, (p.grads[i]! >>> 2) + n);
        if (p.squares.length) f32.fill(0, p.squares[i]! >>> 2, (p.squares[i]! >>> 2) + n);
      });
    }
    for (let i = tp.calls.length - 1; i >= 0; i--) tp.backwards[i]!.run(tp.calls[i]!);
  }

  dispose(): void {
    collectedTrainers?.unregister(this.memory);
    releaseTrainerMemory({ ...this.memory, ownOptimizer: this.optimizer });
  }
}

/** x *= k over n floats in place (a loss's gradient times its loss weight). */
function scaleFloats(ptr: number, n: number, k: number): void {
  const f32 = heapF32();
  const at = ptr >>> 2;
  for (let i = 0; i < n; i++) f32[at + i]! *= k;
}
