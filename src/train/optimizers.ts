// Keras 3 optimizers (keras/src/optimizers/{sgd,adam,rmsprop,adagrad,base_optimizer}.py) over
// parameters that live in wasm memory. A parameter block is a byte pointer and a float count; its
// gradient is another block of the same length. The elementwise steps run in the wasm kernels of
// assembly/optimizers.ts; this module keeps the hyperparameters, the step count and the slot
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
// Everything is validated, and every slot is allocated, before the first weight is written: a
// call that throws changes nothing.
//
// Padding: a block may hold zero padding lanes with zero gradients (layers pack their weights);
// such a lane stays exactly 0, as does any weight whose gradient and state are zero. clipnorm
// treats each block as one Keras variable (zero padding does not change its norm).
import { arena } from "../core/arena.js";
import { WasmRnnError } from "../core/errors.js";
import { core, heapF32 } from "../core/wasm.js";
import { trainKernels } from "./kernels.js";
import { checkOptions, toSnakeCase, uniqueName, type ParamBlock } from "../layers/layer.js";

/** A parameter (or gradient) block in wasm memory: byte pointer and number of f32 values. */
export type { ParamBlock } from "../layers/layer.js";

/**
 * A gradient block. `squares` (optional, same length) holds per-element sums of squared gradient
 * pieces, which Adam, RMSprop and Adagrad use in place of g^2 (an Embedding's gradient, summed
 * per token occurrence as TensorFlow's sparse gradients are: see assembly/optimizers.ts). Ignored
 * when clipping is on.
 */
export interface GradBlock extends ParamBlock {
  squares?: number;
}

/** The kernels of assembly/optimizers.ts, as exported by the wasm core (pointers are bytes). */
export interface OptimizerKernels {
  sgd_update(n: number, w: number, g: number, lr: number): void;
  sgd_momentum_update(n: number, w: number, g: number, velocity: number, lr: number, momentum: number, nesterov: number): void;
  adam_update(n: number, w: number, g: number, g2: number, m: number, v: number, vhat: number,
    alpha: number, oneMinusBeta1: number, oneMinusBeta2: number, epsilon: number): void;
  rmsprop_update(n: number, w: number, g: number, g2: number, velocity: number, momentumBuf: number, averageGrad: number,
    lr: number, rho: number, oneMinusRho: number, momentum: number, epsilon: number): void;
  adagrad_update(n: number, w: number, g: number, g2: number, accumulator: number, lr: number, epsilon: number): void;
  decay_weights(n: number, w: number, weightDecay: number, lr: number): void;
  sum_squares(n: number, g: number): number;
  clip_gradients(n: number, g: number, dst: number, mul: number, div: number, clip: number): void;
}

/** Options every optimizer takes (Keras's base optimizer arguments, in camelCase). */
export interface OptimizerOptions {
  learningRate?: number;
  /** Keras weight_decay: before each step, w -= w * weightDecay * learningRate. */
  weightDecay?: number | null;
  /** Clip each gradient block to this L2 norm. */
  clipnorm?: number | null;
  /** Clip each gradient value to [-clipvalue, clipvalue]. */
  clipvalue?: number | null;
  /** Clip all gradients together to this global L2 norm. */
  globalClipnorm?: number | null;
  name?: string;
  /** Accepted so that Keras configs load; only `false` (EMA is not supported). */
  useEma?: boolean;
  /** Accepted so that Keras configs load; unused without EMA. */
  emaMomentum?: number;
  /** Accepted so that Keras configs load; only null. */
  emaOverwriteFrequency?: null;
  /** Accepted so that Keras configs load; only null. */
  lossScaleFactor?: null;
  /** Accepted so that Keras configs load; only null. */
  gradientAccumulationSteps?: null;
}

export interface SGDOptions extends OptimizerOptions {
  /** Default 0.01. */
  learningRate?: number;
  /** In [0, 1]; default 0. */
  momentum?: number;
  /** Default false. */
  nesterov?: boolean;
}

