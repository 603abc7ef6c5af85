// Dense: y = act(x . kernel + bias) over the last axis. Kernel [I, U] is packed once into 16-column
// panels; forward is one GEMM into a padded scratch plus one activation pass (softmax included).
import { ACTIVATION_IDS, type ActivationName, ALL_ACTIVATIONS, resolveActivation } from "../core/activations.js";
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkBool, checkOptions, checkPositiveInt } from "../core/validate.js";
import { core, heapF32, kernels } from "../core/wasm.js";
import {
  allocBlocks,
  type Buf,
  carve,
  checkWeightSizes,
  type MaskSource,
  type ParamBlock,
  packedCopies,
  round16,
  sameShapeLayout,
  sizeOf,
  withBlocks,
  withStaging,
} from "./heap.js";
import { Initializer, type InitializerSpec } from "./initializers.js";
import { Layer, type Shape, type SymbolicTensor, type WeightSpec } from "./layer.js";

export interface DenseArgs {
  units: number;
  /** Default null (linear). Includes "softmax" over the last axis. */
  activation?: ActivationName | null;
  useBias?: boolean;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  name?: string;
  /** Keras's `trainable` (default true): false keeps fit from changing its weights. */
  trainable?: boolean;
}

const OPTIONS = [
  "units",
  "activation",
  "useBias",
  "kernelInitializer",
  "biasInitializer",
  "name",
  "trainable",
] as const;

export class Dense extends Layer {
  readonly className = "Dense";
  override get perVector(): boolean {
    return true;
  }
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private inputDim = 0;
  private kernelPtr = 0;
  private biasPtr = 0;

  /**
   * Forward scratch, from 0: the pre-activation z [M, Up] (the Trainer reads it there as logits),
   * then the int8 rows of x and their parameters (src/quant), in every plan so quantizing never outgrows one.
   */
  private readonly offsets = sameShapeLayout((M, Up) =>
    carve(0, { z: M * Up * 4, q: M * (round16(this.inputDim) + 8) }),
  );
  /** int8 inference (src/quant/int8.ts sets it): z = x . kernel + bias from x [M, I] and the `q` scratch. */
  quantProduct: ((x: number, M: number, z: number, q: number, bias: number) => void) | null = null;

