// ConvLSTM2D: an LSTM whose products are 2-D convolutions. [B, T, H, W, C] -> [B, OH, OW, F] (or the
// sequence [B, T, OH, OW, F]; with returnState also h and c). Keras 3 order and layout: kernel
// [KH, KW, C, 4F], recurrent_kernel [KH, KW, F, 4F], bias [4F], gates i, f, c, o; the input conv
// takes strides, padding and dilation, the recurrent one strides 1 and "same" padding.
// Forward: every step's input conv at once (im2col over [B*T, H, W, C] and the GEMM, as Conv2D), then
// per step the recurrent conv of h added in place and the LSTM cell at every position
// (assembly/rnn/conv_lstm2d.ts). Kernels are packed gate-interleaved as the LSTM's (pack_gates).
import { ACTIVATION_IDS, type ActivationName, resolveActivation } from "../core/activations.js";
import { fmtShape, WasmRnnError } from "../core/errors.js";
import { type NestedArray, type Tensor, toTensor } from "../core/tensor.js";
import { checkBool, checkNumber, checkOptions, checkPositiveInt } from "../core/validate.js";
import { core, heapF32, kernels } from "../core/wasm.js";
import { writeGeometry } from "./conv2d.js";
import { checkPadding, checkPair, outSize, type Padding2D, type Pair, window2d } from "./conv2d-geometry.js";
import {
  allocBlocks,
  type Buf,
  carve,
  checkWeightSizes,
  copyRows,
  type MaskBufs,
  type MaskSource,
  type ParamBlock,
  packedCopies,
  withBlocks,
  withStaging,
} from "./heap.js";
import { Initializer, type InitializerSpec } from "./initializers.js";
import { Layer, type Shape, SymbolicTensor, type WeightSpec } from "./layer.js";

export interface ConvLSTM2DArgs {
  filters: number;
  kernelSize: number | Pair;
  strides?: number | Pair;
  padding?: Padding2D;
  dataFormat?: "channels_last";
  dilationRate?: number | Pair;
  /** Any element-wise activation: not softmax or log_softmax (defaults "tanh" and "sigmoid"; null means linear). */
  activation?: Exclude<ActivationName, "softmax" | "log_softmax"> | null;
  recurrentActivation?: Exclude<ActivationName, "softmax" | "log_softmax"> | null;
  useBias?: boolean;
  unitForgetBias?: boolean;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  /** Training-time only (inference ignores them); fit refuses ConvLSTM2D for now. */
  dropout?: number;
  recurrentDropout?: number;
  kernelInitializer?: InitializerSpec;
  recurrentInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  name?: string;
  /** Keras's `trainable` (default true): false keeps fit from changing its weights. */
  trainable?: boolean;
}

// Keras's options, camelCase
const OPTIONS = (
  "filters kernelSize strides padding dataFormat dilationRate activation recurrentActivation useBias unitForgetBias " +
  "returnSequences returnState goBackwards dropout recurrentDropout kernelInitializer recurrentInitializer biasInitializer name trainable"
).split(" ");

/** Floats of input im2col rows per chunk. */
const CHUNK_FLOATS = 65536;

export class ConvLSTM2D extends Layer {
  readonly className = "ConvLSTM2D";
  readonly filters: number;
  readonly kernelSize: Pair;
  readonly strides: Pair;
  readonly padding: Padding2D;
  readonly dilationRate: Pair;
  readonly activation: ActivationName;
  readonly recurrentActivation: ActivationName;
  readonly useBias: boolean;
  readonly unitForgetBias: boolean;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  private readonly inits: [Initializer, Initializer, Initializer];
  channels = 0;
  blocks: number[] = [];

