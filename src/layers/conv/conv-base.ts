// The base of Conv1D, DepthwiseConv1D and SeparableConv1D: y = act(conv(x) [. pointwise] + bias)
// over [B, T, C] (channels last). Stage A is a grouped convolution as one GEMM: im2col of the
// input into cols [B * To, K * C], times the kernel packed into 16-column panels as a full
// [K * C, FA] matrix (zero outside each group's block: groups > 1 and depthwise). Stage B
// (SeparableConv1D only) is the pointwise [FA, F] GEMM. Then the bias (as the GEMM's first
// term) and one activation pass. A 1-step window over unpadded input reads x itself (no im2col).
import { ACTIVATION_IDS, type ActivationName, resolveActivation } from "../../core/activations.js";
import { fmtShape, WasmRnnError } from "../../core/errors.js";
import type { NestedArray, Tensor } from "../../core/tensor.js";
import { checkBool } from "../../core/validate.js";
import { core, heapF32, kernels } from "../../core/wasm.js";
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
  withStaging,
} from "../heap.js";
import { Initializer, type InitializerSpec } from "../initializers.js";
import { Layer, type Shape, type SymbolicTensor } from "../layer.js";
import { uniqueName } from "../naming.js";
import { checkSteps, checkWindow, outSteps, padLeft, type Window, type WindowArgs } from "./geometry.js";

export interface ConvCommonArgs extends WindowArgs {
  /** Default null (linear). */
  activation?: ActivationName | null;
  useBias?: boolean;
  biasInitializer?: InitializerSpec;
  name?: string;
}

