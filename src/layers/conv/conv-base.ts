// The base of Conv1D, DepthwiseConv1D and SeparableConv1D: y = act(conv(x) [. pointwise] + bias)
// over [B, T, C] (channels last). Stage A is the grouped convolution: with one group per channel
// (depthwise) the direct depthwise kernel; otherwise one GEMM, im2col of the input into cols
// [B * To, K * C] times the kernel packed in 16-column panels as the full [K * C, FA] matrix
// (zero across groups; packing.ts). Stage B (SeparableConv1D only) is the pointwise [FA, F] GEMM.
// The bias is the first term of the last stage; then one activation pass. A 1-step window with
// stride 1 reads x itself (no im2col).
import { ACTIVATION_IDS, type ActivationName, ALL_ACTIVATIONS, resolveActivation } from "../../core/activations.js";
import { fmtShape, WasmRnnError } from "../../core/errors.js";
import type { NestedArray, Tensor } from "../../core/tensor.js";
import { checkBool } from "../../core/validate.js";
import { heapF32, kernels } from "../../core/wasm.js";
import {
  allocBlocks,
  type Buf,
  carve,
  checkWeightSizes,
  type ParamBlock,
  packedCopies,
  round16,
  sameShapeLayout,
  withBlocks,
} from "../heap.js";
import { Initializer, type InitializerSpec } from "../initializers.js";
import { Layer, type Shape, type SymbolicTensor } from "../layer.js";
import { checkSteps, checkWindow, outSteps, padLeft, type Window, type WindowArgs } from "./geometry.js";
import { type ConvGeom, maskAcrossGroups, packConv, stageALength, unpackConv } from "./packing.js";

export interface ConvCommonArgs extends WindowArgs {
  /** Default null (linear). */
  activation?: ActivationName | null;
  useBias?: boolean;
  biasInitializer?: InitializerSpec;
  name?: string;
  /** Keras's `trainable` (default true): false keeps fit from changing its weights. */
  trainable?: boolean;
}

export const WINDOW_OPTIONS = ["kernelSize", "strides", "padding", "dataFormat", "dilationRate"] as const;
export const COMMON_OPTIONS = [
  ...WINDOW_OPTIONS,
  "activation",
  "useBias",
  "biasInitializer",
  "name",
  "trainable",
] as const;

/** Stage A's shape once the input channels C are known: G groups, FA output channels. */
export interface StageA {
  groups: number;
  channels: number;
}

export abstract class ConvBase extends Layer {
  readonly window: Window;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  protected readonly biasInitializer: Initializer;
  /** Input channels (set by build). */
  inChannels = 0;
  /** Stage A's groups and output channels (set by build). */
  stageA: StageA = { groups: 1, channels: 0 };
  /** [stage A kernel, stage B kernel or 0, bias (always allocated; zero without useBias), zero row]. */
  private ptrs: number[] = [];

  constructor(args: ConvCommonArgs, className: string) {
    super(args.name, className);
    if (args.trainable !== undefined) this.setTrainableOnly(args.trainable);
    this.window = checkWindow(this.who, args);
    this.activation = resolveActivation(args.activation, "linear", this.who, "activation", ALL_ACTIVATIONS);
    this.useBias = checkBool(this.who, "useBias", args.useBias, true);
    this.biasInitializer = new Initializer(args.biasInitializer ?? "zeros", `${this.who} biasInitializer`);
  }

  // ---- what each layer says -------------------------------------------------------------------
  /** Output channels of the layer. */
  abstract get filters(): number;
  /** Stage A for C input channels (checks C against the options). */
  protected abstract stageFor(C: number): StageA;
  /** Whether stage B (the pointwise kernel) follows. */
  get pointwise(): boolean {
    return false;
  }
  /** Fresh initial weights in weightSpecs order. */
  protected abstract initialWeights(): Float32Array[];

  // ---- shapes ---------------------------------------------------------------------------------
  get kernelRows(): number {
    return this.window.kernelSize * this.inChannels;
  }
  get paddedA(): number {
    return round16(this.stageA.channels);
  }
  get paddedOut(): number {
    return round16(this.filters);
  }
  /** One group per input channel (C > 1): stage A runs the direct depthwise kernel, not a GEMM. */
  get depthwise(): boolean {
    return this.stageA.groups === this.inChannels && this.inChannels > 1;
  }
  get geom(): ConvGeom {
    const { groups, channels: FA } = this.stageA;
    const [K, C, F] = [this.window.kernelSize, this.inChannels, this.filters];
    const [pointwise, useBias, depthwise] = [this.pointwise, this.useBias, this.depthwise];
    return { K, C, groups, FA, FAp: this.paddedA, F, Fp: this.paddedOut, pointwise, useBias, depthwise };
  }
  /**
   * The forward's GEMM reads x itself, its rows overlapping: stride and dilation 1, no padding (a
   * GEMM stage A), so output step t's window is input steps t .. t + K - 1, contiguous in x.
   */
  windowsInX(T: number): boolean {
    const w = this.window;
    return (
      !this.depthwise &&
      !this.direct &&
      w.strides === 1 &&
      w.dilationRate === 1 &&
      padLeft(w, T) === 0 &&
      outSteps(w, T) === T - w.kernelSize + 1
    );
  }