export interface AdamOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: number;
  /** In [0, 1); default 0.9. */
  beta1?: number;
  /** In [0, 1); default 0.999. */
  beta2?: number;
  /** Above 0; default 1e-7. */
  epsilon?: number;
  /** Default false. */
  amsgrad?: boolean;
}

export interface RMSpropOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: number;
  /** In [0, 1]; default 0.9. */
  rho?: number;
  /** In [0, 1]; default 0. */
  momentum?: number;
  /** Above 0; default 1e-7. */
  epsilon?: number;
  /** Default false. */
  centered?: boolean;
}

export interface AdagradOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: number;
  /** At least 0; default 0.1. */
  initialAccumulatorValue?: number;
  /** Above 0; default 1e-7. */
  epsilon?: number;
}

/** A Keras-style config: snake_case keys, as Keras's `optimizer.get_config()`. */
export type OptimizerConfig = Record<string, string | number | boolean | null>;

const BASE_KEYS = [
  "learningRate", "weightDecay", "clipnorm", "clipvalue", "globalClipnorm", "name",
  "useEma", "emaMomentum", "emaOverwriteFrequency", "lossScaleFactor", "gradientAccumulationSteps",
] as const;

const f32 = Math.fround;

function describe(v: unknown): string {
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : String(v);
  if (v === undefined) return "undefined";
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A finite number in [lo, hi] (bounds open where `open` says). */
function checkNumber(who: string, option: string, v: unknown, fallback: number, lo: number, hi: number,
  open: { lo?: boolean; hi?: boolean } = {}): number {
  if (v === undefined) return fallback;
  const ok = typeof v === "number" && Number.isFinite(v) &&
    (open.lo ? v > lo : v >= lo) && (open.hi ? v < hi : v <= hi);
  if (!ok) {
    const range = hi === Infinity
      ? (open.lo ? `a finite number above ${lo}` : `a finite number >= ${lo}`)
      : `a number in ${open.lo ? "(" : "["}${lo}, ${hi}${open.hi ? ")" : "]"}`;
    throw new WasmRnnError(`${who}: expected ${option} to be ${range}, got ${describe(v)}`);
  }
  return v as number;
}

function checkFlag(who: string, option: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== "boolean") throw new WasmRnnError(`${who}: expected ${option} to be a boolean, got ${describe(v)}`);
  return v;
}

/** null/undefined (off) or a finite number above 0 (or >= 0 with `zeroOk`). */
function checkOptional(who: string, option: string, v: unknown, zeroOk = false): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !Number.isFinite(v) || (zeroOk ? v < 0 : v <= 0)) {
    throw new WasmRnnError(`${who}: expected ${option} to be null or a finite number ${zeroOk ? ">= 0" : "above 0"}, got ${describe(v)}`);
  }
  return v;
}

function checkNull(who: string, option: string, v: unknown): void {
  if (v !== undefined && v !== null) {
    throw new WasmRnnError(`${who}: expected ${option} to be null (not supported by wasm-rnn), got ${describe(v)}`);
  }
}

interface Slots {
  length: number;
  ptrs: number[];
}

