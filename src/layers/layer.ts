// The base of every layer: the symbolic `apply` (graph nodes and symbolic tensors live here, as
// they and Layer refer to each other), eager calls on concrete tensors, and the weight API.
// Subclasses describe shapes and weights and run their kernels in `forward`.
import { arena } from "../core/arena.js";
import { fmtShape, WasmRnnError } from "../core/errors.js";
import { type DType, type NestedArray, Tensor, type TensorLike, toTensor } from "../core/tensor.js";
import { checkTrainable } from "../core/validate.js";
import { core, heapF32 } from "../core/wasm.js";
import {
  type Buf,
  blocksFor,
  type MaskBufs,
  type MaskSource,
  maskBytes,
  type ParamBlock,
  readBuf,
  sizeOf,
  writeBufs,
} from "./heap.js";
import { toSnakeCase, uniqueName } from "./naming.js";
import { checkEagerMask, checkSameBatch, checkWeightValues } from "./weight-values.js";

export type Shape = readonly (number | null)[];

let nextId = 0;

/** What `Input()` and `layer.apply()` return while a model is being described (batch null unless fixed). */
export class SymbolicTensor {
  readonly id = nextId++;
  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
    /** The node that produces this tensor; index into its outputs. */
    readonly node: Node,
    readonly outputIndex: number,
    readonly name: string,
    /** Whether a Keras mask travels with this tensor (from Masking, Embedding(maskZero), ...). */
    readonly masked: boolean = false,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  get sourceLayer(): Layer {
    return this.node.layer;
  }

  toString(): string {
    return `SymbolicTensor(${this.name}, [${this.shape.map((d) => (d === null ? "null" : d)).join(", ")}])`;
  }
}

/** One call of a layer: its inputs (data inputs, then initial states) and its outputs. */
export class Node {
  readonly outputs: SymbolicTensor[] = [];
  constructor(
    readonly layer: Layer,
    readonly inputs: readonly SymbolicTensor[],
    readonly initialState: readonly SymbolicTensor[],
  ) {}

  /** Data inputs followed by initial states: the order the layer's forward receives them. */
  get allInputs(): readonly SymbolicTensor[] {
    return [...this.inputs, ...this.initialState];
  }
}

/** One layer call of a plan: its buffers in wasm memory (`steps[i]` runs `nodes[i]`). */
export interface Step {
  layer: Layer;
  inputs: Buf[];
  outputs: Buf[];
  scratch: number;
  masks: MaskBufs;
}

export interface WeightSpec {
  name: string;
  shape: number[];
}

export abstract class Layer {
  abstract readonly className: string;
  /** The wasm blocks this layer owns (weights, stored states): freed by dispose() or after garbage collection. */
  readonly wasmBlocks = blocksFor(this);
  /** The live models using this layer: a token per model (not the model, so it can be collected) and its name. */
  private readonly holders = new Map<object, string>();
  private disposed = false;
  readonly name: string;
  readonly inboundNodes: Node[] = [];
  /** Input shape the weights were built for (batch dimension null). */
  protected builtShape: Shape | null = null;
  /** Runs after setWeights wrote new weights: a quantized layer quantizes them again (src/quant). */
  afterSetWeights: (() => void) | null = null;

  constructor(name: string | undefined, className: string) {
    if (name !== undefined && (typeof name !== "string" || name.length === 0)) {
      throw new WasmRnnError(`${className}: expected name to be a non-empty string, got ${JSON.stringify(name)}`);
    }
    this.name = name ?? uniqueName(toSnakeCase(className));
    this.typeName = className;
  }

  /** Throws a WasmRnnError naming the layer if it was disposed (`what`: the call refused). */
  checkAlive(what: string): void {
    if (this.disposed) {
      throw new WasmRnnError(`${this.who}: expected a live layer for ${what}, got a layer freed by dispose()`);
    }
  }

  /** For Model: `token` (one per model, named `who`) uses this layer, so dispose() refuses while it does. */
  hold(token: object, who: string): void {
    this.holders.set(token, who);
  }