  constructor(args: DenseArgs) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Dense: expected an options object with units, got ${String(args)}`);
    checkOptions(`Dense '${args.name ?? "dense"}'`, args, OPTIONS);
    super(args.name, "Dense");
    if (args.trainable !== undefined) this.setTrainableOnly(args.trainable);
    this.units = checkPositiveInt(this.who, "units", args.units);
    this.activation = resolveActivation(args.activation, "linear", this.who, "activation", ALL_ACTIVATIONS);
    this.useBias = checkBool(this.who, "useBias", args.useBias, true);
    this.kernelInitializer = new Initializer(
      args.kernelInitializer ?? "glorot_uniform",
      `${this.who} kernelInitializer`,
    );
    this.biasInitializer = new Initializer(args.biasInitializer ?? "zeros", `${this.who} biasInitializer`);
  }

  /** Output columns rounded up to the GEMM panel width (16). */
  get paddedUnits(): number {
    return (this.units + 15) & ~15;
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }

  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 2);
    if (x[x.length - 1] === null) {
      throw new WasmRnnError(
        `${this.who}: expected input of rank >= 2 with a known last dimension, got shape ${fmtShape(x)}`,
      );
    }
    if (this.built && x[x.length - 1] !== this.inputDim) {
      throw new WasmRnnError(
        `${this.who}: expected input with last dimension ${this.inputDim}, got shape ${fmtShape(x)}`,
      );
    }
  }

  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const x = inputs[0]!;
    return [[...x.slice(0, -1), this.units]];
  }

  weightSpecs(): WeightSpec[] {
    const specs: WeightSpec[] = [{ name: "kernel", shape: [this.inputDim, this.units] }];
    if (this.useBias) specs.push({ name: "bias", shape: [this.units] });
    return specs;
  }

  protected build(inputShape: Shape): void {
    this.inputDim = inputShape[inputShape.length - 1]!;
    checkWeightSizes(this.who, this.weightSpecs()); // before the initializers allocate them
    const values = [this.kernelInitializer.generate([this.inputDim, this.units])];
    if (this.useBias) values.push(this.biasInitializer.generate([this.units]));
    this.writeWeights(values);
  }

  /** Packs into the existing blocks when there are some (their pointers stay), else into new ones. */
  protected writeWeights(values: Float32Array[]): void {
    const blocks = this.kernelPtr ? [this.kernelPtr, this.biasPtr] : allocBlocks(this.blockLengths(), this.wasmBlocks);
    this.pack(values, blocks);
    [this.kernelPtr, this.biasPtr] = blocks as [number, number];
  }

  /** Float counts of [kernel, bias]: the kernel in 16-column panels, the bias padded to them. */
  private blockLengths(): number[] {
    return [this.paddedUnits * this.inputDim, this.paddedUnits];
  }

  /** Packs `values` into `dst` [kernel, bias] (padding zero). Allocates only staging before writing. */
  private pack(values: readonly Float32Array[], dst: readonly number[]): void {
    const k = core(this.who);
    const I = this.inputDim,
      U = this.units,
      Up = this.paddedUnits;
    withStaging([I * U * 4], ([kS]) => {
      const f32 = heapF32();
      f32.set(values[0]!, kS! >>> 2);
      k.pack_panel16(kS!, U, I, U, I, dst[0]!);
      if (dst[1]) {
        f32.fill(0, dst[1] >>> 2, (dst[1] >>> 2) + Up);
        if (this.useBias) f32.set(values[1]!, dst[1] >>> 2);
      }
    });
  }

  protected readWeights(): Float32Array[] {
    return this.unpack(this.kernelPtr, this.biasPtr);
  }

  private unpack(kernelPtr: number, biasPtr: number): Float32Array[] {
    const k = core(this.who);
    const I = this.inputDim,
      U = this.units;
    return withStaging([I * U * 4], ([kS]) => {
      k.unpack_panel16(kernelPtr, I, U, I, kS!);
      const f32 = heapF32();
      const out = [f32.slice(kS! >>> 2, (kS! >>> 2) + I * U)];
      if (this.useBias) out.push(f32.slice(biasPtr >>> 2, (biasPtr >>> 2) + U));
      return out;
    });
  }

  override packParams(values: readonly Float32Array[]): Float32Array[] {
    return packedCopies(
      this.paramBlocks().map((b) => b.length),
      (ptrs) => this.pack(values, ptrs),
    );
  }

  override unpackParams(blocks: readonly Float32Array[]): Float32Array[] {
    return withBlocks(blocks, ([w, b]) => this.unpack(w!, b ?? 0));
  }

  /** Keras: Dense supports masking and passes its input's mask on. */
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    return [inputMasked[0] ? { input: 0 } : null];
  }

  scratchBytes(inputs: readonly number[][]): number {
    const x = inputs[0]!;
    return this.offsets(sizeOf(x) / x[x.length - 1]!, this.paddedUnits).total;
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number): void {
    const k = kernels();
    const x = inputs[0]!;
    const I = this.inputDim,
      Up = this.paddedUnits;
    const M = sizeOf(x.shape) / I;
    const at = this.offsets(M, Up),
      z = scratch + at.z;
    if (this.quantProduct) this.quantProduct(x.ptr, M, z, scratch + at.q, this.biasPtr);
    else k.gemm_2x16(M, Up, I, x.ptr, I, this.kernelPtr, this.biasPtr, 0, z, Up);
    k.activate_rows(z, Up, M, this.units, outputs[0]!.ptr, ACTIVATION_IDS[this.activation]);
  }

  override paramBlocks(): ParamBlock[] {
    const Up = this.paddedUnits;
    const blocks = [{ ptr: this.kernelPtr, length: Up * this.inputDim }];
    if (this.useBias) blocks.push({ ptr: this.biasPtr, length: Up });
    return blocks;
  }

  private freeWeights(): void {
    for (const p of [this.kernelPtr, this.biasPtr]) if (p) this.wasmBlocks.free(p);
    this.kernelPtr = this.biasPtr = 0;
  }

  protected freeMemory(): void {
    this.freeWeights();
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, units: this.units, activation: this.activation, useBias: this.useBias };
  }
}
