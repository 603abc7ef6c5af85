// Embedding: token ids [B, ...] (int32, or float32 holding integers) -> vectors [B, ..., outputDim].
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkOptions, checkPositiveInt } from "../core/validate.js";
import { core, heapF32, kernels } from "../core/wasm.js";
import { type Buf, checkWeightSizes, type MaskBufs, type MaskSource, type ParamBlock, sizeOf } from "./heap.js";
import { Initializer, type InitializerSpec } from "./initializers.js";
import { Layer, type Shape, type SymbolicTensor, type WeightSpec } from "./layer.js";

export interface EmbeddingArgs {
  inputDim: number;
  outputDim: number;
  /** Token 0 is padding: produce a mask that is 0 where the input is 0 (Keras `mask_zero`). */
  maskZero?: boolean;
  /** Default "random_uniform" in [-0.05, 0.05] (Keras "uniform"). */
  embeddingsInitializer?: InitializerSpec;
  name?: string;
  /** Keras's `trainable` (default true): false keeps fit from changing its weights. */
  trainable?: boolean;
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
      "trainable",
    ]);
    super(args.name, "Embedding");
    if (args.trainable !== undefined) this.setTrainableOnly(args.trainable);
    this.inputDim = checkPositiveInt(this.who, "inputDim", args.inputDim);
    this.outputDim = checkPositiveInt(this.who, "outputDim", args.outputDim);
    checkWeightSizes(this.who, this.weightSpecs()); // before build allocates the table in JS and wasm
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
  /** Writes into the existing table when there is one (its pointer stays). */
  protected writeWeights(values: Float32Array[]): void {
    core(this.who);
    if (!this.tablePtr) this.tablePtr = this.wasmBlocks.alloc(this.inputDim * this.outputDim * 4);
    heapF32().set(values[0]!, this.tablePtr >>> 2);
  }
  protected readWeights(): Float32Array[] {
    const p = this.tablePtr >>> 2;
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
      const v = x.dtype === "float32" ? heap[(x.ptr >>> 2) + bad] : new Int32Array(heap.buffer, x.ptr + bad * 4, 1)[0];
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
  protected freeMemory(): void {
    if (this.tablePtr) this.wasmBlocks.free(this.tablePtr);
    this.tablePtr = 0;
  }
}
