// Layers without recurrent state around the recurrent ones, with Keras 3 semantics and masks:
// Masking, Embedding, TimeDistributed, RepeatVector, Concatenate, Add, Activation, Dropout,
// Flatten. Each forward is one kernel call or one copy over wasm memory.
import { ACTIVATION_IDS, type ActivationName, resolveActivation } from "../core/activations.js";
import { arena } from "../core/arena.js";
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { core, heapF32, kernels } from "../core/wasm.js";
import type { Shape, SymbolicTensor } from "../model/symbolic.js";
import { Initializer, type InitializerSpec } from "./initializers.js";
import {
  type Buf,
  checkOptions,
  checkPositiveInt,
  Layer,
  type MaskBufs,
  type MaskSource,
  maskBytes,
  type ParamBlock,
  sizeOf,
  WeightlessLayer,
  type WeightSpec,
} from "./layer.js";

/** Keras `Layer.compute_mask` for layers that support masking: the input's mask passes through. */
const passMask = (inputMasked: readonly boolean[]): MaskSource[] => [inputMasked[0] ? { input: 0 } : null];

// ---- Masking ---------------------------------------------------------------------------------

export interface MaskingArgs {
  /** Default 0. A step whose features all equal it is masked (and output as zeros). */
  maskValue?: number;
  name?: string;
}

/** Masks steps whose features all equal `maskValue`; outputs zeros there (Keras 3). [B, T, F] -> same + mask [B, T]. */
export class Masking extends WeightlessLayer {
  readonly className = "Masking";
  readonly maskValue: number;

  constructor(args: MaskingArgs = {}) {
    checkOptions(`Masking '${args?.name ?? "masking"}'`, args ?? {}, ["maskValue", "name"]);
    super(args.name, "Masking");
    const v = args.maskValue ?? 0;
    if (typeof v !== "number" || Number.isNaN(v))
      throw new WasmRnnError(`${this.who}: expected maskValue to be a number, got ${JSON.stringify(args.maskValue)}`);
    this.maskValue = v;
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }

  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 2);
    if (x[x.length - 1] === null)
      throw new WasmRnnError(`${this.who}: expected a known last dimension, got shape ${fmtShape(x)}`);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    return [inputs[0]!];
  }
  override outputMasks(): MaskSource[] {
    return ["computed"];
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[], _scratch: number, masks: MaskBufs): void {
    const x = inputs[0]!;
    const F = x.shape[x.shape.length - 1]!;
    kernels().masking_forward(sizeOf(x.shape) / F, F, x.ptr, this.maskValue, outputs[0]!.ptr, masks.outputs[0]!);
  }
}

// ---- Embedding -------------------------------------------------------------------------------

export interface EmbeddingArgs {
  inputDim: number;
  outputDim: number;
  /** Token 0 is padding: produce a mask that is 0 where the input is 0 (Keras `mask_zero`). */
  maskZero?: boolean;
  /** Default "random_uniform" in [-0.05, 0.05] (Keras "uniform"). */
  embeddingsInitializer?: InitializerSpec;
  name?: string;
}

/** Token ids [B, ...] (int32, or float32 holding integers) -> vectors [B, ..., outputDim]. */
export class Embedding extends Layer {
  readonly className = "Embedding";
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  private readonly initializer: Initializer;
  private tablePtr = 0;