  /** The input itself serves as cols: one-step window, stride 1, no padding. */
  get direct(): boolean {
    return this.window.kernelSize === 1 && this.window.strides === 1;
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }

  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 3);
    if (x.length !== 3 || x[2] === null)
      throw new WasmRnnError(
        `${this.who}: expected input of rank 3 [batch, steps, channels] with known channels, got shape ${fmtShape(x)}`,
      );
    if (this.built && x[2] !== this.inChannels)
      throw new WasmRnnError(`${this.who}: expected input with ${this.inChannels} channels, got shape ${fmtShape(x)}`);
    if (!this.built) this.stageFor(x[2]);
    checkSteps(this.who, this.window, x[1]!);
  }

  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const x = inputs[0]!;
    return [[x[0]!, outSteps(this.window, x[1]!), this.filters]];
  }

  protected build(inputShape: Shape): void {
    this.inChannels = inputShape[2]!;
    this.stageA = this.stageFor(this.inChannels);
    checkWeightSizes(this.who, [
      ...this.weightSpecs(),
      { name: "packed kernel", shape: [this.kernelRows, this.paddedA] },
    ]);
    this.writeWeights(this.initialWeights());
  }

  // ---- weights --------------------------------------------------------------------------------
  /** Float counts of [stage A kernel, stage B kernel, bias, zero row]. */
  private blockLengths(): number[] {
    return [
      stageALength(this.geom),
      this.pointwise ? this.stageA.channels * this.paddedOut : 1,
      this.paddedOut,
      this.paddedA,
    ];
  }

  protected writeWeights(values: Float32Array[]): void {
    const blocks = this.ptrs.length ? this.ptrs : allocBlocks(this.blockLengths(), this.wasmBlocks);
    this.pack(values, blocks);
    if (!this.ptrs.length) heapF32().fill(0, blocks[3]! >>> 2, (blocks[3]! >>> 2) + this.paddedA);
    this.ptrs = blocks;
  }

  protected readWeights(): Float32Array[] {
    return this.unpack(this.ptrs[0]!, this.ptrs[1]!, this.ptrs[2]!);
  }

  private unpack(a: number, b: number, bias: number): Float32Array[] {
    return unpackConv(this.who, this.geom, a, b, bias);
  }

  private pack(values: readonly Float32Array[], dst: readonly number[]): void {
    packConv(this.who, this.geom, values, dst);
  }

  /** Zeroes the across-group entries of a gradient block of stage A (grouped, not depthwise). */
  maskAcrossGroups(ptr: number): void {
    maskAcrossGroups(this.geom, ptr);
  }

  override paramBlocks(): ParamBlock[] {
    const blocks: ParamBlock[] = [{ ptr: this.ptrs[0]!, length: stageALength(this.geom) }];
    if (this.pointwise) blocks.push({ ptr: this.ptrs[1]!, length: this.stageA.channels * this.paddedOut });
    if (this.useBias) blocks.push({ ptr: this.ptrs[2]!, length: this.paddedOut });
    return blocks;
  }

  override packParams(values: readonly Float32Array[]): Float32Array[] {
    const lengths = this.paramBlocks().map((b) => b.length);
    return packedCopies(lengths, (ptrs) => {
      const [a, ...rest] = ptrs;
      const b = this.pointwise ? rest.shift()! : 0;
      this.pack(values, [a!, b, this.useBias ? rest.shift()! : 0]);
    });
  }

  override unpackParams(blocks: readonly Float32Array[]): Float32Array[] {
    return withBlocks(blocks, ([a, ...rest]) => {
      const b = this.pointwise ? rest.shift()! : 0;
      return this.unpack(a!, b, this.useBias ? rest.shift()! : 0);
    });
  }

  /** The zero row stage A starts from in SeparableConv1D (no bias before the pointwise GEMM). */
  get zeroRow(): number {
    return this.ptrs[3]!;
  }
  get biasPtr(): number {
    return this.ptrs[2]!;
  }

  // ---- forward --------------------------------------------------------------------------------
  /**
   * Forward scratch, from 0: the pre-activation z [M, Fp] (first, as Dense's: where a trainer can read
   * logits), cols [M, K * C] (none when direct, depthwise or read from x), stage A's zA [M, FAp] (pointwise).
   */
  readonly layout = sameShapeLayout((B, T) => {
    const M = B * (outSteps(this.window, T) ?? 0);
    return carve(0, {
      z: M * this.paddedOut * 4,
      cols: this.direct || this.depthwise || (!this.pointwise && this.windowsInX(T)) ? 0 : M * this.kernelRows * 4,
      zA: this.pointwise ? M * this.paddedA * 4 : 0,
    });
  });

  scratchBytes(inputs: readonly number[][]): number {
    const [B, T] = inputs[0]!;
    return this.layout(B!, T!).total;
  }

  /** im2col of x into `cols` (or x itself when direct); returns the rows' pointer. */
  im2col(x: Buf, cols: number): number {
    if (this.direct) return x.ptr;
    const [B, T, C] = x.shape as [number, number, number];
    const w = this.window;
    const To = outSteps(w, T)!;
    kernels().conv1d_im2col(B, T, C, To, w.kernelSize, w.strides, w.dilationRate, padLeft(w, T), x.ptr, cols);
    return cols;
  }

  /**
   * Stage A of x into `out` [M, FAp] from the first term `c0` (the bias, or the zero row before a
   * pointwise stage): the depthwise kernel, or im2col (into `cols`) and the GEMM. Returns the GEMM's
   * rows (cols, or x itself when direct), 0 for depthwise.
   */
  stageAForward(x: Buf, cols: number, out: number, c0: number): number {
    const [B, T, C] = x.shape as [number, number, number];
    const w = this.window;
    const To = outSteps(w, T)!;
    const FAp = this.paddedA;
    const k = kernels();
    if (this.depthwise) {
      const dm = this.stageA.channels / C;
      k.depthwise_conv1d(
        B,
        T,
        C,
        To,
        w.kernelSize,
        w.strides,
        w.dilationRate,
        padLeft(w, T),
        dm,
        x.ptr,
        this.ptrs[0]!,
        FAp,
        c0,
        out,
        FAp,
      );
      return 0;
    }
    const a = this.im2col(x, cols);
    const Kc = this.kernelRows;
    k.gemm_2x16(B * To, FAp, Kc, a, Kc, this.ptrs[0]!, c0, 0, out, FAp);
    return a;
  }

  /** Stage B (pointwise): z [M, Fp] = zA [M, FAp] . pointwise + bias. */
  stageBForward(M: number, zA: number, z: number): void {
    const Fp = this.paddedOut;
    kernels().gemm_2x16(M, Fp, this.stageA.channels, zA, this.paddedA, this.ptrs[1]!, this.biasPtr, 0, z, Fp);
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number): void {
    const x = inputs[0]!,
      y = outputs[0]!;
    const [B, T] = x.shape as [number, number];
    const L = this.layout(B, T);
    const M = B * y.shape[1]!;
    const z = scratch + L.z;
    if (this.pointwise) {
      this.stageAForward(x, scratch + L.cols, scratch + L.zA, this.zeroRow);
      this.stageBForward(M, scratch + L.zA, z);
    } else if (this.windowsInX(T)) {
      // every window lies inside x as K consecutive steps: the GEMM reads x's rows overlapping,
      // one call per batch row, instead of an im2col copy of K times x
      const C = this.inChannels,
        To = y.shape[1]!,
        k = kernels();
      for (let b = 0; b < B; b++) {
        k.gemm_2x16(
          To,
          this.paddedA,
          this.kernelRows,
          x.ptr + b * T * C * 4,
          C,
          this.ptrs[0]!,
          this.biasPtr,
          0,
          z + b * To * this.paddedA * 4,
          this.paddedA,
        );
      }
    } else this.stageAForward(x, scratch + L.cols, z, this.biasPtr);
    kernels().activate_rows(z, this.paddedOut, M, this.filters, y.ptr, ACTIVATION_IDS[this.activation]);
  }

  protected freeMemory(): void {
    for (const p of this.ptrs) this.wasmBlocks.free(p);
    this.ptrs = [];
  }

  /** The options every convolution shares, as getConfig gives them. */
  protected commonConfig(): Record<string, unknown> {
    const w = this.window;
    return {
      name: this.name,
      kernelSize: w.kernelSize,
      strides: w.strides,
      padding: w.padding,
      dilationRate: w.dilationRate,
      activation: this.activation,
      useBias: this.useBias,
    };
  }
}
