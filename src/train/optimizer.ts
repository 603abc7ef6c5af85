// The base of the Keras 3 optimizers (keras/src/optimizers/base_optimizer.py) over parameters that
// live in wasm memory. A parameter block is a byte pointer and a float count; its gradient is
// another block of the same length. The elementwise steps run in the wasm kernels of
// assembly/train/optimizers.ts; an optimizer keeps the hyperparameters, the step count and the slot
// buffers (momentum, velocity, ...), and computes the per-step scalars the way Keras does.
//
// One `apply` is one Keras `optimizer.apply(grads, vars)`:
//   1. gradient clipping (only one of clipnorm, clipvalue, globalClipnorm, as Keras):
//        clipnorm        g <- g * clipnorm / max(||g||, clipnorm), each block on its own
//        globalClipnorm  g <- g * clip * min(1/N, 1/clip), N the norm over all gradients
//        clipvalue       g <- clip(g, -clipvalue, clipvalue)
//      The clipped gradient goes to a scratch buffer: the caller's gradients are never written.
//   2. weight decay (weightDecay): w <- w - w * weightDecay * learningRate
//   3. the optimizer's update step; then iterations += 1.
// The learning rate is a number or a Keras learning-rate schedule (schedules.ts), evaluated at
// iterations (0 for the first step) in float32, as Keras, and used by 2 and 3. Everything is
// validated, and every slot is allocated, before the first weight is written: a call that throws
// changes nothing.
//
// Slots belong to a weight (layer, index), not to where its block is: see optimizer-slots.ts.
//
// Padding: a block may hold zero padding lanes with zero gradients (layers pack their weights);
// such a lane stays exactly 0, as does any weight whose gradient and state are zero. clipnorm
// treats each block as one Keras variable (zero padding does not change its norm).
import { arena } from "../core/arena.js";
import { describeValue, WasmRnnError } from "../core/errors.js";
import { type OptimizerKernels, trainKernels } from "../core/train-kernels.js";
import { core, heapF32 } from "../core/wasm.js";
import type { ParamBlock } from "../layers/heap.js";
import {
  baseOptions,
  checkLearningRate,
  type LearningRate,
  type OptimizerConfig,
  type OptimizerOptions,
} from "./optimizer-options.js";
import {
  blockOf,
  checkBlock,
  checkState,
  currentBlocks,
  keyOf,
  type SlotKey,
  SlotTable,
  type WeightRef,
} from "./optimizer-slots.js";
import { type ConfigValue, LearningRateSchedule } from "./schedules.js";

/** A parameter (or gradient) block in wasm memory: byte pointer and number of f32 values. */
export type { ParamBlock } from "../layers/heap.js";
export type { LearningRate, OptimizerConfig, OptimizerOptions } from "./optimizer-options.js";
export type { BlockOwner, WeightRef } from "./optimizer-slots.js";

/**
 * A gradient block. `squares` (optional, same length) holds per-element sums of squared gradient
 * pieces, which Adam, RMSprop and Adagrad use in place of g^2 (an Embedding's gradient, summed
 * per token occurrence as TensorFlow's sparse gradients are: see assembly/train/optimizers.ts). Ignored
 * when clipping is on.
 */
export interface GradBlock extends ParamBlock {
  squares?: number;
}

export const f32 = Math.fround;

/**
 * The base of every optimizer: validation, slot buffers (one set per weight, made on first use),
 * gradient clipping, weight decay and the step count.
 */
export abstract class Optimizer {
  /** Keras class name: "SGD", "Adam", "RMSprop", "Adagrad". */
  readonly className: string;
  readonly name: string;
  readonly weightDecay: number | null;
  readonly clipnorm: number | null;
  readonly clipvalue: number | null;
  readonly globalClipnorm: number | null;
  readonly emaMomentum: number;
  private lr: number;
  private schedule: LearningRateSchedule | null = null;
  private steps = 0;
  private slots = new SlotTable();
  private scratch = { ptr: 0, floats: 0 };