  constructor(args: EmbeddingArgs) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Embedding: expected an options object with inputDim and outputDim, got ${String(args)}`);
    checkOptions(`Embedding '${args.name ?? "embedding"}'`, args, [
      "inputDim",
      "outputDim",
      "maskZero",
      "embeddingsInitializer",
      "name",
    ]);
    super(args.name, "Embedding");
    this.inputDim = checkPositiveInt(this.who, "inputDim", args.inputDim);
    this.outputDim = checkPositiveInt(this.who, "outputDim", args.outputDim);
    if (args.maskZero !== undefined && typeof args.maskZero !== "boolean")
      throw new WasmRnnError(`${this.who}: expected maskZero to be a boolean, got ${JSON.stringify(args.maskZero)}`);
    this.maskZero = args.maskZero ?? false;
    this.initializer = new Initializer(
      args.embeddingsInitializer ?? "random_uniform",
      `${this.who} embeddingsInitializer`,
    );
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }

  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    if (inputs.length !== 1 || states.length !== 0)
      throw new WasmRnnError(`${this.who}: expected one input, got ${inputs.length + states.length}`);
    if (inputs[0]!.length < 1)
      throw new WasmRnnError(`${this.who}: expected input of rank >= 1, got shape ${fmtShape(inputs[0]!)}`);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    return [[...inputs[0]!, this.outputDim]];
  }
  override outputMasks(): MaskSource[] {
    return [this.maskZero ? "computed" : null];
  }
  weightSpecs(): WeightSpec[] {
    return [{ name: "embeddings", shape: [this.inputDim, this.outputDim] }];
  }
  protected build(): void {
    this.writeWeights([this.initializer.generate([this.inputDim, this.outputDim])]);
  }
  protected writeWeights(values: Float32Array[]): void {
    core(this.who);
    const fresh = arena.alloc(this.inputDim * this.outputDim * 4);
    heapF32().set(values[0]!, fresh >> 2);
    if (this.tablePtr) arena.free(this.tablePtr);
    this.tablePtr = fresh;
  }
  protected readWeights(): Float32Array[] {
    const p = this.tablePtr >> 2;
    return [heapF32().slice(p, p + this.inputDim * this.outputDim)];
  }
  scratchBytes(): number {
    return 0;
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[], _scratch: number, masks: MaskBufs): void {
    const x = inputs[0]!;
    const n = sizeOf(x.shape);
    const bad = kernels().embedding_forward(
      n,
      this.outputDim,
      x.ptr,
      x.dtype === "float32" ? 1 : 0,
      this.tablePtr,
      this.inputDim,
      outputs[0]!.ptr,
      masks.outputs[0] ?? 0,
    );
    if (bad >= 0) {
      const heap = heapF32();
      const v = x.dtype === "float32" ? heap[(x.ptr >> 2) + bad] : new Int32Array(heap.buffer, x.ptr + bad * 4, 1)[0];
      throw new WasmRnnError(`${this.who}: expected token ids in [0, ${this.inputDim}), got ${v} at flat index ${bad}`);
    }
  }
  override paramBlocks(): ParamBlock[] {
    return [{ ptr: this.tablePtr, length: this.inputDim * this.outputDim }];
  }
  /** The table is stored as Keras shapes it: no packing. */
  override packParams(values: readonly Float32Array[]): Float32Array[] {
    return [values[0]!.slice()];
  }
  override unpackParams(blocks: readonly Float32Array[]): Float32Array[] {
    return [blocks[0]!.slice()];
  }
  dispose(): void {
    if (this.tablePtr) arena.free(this.tablePtr);
    this.tablePtr = 0;
  }
}

// ---- TimeDistributed -------------------------------------------------------------------------

/**
 * Applies a per-feature-vector layer (Dense, Activation, Dropout) to every step of [B, T, ...]:
 * those act on the last axis, so the wrapped layer runs once over all steps.
 */
export class TimeDistributed extends Layer {
  readonly className = "TimeDistributed";
  readonly layer: Layer;

  constructor(layer: Layer, args: { name?: string } = {}) {
    if (!(layer instanceof Layer && layer.perVector)) {
      throw new WasmRnnError(
        `TimeDistributed: expected a Dense, Activation or Dropout layer to wrap, got ${(layer as unknown) instanceof Layer ? (layer as Layer).who : typeof layer}`,
      );
    }
    checkOptions(`TimeDistributed '${args?.name ?? "time_distributed"}'`, args ?? {}, ["name"]);
    super(args.name, "TimeDistributed");
    this.layer = layer;
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }

  private inner(shape: Shape): Shape {
    return [null, ...shape.slice(2)];
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = inputs[0]!;
    if (inputs.length !== 1 || states.length !== 0 || x.length < 3) {
      throw new WasmRnnError(
        `${this.who}: expected one input of rank >= 3 [batch, steps, ...], got ${inputs.map(fmtShape).join(", ")}`,
      );
    }
    this.layer.checkInputs([this.inner(x)], []);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const x = inputs[0]!;
    const [y] = this.layer.computeOutputShapes([this.inner(x)], []);
    return [[x[0]!, x[1]!, ...y!.slice(1)]];
  }
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    return passMask(inputMasked);
  }
  protected build(inputShape: Shape): void {
    this.layer.ensureBuilt(this.inner(inputShape));
  }
  weightSpecs(): WeightSpec[] {
    return this.layer.weightSpecs();
  }
  protected writeWeights(values: Float32Array[]): void {
    this.layer.setWeights(values);
  }
  protected readWeights(): Float32Array[] {
    return this.layer.getWeights().map((t) => t.data as Float32Array);
  }
  scratchBytes(inputs: readonly number[][]): number {
    return this.layer.scratchBytes(inputs);
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number, masks: MaskBufs): void {
    this.layer.forward(inputs, outputs, scratch, masks);
  }
  override paramBlocks(): ParamBlock[] {
    return this.layer.paramBlocks();
  }
  override packParams(values: readonly Float32Array[]): Float32Array[] {
    return this.layer.packParams(values);
  }
  override unpackParams(blocks: readonly Float32Array[]): Float32Array[] {
    return this.layer.unpackParams(blocks);
  }
  dispose(): void {
    this.layer.dispose();
  }
}

// ---- RepeatVector ----------------------------------------------------------------------------

/** [B, F] -> [B, n, F] by copying (Keras RepeatVector; drops any mask). */
export class RepeatVector extends WeightlessLayer {
  readonly className = "RepeatVector";
  readonly n: number;

  constructor(args: { n: number; name?: string }) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`RepeatVector: expected an options object { n }, got ${String(args)}`);
    checkOptions(`RepeatVector '${args.name ?? "repeat_vector"}'`, args, ["n", "name"]);
    super(args.name, "RepeatVector");
    this.n = checkPositiveInt(this.who, "n", args.n);
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 2);
    if (x.length !== 2)
      throw new WasmRnnError(`${this.who}: expected input of rank 2 [batch, features], got shape ${fmtShape(x)}`);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const [b, f] = inputs[0]!;
    return [[b!, this.n, f!]];
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    const [B, F] = inputs[0]!.shape as [number, number];
    kernels().repeat_rows(B, this.n, F, inputs[0]!.ptr, outputs[0]!.ptr);
  }
}

// ---- Concatenate and Add ---------------------------------------------------------------------

/** Joins inputs along `axis` (default -1). Masks as Keras: with any mask, a step is kept if any input keeps it. */
export class Concatenate extends WeightlessLayer {
  readonly className = "Concatenate";
  readonly axis: number;

  constructor(args: { axis?: number; name?: string } = {}) {
    checkOptions(`Concatenate '${args?.name ?? "concatenate"}'`, args ?? {}, ["axis", "name"]);
    super(args.name, "Concatenate");
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis))
      throw new WasmRnnError(`${this.who}: expected axis to be an integer, got ${JSON.stringify(args.axis)}`);
    this.axis = axis;
  }

  apply(xs: SymbolicTensor[]): SymbolicTensor;
  apply(xs: (Tensor | NestedArray)[]): Tensor;
  apply(xs: (SymbolicTensor | Tensor | NestedArray)[]): SymbolicTensor | Tensor {
    return this.applyMany(xs);
  }

  resolvedAxis(rank: number): number {
    const a = this.axis < 0 ? rank + this.axis : this.axis;
    if (a < 1 || a >= rank)
      throw new WasmRnnError(
        `${this.who}: expected axis in [1, ${rank}) or [-${rank - 1}, -1] for inputs of rank ${rank}, got ${this.axis}`,
      );
    return a;
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    if (inputs.length < 2 || states.length)
      throw new WasmRnnError(`${this.who}: expected at least 2 inputs, got ${inputs.length}`);
    const rank = inputs[0]!.length;
    const a = this.resolvedAxis(rank);
    for (const s of inputs) {
      const same =
        s.length === rank &&
        s.every((d, i) => i === 0 || i === a || d === null || inputs[0]![i] === null || d === inputs[0]![i]);
      if (!same || s[a] === null) {
        throw new WasmRnnError(
          `${this.who}: expected inputs of equal shapes except on axis ${this.axis}, got ${inputs.map(fmtShape).join(", ")}`,
        );
      }
    }
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const a = this.resolvedAxis(inputs[0]!.length);
    const out = [...inputs[0]!];
    out[a] = inputs.reduce((n, s) => n + s[a]!, 0);
    return [out];
  }
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    if (!inputMasked.some(Boolean)) return [null];
    // Keras concatenates the masks (broadcast over features) along the axis and reduces with any()
    // over the last axis; on the last axis that is an OR, with a missing mask counting as all-true
    if (this.axis !== -1 && this.builtShape && this.axis !== this.builtShape.length - 1) {
      throw new WasmRnnError(
        `${this.who}: expected masked inputs to be joined on the last axis, got axis ${this.axis}`,
      );
    }
    return ["computed"];
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[], _scratch: number, masks: MaskBufs): void {
    const k = kernels();
    const out = outputs[0]!;
    const a = this.resolvedAxis(out.shape.length);
    const outer = sizeOf(out.shape.slice(0, a));
    const stride = sizeOf(out.shape.slice(a));
    let offset = 0;
    for (const x of inputs) {
      const chunk = sizeOf(x.shape.slice(a));
      k.copy_blocks(outer, chunk, x.ptr, out.ptr + offset * 4, stride);
      offset += chunk;
    }
    const m = masks.outputs[0];
    if (m) {
      const n = maskBytes(out.shape);
      if (masks.inputs.some((p) => p === 0)) new Uint8Array(heapF32().buffer, m, n).fill(1);
      else {
        k.mask_or(n, masks.inputs[0]!, masks.inputs[1]!, m);
        for (let i = 2; i < masks.inputs.length; i++) k.mask_or(n, m, masks.inputs[i]!, m);
      }
    }
  }
}

/** Element-wise sum of inputs of one shape. Masks as Keras: an OR when every input has one. */
export class Add extends WeightlessLayer {
  readonly className = "Add";

  constructor(args: { name?: string } = {}) {
    checkOptions(`Add '${args?.name ?? "add"}'`, args ?? {}, ["name"]);
    super(args.name, "Add");
  }

  apply(xs: SymbolicTensor[]): SymbolicTensor;
  apply(xs: (Tensor | NestedArray)[]): Tensor;
  apply(xs: (SymbolicTensor | Tensor | NestedArray)[]): SymbolicTensor | Tensor {
    return this.applyMany(xs);
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    if (inputs.length < 2 || states.length)
      throw new WasmRnnError(`${this.who}: expected at least 2 inputs, got ${inputs.length}`);
    const s0 = inputs[0]!;
    for (const s of inputs) {
      if (s.length !== s0.length || s.some((d, i) => i > 0 && d !== s0[i])) {
        throw new WasmRnnError(`${this.who}: expected inputs of one shape, got ${inputs.map(fmtShape).join(", ")}`);
      }
    }
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    return [inputs[0]!];
  }
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    return [inputMasked.every(Boolean) ? "computed" : null];
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[], _scratch: number, masks: MaskBufs): void {
    const k = kernels();
    const out = outputs[0]!;
    const n = sizeOf(out.shape);
    k.add_arrays(n, inputs[0]!.ptr, inputs[1]!.ptr, out.ptr);
    for (let i = 2; i < inputs.length; i++) k.add_arrays(n, out.ptr, inputs[i]!.ptr, out.ptr);
    const m = masks.outputs[0];
    if (m) {
      const nm = maskBytes(out.shape);
      k.mask_or(nm, masks.inputs[0]!, masks.inputs[1]!, m);
      for (let i = 2; i < masks.inputs.length; i++) k.mask_or(nm, m, masks.inputs[i]!, m);
    }
  }
}

// ---- Activation, Dropout, Flatten ------------------------------------------------------------

/** An activation applied element-wise (softmax over the last axis). Passes masks on. */
export class Activation extends WeightlessLayer {
  readonly className = "Activation";
  override get perVector(): boolean {
    return true;
  }
  readonly activation: ActivationName;

  constructor(args: { activation: ActivationName | null; name?: string }) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Activation: expected an options object { activation }, got ${String(args)}`);
    checkOptions(`Activation '${args.name ?? "activation"}'`, args, ["activation", "name"]);
    super(args.name, "Activation");
    if (args.activation === undefined) throw new WasmRnnError(`${this.who}: expected an activation, got none`);
    this.activation = resolveActivation(args.activation, "linear", this.who, "activation");
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 1);
    if (x[x.length - 1] === null)
      throw new WasmRnnError(`${this.who}: expected a known last dimension, got shape ${fmtShape(x)}`);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    return [inputs[0]!];
  }
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    return passMask(inputMasked);
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    const x = inputs[0]!;
    const F = x.shape[x.shape.length - 1]!;
    kernels().activate_rows(x.ptr, F, sizeOf(x.shape) / F, F, outputs[0]!.ptr, ACTIVATION_IDS[this.activation]);
  }
}

