// Model: a graph of layer calls from symbolic inputs to outputs (graph.ts), `predict` over plans
// of wasm memory made once per set of input shapes (plan.ts, predict.ts), and the entry points of
// saving (src/io), training (src/train) and quantizing (src/quant), whose code "wasm-rnn/io",
// "wasm-rnn/train" and "wasm-rnn/quant" provide (features.ts). Nothing it imports imports it back:
// that code it names by types from leaf modules, and the types that mention Model live here.
import { WasmRnnError } from "../core/errors.js";
import type { Tensor, TensorLike } from "../core/tensor.js";
import { checkOptionsObject, checkTrainable } from "../core/validate.js";
import { core, isReady } from "../core/wasm.js";
import type { ByteSource, LoadOptions, SavedArtifacts, SavedFiles, SaveOptions } from "../io/types.js";
import { type Buf, readBuf } from "../layers/heap.js";
import { type Layer, type Node, SymbolicTensor } from "../layers/layer.js";
import { checkUniqueLayerNames, uniqueName } from "../layers/naming.js";
import type { QuantizeMode, QuantizeReport } from "../quant/quantize.js";
import { quantizationOf } from "../quant/state.js";
import { checkCompileArgs } from "../train/compile-check.js";
import type { Optimizer } from "../train/optimizer.js";
import type {
  BaseFitOptions,
  CallbackParams,
  CompileArgs,
  EvaluateOptions,
  History,
  Logs,
  Targets,
  TrainOnBatchOptions,
} from "../train/types.js";
import { Feature, type FileCode, type QuantCode, type TrainingCode } from "./features.js";
import { connectGraph, findLayer, replayGraph, setLayerWeights } from "./graph.js";
import { collectedModels, type ModelMemory } from "./lifetime.js";
import type { AnyOutputs, ModelOutputs, OutputsAs, PredictResult } from "./outputs.js";
import { buildPlan, type Plan, PlanCache } from "./plan.js";
import type { InputData, PredictOptions } from "./predict.js";
import { checkBatchSize, PREDICT_KEYS, predictInBatches, runPlan, statefulLayers, toInputTensors } from "./predict.js";
import { formatSummary } from "./summary.js";

export type { Plan } from "./plan.js";

export interface ModelArgs<O extends ModelOutputs = AnyOutputs> {
  inputs: SymbolicTensor | readonly SymbolicTensor[];
  outputs: O;
  name?: string;
  /** The model's own flag (Keras's constructor argument: its layers keep theirs). Default true. */
  trainable?: boolean;
}

/**
 * What fit calls, in Keras's order (each hook optional, each may return a promise): onTrainBegin,
 * then per epoch onEpochBegin, per batch onBatchBegin / onBatchEnd, onEpochEnd; onTrainEnd after
 * the last epoch. onEpochEnd's `logs` may be changed: History records them after every callback
 * has run (as Keras, whose History callback comes last). Returning `false` from onEpochEnd, or
 * setting `model.stopTraining`, stops after that epoch.
 */
export interface CallbackHooks {
  setModel?(model: Model): void;
  setParams?(params: CallbackParams): void;
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | boolean | Promise<void | boolean>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: { loss: number; size: number }): void | Promise<void>;
}

export interface FitOptions extends BaseFitOptions {
  /**
   * Keras callbacks (EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, a Callback subclass)
   * or plain objects with hooks ({ onEpochEnd, onBatchEnd, ... }); one or a list, called in order.
   * onEpochEnd returning `false` (or `model.stopTraining = true`) stops after this epoch.
   */
  callbacks?: CallbackHooks | CallbackHooks[];
}

type Data = TensorLike | TensorLike[];

/** A model's compiled training state (train/session.ts makes it; fit, trainOnBatch, evaluate go through it). */
export interface TrainingSession {
  readonly optimizer: Optimizer;
  fit(x: Data, y: Targets, options?: FitOptions): Promise<History>;
  trainOnBatch(x: Data, y: Targets, options?: TrainOnBatchOptions): Promise<number>;
  evaluate(x: Data, y: Targets, options?: EvaluateOptions): Promise<number | number[] | Record<string, number>>;
  /** Frees the trainer's buffers and the optimizer's state. */
  dispose(): void;
}

export const fileCode = new Feature<FileCode<Model>>("saving and loading weights", "io");
export const trainingCode = new Feature<TrainingCode<Model, TrainingSession>>("training", "train");
export const quantCode = new Feature<QuantCode<Model, QuantizeReport>>("quantize", "quant");