  constructor(args: ConvLSTM2DArgs) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`ConvLSTM2D: expected an options object with filters and kernelSize, got ${String(args)}`);
    checkOptions(`ConvLSTM2D '${args.name ?? "conv_lstm2d"}'`, args, OPTIONS);
    super(args.name, "ConvLSTM2D");
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
    if (Math.max(...this.strides) > 1 && Math.max(...this.dilationRate) > 1)
      throw new WasmRnnError(
        `${this.who}: expected strides 1 or dilationRate 1 (Keras refuses both above 1), got both above 1`,
      );
    const rowWise = new Set(["softmax", "log_softmax"]); // the gate kernels activate 4 filters at a time
    const ok = (Object.keys(ACTIVATION_IDS) as ActivationName[]).filter((a) => !rowWise.has(a));
    const act = (key: "activation" | "recurrentActivation", byDefault: ActivationName) =>
      resolveActivation(args[key], byDefault, this.who, key, ok);
    this.activation = act("activation", "tanh");
    this.recurrentActivation = act("recurrentActivation", "sigmoid");
    this.useBias = checkBool(this.who, "useBias", args.useBias, true);
    this.unitForgetBias = checkBool(this.who, "unitForgetBias", args.unitForgetBias, true);
    this.returnSequences = checkBool(this.who, "returnSequences", args.returnSequences, false);
    this.returnState = checkBool(this.who, "returnState", args.returnState, false);
    this.goBackwards = checkBool(this.who, "goBackwards", args.goBackwards, false);
    this.dropout = checkNumber(this.who, "dropout", args.dropout, 0, 0, 1);
    this.recurrentDropout = checkNumber(this.who, "recurrentDropout", args.recurrentDropout, 0, 0, 1);
    this.inits = [
      new Initializer(args.kernelInitializer ?? "glorot_uniform", `${this.who} kernelInitializer`),
      new Initializer(args.recurrentInitializer ?? "orthogonal", `${this.who} recurrentInitializer`),
      new Initializer(args.biasInitializer ?? "zeros", `${this.who} biasInitializer`),
    ];
  }

  /** Filters rounded up to 4 (the state rows); the gate rows are 4x that. */
  get paddedFilters(): number {
    return (this.filters + 3) & ~3;
  }
  get kx(): number {
    return this.kernelSize[0] * this.kernelSize[1] * this.channels;
  }
  get kh(): number {
    return this.kernelSize[0] * this.kernelSize[1] * this.paddedFilters;
  }

  apply(x: SymbolicTensor): SymbolicTensor | SymbolicTensor[];
  apply(x: Tensor | NestedArray): Tensor | Tensor[];
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor | SymbolicTensor[] | Tensor[] {
    if (x instanceof SymbolicTensor) {
      const outs = this.applySymbolic([x], []);
      return this.returnState ? outs : outs[0]!;
    }
    const outs = this.applyEager([toTensor(x, this.who)], []);
    return this.returnState ? outs : outs[0]!;
  }

  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    if (states.length)
      throw new WasmRnnError(`${this.who}: expected no initial state (not supported yet), got ${states.length}`);
    const x = this.checkOneInput(inputs, states, 5);
    if (x.length !== 5 || x.slice(2).some((d) => d === null)) {
      throw new WasmRnnError(
        `${this.who}: expected input of rank 5 [batch, steps, height, width, channels] with known frame sizes, got shape ${fmtShape(x)}`,
      );
    }
    if (this.built && x[4] !== this.channels)
      throw new WasmRnnError(`${this.who}: expected input with ${this.channels} channels, got shape ${fmtShape(x)}`);
    const o = this.computeOutputShapes([x])[0]!;
    if (o.at(-3) === 0 || o.at(-2) === 0)
      throw new WasmRnnError(
        `${this.who}: expected frames at least as large as the kernel with padding "valid", got ${fmtShape(x)}`,
      );
  }

  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const x = inputs[0]!;
    const [k, s, d] = [this.kernelSize, this.strides, this.dilationRate];
    const frame = [
      outSize(x[2]!, k[0], s[0], d[0], this.padding),
      outSize(x[3]!, k[1], s[1], d[1], this.padding),
      this.filters,
    ];
    const state = [x[0]!, ...frame];
    const out = this.returnSequences ? [x[0]!, x[1]!, ...frame] : state;
    return this.returnState ? [out, state, state] : [out];
  }

  override outputMasks(inputMasked: readonly boolean[], outputCount: number): MaskSource[] {
    const out: MaskSource[] = new Array<MaskSource>(outputCount).fill(null);
    if (this.returnSequences && inputMasked[0]) out[0] = { input: 0 };
    return out;
  }

  weightSpecs(): WeightSpec[] {
    const [kh, kw] = this.kernelSize,
      F = this.filters;
    const specs: WeightSpec[] = [
      { name: "kernel", shape: [kh, kw, this.channels, 4 * F] },
      { name: "recurrent_kernel", shape: [kh, kw, F, 4 * F] },
    ];
    if (this.useBias) specs.push({ name: "bias", shape: [4 * F] });
    return specs;
  }

  protected build(inputShape: Shape): void {
    this.channels = inputShape[4]!;
    const specs = this.weightSpecs();
    checkWeightSizes(this.who, specs);
    const F = this.filters;
    const values = [
      this.inits[0].generate(specs[0]!.shape),
      this.inits[1].generate([this.kernelSize[0] * this.kernelSize[1] * F, 4 * F]),
    ];
    if (this.useBias) {
      const b = this.inits[2].generate([4 * F]);
      if (this.unitForgetBias) b.fill(1, F, 2 * F);
      values.push(b);
    }
    this.writeWeights(values);
  }

  /** Float counts of the packed kernel, recurrent kernel and bias. */
  private blockLengths(): number[] {
    const G4 = 4 * this.paddedFilters;
    return [G4 * this.kx, G4 * this.kh, G4];
  }

  protected writeWeights(values: Float32Array[]): void {
    if (!this.blocks.length) this.blocks = allocBlocks(this.blockLengths(), this.wasmBlocks);
    this.pack(values, this.blocks);
  }

  private pack(values: readonly Float32Array[], blocks: readonly number[]): void {
    const k = core(this.who);
    const F = this.filters,
      Fp = this.paddedFilters,
      KK = this.kernelSize[0] * this.kernelSize[1];
    withStaging([Math.max(this.kx, this.kh) * 4 * F * 4], ([s]) => {
      const f32 = heapF32();
      const [kb, rb, bb] = blocks as [number, number, number];
      f32.set(values[0]!, s! >>> 2);
      k.pack_gates(s!, this.kx, F, 4, this.kx, kb);
      // the recurrent kernel's rows per window position padded from F to Fp filters (zeros)
      f32.fill(0, s! >>> 2, (s! >>> 2) + this.kh * 4 * F);
      for (let w = 0; w < KK; w++)
        f32.set(values[1]!.subarray(w * F * 4 * F, (w + 1) * F * 4 * F), (s! >>> 2) + w * Fp * 4 * F);
      k.pack_gates(s!, this.kh, F, 4, this.kh, rb);
      f32.fill(0, s! >>> 2, (s! >>> 2) + 4 * F);
      if (this.useBias) f32.set(values[2]!, s! >>> 2);
      k.pack_gates(s!, 1, F, 4, 1, bb);
    });
  }

  protected readWeights(): Float32Array[] {
    return this.unpack(this.blocks);
  }

  private unpack(blocks: readonly number[]): Float32Array[] {
    const k = core(this.who);
    const F = this.filters,
      Fp = this.paddedFilters,
      KK = this.kernelSize[0] * this.kernelSize[1];
    const [kb, rb, bb] = blocks as [number, number, number];
    return withStaging([Math.max(this.kx, this.kh) * 4 * F * 4], ([s]) => {
      const f32 = heapF32();
      const at = s! >>> 2;
      k.unpack_gates(kb, this.kx, F, 4, this.kx, s!);
      const out = [f32.slice(at, at + this.kx * 4 * F)];
      k.unpack_gates(rb, this.kh, F, 4, this.kh, s!);
      const rec = new Float32Array(KK * F * 4 * F);
      for (let w = 0; w < KK; w++) rec.set(f32.subarray(at + w * Fp * 4 * F, at + (w * Fp + F) * 4 * F), w * F * 4 * F);
      out.push(rec);
      if (this.useBias) {
        k.unpack_gates(bb, 1, F, 4, 1, s!);
        out.push(f32.slice(at, at + 4 * F));
      }
      return out;
    });
  }

  /** Scratch: both geometries, input im2col rows, every step's gates z [B, T, P, G4], h and c, h's im2col rows. */
  override paramBlocks(): ParamBlock[] {
    const n = this.blockLengths();
    return this.blocks.slice(0, this.useBias ? 3 : 2).map((ptr, i) => ({ ptr, length: n[i]! }));
  }
  override packParams(values: readonly Float32Array[]): Float32Array[] {
    const n = this.blockLengths();
    return packedCopies(n, (ptrs) => this.pack(values, ptrs)).slice(0, this.useBias ? 3 : 2);
  }
  override unpackParams(blocks: readonly Float32Array[]): Float32Array[] {
    const n = this.blockLengths();
    return withBlocks(
      n.map((len, i) => blocks[i] ?? new Float32Array(len)),
      (ptrs) => this.unpack(ptrs),
    );
  }

  /** Shared with the backward: the geometry, sizes and forward scratch offsets for input shape x. */
  layout(x: readonly number[]) {
    const [B, T] = x as [number, number];
    const g = window2d([B * T, ...x.slice(2)], this.kernelSize, this.strides, this.dilationRate, this.padding);
    const P = g.OH * g.OW,
      G4 = 4 * this.paddedFilters,
      R = Math.min(B * T * P, Math.max(2, Math.floor(CHUNK_FLOATS / this.kx) & ~1));
    const state = B * P * this.paddedFilters * 4;
    const sizes = {
      geoX: 64,
      geoH: 64,
      cols: R * this.kx * 4,
      z: B * T * P * G4 * 4,
      h: state,
      c: state,
      hcols: B * P * this.kh * 4,
    };
    return { g, P, G4, R, at: carve(0, sizes) };
  }

  scratchBytes(inputs: readonly number[][]): number {
    return this.layout(inputs[0]!).at.total;
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number, masks: MaskBufs): void {
    this.run(inputs, outputs, scratch, masks, 0);
  }

  /** Bytes of the training trace: h and c before every step, [T, 2, B, P, Fp]. */
  traceBytes(x: readonly number[]): number {
    const { P } = this.layout(x);
    return x[1]! * 2 * x[0]! * P * this.paddedFilters * 4;
  }

  /** The forward; with a trace (training) it keeps h and c before every step there. */
  run(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number, masks: MaskBufs, trace: number): void {
    const k = kernels();
    const x = inputs[0]!;
    const [B, T] = x.shape as [number, number];
    const { g, P, G4, R, at } = this.layout(x.shape);
    const F = this.filters,
      Fp = this.paddedFilters,
      KX = this.kx,
      KH = this.kh;
    const [kb, rb, bb] = this.blocks as [number, number, number];
    const f32 = heapF32();
    const geoX = scratch + at.geoX,
      geoH = scratch + at.geoH,
      cols = scratch + at.cols,
      z = scratch + at.z,
      h = scratch + at.h,
      c = scratch + at.c,
      hcols = scratch + at.hcols;
    writeGeometry(geoX, g);
    writeGeometry(geoH, window2d([B, g.OH, g.OW, Fp], this.kernelSize, [1, 1], [1, 1], "same"));
    const M = B * T * P;
    for (let m0 = 0; m0 < M; m0 += R) {
      const r = Math.min(R, M - m0);
      k.conv2d_im2col(x.ptr, geoX, m0, r, cols);
      k.gemm_2x16(r, G4, KX, cols, KX, kb, bb, 0, z + m0 * G4 * 4, G4);
    }
    f32.fill(0, h >>> 2, (h + B * P * Fp * 4) >>> 2);
    f32.fill(0, c >>> 2, (c + B * P * Fp * 4) >>> 2);
    const act = ACTIVATION_IDS[this.activation],
      rec = ACTIVATION_IDS[this.recurrentActivation];
    const seq = this.returnSequences ? outputs[0]!.ptr : 0;
    for (let s = 0; s < T; s++) {
      const t = this.goBackwards ? T - 1 - s : s;
      if (s > 0) {
        k.conv2d_im2col(h, geoH, 0, B * P, hcols);
        for (let b = 0; b < B; b++) {
          const zt = z + (b * T + t) * P * G4 * 4;
          k.gemm_2x16(P, G4, KH, hcols + b * P * KH * 4, KH, rb, zt, G4, zt, G4);
        }
      }
      if (trace) {
        const n = B * P * Fp,
          at = (trace >>> 2) + s * 2 * n;
        f32.copyWithin(at, h >>> 2, (h >>> 2) + n);
        f32.copyWithin(at + n, c >>> 2, (c >>> 2) + n);
      }
      k.conv_lstm2d_step(B, T, P, F, t, s, z, h, c, seq, masks.inputs[0] ?? 0, act, rec);
    }
    if (!this.returnSequences) copyRows(f32, h, Fp, outputs[0]!.ptr, F, B * P, F);
    if (this.returnState) {
      copyRows(f32, h, Fp, outputs[1]!.ptr, F, B * P, F);
      copyRows(f32, c, Fp, outputs[2]!.ptr, F, B * P, F);
    }
  }

  protected freeMemory(): void {
    for (const p of this.blocks) this.wasmBlocks.free(p);
    this.blocks = [];
  }
}
