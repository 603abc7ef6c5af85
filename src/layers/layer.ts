// The base of every layer: naming, the symbolic `apply`, eager calls on concrete tensors, and the
// weight API. Subclasses describe shapes and weights and run their kernels in `forward`.
import { arena } from "../core/arena.js";
import { describeValue, fmtShape, WasmRnnError } from "../core/errors.js";
import { type DType, type NestedArray, Tensor, type TensorLike, tensor, toTensor } from "../core/tensor.js";
import { core, heapF32 } from "../core/wasm.js";

export { checkBool, checkNumber, checkOptions, checkPositiveInt } from "../core/validate.js";

import { Node, type Shape, SymbolicTensor } from "../model/symbolic.js";

/** A tensor living in wasm memory: byte offset and concrete shape. */
export interface Buf {
  ptr: number;
  shape: number[];
  dtype: DType;
}

/**
 * Masks of one layer call, as u8 [B, T] buffers in wasm memory (1 = keep, Keras's boolean mask);
 * 0 means no mask. `inputs` follows the data inputs; `outputs` follows the outputs, and a layer
 * whose `outputMasks` says "computed" writes those buffers in `forward`.
 */
export interface MaskBufs {
  inputs: readonly number[];
  outputs: readonly number[];
  /** The input mask was passed explicitly (Keras `mask=`), not carried by the input tensor. */
  explicit?: boolean;
}

export const NO_MASKS: MaskBufs = Object.freeze({ inputs: Object.freeze([]), outputs: Object.freeze([]) }) as MaskBufs;

/**
 * Where an output's mask comes from (Keras `compute_mask`): none, the mask of data input `input`
 * passed through unchanged, or computed by the layer's forward into its own buffer.
 */
export type MaskSource = null | { input: number } | "computed";

