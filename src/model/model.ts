// Model: a graph of layer calls from symbolic inputs to outputs, and `predict`.
//
// predict plans once per set of input shapes: every intermediate tensor and every layer's scratch
// get a fixed place in wasm memory, so repeated calls with the same shapes allocate no wasm
// memory; a call copies the inputs in, runs one kernel call per layer, and copies the outputs out.
import { arena } from "../core/arena.js";
import { fmtShape, WasmRnnError } from "../core/errors.js";
import { type NestedArray, sliceRows, Tensor, type TensorLike, tensor } from "../core/tensor.js";
import { core, isReady } from "../core/wasm.js";
import type { ByteSource, LoadOptions } from "../io/load.js";
import type { SavedArtifacts, SavedFiles } from "../io/save.js";
import { type Buf, type MaskBufs, maskBytes, readBuf, sizeOf, writeBufs } from "../layers/heap.js";
import { InputLayer } from "../layers/input.js";
import { type Layer, type Node, type Step, SymbolicTensor } from "../layers/layer.js";
import { uniqueName } from "../layers/naming.js";
import type { TrainOnBatchOptions } from "../train/fit.js";
import type { CompileArgs, EvaluateOptions, FitOptions, History, Trainer } from "../train/index.js";
import type { Optimizer } from "../train/optimizers.js";
import { formatSummary } from "./summary.js";

export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
}

/** Buffers for one set of input shapes: model inputs, outputs, every step; `ptrs` to free. */
export interface Plan {
  inputs: Buf[];
  outputs: Buf[];
  steps: Step[];
  ptrs: number[];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameShapes(bufs: readonly Buf[], tensors: readonly Tensor[]): boolean {
  for (let i = 0; i < bufs.length; i++) if (!sameShape(bufs[i]!.shape, tensors[i]!.shape)) return false;
  return true;
}

export interface PredictOptions {
  /** Rows per call, as Keras's `batch_size` (default: the whole batch at once). */
  batchSize?: number;
}

/** How many input-shape plans a model keeps before freeing the oldest. */
const MAX_PLANS = 8;

export class Model {
  readonly name: string;
  // Set once by the constructor (a Sequential sets them again as layers are added).
  inputs: SymbolicTensor[] = [];
  outputs: SymbolicTensor[] = [];
  /** Layers in graph order, input layers first (as Keras lists them; a Sequential leaves them out). */
  layers: Layer[] = [];
  /** Layer calls in execution order (input layers excluded). */
  nodes: Node[] = [];
  private singleOutput = true;
  private readonly plans = new Map<string, Plan>();
  private lastPlan: Plan | null = null;