  protected constructor(className: string, options: OptimizerOptions, known: readonly string[], defaultLr: number) {
    this.className = className;
    const o = baseOptions(className, options, known);
    this.lr = typeof o.learningRate === "number" ? o.learningRate : defaultLr;
    this.schedule = o.learningRate instanceof LearningRateSchedule ? o.learningRate : null;
    this.weightDecay = o.weightDecay;
    this.clipnorm = o.clipnorm;
    this.clipvalue = o.clipvalue;
    this.globalClipnorm = o.globalClipnorm;
    this.emaMomentum = o.emaMomentum;
    this.name = o.name;
  }

  /** `Adam 'adam'`: how errors name this optimizer. */
  get who(): string {
    return `${this.className} '${this.name}'`;
  }

  private setLr(who: string, v: unknown): void {
    const lr = checkLearningRate(who, v);
    if (typeof lr === "number") {
      this.lr = lr;
      this.schedule = null;
    } else {
      this.schedule = lr;
    }
  }

  /**
   * The learning rate the next step uses (Keras `optimizer.learning_rate`): the number, or the
   * schedule's float32 value at `iterations`. Settable between steps to a number (which replaces
   * a schedule; Keras refuses that) or to a schedule.
   */
  get learningRate(): number {
    return this.schedule ? this.schedule.value(this.steps) : this.lr;
  }

  set learningRate(v: LearningRate) {
    this.setLr(this.who, v);
  }

  /** The learning-rate schedule, or null for a fixed learning rate. */
  get learningRateSchedule(): LearningRateSchedule | null {
    return this.schedule;
  }

  /** Steps applied so far (Keras `optimizer.iterations`). */
  get iterations(): number {
    return this.steps;
  }

  /** Names of the per-parameter slot buffers, in Keras's order ("momentum", "velocity", ...). */
  protected abstract slotNames(): readonly string[];

  /**
   * How Keras lays the slots out in `optimizer.variables` (after `iteration`, and `learning_rate`
   * unless a schedule drives it): one `add_optimizer_variables` call per group, each going through
   * the model's trainable variables and adding the group's slots for each one in turn (Adam:
   * [[momentum, velocity], [velocity_hat]], so m0 v0 m1 v1 ... then vhat0 vhat1 ...).
   */
  kerasSlotGroups(): string[][] {
    return this.slotNames().map((n) => [n]);
  }

  /** The slot names, in our order (each block's slot buffers follow it). */
  get slotList(): readonly string[] {
    return this.slotNames();
  }

  /** Whether steps were taken or state was installed (what a saved file should carry). */
  get hasState(): boolean {
    return this.steps > 0 || this.slots.size > 0;
  }

  /**
   * Installs saved state (Keras's `load_own_variables`): the step count and, for each weight (a
   * WeightRef, or a bare block named by its pointer), its slots in `slotList` order, each laid out
   * as the weight's block (packed, padding zero). Everything is checked and allocated before the
   * previous state is replaced, so a call that throws changes nothing.
   */
  setState(
    iterations: number,
    weights: readonly (WeightRef | ParamBlock)[],
    slots: readonly (readonly Float32Array[])[],
  ): void {
    const who = this.who;
    if (!Number.isSafeInteger(iterations) || iterations < 0) {
      throw new WasmRnnError(`${who}: expected iterations to be an integer >= 0, got ${describeValue(iterations)}`);
    }
    const names = this.slotNames();
    if (slots.length !== weights.length) {
      throw new WasmRnnError(`${who}: expected slots for ${weights.length} parameter blocks, got ${slots.length}`);
    }
    const blocks = weights.map(blockOf);
    checkState(who, names, blocks, slots);
    const fresh = new SlotTable();
    try {
      blocks.forEach((b, i) => {
        const ptrs: number[] = [];
        fresh.set(keyOf(weights[i]!), { length: b.length, ptrs });
        for (const v of slots[i]!) {
          const ptr = arena.alloc(b.length * 4);
          ptrs.push(ptr);
          heapF32().set(v, ptr >> 2); // fresh view after alloc
        }
      });
    } catch (err) {
      fresh.free();
      throw err;
    }
    this.slots.free();
    this.slots = fresh;
    this.steps = iterations;
  }

