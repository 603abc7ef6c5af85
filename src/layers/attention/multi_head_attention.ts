// MultiHeadAttention (Keras 3, default attention axes): query, key and value projected per head by the
// EinsumDense kernels Keras stores ([D, N, K] and biases [N, K], kept here as four Dense layers over the
// flattened heads, as Keras keeps four EinsumDense sublayers), scaled dot-product scores per head, the masked
// softmax (query/value/key masks, causal, attention_mask), and the output projection [N, V, ...outputShape].
import { fmtShape, WasmRnnError } from "../../core/errors.js";
import { type NestedArray, Tensor, toTensor } from "../../core/tensor.js";
import { checkBool, checkOptions, checkPositiveInt } from "../../core/validate.js";
import { kernels } from "../../core/wasm.js";
import { Dense } from "../dense.js";
import { type Buf, carve, type MaskBufs, type MaskSource, type ParamBlock, sizeOf } from "../heap.js";
import type { InitializerSpec } from "../initializers.js";
import { Layer, type Shape, SymbolicTensor, type WeightSpec } from "../layer.js";
import { CallState, scoreMask } from "./call.js";
import {
  checkAttentionAxes,
  checkOutputShape,
  MHA_OPTIONS,
  type MultiHeadAttentionArgs,
  type MultiHeadAttentionCall,
} from "./mha-options.js";

export type { MultiHeadAttentionArgs, MultiHeadAttentionCall } from "./mha-options.js";

/**
 * Forward scratch: projections Q [B Tq, N K], K [B Tv, N K], V [B Tv, N V], the heads' output O [B Tq, N V],
 * one head's scores, the mask, a Dense's scratch.
 */
export function mhaLayout(l: MultiHeadAttention, B: number, Tq: number, Tv: number, dense: number) {
  const NK = l.numHeads * l.keyDim,
    NV = l.numHeads * l.valueDim;
  return carve(0, {
    q: B * Tq * NK * 4,
    k: B * Tv * NK * 4,
    v: B * Tv * NV * 4,
    o: B * Tq * NV * 4,
    s: Tq * Tv * 4,
    mask: Tq * Tv,
    dense,
  });
}

export class MultiHeadAttention extends Layer {
  readonly className = "MultiHeadAttention";
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly outputShape: number[] | null;
  readonly seed: number | null;
  readonly calls = new CallState();
  /** The projections, as Keras's sublayers query, key, value, attention_output (built with the layer). */
  dense: { query: Dense; key: Dense; value: Dense; output: Dense } | null = null;
  /** Feature sizes of query, value, key seen by the first call (for build). */
  private dims = { query: 0, value: 0, key: 0 };
  private readonly init: { kernel: InitializerSpec; bias: InitializerSpec };