/** Dropout: training only, so the identity at inference (as Keras `predict`). Passes masks on. */
export class Dropout extends WeightlessLayer {
  readonly className = "Dropout";
  override get perVector(): boolean {
    return true;
  }
  readonly rate: number;

  constructor(args: { rate: number; name?: string }) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Dropout: expected an options object { rate }, got ${String(args)}`);
    checkOptions(`Dropout '${args.name ?? "dropout"}'`, args, ["rate", "name"]);
    super(args.name, "Dropout");
    if (typeof args.rate !== "number" || !(args.rate >= 0 && args.rate < 1)) {
      throw new WasmRnnError(`${this.who}: expected rate to be a number in [0, 1), got ${JSON.stringify(args.rate)}`);
    }
    this.rate = args.rate;
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    this.checkOneInput(inputs, states, 1);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    return [inputs[0]!];
  }
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    return passMask(inputMasked);
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    copyFloats(inputs[0]!, outputs[0]!);
  }
}

/** [B, d1, d2, ...] -> [B, d1 * d2 * ...] (drops any mask, as Keras). */
export class Flatten extends WeightlessLayer {
  readonly className = "Flatten";

  constructor(args: { name?: string } = {}) {
    checkOptions(`Flatten '${args?.name ?? "flatten"}'`, args ?? {}, ["name"]);
    super(args.name, "Flatten");
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 2);
    if (x.slice(1).some((d) => d === null))
      throw new WasmRnnError(`${this.who}: expected known dimensions after the batch, got shape ${fmtShape(x)}`);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const x = inputs[0]!;
    return [[x[0]!, x.slice(1).reduce<number>((a, b) => a * b!, 1)]];
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    copyFloats(inputs[0]!, outputs[0]!);
  }
}

function copyFloats(src: Buf, dst: Buf): void {
  const n = sizeOf(src.shape);
  heapF32().copyWithin(dst.ptr >> 2, src.ptr >> 2, (src.ptr >> 2) + n);
}