  /**
   * The state of each weight (Keras's `save_own_variables`): its slots in `slotList` order, as
   * copies laid out as its block. A weight without slots yet gets their initial values.
   */
  getState(weights: readonly (WeightRef | ParamBlock)[]): Float32Array[][] {
    const f32 = heapF32();
    return weights.map((w) => {
      const b = blockOf(w);
      const s = this.slots.get(keyOf(w));
      if (s && s.length !== b.length) {
        throw new WasmRnnError(
          `${this.who}: expected parameter block ptr ${b.ptr} to have ${s.length} floats, as its optimizer state, got ${b.length}`,
        );
      }
      return this.slotNames().map((_, j) =>
        s
          ? f32.slice(s.ptrs[j]! >> 2, (s.ptrs[j]! >> 2) + b.length)
          : new Float32Array(b.length).fill(this.slotInit(j)),
      );
    });
  }

  /** The value a new slot starts at (0 except Adagrad's accumulator). */
  protected slotInit(_slot: number): number {
    return 0;
  }

  /** One update of one block: `g` is the (clipped) gradient, `slots` its slot pointers. */
  protected abstract update(
    k: OptimizerKernels,
    n: number,
    w: number,
    g: number,
    slots: readonly number[],
    lr: number,
    g2: number,
  ): void;

  /** Per-step scalars (Adam's bias correction), computed once per `apply` before any update. */
  protected prepare(_step: number, _lr: number): void {}

  /** The optimizer's own config entries, after the base ones. */
  protected abstract ownConfig(): OptimizerConfig;

  /**
   * Applies one step: `grads[i]` to `params[i]` (Keras `optimizer.apply(grads, vars)`). The
   * blocks must match in count and lengths. A bare block's slots are made on first use of its
   * pointer. An empty list does nothing (not even count a step), as Keras.
   */
  apply(params: readonly ParamBlock[], grads: readonly GradBlock[]): void {
    this.step(params, grads);
  }

  /**
   * As `apply`, for a model's weights: each weight's block is where its layer has it now, and its
   * slots stay with the weight when the layer's weights are set again.
   */
  applyToWeights(weights: readonly WeightRef[], grads: readonly GradBlock[]): void {
    this.step(weights, grads);
  }