/**
 * The base of every optimizer: validation, slot buffers (one set per parameter block, keyed by
 * its pointer, made on first use), gradient clipping, weight decay and the step count.
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
  private steps = 0;
  private slots = new Map<number, Slots>();
  private scratch = { ptr: 0, floats: 0 };

  protected constructor(className: string, options: OptimizerOptions, known: readonly string[], defaultLr: number) {
    this.className = className;
    const who = className;
    if (options === null || typeof options !== "object" || Array.isArray(options)) {
      throw new WasmRnnError(`${who}: expected an options object, got ${describe(options)}`);
    }
    checkOptions(who, options, [...BASE_KEYS, ...known]);
    if (options.name !== undefined && (typeof options.name !== "string" || options.name.length === 0)) {
      throw new WasmRnnError(`${who}: expected name to be a non-empty string, got ${describe(options.name)}`);
    }
    this.lr = checkNumber(who, "learningRate", options.learningRate, defaultLr, 0, Infinity);
    this.weightDecay = checkOptional(who, "weightDecay", options.weightDecay, true);
    this.clipnorm = checkOptional(who, "clipnorm", options.clipnorm);
    this.clipvalue = checkOptional(who, "clipvalue", options.clipvalue);
    this.globalClipnorm = checkOptional(who, "globalClipnorm", options.globalClipnorm);
    const clips = [this.clipnorm, this.clipvalue, this.globalClipnorm].filter((c) => c !== null).length;
    if (clips > 1) {
      throw new WasmRnnError(
        `${who}: expected at most one of clipnorm, clipvalue and globalClipnorm (as Keras), got clipnorm=${this.clipnorm}, ` +
          `clipvalue=${this.clipvalue}, globalClipnorm=${this.globalClipnorm}`,
      );
    }
    if (checkFlag(who, "useEma", options.useEma, false)) {
      throw new WasmRnnError(`${who}: expected useEma to be false (EMA of the weights is not supported by wasm-rnn), got true`);
    }
    this.emaMomentum = checkNumber(who, "emaMomentum", options.emaMomentum, 0.99, 0, 1);
    checkNull(who, "emaOverwriteFrequency", options.emaOverwriteFrequency);
    checkNull(who, "lossScaleFactor", options.lossScaleFactor);
    checkNull(who, "gradientAccumulationSteps", options.gradientAccumulationSteps);
    this.name = options.name ?? uniqueName(toSnakeCase(className));
  }

  /** `Adam 'adam'`: how errors name this optimizer. */
  get who(): string {
    return `${this.className} '${this.name}'`;
  }

  /** The learning rate (Keras `optimizer.learning_rate`); settable between steps. */
  get learningRate(): number {
    return this.lr;
  }

  set learningRate(v: number) {
    if (v === undefined) throw new WasmRnnError(`${this.who}: expected learningRate to be a finite number >= 0, got undefined`);
    this.lr = checkNumber(this.who, "learningRate", v, this.lr, 0, Infinity);
  }

  /** Steps applied so far (Keras `optimizer.iterations`). */
  get iterations(): number {
    return this.steps;
  }

  /** Names of the per-parameter slot buffers, in Keras's order ("momentum", "velocity", ...). */
  protected abstract slotNames(): readonly string[];

  /** The value a new slot starts at (0 except Adagrad's accumulator). */
  protected slotInit(_slot: number): number {
    return 0;
  }

  /** One update of one block: `g` is the (clipped) gradient, `slots` its slot pointers. */
  protected abstract update(k: OptimizerKernels, n: number, w: number, g: number, slots: readonly number[], lr: number, g2: number): void;

  /** Per-step scalars (Adam's bias correction), computed once per `apply` before any update. */
  protected prepare(_step: number, _lr: number): void {}

  /** The optimizer's own config entries, after the base ones. */
  protected abstract ownConfig(): OptimizerConfig;

  /**
   * Applies one step: `grads[i]` to `params[i]` (Keras `optimizer.apply(grads, vars)`). The
   * blocks must match in count and lengths. Slots are made on first use of a parameter pointer.
   * An empty list does nothing (not even count a step), as Keras.
   */
  apply(params: readonly ParamBlock[], grads: readonly GradBlock[]): void {
    const who = this.who;
    core(who);
    const k = trainKernels();
    if (typeof k.adam_update !== "function") {
      throw new WasmRnnError(`${who}: expected a wasm core with the optimizer kernels, got one without them (rebuild the core)`);
    }
    if (!Array.isArray(params) || !Array.isArray(grads)) {
      throw new WasmRnnError(`${who}.apply: expected two arrays of blocks (params, grads), got ${Array.isArray(params) ? "an array" : typeof params} and ${Array.isArray(grads) ? "an array" : typeof grads}`);
    }
    if (params.length !== grads.length) {
      throw new WasmRnnError(`${who}.apply: expected one gradient per parameter (${params.length}), got ${grads.length} gradients`);
    }
    if (params.length === 0) return;
    const bytes = k.memory.buffer.byteLength;
    const checkBlock = (what: string, b: unknown): ParamBlock => {
      const blk = b as ParamBlock | null;
      const ok = blk !== null && typeof blk === "object" &&
        Number.isInteger(blk.ptr) && blk.ptr > 0 && blk.ptr % 4 === 0 &&
        Number.isInteger(blk.length) && blk.length > 0 && blk.ptr + blk.length * 4 <= bytes;
      if (!ok) {
        throw new WasmRnnError(
          `${who}.apply: expected ${what} to be { ptr, length } with a 4-byte aligned pointer and a positive length ` +
            `inside the wasm memory (${bytes} bytes), got ${describe(b)}`,
        );
      }
      return blk!;
    };
    const seen = new Set<number>();
    let maxLen = 0;
    for (let i = 0; i < params.length; i++) {
      const p = checkBlock(`parameter ${i}`, params[i]);
      const g = checkBlock(`gradient ${i}`, grads[i]);
      if (g.length !== p.length) {
        throw new WasmRnnError(`${who}.apply: expected gradient ${i} to have ${p.length} floats like its parameter, got ${g.length}`);
      }
      if (seen.has(p.ptr)) {
        throw new WasmRnnError(`${who}.apply: expected each parameter once, got parameter ${i} (ptr ${p.ptr}) twice`);
      }
      seen.add(p.ptr);
      const s = this.slots.get(p.ptr);
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
    for (const p of params) {
      if (this.slots.has(p.ptr)) continue;
      const ptrs: number[] = [];
      for (let s = 0; s < names.length; s++) {
        const ptr = arena.alloc(p.length * 4);
        heapF32().fill(this.slotInit(s), ptr >> 2, (ptr >> 2) + p.length); // fresh view after alloc
        ptrs.push(ptr);
      }
      this.slots.set(p.ptr, { length: p.length, ptrs });
    }

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
    const lr = f32(this.lr);
    this.prepare(this.steps + 1, lr);
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      let g = grads[i]!.ptr;
      if (clipping) {
        let mul = 1, div = 1, clip = Infinity;
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
      this.update(k, p.length, p.ptr, g, this.slots.get(p.ptr)!.ptrs, lr, clipping ? 0 : grads[i]!.squares ?? 0);
    }
    this.steps++;
  }

  /**
   * A parameter moved (its layer got new weights, which live in a fresh block): its slots follow
   * it, as Keras keeps an optimizer's state per variable across `set_weights`.
   */
  moveSlots(moves: readonly (readonly [from: number, to: number])[]): void {
    // all out first: a new block may sit where another parameter's old one was
    const taken = moves.map(([from, to]) => [this.slots.get(from), to] as const);
    for (const [from] of moves) this.slots.delete(from);
    for (const [s, to] of taken) if (s) this.slots.set(to, s);
  }

  /** Frees the slot buffers; the optimizer can be used again and starts afresh (iterations 0). */
  dispose(): void {
    for (const s of this.slots.values()) for (const ptr of s.ptrs) arena.free(ptr);
    this.slots.clear();
    if (this.scratch.ptr) arena.free(this.scratch.ptr);
    this.scratch = { ptr: 0, floats: 0 };
    this.steps = 0;
  }

  /**
   * Keras's `get_config()`: snake_case keys in Keras's order. learning_rate is the float32 value
   * the steps use (Keras keeps it in a float32 variable and reports that).
   */
  getConfig(): OptimizerConfig {
    return {
      name: this.name,
      learning_rate: f32(this.lr),
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

/**
 * Keras `SGD`: `w -= lr * g`; with momentum `u = momentum * u - lr * g; w += u`; with nesterov
 * `w += momentum * u - lr * g`.
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(options: SGDOptions = {}) {
    super("SGD", options, ["momentum", "nesterov"], 0.01);
    this.momentum = checkNumber("SGD", "momentum", options.momentum, 0, 0, 1);
    this.nesterov = checkFlag("SGD", "nesterov", options.nesterov, false);
  }

  protected slotNames(): readonly string[] {
    return this.momentum !== 0 ? ["momentum"] : [];
  }

  protected update(k: OptimizerKernels, n: number, w: number, g: number, slots: readonly number[], lr: number): void {
    if (this.momentum !== 0) k.sgd_momentum_update(n, w, g, slots[0]!, lr, this.momentum, this.nesterov ? 1 : 0);
    else k.sgd_update(n, w, g, lr);
  }

  protected ownConfig(): OptimizerConfig {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}

/**
 * Keras `Adam`: `m += (g - m)(1 - beta1); v += (g² - v)(1 - beta2); w -= alpha·m / (sqrt(v) + epsilon)`
 * with `alpha = lr·sqrt(1 - beta2^t) / (1 - beta1^t)`, t the step (1, 2, ...). amsgrad keeps
 * `vhat = max(vhat, v)` and uses it in place of v.
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;
  private alpha = 0;

  constructor(options: AdamOptions = {}) {
    super("Adam", options, ["beta1", "beta2", "epsilon", "amsgrad"], 0.001);
    this.beta1 = checkNumber("Adam", "beta1", options.beta1, 0.9, 0, 1, { hi: true });
    this.beta2 = checkNumber("Adam", "beta2", options.beta2, 0.999, 0, 1, { hi: true });
    this.epsilon = checkNumber("Adam", "epsilon", options.epsilon, 1e-7, 0, Infinity, { lo: true });
    this.amsgrad = checkFlag("Adam", "amsgrad", options.amsgrad, false);
  }

  protected slotNames(): readonly string[] {
    return this.amsgrad ? ["momentum", "velocity", "velocity_hat"] : ["momentum", "velocity"];
  }

  protected override prepare(step: number, lr: number): void {
    // float32 throughout, as Keras's ops on float32 tensors
    const b1p = f32(Math.pow(f32(this.beta1), step));
    const b2p = f32(Math.pow(f32(this.beta2), step));
    this.alpha = f32(f32(lr * f32(Math.sqrt(f32(1 - b2p)))) / f32(1 - b1p));
  }

  protected update(k: OptimizerKernels, n: number, w: number, g: number, slots: readonly number[], lr: number, g2: number): void {
    // `1 - beta` is a Python float (double) in Keras, cast to float32 where it meets a tensor
    k.adam_update(n, w, g, g2, slots[0]!, slots[1]!, this.amsgrad ? slots[2]! : 0,
      this.alpha, 1 - this.beta1, 1 - this.beta2, this.epsilon);
  }

  protected ownConfig(): OptimizerConfig {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}

/**
 * Keras `RMSprop`: `s = rho·s + (1 - rho)·g²; w -= lr·g / sqrt(s + epsilon)` (epsilon inside the
 * root). centered keeps `a = rho·a + (1 - rho)·g` and divides by `sqrt(s - a² + epsilon)`; momentum
 * keeps `p = momentum·p + increment` and subtracts p.
 */
export class RMSprop extends Optimizer {
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(options: RMSpropOptions = {}) {
    super("RMSprop", options, ["rho", "momentum", "epsilon", "centered"], 0.001);
    this.rho = checkNumber("RMSprop", "rho", options.rho, 0.9, 0, 1);
    this.momentum = checkNumber("RMSprop", "momentum", options.momentum, 0, 0, 1);
    this.epsilon = checkNumber("RMSprop", "epsilon", options.epsilon, 1e-7, 0, Infinity, { lo: true });
    this.centered = checkFlag("RMSprop", "centered", options.centered, false);
  }

  protected slotNames(): readonly string[] {
    const names = ["velocity"];
    if (this.momentum > 0) names.push("momentum");
    if (this.centered) names.push("average_gradient");
    return names;
  }

  protected update(k: OptimizerKernels, n: number, w: number, g: number, slots: readonly number[], lr: number, g2: number): void {
    let i = 1;
    const mom = this.momentum > 0 ? slots[i++]! : 0;
    const avg = this.centered ? slots[i++]! : 0;
    k.rmsprop_update(n, w, g, g2, slots[0]!, mom, avg, lr, this.rho, 1 - this.rho, this.momentum, this.epsilon);
  }

  protected ownConfig(): OptimizerConfig {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}

/**
 * Keras `Adagrad`: `acc += g²; w -= lr·g / sqrt(acc + epsilon)`, the accumulator starting at
 * initialAccumulatorValue.
 */
export class Adagrad extends Optimizer {
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(options: AdagradOptions = {}) {
    super("Adagrad", options, ["initialAccumulatorValue", "epsilon"], 0.001);
    this.initialAccumulatorValue = checkNumber("Adagrad", "initialAccumulatorValue", options.initialAccumulatorValue, 0.1, 0, Infinity);
    this.epsilon = checkNumber("Adagrad", "epsilon", options.epsilon, 1e-7, 0, Infinity, { lo: true });
  }

  protected slotNames(): readonly string[] {
    return ["accumulator"];
  }

  protected override slotInit(): number {
    return this.initialAccumulatorValue;
  }

  protected update(k: OptimizerKernels, n: number, w: number, g: number, slots: readonly number[], lr: number, g2: number): void {
    k.adagrad_update(n, w, g, g2, slots[0]!, lr, this.epsilon);
  }

  protected ownConfig(): OptimizerConfig {
    return { initial_accumulator_value: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}

const CLASSES: Record<string, new (options: object) => Optimizer> = {
  sgd: SGD as new (options: object) => Optimizer,
  adam: Adam as new (options: object) => Optimizer,
  rmsprop: RMSprop as new (options: object) => Optimizer,
  adagrad: Adagrad as new (options: object) => Optimizer,
};

/** Keras snake_case config keys to wasm-rnn's camelCase options (`beta_1` -> `beta1`). */
function camelKeys(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    out[key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())] = value;
  }
  return out;
}

/** An optimizer spec: a Keras name, an optimizer, or a class name with its config. */
export type OptimizerSpec = string | Optimizer | { className: string; config?: object };

/**
 * Keras `optimizers.get`: a name ("sgd", "adam", "rmsprop", "adagrad", any case) gives the
 * optimizer with Keras's defaults; an Optimizer is returned as it is; `{ className, config }`
 * builds one from options in camelCase or from a Keras config (snake_case keys, as
 * `get_config()` returns and `.keras` files store; `class_name` is accepted for `className`).
 */
export function getOptimizer(spec: OptimizerSpec): Optimizer {
  const who = "getOptimizer";
  if (spec instanceof Optimizer) return spec;
  let className: unknown;
  let config: unknown = {};
  if (typeof spec === "string") {
    className = spec;
  } else if (spec !== null && typeof spec === "object" && !Array.isArray(spec)) {
    const s = spec as Record<string, unknown>;
    checkOptions(who, s, ["className", "class_name", "config", "module", "registered_name"]);
    className = s.className ?? s.class_name;
    config = s.config ?? {};
  } else {
    throw new WasmRnnError(`${who}: expected an optimizer name, an Optimizer or { className, config }, got ${describe(spec)}`);
  }
  if (typeof className !== "string") {
    throw new WasmRnnError(`${who}: expected className to be a string, got ${describe(className)}`);
  }
  const make = CLASSES[className.toLowerCase()];
  if (!make) {
    throw new WasmRnnError(`${who}: expected an optimizer name (sgd, adam, rmsprop, adagrad), got ${JSON.stringify(className)}`);
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new WasmRnnError(`${who}: expected config to be an object, got ${describe(config)}`);
  }
  return new make(camelKeys(config as Record<string, unknown>));
}