/** A functional model; `O`, its outputs' type as given (AnyOutputs when loaded), types predict's result. */
export class Model<O extends ModelOutputs = AnyOutputs> {
  readonly name: string;
  /** How messages name this model (made once: predict passes it on every call). */
  private readonly who: string;
  // Set once by the constructor (a Sequential sets them again as layers are added).
  inputs: SymbolicTensor[] = [];
  outputs: SymbolicTensor[] = [];
  /** Layers in graph order, input layers first (as Keras lists them; a Sequential leaves them out). */
  layers: Layer[] = [];
  /** Layer calls in execution order (input layers excluded). */
  nodes: Node[] = [];
  singleOutput = true; // predict returns one Tensor (outputs given as one tensor, not a list); set by connect
  private readonly plans = new PlanCache();
  /** This model in its layers' holder lists (see Layer.hold), and what the finalizer frees. */
  private readonly memory: ModelMemory = { plans: this.plans, token: {}, layers: [] };
  private disposed = false;

  constructor(args: ModelArgs<O>);
  /** For subclasses that connect their graph later (Sequential): only the name is read. */
  constructor(args: { name?: string; trainable?: boolean }, defaultName: string);
  constructor(args: ModelArgs<O> | { name?: string; trainable?: boolean }, defaultName?: string) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Model: expected { inputs, outputs }, got ${String(args)}`);
    if (args.name !== undefined && (typeof args.name !== "string" || args.name.length === 0)) {
      throw new WasmRnnError(`Model: expected name to be a non-empty string, got ${JSON.stringify(args.name)}`);
    }
    this.name = args.name ?? uniqueName(defaultName ?? "functional");
    this.who = `Model '${this.name}'`;
    if (args.trainable !== undefined) this.ownTrainable = checkTrainable(this.who, args.trainable);
    collectedModels?.register(this, this.memory, this.memory);
    if (defaultName !== undefined) return;
    const { inputs, outputs } = args as ModelArgs<O>;
    this.connect(inputs, outputs);
  }

  private ownTrainable = true;
  /** Keras's `trainable`: false trains nothing; setting it sets every layer's too (Keras's setter). */
  get trainable(): boolean {
    return this.ownTrainable;
  }
  set trainable(value: boolean) {
    this.ownTrainable = checkTrainable(this.who, value);
    for (const l of this.layers) l.trainable = value;
  }
  /** Whether summary() uses Keras's Sequential layout regardless of the graph's shape. */
  get isSequential(): boolean {
    return false;
  }

  /** Sets the graph from inputs to outputs (validated) and drops cached plans. */
  protected connect(inputsArg: ModelArgs["inputs"], outputsArg: ModelOutputs): void {
    this.checkAlive("connecting layers");
    const graph = connectGraph(this.who, inputsArg, outputsArg);
    for (const l of graph.layers) l.checkAlive(`use in ${this.who}`);
    checkUniqueLayerNames(this.who, this.memory.token, graph.layers);
    this.releasePlans();
    for (const l of this.memory.layers) if (!graph.layers.includes(l)) l.release(this.memory.token);
    for (const l of graph.layers) l.hold(this.memory.token, this.who);
    this.memory.layers = graph.layers;
    this.inputs = graph.inputs;
    this.outputs = graph.outputs;
    this.singleOutput = graph.singleOutput;
    this.nodes = graph.nodes;
    this.layers = graph.layers;
  }

  /** Zeroes the states of every stateful layer (Keras: `reset_states()` on each layer). */
  resetStates(): void {
    this.checkAlive("resetStates");
    for (const l of this.layers) (l as { resetStates?: () => void }).resetStates?.();
  }

  /**
   * Calls the model like a layer (Keras `model(x)`): on symbolic tensors it replays the model's
   * graph on them, sharing every layer and weight, and returns the matching outputs, so a model
   * can be part of a bigger one. (The bigger model then lists the inner layers themselves, not
   * one nested-model entry as Keras's summary does.) On concrete tensors it is `predict`.
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): OutputsAs<O, SymbolicTensor>;
  apply(inputs: TensorLike | TensorLike[]): PredictResult<O>;
  apply(inputs: SymbolicTensor | SymbolicTensor[] | TensorLike | TensorLike[]): unknown {
    this.checkAlive("apply");
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (!list.some((t) => t instanceof SymbolicTensor)) return this.predict(inputs as TensorLike | TensorLike[]);
    const outs = replayGraph(this.who, this, list);
    return this.singleOutput ? outs[0] : outs;
  }

  /** A layer by name, or by index in `layers`. */
  getLayer(nameOrIndex: string | number): Layer {
    return findLayer(this.who, this.layers, nameOrIndex);
  }

  countParams(): number {
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  /** All weights, layer by layer in `layers` order (Keras `model.get_weights()`). */
  getWeights(): Tensor[] {
    this.checkAlive("getWeights");
    return this.layers.flatMap((l) => l.getWeights());
  }

  /** Sets all weights in `getWeights()` order; validates every layer's share before changing any. */
  setWeights(weights: readonly (Tensor | TensorLike)[]): void {
    this.checkAlive("setWeights");
    setLayerWeights(this.who, this.layers, weights);
  }

  /** Runs the model on `x` (InputData; ints into a float input cast, as Keras): a Tensor, or one per output. */
  predict(x: InputData, options?: PredictOptions): PredictResult<O> {
    this.checkAlive("predict");
    if (!isReady()) core(this.who);
    const tensors = this.normalizeInputs(x);
    const opts = options === undefined ? undefined : checkOptionsObject(`${this.who}: predict`, options, PREDICT_KEYS);
    const batchSize = checkBatchSize(this.who, opts?.batchSize);
    if (batchSize !== undefined && tensors[0]!.shape[0]! > batchSize) {
      const outs = predictInBatches(tensors, batchSize, (part) => this.run(part).map(readBuf));
      return (this.singleOutput ? outs[0]! : outs) as PredictResult<O>;
    }
    const outputs = this.run(tensors);
    return (this.singleOutput ? readBuf(outputs[0]!) : outputs.map(readBuf)) as PredictResult<O>;
  }

  private stateful: Layer[] = [];
  private statefulOf: readonly Layer[] | null = null;

  /** Runs the plan for these inputs' shapes and returns its output buffers (valid until the next run). */
  private run(tensors: Tensor[]): Buf[] {
    if (this.statefulOf !== this.layers) {
      this.statefulOf = this.layers;
      this.stateful = statefulLayers(this.layers);
    }
    const plan = this.plans.planFor(this, tensors);
    runPlan(plan, tensors, this.stateful, this.who);
    return plan.outputs;
  }

  /** Inputs validated as predict does, as tensors; `anyRows` (training): more rows than a fixed batch size. */
  normalizeInputs(x: InputData, anyRows = false): Tensor[] {
    this.checkAlive("its inputs");
    return toInputTensors(this.who, this.inputs, x, anyRows, this.plans.last);
  }

  /** A plan's buffers for these input shapes, not cached (the caller, training, frees `plan.ptrs`). */
  buildPlan(inputShapes: number[][]): Plan {
    this.checkAlive("a plan");
    return buildPlan(this, inputShapes);
  }

  /** Frees the wasm memory of cached predict plans (weights stay with the layers). */
  releasePlans(): void {
    this.plans.release();
  }

  /** Throws a WasmRnnError naming the model if it was disposed (`what`: the call refused). */
  checkAlive(what: string): void {
    if (this.disposed) {
      throw new WasmRnnError(`${this.who}: expected a live model for ${what}, got a model freed by dispose()`);
    }
  }

  /** Whether dispose() has freed this model. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Frees plans, training state and the weights of every layer of this model that no other live
   * model uses (a shared layer stays with the models still using it: reference counts); any
   * later use of the model throws a WasmRnnError. Calling it again does nothing.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    collectedModels?.unregister(this.memory);
    this.trainer?.dispose();
    this.trainer = null;
    this.releasePlans();
    for (const l of this.memory.layers) if (l.release(this.memory.token) && l.holdsWasmMemory) l.dispose();
  }

  /**
   * Saves the model (Keras `model.save`): TF.js layers format into a directory (model.json + weights.bin), or Keras 3
   * `.keras` when `target` ends in `.keras`; without a target, returns the TF.js artifacts. `{ weightsDtype: "float16" }`
   * halves a TF.js model's weights. In a bundled app, needs `import "wasm-rnn/io"` (or call `saveModel`).
   */
  async save(target?: undefined, options?: SaveOptions): Promise<SavedArtifacts>;
  async save(target: string, options?: SaveOptions): Promise<SavedFiles>;
  async save(target?: string, options?: SaveOptions): Promise<SavedArtifacts | SavedFiles> {
    this.checkAlive("save");
    const { saveModel } = await fileCode.load(`${this.who}.save`);
    return saveModel(this, target as string, options);
  }

  /** int8 inference weights, float16-rounded weights, or "none" (README, "Smaller weights"); bundled: `import "wasm-rnn/quant"`. */
  async quantize(mode: QuantizeMode): Promise<QuantizeReport> {
    return (await quantCode.load(this.who)).quantizeModel(this, this.who, mode);
  }
  /** "int8" while a layer runs int8, "float16" when weights are float16-rounded, else null (summary() lists the layers). */
  get quantization(): "int8" | "float16" | null {
    return quantizationOf(this.layers);
  }

  /** Loads weights from a Keras `.h5` / `.weights.h5` (Keras `model.load_weights`); bundled: `import "wasm-rnn/io"`. */
  async loadWeights(source: ByteSource, options?: LoadOptions): Promise<void> {
    this.checkAlive("loadWeights");
    return (await fileCode.load(`${this.who}.loadWeights`)).loadWeights(this, source, options);
  }

  // ---- training (src/train, provided by "wasm-rnn/train": features.ts) ---------------------------

  /** Set it (e.g. from a callback) to stop `fit` after the current epoch (Keras `stop_training`). */
  stopTraining = false;
  private compiled: CompileArgs | null = null;
  private trainer: TrainingSession | null = null;

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
   * Keras `compile`: the optimizer (`"adam"`, `new Adam({...})`, `{ className, config }`), the loss
   * (`"mse"`, `{ name, fromLogits }`, one per output with null for none, or by output name),
   * lossWeights and metrics. Names and forms are checked at once (as Keras's compile does); the
   * training code loads, and makes the optimizer and losses, when training starts.
   */
  compile(args: CompileArgs): void {
    this.checkAlive("compile");
    const outputNames = this.outputs.map((t) => t.sourceLayer.name);
    checkCompileArgs(this.who, outputNames, args);
    this.trainer?.dispose();
    this.trainer = null;
    this.compiled = args;
  }

  private async training() {
    this.checkAlive("training");
    if (!this.compiled)
      throw new WasmRnnError(
        `${this.who}: expected compile({ optimizer, loss }) before training, got no compile() call`,
      );
    if (!isReady()) core(this.who);
    const train = await trainingCode.load(this.who);
    await train.loadTrainCore(this.who);
    this.trainer ??= train.startTraining(this, this.compiled);
    return this.trainer;
  }

  /**
   * Keras `fit`: trains on `x` (inputs, as for predict) and `y` (targets, one per output) for
   * `epochs` passes of `batchSize` rows, backpropagating through time. Resolves to the History.
   * Bundled, fit, trainOnBatch and evaluate need `import "wasm-rnn/train"` (README, "Bundlers").
   */
  async fit(x: TensorLike | TensorLike[], y: Targets, options?: FitOptions): Promise<History> {
    return (await this.training()).fit(x, y, options);
  }

  /** Keras `train_on_batch`: one optimizer step on this batch; resolves to its loss (`sampleWeight`, `classWeight`). */
  async trainOnBatch(x: TensorLike | TensorLike[], y: Targets, options?: TrainOnBatchOptions): Promise<number> {
    return (await this.training()).trainOnBatch(x, y, options);
  }

  /**
   * Keras `evaluate`: the compiled loss over `x`, `y` in batches (no training); with metrics,
   * `[loss, ...metrics]`, or `{ loss, ...metrics }` with `{ returnDict: true }`. `sampleWeight`
   * weighs the loss and the weighted metrics, as fit's.
   */
  async evaluate(
    x: TensorLike | TensorLike[],
    y: Targets,
    options?: EvaluateOptions & { returnDict?: false },
  ): Promise<number | number[]>;
  async evaluate(
    x: TensorLike | TensorLike[],
    y: Targets,
    options: EvaluateOptions & { returnDict: true },
  ): Promise<Record<string, number>>;
  async evaluate(
    x: TensorLike | TensorLike[],
    y: Targets,
    options?: EvaluateOptions,
  ): Promise<number | number[] | Record<string, number>> {
    return (await this.training()).evaluate(x, y, options);
  }

  /** Prints (and returns) a table of layers, output shapes and parameter counts, as Keras does. */
  summary(printFn: (line: string) => void = console.log): string {
    this.checkAlive("summary");
    const text = formatSummary(this);
    printFn(text);
    return text;
  }
}