  constructor(args: MultiHeadAttentionArgs) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(
        `MultiHeadAttention: expected an options object { numHeads, keyDim }, got ${String(args)}`,
      );
    checkOptions(`MultiHeadAttention '${args.name ?? "multi_head_attention"}'`, args, MHA_OPTIONS);
    super(args.name, "MultiHeadAttention");
    if (args.trainable !== undefined) this.setTrainableOnly(args.trainable);
    this.numHeads = checkPositiveInt(this.who, "numHeads", args.numHeads);
    this.keyDim = checkPositiveInt(this.who, "keyDim", args.keyDim);
    this.valueDim = args.valueDim == null ? this.keyDim : checkPositiveInt(this.who, "valueDim", args.valueDim);
    const d = args.dropout ?? 0;
    if (typeof d !== "number" || !(d >= 0 && d < 1))
      throw new WasmRnnError(
        `${this.who}: expected dropout to be a number in [0, 1), got ${JSON.stringify(args.dropout)}`,
      );
    this.dropout = d;
    this.useBias = checkBool(this.who, "useBias", args.useBias, true);
    this.outputShape = checkOutputShape(this.who, args.outputShape);
    checkAttentionAxes(this.who, args.attentionAxes);
    this.seed = args.seed ?? null;
    this.init = { kernel: args.kernelInitializer ?? "glorot_uniform", bias: args.biasInitializer ?? "zeros" };
  }

  /** apply(query, value, key?, { attentionMask, useCausalMask, returnAttentionScores }) */
  apply<S extends boolean = false>(
    query: SymbolicTensor,
    value: SymbolicTensor,
    ...rest:
      | [SymbolicTensor?, (MultiHeadAttentionCall<SymbolicTensor> & { returnAttentionScores?: S })?]
      | [MultiHeadAttentionCall<SymbolicTensor> & { returnAttentionScores?: S }]
  ): S extends true ? [SymbolicTensor, SymbolicTensor] : SymbolicTensor;
  apply<S extends boolean = false>(
    query: Tensor | NestedArray,
    value: Tensor | NestedArray,
    ...rest:
      | [(Tensor | NestedArray)?, (MultiHeadAttentionCall<Tensor | NestedArray> & { returnAttentionScores?: S })?]
      | [MultiHeadAttentionCall<Tensor | NestedArray> & { returnAttentionScores?: S }]
  ): S extends true ? [Tensor, Tensor] : Tensor;
  apply(query: unknown, value: unknown, ...rest: unknown[]): unknown {
    const isOptions = (x: unknown) =>
      typeof x === "object" &&
      x !== null &&
      !Array.isArray(x) &&
      !(x instanceof Tensor) &&
      !(x instanceof SymbolicTensor);
    let key: unknown;
    let kw: MultiHeadAttentionCall<unknown> | undefined;
    if (rest.length && !isOptions(rest[0])) [key, kw] = rest as [unknown, MultiHeadAttentionCall<unknown>];
    else kw = rest[0] as MultiHeadAttentionCall<unknown> | undefined;
    if (rest.length > 2 || (kw !== undefined && !isOptions(kw)))
      throw new WasmRnnError(
        `${this.who}: expected apply(query, value, key?, options?), got ${rest.length + 2} arguments`,
      );
    const mask = kw?.attentionMask;
    const inputs = [query, value, ...(key === undefined ? [] : [key]), ...(mask === undefined ? [] : [mask])];
    const { attentionMask: _, ...flags } = kw ?? {};
    const out = this.calls.run(this.who, flags, [], key !== undefined, mask !== undefined, (): unknown[] => {
      if (inputs.every((x) => x instanceof SymbolicTensor)) return this.applySymbolic(inputs as SymbolicTensor[], []);
      if (inputs.some((x) => x instanceof SymbolicTensor))
        throw new WasmRnnError(`${this.who}: expected all inputs symbolic or all concrete, got a mix`);
      return this.applyEager(
        inputs.map((x) => toTensor(x as Tensor, this.who)),
        [],
      );
    });
    return this.calls.scores ? out : out[0];
  }

  /** The inputs of a call by role (the attention mask last when given). */
  roles<T>(inputs: readonly T[]): { query: T; value: T; key: T; mask: T | undefined } {
    const key = this.calls.hasKey ? inputs[2]! : inputs[1]!;
    const mask = this.calls.hasAttentionMask ? inputs[inputs.length - 1] : undefined;
    return { query: inputs[0]!, value: inputs[1]!, key, mask };
  }

  get outputDims(): number[] {
    return this.outputShape ?? [this.dims.query];
  }

  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    if (states.length) throw new WasmRnnError(`${this.who}: expected no initial states, got ${states.length}`);
    const { query: q, value: v, key: k, mask: m } = this.roles(inputs);
    const bad = (why: string) =>
      new WasmRnnError(
        `${this.who}: expected ${why}, got shapes ${inputs.map(fmtShape).join(", ")} (query, value, key?, attentionMask?)`,
      );
    if (!q || !v || [q, v, k].some((s) => s.length !== 3))
      throw bad("query, value and key of rank 3 [batch, steps, features]");
    if (q[2] === null || v[2] === null || k[2] === null) throw bad("known feature sizes");
    if (k[1] !== null && v[1] !== null && k[1] !== v[1]) throw bad("value and key of the same number of steps");
    if (
      m &&
      (m.length !== 3 ||
        (m[1] !== null && q[1] !== null && m[1] !== q[1]) ||
        (m[2] !== null && v[1] !== null && m[2] !== v[1]))
    )
      throw bad("an attentionMask of shape [batch, query steps, value steps]");
    const dims = { query: q[2], value: v[2], key: k[2] };
    if (this.built && (dims.query !== this.dims.query || dims.value !== this.dims.value || dims.key !== this.dims.key))
      throw bad(`feature sizes ${this.dims.query}, ${this.dims.value}, ${this.dims.key} (as built)`);
    if (!this.built) this.dims = dims;
  }

  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const { query: q, value: v } = this.roles(inputs);
    const out: Shape[] = [[q[0]!, q[1]!, ...this.outputDims]];
    if (this.calls.scores) out.push([q[0]!, this.numHeads, q[1]!, v[1]!]);
    return out;
  }

  /** Keras 3: the output carries the query's mask. */
  override outputMasks(inputMasked: readonly boolean[], outputCount: number): MaskSource[] {
    const out: MaskSource[] = new Array<MaskSource>(outputCount).fill(null);
    if (inputMasked[0]) out[0] = { input: 0 };
    return out;
  }

  protected build(): void {
    const N = this.numHeads;
    const make = (units: number, inputDim: number, name: string) => {
      const d = new Dense({
        units,
        useBias: this.useBias,
        kernelInitializer: this.init.kernel,
        biasInitializer: this.init.bias,
        name: `${this.name}/${name}`,
      });
      d.ensureBuilt([null, inputDim]);
      return d;
    };
    this.dense = {
      query: make(N * this.keyDim, this.dims.query, "query"),
      key: make(N * this.keyDim, this.dims.key, "key"),
      value: make(N * this.valueDim, this.dims.value, "value"),
      output: make(sizeOf(this.outputDims), N * this.valueDim, "attention_output"),
    };
  }

  private get denses(): Dense[] {
    const d = this.dense!;
    return [d.query, d.key, d.value, d.output];
  }

  weightSpecs(): WeightSpec[] {
    if (!this.dense) return [];
    const N = this.numHeads,
      K = this.keyDim,
      V = this.valueDim;
    const proj = (name: string, kernel: number[], bias: number[]): WeightSpec[] => [
      { name: `${name}/kernel`, shape: kernel },
      ...(this.useBias ? [{ name: `${name}/bias`, shape: bias }] : []),
    ];
    return [
      ...proj("query", [this.dims.query, N, K], [N, K]),
      ...proj("key", [this.dims.key, N, K], [N, K]),
      ...proj("value", [this.dims.value, N, V], [N, V]),
      ...proj("attention_output", [N, V, ...this.outputDims], this.outputDims),
    ];
  }

  /** Values in weightSpecs order, split per projection. */
  private perDense<T>(values: readonly T[]): T[][] {
    const n = this.useBias ? 2 : 1;
    return [0, 1, 2, 3].map((i) => values.slice(i * n, (i + 1) * n));
  }

  protected writeWeights(values: Float32Array[]): void {
    this.perDense(values).forEach((vals, i) => {
      const d = this.denses[i]!;
      d.setWeights(vals.map((v, j) => new Tensor(v, d.weightSpecs()[j]!.shape, "float32")));
    });
  }

  protected readWeights(): Float32Array[] {
    return this.denses.flatMap((d) => d.getWeights().map((t) => t.data as Float32Array));
  }

  override paramBlocks(): ParamBlock[] {
    return this.dense ? this.denses.flatMap((d) => d.paramBlocks()) : [];
  }
  override packParams(values: readonly Float32Array[]): Float32Array[] {
    return this.perDense(values).flatMap((v, i) => this.denses[i]!.packParams(v));
  }
  override unpackParams(blocks: readonly Float32Array[]): Float32Array[] {
    return this.perDense(blocks).flatMap((b, i) => this.denses[i]!.unpackParams(b));
  }
  override get holdsWasmMemory(): boolean {
    return this.dense !== null;
  }
  protected freeMemory(): void {
    for (const d of this.dense ? this.denses : []) d.dispose();
    this.dense = null;
  }

  /** The bytes a Dense of the layer needs for `rows` input rows (the largest of the four). */
  denseScratch(rowsQ: number, rowsV: number): number {
    const d = this.dense!;
    return Math.max(
      d.query.scratchBytes([[rowsQ, this.dims.query]]),
      d.key.scratchBytes([[rowsV, this.dims.key]]),
      d.value.scratchBytes([[rowsV, this.dims.value]]),
      d.output.scratchBytes([[rowsQ, this.numHeads * this.valueDim]]),
    );
  }

  scratchBytes(inputs: readonly number[][]): number {
    const [B, Tq] = inputs[0]!;
    const Tv = inputs[1]![1]!;
    return mhaLayout(this, B!, Tq!, Tv, this.denseScratch(B! * Tq!, B! * Tv)).total;
  }

  /** Softmax mode as the Keras path: with dropout or the scores returned, Keras's Softmax layer (masked weights 0). */
  get softmaxMode(): number {
    return this.dropout > 0 || this.calls.scores ? 2 : 1;
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number, masks: MaskBufs): void {
    this.forwardAt(inputs, outputs, masks, scratch);
  }

  /** The score mask of batch row b into dst (u8 [Tq, Tv]); 0 when nothing masks. */
  maskOf(inputs: readonly Buf[], masks: MaskBufs, b: number, dst: number): number {
    const r = this.roles(inputs);
    return scoreMask(dst, b, r.query.shape[1]!, r.value.shape[1]!, {
      query: masks.inputs[0] ?? 0,
      value: masks.inputs[1] ?? 0,
      key: this.calls.hasKey ? (masks.inputs[2] ?? 0) : 0,
      causal: this.calls.causal,
      tensor: r.mask?.ptr ?? 0,
    });
  }

  /**
   * The forward with its buffers at `at` (a mhaLayout from there; the backward's recomputation passes its own);
   * `weights(b, h)`, when given, is where head h of batch row b keeps its softmax weights (else the scores output
   * or a scratch row), and `drop(b, h, p)` may change them before they weight the values (training's dropout).
   */
  forwardAt(
    inputs: readonly Buf[],
    outputs: readonly Buf[],
    masks: MaskBufs,
    at: number,
    weights?: (b: number, h: number) => number,
    drop?: (b: number, h: number, p: number) => number,
  ): void {
    const k = kernels();
    const r = this.roles(inputs);
    const [B, Tq] = r.query.shape as [number, number];
    const Tv = r.value.shape[1]!;
    const N = this.numHeads,
      K = this.keyDim,
      V = this.valueDim,
      NK = N * K,
      NV = N * V;
    const L = mhaLayout(this, B, Tq, Tv, this.denseScratch(B * Tq, B * Tv));
    const buf = (ptr: number, shape: number[]): Buf => ({ ptr: at + ptr, shape, dtype: "float32" });
    const Q = buf(L.q, [B, Tq, NK]),
      Kp = buf(L.k, [B, Tv, NK]),
      Vp = buf(L.v, [B, Tv, NV]),
      O = buf(L.o, [B, Tq, NV]);
    const d = this.dense!;
    d.query.forward([r.query], [Q], at + L.dense);
    d.key.forward([r.key], [Kp], at + L.dense);
    d.value.forward([r.value], [Vp], at + L.dense);
    const scale = 1 / Math.sqrt(K);
    const mode = this.softmaxMode;
    for (let b = 0; b < B; b++) {
      const m = this.maskOf(inputs, masks, b, at + L.mask);
      for (let h = 0; h < N; h++) {
        const s = weights ? weights(b, h) : outputs[1] ? outputs[1].ptr + (b * N + h) * Tq * Tv * 4 : at + L.s;
        k.attn_dot_scores(
          Tq,
          Tv,
          K,
          Q.ptr + (b * Tq * NK + h * K) * 4,
          NK,
          Kp.ptr + (b * Tv * NK + h * K) * 4,
          NK,
          scale,
          s,
          Tv,
        );
        k.attn_softmax(Tq, Tv, s, Tv, m, mode);
        const p = drop ? drop(b, h, s) : s;
        k.attn_weighted(
          Tq,
          Tv,
          V,
          p,
          Tv,
          Vp.ptr + (b * Tv * NV + h * V) * 4,
          NV,
          O.ptr + (b * Tq * NV + h * V) * 4,
          NV,
          0,
        );
      }
    }
    d.output.forward([O], [{ ...outputs[0]!, shape: [B, Tq, sizeOf(this.outputDims)] }], at + L.dense);
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      outputShape: this.outputShape,
    };
  }
}