  /** For Model: the model of `token` no longer uses this layer. Returns whether no live model does. */
  release(token: object): boolean {
    this.holders.delete(token);
    return this.holders.size === 0;
  }

  /** Frees the layer's wasm memory (later use throws); refused while a live model uses it. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    if (this.holders.size > 0) {
      throw new WasmRnnError(
        `${this.who}: expected no live model to use the layer for dispose(), got ${[...this.holders.values()].join(", ")} ` +
          "still using it (dispose the model(s) instead)",
      );
    }
    this.disposed = true;
    this.freeMemory();
    this.wasmBlocks.freeAll();
  }

  /** The class name as given to the constructor (subclass fields are not set yet while it runs). */
  private readonly typeName: string;

  /** `LSTM 'lstm_1'`: how errors name this layer. */
  get who(): string {
    return `${this.className ?? this.typeName} '${this.name}'`;
  }

  get built(): boolean {
    return this.builtShape !== null;
  }

  // ---- what subclasses provide -------------------------------------------------------------

  /** Checks a call's input shapes (data inputs, then initial states); throws naming the layer. */
  abstract checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void;
  /** Output shapes for input shapes (batch may be null). */
  abstract computeOutputShapes(inputs: readonly Shape[], states: readonly Shape[]): Shape[];
  /** Creates (initialises) the weights for this input shape. Needs the wasm core. */
  protected abstract build(inputShape: Shape): void;
  /** Weight names and shapes in Keras order (empty before build for layers that infer them). */
  abstract weightSpecs(): WeightSpec[];
  /** Validated, finite weights -> packed wasm blocks. Must not change the layer if it throws. */
  protected abstract writeWeights(values: Float32Array[]): void;
  protected abstract readWeights(): Float32Array[];
  /** Bytes of scratch a call needs for these concrete input shapes. */
  abstract scratchBytes(inputs: readonly number[][]): number;
  /** Runs the layer: reads `inputs` (data then states), writes `outputs` (and "computed" masks). No allocation. */
  abstract forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number, masks: MaskBufs): void;
  /** Frees the layer's wasm memory (once: dispose() guards it). */
  protected abstract freeMemory(): void;
  /** Holds wasm memory: Model.dispose() retires only such layers (an Input stays shareable, as in Keras). */
  get holdsWasmMemory(): boolean {
    return !this.wasmBlocks.isEmpty;
  }
  /** True for a layer that acts on the last axis alone (Dense, Activation, Dropout): TimeDistributed runs it once over all steps. */
  get perVector(): boolean {
    return false;
  }
  /**
   * For Model.predict on a stateful layer: `"save"` copies its stored states aside before a call,
   * `"restore"` puts them back when a later layer of the same call fails. Nothing for others.
   */
  keepStates(_action: "save" | "restore"): void {}

  /**
   * Output masks given which data inputs carry one. Keras's default for a layer that does not
   * support masking: no output mask. Pass-through layers (Dense, Activation, ...) override it.
   */
  outputMasks(_inputMasked: readonly boolean[], outputCount: number): MaskSource[] {
    return new Array<MaskSource>(outputCount).fill(null);
  }

  // ---- symbolic and eager application ------------------------------------------------------

  /** Builds on the first call; later calls must have a compatible input shape. (Public for wrappers.) */
  ensureBuilt(inputShape: Shape): void {
    this.checkAlive("a call");
    if (this.builtShape) {
      const want = this.builtShape;
      const ok =
        want.length === inputShape.length &&
        want.every((d, i) => i === 0 || d === null || inputShape[i] === null || d === inputShape[i]);
      if (!ok) {
        throw new WasmRnnError(
          `${this.who}: already built for input shape ${fmtShape(want)}, got input shape ${fmtShape(inputShape)}`,
        );
      }
      return;
    }
    core(this.who);
    this.build(inputShape);
    this.builtShape = [...inputShape];
  }

  /** `apply` for a layer of one input and one output: symbolic, or an eager call. */
  protected applyOne(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    if (x instanceof SymbolicTensor) return this.applySymbolic([x], [])[0]!;
    return this.applyEager([toTensor(x, this.who)], [])[0]!;
  }

  /** checkInputs' common part for a one-input layer: no states, rank at least `minRank`. */
  protected checkOneInput(inputs: readonly Shape[], states: readonly Shape[], minRank: number): Shape {
    if (inputs.length !== 1 || states.length !== 0) {
      throw new WasmRnnError(`${this.who}: expected one input, got ${inputs.length + states.length}`);
    }
    const x = inputs[0]!;
    if (x.length < minRank)
      throw new WasmRnnError(`${this.who}: expected input of rank >= ${minRank}, got shape ${fmtShape(x)}`);
    return x;
  }

  /**
   * Calls the layer on new symbolic inputs the way an existing node of it was called: used by
   * `Model.apply` to replay a model's graph on other tensors (the layer's weights are shared).
   */
  replayNode(inputs: readonly SymbolicTensor[], states: readonly SymbolicTensor[]): SymbolicTensor[] {
    return this.applySymbolic(inputs, states);
  }

  /** Connects the layer to symbolic inputs and returns its symbolic outputs. */
  protected applySymbolic(inputs: readonly SymbolicTensor[], states: readonly SymbolicTensor[]): SymbolicTensor[] {
    const inShapes = inputs.map((t) => t.shape);
    const stShapes = states.map((t) => t.shape);
    this.checkInputs(inShapes, stShapes);
    this.ensureBuilt(inShapes[0]!);
    const outShapes = this.computeOutputShapes(inShapes, stShapes);
    const node = new Node(this, inputs, states);
    const k = this.inboundNodes.length;
    const maskSources = this.outputMasks(
      inputs.map((t) => t.masked),
      outShapes.length,
    );
    outShapes.forEach((shape, i) => {
      const src = maskSources[i] ?? null;
      const masked = src === "computed" || (src !== null && inputs[src.input]!.masked);
      node.outputs.push(new SymbolicTensor(shape, "float32", node, i, `${this.name}/out${k}_${i}`, masked));
    });
    this.inboundNodes.push(node);
    return node.outputs;
  }

  /**
   * Runs the layer once on concrete tensors (Keras's eager call). `mask`, if given, is the first
   * input's mask: [batch, steps] of 0/1 (or booleans' numbers), as Keras's `mask=` argument.
   */
  protected applyEager(inputs: readonly Tensor[], states: readonly Tensor[], mask?: Tensor): Tensor[] {
    this.checkAlive("a call");
    const inShapes = inputs.map((t) => t.shape as number[]);
    const stShapes = states.map((t) => t.shape as number[]);
    this.checkInputs(inShapes.map(withNullBatch), stShapes.map(withNullBatch));
    checkSameBatch(this.who, [...inputs, ...states]);
    this.checkConcrete(inShapes, stShapes);
    if (mask) checkEagerMask(this.who, mask, inShapes[0]!);
    this.ensureBuilt(this.eagerBuildShape(inShapes[0]!));
    const outShapes = this.computeOutputShapes(inShapes, stShapes) as number[][];
    const all = [...inputs, ...states];
    const ptrs: number[] = [];
    try {
      const inBufs = all.map((t) => {
        const ptr = arena.alloc(t.size * 4);
        ptrs.push(ptr);
        return { ptr, shape: [...t.shape], dtype: t.dtype };
      });
      const outBufs = outShapes.map((shape) => {
        const ptr = arena.alloc(sizeOf(shape) * 4);
        ptrs.push(ptr);
        return { ptr, shape, dtype: "float32" as DType };
      });
      const scratch = arena.alloc(this.scratchBytes([...inShapes, ...stShapes]));
      ptrs.push(scratch);
      const inMasks = inputs.map(() => 0);
      if (mask) {
        inMasks[0] = arena.alloc(mask.size);
        ptrs.push(inMasks[0]);
      }
      const outMasks = this.outputMasks(
        inMasks.map((m) => m !== 0),
        outShapes.length,
      ).map((src, i) => {
        if (src === null) return 0;
        if (src !== "computed") return inMasks[src.input]!;
        const p = arena.alloc(maskBytes(outShapes[i]!));
        ptrs.push(p);
        return p;
      });
      writeBufs(inBufs, all, this.who);
      if (mask) {
        const u8 = new Uint8Array(heapF32().buffer, inMasks[0]!, mask.size);
        for (let i = 0; i < mask.size; i++) u8[i] = mask.data[i]!;
      }
      this.forward(inBufs, outBufs, scratch, { inputs: inMasks, outputs: outMasks, explicit: mask !== undefined });
      return outBufs.map(readBuf);
    } finally {
      for (const p of ptrs) arena.free(p);
    }
  }

  /** The shape an eager call builds the layer for: the batch dimension left free. */
  protected eagerBuildShape(shape: readonly number[]): Shape {
    return withNullBatch(shape);
  }

  /** Checks that only concrete shapes allow (a stateful layer's fixed batch size, ...). */
  checkConcrete(_inputs: readonly number[][], _states: readonly number[][]): void {}

  // ---- weights -----------------------------------------------------------------------------

  /** Weights as tensors in Keras order and shapes (copies). */
  getWeights(): Tensor[] {
    this.checkAlive("getWeights");
    if (!this.built) return [];
    const specs = this.weightSpecs();
    return this.readWeights().map((data, i) => new Tensor(data, specs[i]!.shape, "float32"));
  }

  /** Replaces the weights, in Keras order and shapes; validates all (count, shapes, finiteness) before any change. */
  setWeights(weights: readonly (Tensor | TensorLike)[]): void {
    this.checkAlive("setWeights");
    if (!this.built) {
      throw new WasmRnnError(
        `${this.who}: expected the layer to be built (apply it to an input first), got setWeights on an unbuilt layer`,
      );
    }
    const values = checkWeightValues(this.who, this.weightSpecs(), weights);
    this.writeWeights(values);
    this.afterSetWeights?.();
  }

  /** The weights Keras creates trainable: all but moving statistics (trained when `trainable`: src/layers/trainable.ts). */
  trainableWeightSpecs(): WeightSpec[] {
    return this.weightSpecs();
  }
  private ownTrainable = true;
  /** Keras's `trainable`: fit trains only trainable layers; on a wrapper it sets the wrapped layers too (Keras's setter). */
  get trainable(): boolean {
    return this.ownTrainable;
  }
  set trainable(value: boolean) {
    this.setTrainableOnly(value);
    for (const l of this.wrappedLayers) l.trainable = value;
  }
  /** Sets this layer's flag alone (Keras's constructor argument: a loaded wrapper's layers keep their own). */
  setTrainableOnly(value: boolean): void {
    this.ownTrainable = checkTrainable(this.who, value);
  }
  /** The layers this one wraps and whose weights it lists (Bidirectional's halves, TimeDistributed's layer). */
  get wrappedLayers(): readonly Layer[] {
    return [];
  }

  countParams(): number {
    return this.weightSpecs().reduce((n, s) => n + sizeOf(s.shape), 0);
  }

  /**
   * The packed weight blocks, in weightSpecs order, that training updates in place (padding is
   * zero and gets zero gradients). Empty for layers without weights.
   */
  paramBlocks(): ParamBlock[] {
    return [];
  }

  /**
   * Arrays laid out as the weights (weightSpecs order and shapes, e.g. an optimizer's slot for
   * each weight) packed exactly as writeWeights packs the weights: one copy per paramBlocks()
   * entry, padding zero. The caller has checked count and shapes.
   */
  packParams(_values: readonly Float32Array[]): Float32Array[] {
    return [];
  }

  /** The inverse of packParams: blocks laid out as paramBlocks() back to weightSpecs shapes. */
  unpackParams(_blocks: readonly Float32Array[]): Float32Array[] {
    return [];
  }
}

export function withNullBatch(shape: readonly number[]): Shape {
  return [null, ...shape.slice(1)];
}
