// Conv2D: [B, H, W, C] -> [B, OH, OW, F] channels_last, y = act(conv(x, kernel) + bias). The kernel
// [KH, KW, C/groups, F] is packed once as a [KH*KW*C, F] matrix in 16-column panels (groups as a
// block-diagonal matrix, zero across groups); forward copies the windows of a chunk of output
// positions into rows (im2col, assembly/layers/conv2d.ts), multiplies them by the panels with the
// Dense GEMM and activates the rows. A 1x1 kernel with strides 1 and no padding skips im2col.
import { ACTIVATION_IDS, type ActivationName, resolveActivation } from "../core/activations.js";
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkBool, checkOptions, checkPositiveInt } from "../core/validate.js";
import { core, heapF32, kernels } from "../core/wasm.js";
import {
  checkPadding,
  checkPair,
  outSize,
  type Padding2D,
  type Pair,
  type Window2D,
  window2d,
} from "./conv2d-geometry.js";
import {
  allocBlocks,
  type Buf,
  carve,
  checkWeightSizes,
  type ParamBlock,
  packedCopies,
  round16,
  withBlocks,
  withStaging,
} from "./heap.js";
import { Initializer, type InitializerSpec } from "./initializers.js";
import { Layer, type Shape, type SymbolicTensor, type WeightSpec } from "./layer.js";

export interface Conv2DArgs {
  filters: number;
  kernelSize: number | Pair;
  strides?: number | Pair;
  /** "valid" (default) or "same" (TensorFlow's: output ceil(in / stride)). */
  padding?: Padding2D;
  /** Only "channels_last". */
  dataFormat?: "channels_last";
  dilationRate?: number | Pair;
  groups?: number;
  activation?: ActivationName | null;
  useBias?: boolean;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  name?: string;
  /** Keras's `trainable` (default true): false keeps fit from changing its weights. */
  trainable?: boolean;
}

const OPTIONS = [
  "filters",
  "kernelSize",
  "strides",
  "padding",
  "dataFormat",
  "dilationRate",
  "groups",
  "activation",
  "useBias",
  "kernelInitializer",
  "biasInitializer",
  "name",
  "trainable",
] as const;

/** Floats of im2col rows per forward chunk (about 256 KB): the rows stay in cache for the GEMM. */
const CHUNK_FLOATS = 65536;

/** The 13 geometry ints the kernels read (assembly/layers/conv2d.ts). */
export function writeGeometry(ptr: number, g: Window2D): void {
  new Int32Array(heapF32().buffer, ptr, 13).set([
    g.H,
    g.W,
    g.C,
    g.OH,
    g.OW,
    g.KH,
    g.KW,
    g.SH,
    g.SW,
    g.DH,
    g.DW,
    g.PT,
    g.PL,
  ]);
}

export class Conv2D extends Layer {
  readonly className = "Conv2D";
  readonly filters: number;
  readonly kernelSize: Pair;
  readonly strides: Pair;
  readonly padding: Padding2D;
  readonly dilationRate: Pair;
  readonly groups: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  /** Input channels (set by build). */
  channels = 0;
  private kernelPtr = 0;
  private biasPtr = 0;