  private step(weights: readonly (WeightRef | ParamBlock)[], grads: readonly GradBlock[]): void {
    const who = this.who;
    core(who);
    const k = trainKernels();
    if (typeof k.adam_update !== "function") {
      throw new WasmRnnError(
        `${who}: expected a wasm core with the optimizer kernels, got one without them (rebuild the core)`,
      );
    }
    if (!Array.isArray(weights) || !Array.isArray(grads)) {
      const kind = (v: unknown) => (Array.isArray(v) ? "an array" : typeof v);
      throw new WasmRnnError(
        `${who}.apply: expected two arrays of blocks (params, grads), got ${kind(weights)} and ${kind(grads)}`,
      );
    }
    if (weights.length !== grads.length) {
      throw new WasmRnnError(
        `${who}.apply: expected one gradient per parameter (${weights.length}), got ${grads.length} gradients`,
      );
    }
    if (weights.length === 0) return;
    const params = currentBlocks(weights);
    const keys: SlotKey[] = [];
    const bytes = k.memory.buffer.byteLength;
    const seen = new Set<number>();
    let maxLen = 0;
    for (let i = 0; i < params.length; i++) {
      const p = checkBlock(who, `parameter ${i}`, params[i], bytes);
      const g = checkBlock(who, `gradient ${i}`, grads[i], bytes);
      if (g.length !== p.length) {
        throw new WasmRnnError(
          `${who}.apply: expected gradient ${i} to have ${p.length} floats like its parameter, got ${g.length}`,
        );
      }
      if (seen.has(p.ptr)) {
        throw new WasmRnnError(`${who}.apply: expected each parameter once, got parameter ${i} (ptr ${p.ptr}) twice`);
      }
      seen.add(p.ptr);
      keys.push(keyOf(weights[i]!));
      const s = this.slots.get(keys[i]!);
      if (s && s.length !== p.length) {
        throw new WasmRnnError(
          `${who}.apply: expected parameter ${i} (ptr ${p.ptr}) to have ${s.length} floats, as when its optimizer state ` +
            `was made, got ${p.length} (dispose() the optimizer to start over)`,
        );
      }
      maxLen = Math.max(maxLen, p.length);
    }

    // allocate everything before any write
    const clipping = this.clipnorm !== null || this.clipvalue !== null || this.globalClipnorm !== null;
    if (clipping && this.scratch.floats < maxLen) {
      if (this.scratch.ptr) arena.free(this.scratch.ptr);
      this.scratch = { ptr: 0, floats: 0 };
      this.scratch = { ptr: arena.alloc(maxLen * 4), floats: maxLen };
    }
    const names = this.slotNames();
    const slotsOf = params.map((p, i) => {
      const have = this.slots.get(keys[i]!);
      if (have) return have;
      const ptrs: number[] = [];
      for (let s = 0; s < names.length; s++) {
        const ptr = arena.alloc(p.length * 4);
        heapF32().fill(this.slotInit(s), ptr >> 2, (ptr >> 2) + p.length); // fresh view after alloc
        ptrs.push(ptr);
      }
      const made = { length: p.length, ptrs };
      this.slots.set(keys[i]!, made);
      return made;
    });

    // clipping factors, from the gradients as given
    let globalScale = 1;
    if (this.globalClipnorm !== null) {
      let total = 0;
      for (const g of grads) total += k.sum_squares(g.length, g.ptr);
      const norm = f32(Math.sqrt(total));
      const clip = f32(this.globalClipnorm);
      // Keras: clip * min(1 / norm, 1 / clip) + (norm - norm), NaN for a non-finite norm
      globalScale = f32(f32(clip * Math.min(f32(1 / norm), f32(1 / clip))) + (norm - norm));
    }
    // Keras: the schedule at iterations (before this step), a float32 shared by weight decay and update
    const lr = f32(this.learningRate);
    this.prepare(this.steps + 1, lr);
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      let g = grads[i]!.ptr;
      if (clipping) {
        let mul = 1,
          div = 1,
          clip = Infinity;
        if (this.clipnorm !== null) {
          mul = this.clipnorm;
          div = Math.max(f32(Math.sqrt(k.sum_squares(p.length, g))), f32(this.clipnorm));
        } else if (this.globalClipnorm !== null) {
          mul = globalScale;
        } else {
          clip = this.clipvalue!;
        }
        k.clip_gradients(p.length, g, this.scratch.ptr, mul, div, clip);
        g = this.scratch.ptr;
      }
      if (this.weightDecay !== null) k.decay_weights(p.length, p.ptr, this.weightDecay, lr);
      this.update(k, p.length, p.ptr, g, slotsOf[i]!.ptrs, lr, clipping ? 0 : (grads[i]!.squares ?? 0));
    }
    this.steps++;
  }

  /** Frees the slot buffers; the optimizer can be used again and starts afresh (iterations 0). */
  dispose(): void {
    this.slots.free();
    if (this.scratch.ptr) arena.free(this.scratch.ptr);
    this.scratch = { ptr: 0, floats: 0 };
    this.steps = 0;
  }

  /**
   * Keras's `get_config()`: snake_case keys in Keras's order. learning_rate is the float32 value
   * the steps use (Keras keeps it in a float32 variable and reports that), or the schedule as
   * Keras serializes it (`{ module, class_name, config, registered_name }`).
   */
  getConfig(): OptimizerConfig {
    return {
      name: this.name,
      learning_rate: this.schedule ? (this.schedule.serialize() as unknown as ConfigValue) : f32(this.lr),
      weight_decay: this.weightDecay,
      clipnorm: this.clipnorm,
      global_clipnorm: this.globalClipnorm,
      clipvalue: this.clipvalue,
      use_ema: false,
      ema_momentum: this.emaMomentum,
      ema_overwrite_frequency: null,
      loss_scale_factor: null,
      gradient_accumulation_steps: null,
      ...this.ownConfig(),
    };
  }
}