export const WINDOW_OPTIONS = ["kernelSize", "strides", "padding", "dataFormat", "dilationRate"] as const;
export const COMMON_OPTIONS = [...WINDOW_OPTIONS, "activation", "useBias", "biasInitializer", "name"] as const;

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

  /** `kerasName`: Keras's default name prefix ("conv1d"; our toSnakeCase would say "conv1_d"). */
  constructor(args: ConvCommonArgs, className: string, kerasName: string) {
    super(args.name ?? uniqueName(kerasName), className);
    this.window = checkWindow(this.who, args);
    this.activation = resolveActivation(args.activation, "linear", this.who, "activation");
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
      this.kernelRows * this.paddedA,
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

  /** Stage A's kernel [K, C / G, FA] spread into the full [K * C, FA] matrix (zero across groups). */
  private fullKernel(a: Float32Array): Float32Array {
    const { groups: G, channels: FA } = this.stageA;
    if (G === 1) return a;
    const K = this.window.kernelSize,
      C = this.inChannels,
      Cg = C / G,
      Fg = FA / G;
    const full = new Float32Array(K * C * FA);
    for (let k = 0; k < K; k++)
      for (let c = 0; c < Cg; c++)
        for (let f = 0; f < FA; f++) {
          const g = Math.floor(f / Fg);
          full[(k * C + g * Cg + c) * FA + f] = a[(k * Cg + c) * FA + f]!;
        }
    return full;
  }

  /** The inverse of fullKernel. */
  private groupKernel(full: Float32Array): Float32Array {
    const { groups: G, channels: FA } = this.stageA;
    if (G === 1) return full;
    const K = this.window.kernelSize,
      C = this.inChannels,
      Cg = C / G,
      Fg = FA / G;
    const a = new Float32Array(K * Cg * FA);
    for (let k = 0; k < K; k++)
      for (let c = 0; c < Cg; c++)
        for (let f = 0; f < FA; f++) a[(k * Cg + c) * FA + f] = full[(k * C + Math.floor(f / Fg) * Cg + c) * FA + f]!;
    return a;
  }

  /**
   * Zeroes, in a block packed as stage A's kernel, the entries across groups: their gradients
   * (the full matrix's zeros stay zero under every optimizer).
   */
  maskAcrossGroups(ptr: number): void {
    const { groups: G, channels: FA } = this.stageA;
    if (G === 1) return;
    const Kc = this.kernelRows,
      C = this.inChannels,
      Cg = C / G,
      Fg = FA / G;
    const f32 = heapF32();
    const base = ptr >>> 2;
    for (let n = 0; n < this.paddedA; n++) {
      const g = Math.floor(n / Fg);
      const panel = base + (n >> 4) * Kc * 16 + (n & 15);
      for (let r = 0; r < Kc; r++) if (n >= FA || Math.floor((r % C) / Cg) !== g) f32[panel + r * 16] = 0;
    }
  }

  /** Packs `values` (weightSpecs order) into `dst` (blockLengths order); allocates only staging. */
  private pack(values: readonly Float32Array[], dst: readonly number[]): void {
    const k = core(this.who);
    const Kc = this.kernelRows,
      FA = this.stageA.channels,
      F = this.filters;
    const full = this.fullKernel(values[0]!);
    const b = this.pointwise ? values[1]! : null;
    const bias = this.useBias ? values[b ? 2 : 1]! : null;
    withStaging([Math.max(full.length, b?.length ?? 0) * 4], ([s]) => {
      const f32 = heapF32();
      f32.set(full, s! >>> 2);
      k.pack_panel16(s!, FA, Kc, FA, Kc, dst[0]!);
      if (b && dst[1]) {
        f32.set(b, s! >>> 2);
        k.pack_panel16(s!, F, FA, F, FA, dst[1]);
      }
      if (dst[2]) {
        f32.fill(0, dst[2] >>> 2, (dst[2] >>> 2) + this.paddedOut);
        if (bias) f32.set(bias, dst[2] >>> 2);
      }
    });
  }

  protected readWeights(): Float32Array[] {
    return this.unpack(this.ptrs[0]!, this.ptrs[1]!, this.ptrs[2]!);
  }

  private unpack(a: number, b: number, bias: number): Float32Array[] {
    const k = core(this.who);
    const Kc = this.kernelRows,
      FA = this.stageA.channels,
      F = this.filters;
    return withStaging([Math.max(Kc * FA, FA * F) * 4], ([s]) => {
      k.unpack_panel16(a, Kc, FA, Kc, s!);
      const out = [this.groupKernel(heapF32().slice(s! >>> 2, (s! >>> 2) + Kc * FA))];
      if (this.pointwise) {
        k.unpack_panel16(b, FA, F, FA, s!);
        out.push(heapF32().slice(s! >>> 2, (s! >>> 2) + FA * F));
      }
      if (this.useBias) out.push(heapF32().slice(bias >>> 2, (bias >>> 2) + F));
      return out;
    });
  }

  override paramBlocks(): ParamBlock[] {
    const blocks: ParamBlock[] = [{ ptr: this.ptrs[0]!, length: this.kernelRows * this.paddedA }];
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
  /** Forward scratch: cols [M, K * C] (none when direct), stage A's zA [M, FAp] (pointwise), z [M, Fp]. */
  readonly layout = sameShapeLayout((B, T) => {
    const M = B * (outSteps(this.window, T) ?? 0);
    return carve(0, {
      cols: this.direct ? 0 : M * this.kernelRows * 4,
      zA: this.pointwise ? M * this.paddedA * 4 : 0,
      z: M * this.paddedOut * 4,
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

  /** Stage A (and B): the pre-activation z [M, Fp] from the rows `a` (zA [M, FAp] when pointwise). */
  gemms(M: number, a: number, zA: number, z: number): void {
    const k = kernels();
    const Kc = this.kernelRows;
    if (this.pointwise) {
      k.gemm_2x16(M, this.paddedA, Kc, a, Kc, this.ptrs[0]!, this.zeroRow, 0, zA, this.paddedA);
      k.gemm_2x16(
        M,
        this.paddedOut,
        this.stageA.channels,
        zA,
        this.paddedA,
        this.ptrs[1]!,
        this.biasPtr,
        0,
        z,
        this.paddedOut,
      );
    } else k.gemm_2x16(M, this.paddedOut, Kc, a, Kc, this.ptrs[0]!, this.biasPtr, 0, z, this.paddedOut);
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number): void {
    const x = inputs[0]!,
      y = outputs[0]!;
    const [B, T] = x.shape as [number, number];
    const L = this.layout(B, T);
    const M = B * y.shape[1]!;
    this.gemms(M, this.im2col(x, scratch + L.cols), scratch + L.zA, scratch + L.z);
    kernels().activate_rows(scratch + L.z, this.paddedOut, M, this.filters, y.ptr, ACTIVATION_IDS[this.activation]);
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