  constructor(args: Conv2DArgs) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Conv2D: expected an options object with filters and kernelSize, got ${String(args)}`);
    checkOptions(`Conv2D '${args.name ?? "conv2d"}'`, args, OPTIONS);
    super(args.name, "Conv2D");
    if (args.trainable !== undefined) this.setTrainableOnly(args.trainable);
    this.filters = checkPositiveInt(this.who, "filters", args.filters);
    if (args.kernelSize === undefined) throw new WasmRnnError(`${this.who}: expected kernelSize, got none`);
    this.kernelSize = checkPair(this.who, "kernelSize", args.kernelSize, [1, 1]);
    this.strides = checkPair(this.who, "strides", args.strides, [1, 1]);
    this.padding = checkPadding(this.who, args.padding);
    if (args.dataFormat !== undefined && args.dataFormat !== "channels_last")
      throw new WasmRnnError(
        `${this.who}: expected dataFormat "channels_last", got ${JSON.stringify(args.dataFormat)}`,
      );
    this.dilationRate = checkPair(this.who, "dilationRate", args.dilationRate, [1, 1]);
    if (Math.max(...this.strides) > 1 && Math.max(...this.dilationRate) > 1) {
      throw new WasmRnnError(
        `${this.who}: expected strides 1 or dilationRate 1 (Keras refuses both above 1), got strides ` +
          `${JSON.stringify(this.strides)} and dilationRate ${JSON.stringify(this.dilationRate)}`,
      );
    }
    this.groups = args.groups === undefined ? 1 : checkPositiveInt(this.who, "groups", args.groups);
    if (this.filters % this.groups !== 0)
      throw new WasmRnnError(`${this.who}: expected filters divisible by groups ${this.groups}, got ${this.filters}`);
    this.activation = resolveActivation(args.activation, "linear", this.who, "activation");
    this.useBias = checkBool(this.who, "useBias", args.useBias, true);
    this.kernelInitializer = new Initializer(
      args.kernelInitializer ?? "glorot_uniform",
      `${this.who} kernelInitializer`,
    );
    this.biasInitializer = new Initializer(args.biasInitializer ?? "zeros", `${this.who} biasInitializer`);
  }

  get paddedFilters(): number {
    return round16(this.filters);
  }
  /** Rows of the im2col matrix: KH * KW * C. */
  get depth(): number {
    return this.kernelSize[0] * this.kernelSize[1] * this.channels;
  }
  /** Whether forward multiplies the input rows directly (1x1 kernel, strides 1, no padding to add). */
  get direct(): boolean {
    return this.kernelSize[0] === 1 && this.kernelSize[1] === 1 && this.strides[0] === 1 && this.strides[1] === 1;
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }

  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 4);
    const C = x[3];
    if (x.length !== 4 || C === null || x[1] === null || x[2] === null) {
      throw new WasmRnnError(
        `${this.who}: expected input of rank 4 [batch, height, width, channels] with known sizes, got shape ${fmtShape(x)}`,
      );
    }
    if (C % this.groups !== 0)
      throw new WasmRnnError(
        `${this.who}: expected input channels divisible by groups ${this.groups}, got shape ${fmtShape(x)}`,
      );
    if (this.built && C !== this.channels)
      throw new WasmRnnError(`${this.who}: expected input with ${this.channels} channels, got shape ${fmtShape(x)}`);
    const [oh, ow] = this.computeOutputShapes([x])[0]!.slice(1, 3);
    if (oh === 0 || ow === 0) {
      throw new WasmRnnError(
        `${this.who}: expected input at least as large as the kernel ${JSON.stringify(this.kernelSize)} ` +
          `(dilation ${JSON.stringify(this.dilationRate)}) with padding "valid", got shape ${fmtShape(x)}`,
      );
    }
  }

  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const x = inputs[0]!;
    const [k, s, d] = [this.kernelSize, this.strides, this.dilationRate];
    const oh = outSize(x[1]!, k[0], s[0], d[0], this.padding),
      ow = outSize(x[2]!, k[1], s[1], d[1], this.padding);
    return [[x[0]!, oh, ow, this.filters]];
  }

  weightSpecs(): WeightSpec[] {
    const [kh, kw] = this.kernelSize;
    const specs: WeightSpec[] = [{ name: "kernel", shape: [kh, kw, this.channels / this.groups, this.filters] }];
    if (this.useBias) specs.push({ name: "bias", shape: [this.filters] });
    return specs;
  }

  protected build(inputShape: Shape): void {
    this.channels = inputShape[inputShape.length - 1]!;
    const specs = this.weightSpecs();
    checkWeightSizes(this.who, specs);
    const values = [this.kernelInitializer.generate(specs[0]!.shape)];
    if (this.useBias) values.push(this.biasInitializer.generate([this.filters]));
    this.writeWeights(values);
  }

  protected writeWeights(values: Float32Array[]): void {
    const blocks = this.kernelPtr ? [this.kernelPtr, this.biasPtr] : allocBlocks(this.blockLengths(), this.wasmBlocks);
    this.pack(values, blocks);
    [this.kernelPtr, this.biasPtr] = blocks as [number, number];
  }

  private blockLengths(): number[] {
    return [this.paddedFilters * this.depth, this.paddedFilters];
  }

  /** Keras kernel index of full-matrix entry (row k of KH*KW*C, filter f), or -1 across groups. */
  kernelIndex(k: number, f: number): number {
    const C = this.channels,
      Cg = C / this.groups,
      F = this.filters;
    const c = k % C,
      g = Math.floor(c / Cg);
    if (Math.floor(f / (F / this.groups)) !== g) return -1;
    return (Math.floor(k / C) * Cg + (c - g * Cg)) * F + f;
  }

  /** The kernel as the full [KH*KW*C, F] matrix (block-diagonal over groups). */
  private fullKernel(kernel: Float32Array, dst: Float32Array): void {
    const F = this.filters;
    if (this.groups === 1) {
      dst.set(kernel);
      return;
    }
    dst.fill(0);
    for (let k = 0; k < this.depth; k++)
      for (let f = 0; f < F; f++) {
        const i = this.kernelIndex(k, f);
        if (i >= 0) dst[k * F + f] = kernel[i]!;
      }
  }

  private pack(values: readonly Float32Array[], dst: readonly number[]): void {
    const k = core(this.who);
    const K = this.depth,
      F = this.filters;
    withStaging([K * F * 4], ([kS]) => {
      const f32 = heapF32();
      this.fullKernel(values[0]!, f32.subarray(kS! >>> 2, (kS! >>> 2) + K * F));
      k.pack_panel16(kS!, F, K, F, K, dst[0]!);
      if (dst[1]) {
        f32.fill(0, dst[1] >>> 2, (dst[1] >>> 2) + this.paddedFilters);
        if (this.useBias) f32.set(values[1]!, dst[1] >>> 2);
      }
    });
  }

  protected readWeights(): Float32Array[] {
    return this.unpack(this.kernelPtr, this.biasPtr);
  }

  private unpack(kernelPtr: number, biasPtr: number): Float32Array[] {
    const k = core(this.who);
    const K = this.depth,
      F = this.filters;
    return withStaging([K * F * 4], ([kS]) => {
      k.unpack_panel16(kernelPtr, K, F, K, kS!);
      const f32 = heapF32();
      const full = f32.subarray(kS! >>> 2, (kS! >>> 2) + K * F);
      const kernel = new Float32Array((K / this.groups) * F);
      if (this.groups === 1) kernel.set(full);
      else
        for (let r = 0; r < K; r++)
          for (let f = 0; f < F; f++) {
            const i = this.kernelIndex(r, f);
            if (i >= 0) kernel[i] = full[r * F + f]!;
          }
      const out = [kernel];
      if (this.useBias) out.push(f32.slice(biasPtr >>> 2, (biasPtr >>> 2) + F));
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

  /** The window geometry for input shape [B, H, W, C]. */
  geometry(x: readonly number[]): Window2D {
    return window2d(x, this.kernelSize, this.strides, this.dilationRate, this.padding);
  }

  /** Output positions per chunk (even, so the GEMM's 2-row tile stays whole). */
  chunkRows(M: number): number {
    return Math.min(M, Math.max(2, Math.floor(CHUNK_FLOATS / this.depth) & ~1));
  }

  /** Forward scratch: the geometry, im2col rows [R, K] and the pre-activation z [R, Fp]. */
  layout(x: readonly number[]) {
    const g = this.geometry(x);
    const M = x[0]! * g.OH * g.OW;
    const R = this.chunkRows(M);
    return carve(0, { geo: 64, cols: this.direct ? 0 : R * this.depth * 4, z: R * this.paddedFilters * 4 });
  }

  scratchBytes(inputs: readonly number[][]): number {
    return this.layout(inputs[0]!).total;
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number): void {
    const k = kernels();
    const x = inputs[0]!,
      y = outputs[0]!;
    const g = this.geometry(x.shape);
    const L = this.layout(x.shape);
    const M = x.shape[0]! * g.OH * g.OW;
    const R = this.chunkRows(M);
    const K = this.depth,
      F = this.filters,
      Fp = this.paddedFilters;
    const geo = scratch + L.geo,
      cols = scratch + L.cols,
      z = scratch + L.z;
    writeGeometry(geo, g);
    const act = ACTIVATION_IDS[this.activation];
    for (let m0 = 0; m0 < M; m0 += R) {
      const r = Math.min(R, M - m0);
      let a = x.ptr + m0 * K * 4;
      if (!this.direct) {
        k.conv2d_im2col(x.ptr, geo, m0, r, cols);
        a = cols;
      }
      k.gemm_2x16(r, Fp, K, a, K, this.kernelPtr, this.biasPtr, 0, z, Fp);
      k.activate_rows(z, Fp, r, F, y.ptr + m0 * F * 4, act);
    }
  }

  override paramBlocks(): ParamBlock[] {
    const Fp = this.paddedFilters;
    const blocks = [{ ptr: this.kernelPtr, length: Fp * this.depth }];
    if (this.useBias) blocks.push({ ptr: this.biasPtr, length: Fp });
    return blocks;
  }

  protected freeMemory(): void {
    for (const p of [this.kernelPtr, this.biasPtr]) if (p) this.wasmBlocks.free(p);
    this.kernelPtr = this.biasPtr = 0;
  }
}