/** Bytes of a mask for a tensor of this shape: one byte per position of all but the last axis. */
export function maskBytes(shape: readonly number[]): number {
  return sizeOf(shape.slice(0, -1));
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

/** A packed weight block in wasm memory: byte pointer and float count (padding included). */
export interface ParamBlock {
  ptr: number;
  length: number;
}

const nameCounts = new Map<string, number>();

/** Keras 3 auto-naming: "lstm", "lstm_1", "lstm_2", ... per prefix, process-wide. */
export function uniqueName(prefix: string): string {
  const n = nameCounts.get(prefix) ?? 0;
  nameCounts.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/** Resets auto-naming, like `keras.backend.clear_session()` (layers already made keep their names). */
export function clearSession(): void {
  nameCounts.clear();
}

export function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export abstract class Layer {
  abstract readonly className: string;
  readonly name: string;
  readonly inboundNodes: Node[] = [];
  /** Input shape the weights were built for (batch dimension null). */
  protected builtShape: Shape | null = null;

  constructor(name: string | undefined, className: string) {
    if (name !== undefined && (typeof name !== "string" || name.length === 0)) {
      throw new WasmRnnError(`${className}: expected name to be a non-empty string, got ${JSON.stringify(name)}`);
    }
    this.name = name ?? uniqueName(toSnakeCase(className));
    this.typeName = className;
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

  /** How many of a node's inputs are initial states (after the data inputs). */
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
  /**
   * Runs the layer: reads `inputs` (data then states), writes `outputs` (and the "computed"
   * output masks). No allocation.
   */
  abstract forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number, masks: MaskBufs): void;
  /** Frees the layer's wasm memory. */
  abstract dispose(): void;
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
    const inShapes = inputs.map((t) => t.shape as number[]);
    const stShapes = states.map((t) => t.shape as number[]);
    this.checkInputs(inShapes.map(withNullBatch), stShapes.map(withNullBatch));
    this.checkBatch([...inputs, ...states].map((t) => t.shape[0]!));
    this.checkConcrete(inShapes, stShapes);
    if (mask) {
      const want = inShapes[0]!.slice(0, -1);
      if (mask.shape.length !== want.length || mask.shape.some((d, i) => d !== want[i])) {
        throw new WasmRnnError(
          `${this.who}: expected a mask of shape ${fmtShape(want)} (the input's shape without its last axis), got ${fmtShape(mask.shape)}`,
        );
      }
      for (let i = 0; i < mask.size; i++) {
        const v = mask.data[i]!;
        if (v !== 0 && v !== 1)
          throw new WasmRnnError(`${this.who}: expected mask values 0 or 1, got ${v} at flat index ${i}`);
      }
    }
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
      writeBufs(inBufs, all);
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

  protected checkBatch(batches: number[]): void {
    if (batches.some((b) => b !== batches[0])) {
      throw new WasmRnnError(
        `${this.who}: expected every input and state to have the same batch size, got ${batches.join(", ")}`,
      );
    }
  }

  // ---- weights -----------------------------------------------------------------------------

  /** Weights as tensors in Keras order and shapes (copies). */
  getWeights(): Tensor[] {
    if (!this.built) return [];
    const specs = this.weightSpecs();
    return this.readWeights().map((data, i) => new Tensor(data, specs[i]!.shape, "float32"));
  }

  /**
   * Replaces the weights, given in Keras order and shapes. Validates everything (count, shapes,
   * finiteness) before changing anything.
   */
  setWeights(weights: readonly (Tensor | TensorLike)[]): void {
    if (!this.built) {
      throw new WasmRnnError(
        `${this.who}: expected the layer to be built (apply it to an input first), got setWeights on an unbuilt layer`,
      );
    }
    const specs = this.weightSpecs();
    if (!Array.isArray(weights) || weights.length !== specs.length) {
      throw new WasmRnnError(
        `${this.who}: expected ${specs.length} weight arrays (${specs.map((s) => `${s.name} ${fmtShape(s.shape)}`).join(", ")}), ` +
          `got ${Array.isArray(weights) ? weights.length : typeof weights}`,
      );
    }
    const values = weights.map((w, i) => {
      const spec = specs[i]!;
      const t = w instanceof Tensor ? w : tensor(w as never, w instanceof Float32Array ? spec.shape : undefined);
      const same = t.shape.length === spec.shape.length && t.shape.every((d, j) => d === spec.shape[j]);
      if (!same) {
        throw new WasmRnnError(
          `${this.who}: expected ${spec.name} of shape ${fmtShape(spec.shape)}, got ${fmtShape(t.shape)}`,
        );
      }
      const data = t.data;
      for (let j = 0; j < data.length; j++) {
        if (!Number.isFinite(data[j])) {
          throw new WasmRnnError(
            `${this.who}: expected finite values in ${spec.name}, got ${data[j]} at flat index ${j}`,
          );
        }
      }
      return data instanceof Float32Array ? data : Float32Array.from(data);
    });
    this.writeWeights(values);
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

/** Base for layers with no weights (inputs, masking, merges, reshapes, activations). */
export abstract class WeightlessLayer extends Layer {
  protected build(): void {}
  weightSpecs(): WeightSpec[] {
    return [];
  }
  protected writeWeights(): void {}
  protected readWeights(): Float32Array[] {
    return [];
  }
  scratchBytes(): number {
    return 0;
  }
  dispose(): void {}

  /** `apply` for a layer of several inputs (Concatenate, Add): all symbolic or all concrete. */
  protected applyMany(xs: readonly (SymbolicTensor | Tensor | NestedArray)[]): SymbolicTensor | Tensor {
    if (!Array.isArray(xs)) throw new WasmRnnError(`${this.who}: expected an array of inputs, got ${typeof xs}`);
    if (xs.every((x) => x instanceof SymbolicTensor)) return this.applySymbolic(xs as SymbolicTensor[], [])[0]!;
    if (xs.some((x) => x instanceof SymbolicTensor))
      throw new WasmRnnError(`${this.who}: expected all inputs symbolic or all concrete, got a mix`);
    return this.applyEager(
      xs.map((x) => toTensor(x as Tensor, this.who)),
      [],
    )[0]!;
  }
}

export function withNullBatch(shape: readonly number[]): Shape {
  return [null, ...shape.slice(1)];
}

/** Copies tensors into wasm buffers of the same sizes. */
export function writeBufs(bufs: readonly Buf[], tensors: readonly Tensor[]): void {
  const f32 = heapF32();
  bufs.forEach((b, i) => {
    const t = tensors[i]!;
    if (t.dtype === "int32") new Int32Array(f32.buffer, b.ptr, t.size).set(t.data);
    else f32.set(t.data, b.ptr >> 2);
  });
}

export function readBuf(b: Buf): Tensor {
  const n = sizeOf(b.shape);
  const data = heapF32().slice(b.ptr >> 2, (b.ptr >> 2) + n);
  return new Tensor(data, b.shape, "float32");
}

/** Copies `blocks` into fresh wasm buffers for `fn` (freed after it), e.g. to unpack them. */
export function withBlocks<T>(blocks: readonly Float32Array[], fn: (ptrs: number[]) => T): T {
  return withStaging(
    blocks.map((b) => Math.max(b.length, 1) * 4),
    (ptrs) => {
      const f32 = heapF32();
      blocks.forEach((b, i) => f32.set(b, ptrs[i]! >> 2));
      return fn(ptrs);
    },
  );
}

/**
 * Copies of freshly packed blocks (`fresh`, from a layer's packing code), `lengths[i]` floats each,
 * then frees them: packed arrays without touching the layer's own blocks.
 */
export function takeBlocks(fresh: readonly number[], lengths: readonly number[]): Float32Array[] {
  try {
    const f32 = heapF32();
    return lengths.map((n, i) => f32.slice(fresh[i]! >> 2, (fresh[i]! >> 2) + n));
  } finally {
    for (const p of fresh) arena.free(p);
  }
}

/** Copies a packed weight block out of wasm: stage `raw` floats, unpack with `fn(src, dst)`. */
export function withStaging<T>(bytes: number[], fn: (ptrs: number[]) => T): T {
  const ptrs: number[] = [];
  try {
    for (const b of bytes) ptrs.push(arena.alloc(b));
    return fn(ptrs);
  } finally {
    for (const p of ptrs) arena.free(p);
  }
}
