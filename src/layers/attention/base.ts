// What Attention and AdditiveAttention share (Keras 3's AdditiveAttention subclasses Attention): the call
// on [query, value] or [query, value, key], shapes, masks as Keras 3 (the value mask masks scores, the
// query mask zeroes output rows and is the output's mask), and the forward for one batch row at a time:
// scores, masked softmax, weighted sum of values.
import { fmtShape, WasmRnnError } from "../../core/errors.js";
import { type NestedArray, type Tensor, toTensor } from "../../core/tensor.js";
import { heapF32, kernels } from "../../core/wasm.js";
import {
  allocBlocks,
  type Buf,
  carve,
  type MaskBufs,
  type MaskSource,
  type ParamBlock,
  sameShapeLayout,
} from "../heap.js";
import { Layer, type Shape, SymbolicTensor, type WeightSpec } from "../layer.js";
import { type AttentionCallOptions, CallState, heapViews, scoreMask } from "./call.js";

export type AttentionInputs<T> = [T, T] | [T, T, T];
/** The output of a call: the attended values, with the weights too when returnAttentionScores is true. */
export type AttentionOutput<S extends boolean, T> = S extends true ? [T, T] : T;

/** Per batch row: scores s [Tq, Tv] (when not an output), the mask u8 [Tq, Tv], one tanh row [D rounded to 4]. */
export const attentionLayout = sameShapeLayout((TqTv: number, D: number) =>
  carve(0, { s: TqTv * 4, mask: TqTv, tmp: ((D + 3) & ~3) * 4 }),
);

export abstract class BaseAttention extends Layer {
  readonly dropout: number;
  readonly calls = new CallState();
  /** The weights' blocks in weightSpecs order, one block each (unpadded). */
  protected blocks: number[] = [];
  protected dim = 0;

  constructor(name: string | undefined, className: string, dropout: unknown) {
    super(name, className);
    if (dropout !== undefined && (typeof dropout !== "number" || !(dropout >= 0 && dropout < 1)))
      throw new WasmRnnError(`${this.who}: expected dropout to be a number in [0, 1), got ${JSON.stringify(dropout)}`);
    this.dropout = (dropout as number | undefined) ?? 0;
  }

  /** Scores of one batch row into s [Tq, Tv] (rows Tv apart); q [Tq, D], k [Tv, D] dense; tmp: a tanh row. */
  abstract scores(q: number, k: number, Tq: number, Tv: number, D: number, s: number, tmp: number): void;