  constructor(args: ModelArgs);
  /** For subclasses that connect their graph later (Sequential): only the name is read. */
  constructor(args: { name?: string }, defaultName: string);
  constructor(args: ModelArgs | { name?: string }, defaultName?: string) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Model: expected { inputs, outputs }, got ${String(args)}`);
    if (args.name !== undefined && (typeof args.name !== "string" || args.name.length === 0)) {
      throw new WasmRnnError(`Model: expected name to be a non-empty string, got ${JSON.stringify(args.name)}`);
    }
    this.name = args.name ?? uniqueName(defaultName ?? "functional");
    if (defaultName !== undefined) return;
    const { inputs, outputs } = args as ModelArgs;
    this.connect(inputs, outputs);
  }

  /** Whether summary() uses Keras's Sequential layout regardless of the graph's shape. */
  get isSequential(): boolean {
    return false;
  }

  /** Sets the graph from inputs to outputs (validated) and drops cached plans. */
  protected connect(inputsArg: SymbolicTensor | SymbolicTensor[], outputsArg: SymbolicTensor | SymbolicTensor[]): void {
    const args = { inputs: inputsArg, outputs: outputsArg };
    const who = `Model '${this.name}'`;
    const list = (v: unknown, what: string): SymbolicTensor[] => {
      const arr = Array.isArray(v) ? v : [v];
      if (arr.length === 0 || !arr.every((t) => t instanceof SymbolicTensor)) {
        throw new WasmRnnError(
          `${who}: expected ${what} to be symbolic tensors (from Input() or layer.apply), got ${arr.map((t) => (t instanceof SymbolicTensor ? "SymbolicTensor" : typeof t)).join(", ") || "none"}`,
        );
      }
      return arr as SymbolicTensor[];
    };
    const modelInputs = list(args.inputs, "inputs");
    const modelOutputs = list(args.outputs, "outputs");
    for (const t of modelInputs) {
      if (!(t.sourceLayer instanceof InputLayer)) {
        throw new WasmRnnError(`${who}: expected inputs to come from Input(), got ${t.name} from ${t.sourceLayer.who}`);
      }
    }
    const inputIds = new Set(modelInputs.map((t) => t.id));
    const nodes: Node[] = [];
    const seen = new Set<Node>();
    const visit = (t: SymbolicTensor): void => {
      if (inputIds.has(t.id)) return;
      const node = t.node;
      if (node.layer instanceof InputLayer) {
        throw new WasmRnnError(
          `${who}: graph disconnected: output needs ${t.name} from Input '${node.layer.name}', which is not among the model's inputs`,
        );
      }
      if (seen.has(node)) return;
      seen.add(node);
      for (const inp of node.allInputs) visit(inp);
      nodes.push(node);
    };
    for (const t of modelOutputs) visit(t);
    const layers: Layer[] = modelInputs.map((t) => t.sourceLayer);
    for (const n of nodes) if (!layers.includes(n.layer)) layers.push(n.layer);
    this.releasePlans();
    this.inputs = modelInputs;
    this.outputs = modelOutputs;
    this.singleOutput = !Array.isArray(args.outputs);
    this.nodes = nodes;
    this.layers = layers;
  }

  /** Zeroes the states of every stateful layer (Keras: `reset_states()` on each layer). */
  resetStates(): void {
    for (const l of this.layers) (l as { resetStates?: () => void }).resetStates?.();
  }

  private get who(): string {
    return `Model '${this.name}'`;
  }

  /**
   * Calls the model like a layer (Keras `model(x)`): on symbolic tensors it replays the model's
   * graph on them, sharing every layer and weight, and returns the matching outputs, so a model
   * can be part of a bigger one. (The bigger model then lists the inner layers themselves, not
   * one nested-model entry as Keras's summary does.) On concrete tensors it is `predict`.
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor | SymbolicTensor[];
  apply(inputs: TensorLike | TensorLike[]): Tensor | Tensor[];
  apply(inputs: SymbolicTensor | SymbolicTensor[] | TensorLike | TensorLike[]): unknown {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (!list.some((t) => t instanceof SymbolicTensor)) return this.predict(inputs as TensorLike | TensorLike[]);
    if (list.length !== this.inputs.length || !list.every((t) => t instanceof SymbolicTensor)) {
      throw new WasmRnnError(
        `${this.who}: expected ${this.inputs.length} symbolic input(s) (${this.inputs.map((t) => fmtShape(t.shape)).join(", ")}), got ${list.length}${list.every((t) => t instanceof SymbolicTensor) ? "" : " with concrete values among them"}`,
      );
    }
    const map = new Map<number, SymbolicTensor>();
    this.inputs.forEach((want, i) => {
      const got = list[i] as SymbolicTensor;
      const ok =
        got.dtype === want.dtype &&
        got.shape.length === want.shape.length &&
        want.shape.every((d, j) => d === null || got.shape[j] === null || got.shape[j] === d);
      if (!ok) {
        throw new WasmRnnError(
          `${this.who}: expected input ${i} of shape ${fmtShape(want.shape)} (${want.dtype}), got ${fmtShape(got.shape)} (${got.dtype})`,
        );
      }
      map.set(want.id, got);
    });
    for (const node of this.nodes) {
      const outs = node.layer.replayNode(
        node.inputs.map((t) => map.get(t.id)!),
        node.initialState.map((t) => map.get(t.id)!),
      );
      node.outputs.forEach((t, i) => map.set(t.id, outs[i]!));
    }
    const outs = this.outputs.map((t) => map.get(t.id)!);
    return this.singleOutput ? outs[0] : outs;
  }

  /** A layer by name, or by index in `layers`. */
  getLayer(nameOrIndex: string | number): Layer {
    const layer =
      typeof nameOrIndex === "number" ? this.layers[nameOrIndex] : this.layers.find((l) => l.name === nameOrIndex);
    if (!layer) {
      throw new WasmRnnError(
        `${this.who}: expected a layer ${typeof nameOrIndex === "number" ? `index below ${this.layers.length}` : `named one of ${this.layers.map((l) => l.name).join(", ")}`}, got ${JSON.stringify(nameOrIndex)}`,
      );
    }
    return layer;
  }

  countParams(): number {
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  /** All weights, layer by layer in `layers` order (Keras `model.get_weights()`). */
  getWeights(): Tensor[] {
    return this.layers.flatMap((l) => l.getWeights());
  }

  /** Sets all weights in `getWeights()` order; validates every layer's share before changing any. */
  setWeights(weights: readonly (Tensor | TensorLike)[]): void {
    const counts = this.layers.map((l) => l.weightSpecs().length);
    const total = counts.reduce((a, b) => a + b, 0);
    if (!Array.isArray(weights) || weights.length !== total) {
      throw new WasmRnnError(
        `${this.who}: expected ${total} weight arrays, got ${Array.isArray(weights) ? weights.length : typeof weights}`,
      );
    }
    const before = this.layers.map((l) => l.getWeights());
    let offset = 0;
    try {
      this.layers.forEach((l, i) => {
        l.setWeights(weights.slice(offset, offset + counts[i]!));
        offset += counts[i]!;
      });
    } catch (err) {
      this.layers.forEach((l, i) => {
        if (before[i]!.length) l.setWeights(before[i]!);
      });
      throw err;
    }
  }

  /**
   * Runs the model. One input: a Tensor or nested number arrays. Several inputs: an array with
   * one entry per input, in `inputs` order. Returns a Tensor, or an array for several outputs.
   */
  predict(x: TensorLike | TensorLike[], options?: PredictOptions): Tensor | Tensor[] {
    if (!isReady()) core(this.who);
    const tensors = this.normalizeInputs(x);
    const batchSize = options?.batchSize;
    if (batchSize !== undefined) {
      if (!Number.isInteger(batchSize) || batchSize < 1) {
        throw new WasmRnnError(
          `${this.who}: expected batchSize to be a positive integer, got ${JSON.stringify(batchSize)}`,
        );
      }
      if (tensors[0]!.shape[0]! > batchSize) return this.predictInBatches(tensors, batchSize);
    }
    return this.run(tensors);
  }

  /**
   * Keras's `predict(x, batch_size)`: runs `batchSize` rows at a time (bounding the workspace) and
   * concatenates the outputs. Stateful layers carry their states from one batch to the next.
   */
  private predictInBatches(tensors: Tensor[], batchSize: number): Tensor | Tensor[] {
    const B = tensors[0]!.shape[0]!;
    const parts: Tensor[][] = [];
    for (let b0 = 0; b0 < B; b0 += batchSize) {
      const n = Math.min(batchSize, B - b0);
      const slice = tensors.map((t) => sliceRows(t, b0, b0 + n));
      const out = this.run(slice);
      parts.push(Array.isArray(out) ? out : [out]);
    }
    const outs = parts[0]!.map((first, i) => {
      const rowSize = first.size / first.shape[0]!;
      const data = new Float32Array(B * rowSize);
      let offset = 0;
      for (const p of parts) {
        data.set(p[i]!.data, offset);
        offset += p[i]!.size;
      }
      return new Tensor(data, [B, ...first.shape.slice(1)], "float32");
    });
    return this.singleOutput ? outs[0]! : outs;
  }

  private statefulCache: Layer[] | null = null;
  private statefulCacheFor: readonly Layer[] | null = null;

  /** The stateful layers of this model (found by their flag, so Model pulls in no layer class). */
  private statefulLayers(): Layer[] {
    if (!this.statefulCache || this.statefulCacheFor !== this.layers) {
      this.statefulCacheFor = this.layers;
      this.statefulCache = this.layers.filter((l) => (l as { stateful?: boolean }).stateful === true);
    }
    return this.statefulCache;
  }

  private run(tensors: Tensor[]): Tensor | Tensor[] {
    let plan = this.lastPlan;
    if (!plan || !sameShapes(plan.inputs, tensors)) {
      const key = tensors.map((t) => t.shape.join("x")).join(",");
      plan =
        this.plans.get(key) ??
        this.makePlan(
          key,
          tensors.map((t) => [...t.shape]),
        );
      this.lastPlan = plan;
    }
    writeBufs(plan.inputs, tensors);
    const steps = plan.steps;
    const stateful = this.statefulLayers();
    for (const l of stateful) l.keepStates("save");
    try {
      for (let i = 0; i < steps.length; i++) {
        const s = steps[i]!;
        s.layer.forward(s.inputs, s.outputs, s.scratch, s.masks);
      }
    } catch (err) {
      // a layer refused its values (e.g. token ids out of range) after a stateful layer ran
      for (const l of stateful) l.keepStates("restore");
      throw err;
    }
    if (this.singleOutput) return readBuf(plan.outputs[0]!);
    return plan.outputs.map(readBuf);
  }

  /**
   * Validates inputs as predict does and returns them as tensors. Training passes `anyRows`: its
   * data may have more rows than a fixed batch size, which then applies to each batch.
   */
  normalizeInputs(x: TensorLike | TensorLike[], anyRows = false): Tensor[] {
    const n = this.inputs.length;
    if (n === 1 && x instanceof Tensor) {
      const plan = this.lastPlan;
      if (plan && x.dtype === plan.inputs[0]!.dtype && sameShape(plan.inputs[0]!.shape, x.shape)) return [x];
    }
    let items: TensorLike[];
    if (n === 1) items = [Array.isArray(x) && x.length === 1 && x[0] instanceof Tensor ? x[0] : (x as TensorLike)];
    else {
      if (!Array.isArray(x) || x.length !== n) {
        throw new WasmRnnError(
          `${this.who}: expected an array of ${n} inputs (${this.inputs.map((t) => t.name).join(", ")}), got ${Array.isArray(x) ? `${x.length} items` : x instanceof Tensor ? "one tensor" : typeof x}`,
        );
      }
      items = x as TensorLike[];
    }
    const tensors = items.map((item, i) => {
      const spec = this.inputs[i]!;
      const layer = spec.sourceLayer as InputLayer;
      let t: Tensor;
      if (item instanceof Tensor) t = item;
      else if (item instanceof Float32Array || item instanceof Int32Array) {
        throw new WasmRnnError(
          `${this.who}: input '${layer.name}' is a bare typed array with no shape: wrap it with tensor(data, shape)`,
        );
      } else t = tensor(item as NestedArray, undefined, layer.dtype);
      if (t.dtype !== layer.dtype) {
        throw new WasmRnnError(`${this.who}: expected input '${layer.name}' of dtype ${layer.dtype}, got ${t.dtype}`);
      }
      const want = layer.batchShape;
      const ok =
        t.shape.length === want.length && want.every((d, j) => d === null || (j === 0 && anyRows) || d === t.shape[j]);
      if (!ok) {
        throw new WasmRnnError(
          `${this.who}: expected input '${layer.name}' of shape ${fmtShape(want)}, got ${fmtShape(t.shape)}`,
        );
      }
      if (t.shape.some((d) => d === 0)) {
        throw new WasmRnnError(
          `${this.who}: expected input '${layer.name}' with no empty dimension, got ${fmtShape(t.shape)}`,
        );
      }
      return t;
    });
    const batches = tensors.map((t) => t.shape[0]);
    if (batches.some((b) => b !== batches[0])) {
      throw new WasmRnnError(`${this.who}: expected all inputs to have the same batch size, got ${batches.join(", ")}`);
    }
    return tensors;
  }

  private makePlan(key: string, inputShapes: number[][]): Plan {
    const plan = this.buildPlan(inputShapes);
    if (this.plans.size >= MAX_PLANS) {
      const oldest = this.plans.keys().next().value!;
      this.freePlan(oldest);
    }
    this.plans.set(key, plan);
    return plan;
  }

  /**
   * Allocates the buffers of a plan for these input shapes (not cached: the caller frees
   * `plan.ptrs`). Training keeps its own plans this way.
   */
  buildPlan(inputShapes: number[][]): Plan {
    const ptrs: number[] = [];
    try {
      const bufs = new Map<number, Buf>();
      const alloc = (shape: number[], dtype: "float32" | "int32"): Buf => {
        const ptr = arena.alloc(sizeOf(shape) * 4);
        ptrs.push(ptr);
        return { ptr, shape, dtype };
      };
      const inputs = this.inputs.map((t, i) => {
        const b = alloc(inputShapes[i]!, t.dtype);
        bufs.set(t.id, b);
        return b;
      });
      // u8 [B, T] masks by tensor id; a pass-through mask shares its producer's buffer
      const maskPtrs = new Map<number, number>();
      const steps: Step[] = this.nodes.map((node) => {
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
      return { inputs, outputs: this.outputs.map((t) => bufs.get(t.id)!), steps, ptrs };
    } catch (err) {
      for (const p of ptrs) arena.free(p);
      throw err;
    }
  }

  private freePlan(key: string): void {
    const plan = this.plans.get(key);
    if (!plan) return;
    for (const p of plan.ptrs) arena.free(p);
    this.plans.delete(key);
    if (this.lastPlan === plan) this.lastPlan = null;
  }

  /** Frees the wasm memory of cached predict plans (weights stay with the layers). */
  releasePlans(): void {
    for (const key of [...this.plans.keys()]) this.freePlan(key);
  }

  /** Frees plans and the weights of every layer of this model; the model is unusable afterwards. */
  dispose(): void {
    this.trainer?.dispose();
    this.trainer = null;
    this.releasePlans();
    for (const l of this.layers) l.dispose();
  }

  /**
   * Saves the model (Keras `model.save`): TF.js layers format into a directory (model.json +
   * weights.bin), or Keras 3 `.keras` when `target` ends in `.keras`; without a target, returns
   * the TF.js artifacts. The file code loads on first use (see `saveModel`).
   */
  async save(): Promise<SavedArtifacts>;
  async save(target: string): Promise<SavedFiles>;
  async save(target?: string): Promise<SavedArtifacts | SavedFiles> {
    const { saveModel } = await import("../io/index.js");
    return target === undefined ? saveModel(this) : saveModel(this, target);
  }

  /** Loads weights from a Keras `.h5` / `.weights.h5` into this model (Keras `model.load_weights`). */
  async loadWeights(source: ByteSource, options?: LoadOptions): Promise<void> {
    const { loadWeights } = await import("../io/index.js");
    return loadWeights(this, source, options);
  }

  // ---- training (src/train, loaded on first use) -----------------------------------------------

  /** Set it (e.g. from a callback) to stop `fit` after the current epoch (Keras `stop_training`). */
  stopTraining = false;
  private compiled: CompileArgs | null = null;
  private trainer: Trainer | null = null;

  /**
   * The compiled optimizer (Keras `model.optimizer`): an Optimizer object given to compile (or
   * restored by loadModel) at once; one compiled by name or config once training first starts
   * (the training code makes it then); null before. Its `learningRate` can be set.
   */
  get optimizer(): Optimizer | null {
    if (this.trainer) return this.trainer.optimizer;
    const o = this.compiled?.optimizer;
    return typeof o === "object" && o !== null && typeof (o as Optimizer).apply === "function"
      ? (o as Optimizer)
      : null;
  }

  /** What compile() was given (null before), e.g. for saving it with the model. */
  get compileArgs(): CompileArgs | null {
    return this.compiled;
  }

  /**
   * Keras `compile`: the optimizer (`"adam"`, `"sgd"`, `"rmsprop"`, `"adagrad"`, or
   * `{ className, config }`), the loss (a name such as `"mse"` or
   * `"sparse_categorical_crossentropy"`, `{ name, fromLogits }`, or one per output) and metrics.
   * The training code loads, and checks these, when training starts.
   */
  compile(args: CompileArgs): void {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`${this.who}: compile: expected { optimizer, loss }, got ${String(args)}`);
    this.trainer?.dispose();
    this.trainer = null;
    this.compiled = args;
  }

  private async training() {
    if (!this.compiled)
      throw new WasmRnnError(
        `${this.who}: expected compile({ optimizer, loss }) before training, got no compile() call`,
      );
    if (!isReady()) core(this.who);
    const train = await import("../train/index.js");
    await train.loadTrainCore(this.who);
    this.trainer ??= new train.Trainer(this, this.compiled);
    return { train, trainer: this.trainer };
  }

  /**
   * Keras `fit`: trains on `x` (inputs, as for predict) and `y` (targets, one per output) for
   * `epochs` passes of `batchSize` rows, backpropagating through time. Resolves to the History.
   */
  async fit(x: TensorLike | TensorLike[], y: TensorLike | TensorLike[], options?: FitOptions): Promise<History> {
    const { train, trainer } = await this.training();
    return train.fit(this, trainer, x, y, options);
  }

  /**
   * Keras `train_on_batch`: one optimizer step on this batch; resolves to its loss. Options:
   * `sampleWeight` or `classWeight`, as fit's.
   */
  async trainOnBatch(
    x: TensorLike | TensorLike[],
    y: TensorLike | TensorLike[],
    options?: TrainOnBatchOptions,
  ): Promise<number> {
    const { train, trainer } = await this.training();
    return train.trainOnBatch(this, trainer, x, y, options);
  }

  /**
   * Keras `evaluate`: the compiled loss over `x`, `y` in batches (no training); with metrics,
   * `[loss, ...metrics]`, or `{ loss, ...metrics }` with `{ returnDict: true }`. `sampleWeight`
   * weighs the loss and the weighted metrics, as fit's.
   */
  async evaluate(
    x: TensorLike | TensorLike[],
    y: TensorLike | TensorLike[],
    options?: EvaluateOptions & { returnDict?: false },
  ): Promise<number | number[]>;
  async evaluate(
    x: TensorLike | TensorLike[],
    y: TensorLike | TensorLike[],
    options: EvaluateOptions & { returnDict: true },
  ): Promise<Record<string, number>>;
  async evaluate(
    x: TensorLike | TensorLike[],
    y: TensorLike | TensorLike[],
    options?: EvaluateOptions,
  ): Promise<number | number[] | Record<string, number>> {
    const { train, trainer } = await this.training();
    return train.evaluate(this, trainer, x, y, options);
  }

  /** Prints (and returns) a table of layers, output shapes and parameter counts, as Keras does. */
  summary(printFn: (line: string) => void = console.log): string {
    const text = formatSummary(this);
    printFn(text);
    return text;
  }
}