  apply<S extends boolean = false>(
    inputs: AttentionInputs<SymbolicTensor>,
    kw?: AttentionCallOptions & { returnAttentionScores?: S },
  ): AttentionOutput<S, SymbolicTensor>;
  apply<S extends boolean = false>(
    inputs: AttentionInputs<Tensor | NestedArray>,
    kw?: AttentionCallOptions & { returnAttentionScores?: S },
  ): AttentionOutput<S, Tensor>;
  apply(inputs: readonly unknown[], kw?: AttentionCallOptions): unknown {
    if (!Array.isArray(inputs) || inputs.length < 2 || inputs.length > 3) {
      const got = Array.isArray(inputs) ? `${inputs.length} input(s)` : typeof inputs;
      throw new WasmRnnError(
        `${this.who}: expected a list of inputs [query, value] or [query, value, key], got ${got}`,
      );
    }
    const out = this.calls.run(this.who, kw, [], inputs.length === 3, false, (): unknown[] => {
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

  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    if (inputs.length < 2 || inputs.length > 3 || states.length)
      throw new WasmRnnError(
        `${this.who}: expected inputs [query, value] or [query, value, key], got ${inputs.length}`,
      );
    const [q, v] = inputs as [Shape, Shape];
    const k = inputs[2] ?? v;
    const bad = (why: string) =>
      new WasmRnnError(
        `${this.who}: expected ${why}, got shapes ${inputs.map(fmtShape).join(", ")} (query, value, key)`,
      );
    if (inputs.some((s) => s.length !== 3)) throw bad("inputs of rank 3 [batch, steps, features]");
    if (q[2] === null || v[2] === null || k[2] === null) throw bad("known feature sizes");
    if (q[2] !== k[2]) throw bad("query and key of the same feature size");
    if (k[1] !== null && v[1] !== null && k[1] !== v[1]) throw bad("value and key of the same number of steps");
    if (this.built && q[2] !== this.dim) throw bad(`query features ${this.dim} (as built)`);
  }

  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const [q, v] = inputs as [Shape, Shape];
    const out: Shape[] = [[q[0]!, q[1]!, v[2]!]];
    if (this.calls.scores) out.push([q[0]!, q[1]!, (inputs[2] ?? v)[1]!]);
    return out;
  }

  /** Keras 3 compute_mask: the query's mask, on the attended values only. */
  override outputMasks(inputMasked: readonly boolean[], outputCount: number): MaskSource[] {
    const out: MaskSource[] = new Array<MaskSource>(outputCount).fill(null);
    if (inputMasked[0]) out[0] = { input: 0 };
    return out;
  }

  protected writeWeights(values: Float32Array[]): void {
    if (!this.blocks.length)
      this.blocks = allocBlocks(
        values.map((v) => v.length),
        this.wasmBlocks,
      );
    const f32 = heapF32();
    values.forEach((v, i) => f32.set(v, this.blocks[i]! >>> 2));
  }

  protected readWeights(): Float32Array[] {
    const f32 = heapF32();
    return this.weightSpecs().map((s, i) => {
      const n = s.shape.reduce((a, b) => a * b, 1);
      return f32.slice(this.blocks[i]! >>> 2, (this.blocks[i]! >>> 2) + n);
    });
  }

  override paramBlocks(): ParamBlock[] {
    return this.weightSpecs().map((s, i) => ({ ptr: this.blocks[i]!, length: s.shape.reduce((a, b) => a * b, 1) }));
  }
  override packParams(values: readonly Float32Array[]): Float32Array[] {
    return values.map((v) => v.slice());
  }
  override unpackParams(blocks: readonly Float32Array[]): Float32Array[] {
    return blocks.map((v) => v.slice());
  }

  protected freeMemory(): void {
    for (const p of this.blocks) this.wasmBlocks.free(p);
    this.blocks = [];
  }

  /** A weight's value (a scalar weight, or the first of a vector). */
  protected weightValue(i: number): number {
    return heapF32()[this.blocks[i]! >>> 2]!;
  }

  scratchBytes(inputs: readonly number[][]): number {
    const [q, v] = inputs as [number[], number[]];
    return attentionLayout(q[1]! * v[1]!, q[2]!).total;
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number, masks: MaskBufs): void {
    this.forwardRows(inputs, outputs, scratch, masks);
  }

  /**
   * The forward; `afterSoftmax(b, s)`, when given, changes the weights s [Tq, Tv] of batch row b before they
   * weight the values (training's dropout).
   */
  forwardRows(
    inputs: readonly Buf[],
    outputs: readonly Buf[],
    scratch: number,
    masks: MaskBufs,
    afterSoftmax?: (b: number, s: number) => void,
  ): void {
    const k = kernels();
    const [q, v] = inputs as [Buf, Buf];
    const key = inputs[2] ?? v;
    const [B, Tq, D] = q.shape as [number, number, number];
    const [, Tv, Dv] = v.shape as [number, number, number];
    const L = attentionLayout(Tq * Tv, D);
    const out = outputs[0]!;
    const qMask = masks.inputs[0] ?? 0;
    for (let b = 0; b < B; b++) {
      const s = outputs[1] ? outputs[1].ptr + b * Tq * Tv * 4 : scratch + L.s;
      this.scores(q.ptr + b * Tq * D * 4, key.ptr + b * Tv * D * 4, Tq, Tv, D, s, scratch + L.tmp);
      const m = scoreMask(scratch + L.mask, b, Tq, Tv, {
        query: 0,
        value: masks.inputs[1] ?? 0,
        key: 0,
        causal: this.calls.causal,
        tensor: 0,
      });
      k.attn_softmax(Tq, Tv, s, Tv, m, 0);
      afterSoftmax?.(b, s);
      const o = out.ptr + b * Tq * Dv * 4;
      k.attn_weighted(Tq, Tv, Dv, s, Tv, v.ptr + b * Tv * Dv * 4, Dv, o, Dv, 0);
      if (qMask) zeroMaskedRows(o, qMask + b * Tq, Tq, Dv);
    }
  }

  abstract override weightSpecs(): WeightSpec[];
}

/** Keras `where(q_mask, output, 0)`: zeroes the rows [T, F] at `rows` whose u8 mask is 0. */
export function zeroMaskedRows(rows: number, mask: number, T: number, F: number): void {
  const f32 = heapF32();
  const { u8 } = heapViews();
  for (let t = 0; t < T; t++) if (!u8[mask + t]) f32.fill(0, (rows >>> 2) + t * F, (rows >>> 2) + (t + 1) * F);
}
