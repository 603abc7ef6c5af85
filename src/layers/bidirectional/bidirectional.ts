// Bidirectional(layer): the wrapped recurrent layer's configuration runs twice, forward and
// backward (Keras 3: two fresh copies named forward_<name> and backward_<name>, the backward one
// with goBackwards), and the outputs are merged. With returnSequences the backward sequence is
// flipped back to input order before merging, and masked steps output zeros in both halves.
//
// Shapes: input [B, T, I]; each half [B, T, H] or [B, H]. Outputs: merged [.., 2H] (concat) or
// [.., H] (sum, mul, ave), or both halves (mergeMode null); then with returnState the forward
// layer's states followed by the backward layer's, each [B, H].
import { fmtShape, WasmRnnError } from "../../core/errors.js";
import type { NestedArray, Tensor, TensorLike } from "../../core/tensor.js";
import { toTensor } from "../../core/tensor.js";
import { checkOptions } from "../../core/validate.js";
import { kernels } from "../../core/wasm.js";
import { type Buf, carve, type MaskBufs, type MaskSource, type ParamBlock, sameShapeLayout } from "../heap.js";
import { Layer, type Shape, SymbolicTensor, type WeightSpec } from "../layer.js";
import { LSTM } from "../lstm.js";
import { RecurrentLayer } from "../recurrent.js";
import type { RecurrentCallArgs } from "../recurrent-options.js";

export type MergeMode = "concat" | "sum" | "mul" | "ave" | null;

export interface BidirectionalArgs<M extends MergeMode = MergeMode> {
  /** Default "concat"; null returns the two halves as separate outputs. */
  mergeMode?: M;
  name?: string;
  /** The wrapper's own flag, as Keras's argument (the halves keep the wrapped layer's; set `trainable` to set all). */
  trainable?: boolean;
}

/**
 * What the types take to wrap: a recurrent layer, less returnState (were L's constraint or default
 * a type with `returnState: boolean`, `new Bidirectional(new LSTM({ returnState: true }))` would
 * infer LSTM<boolean>). BidirectionalOutput reads returnState from L itself.
 */
type Wrappable = Omit<RecurrentLayer, "returnState">;
/** One T per state name (a tuple for LSTM's ["h", "c"], GRU's ["h"]). */
type EachState<N, T> = { -readonly [K in keyof N]: T };
/** Both halves' states, forward first. */
type BothStates<L extends Wrappable, T> = [...EachState<L["stateNames"], T>, ...EachState<L["stateNames"], T>];
type Outs<M, T> = M extends null ? [T, T] : [T];
type ByState<S, L extends Wrappable, M, T> = S extends true
  ? [...Outs<M, T>, ...BothStates<L, T>]
  : M extends null
    ? [T, T]
    : T;

/**
 * `apply`'s result for wrapped layer L and merge mode M: the merged output, or [outF, outB] with
 * mergeMode null; with returnState followed by the forward, then the backward states (LSTM: h, c).
 */
export type BidirectionalOutput<L extends Wrappable, M, T> = ByState<
  L extends { returnState: infer S } ? S : boolean,
  L,
  M,
  T
>;

/** Ids of merge_pair in assembly/layers/merge.ts. */
export const MERGE_IDS = { concat: 0, sum: 1, mul: 2, ave: 3 } as const;

const removePrefix = (s: string, p: string) => (s.startsWith(p) ? s.slice(p.length) : s);

/** Typed by its wrapped layer L (returnState, its states) and merge mode M, as the cells are. */
export class Bidirectional<L extends Wrappable = Wrappable, M extends MergeMode = "concat"> extends Layer {
  readonly className = "Bidirectional";
  readonly forwardLayer: RecurrentLayer;
  readonly backwardLayer: RecurrentLayer;
  readonly mergeMode: MergeMode;

  constructor(layer: L, args: BidirectionalArgs<M> = {}) {
    if (!(layer instanceof RecurrentLayer)) {
      throw new WasmRnnError(
        "Bidirectional: expected a recurrent layer (LSTM, GRU, SimpleRNN) to wrap, " +
          `got ${(layer as unknown) instanceof Layer ? (layer as unknown as Layer).who : typeof layer}`,
      );
    }
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Bidirectional: expected an options object { mergeMode, name }, got ${String(args)}`);
    checkOptions(`Bidirectional '${args.name ?? "bidirectional"}'`, args, ["mergeMode", "name", "trainable"]);
    const mergeMode = args.mergeMode === undefined ? "concat" : args.mergeMode;
    if (mergeMode !== null && !(mergeMode in MERGE_IDS)) {
      throw new WasmRnnError(
        `Bidirectional '${args.name ?? "bidirectional"}': expected mergeMode to be one of "concat", "sum", "mul", "ave", null, ` +
          `got ${JSON.stringify(args.mergeMode)}`,
      );
    }
    if (layer.goBackwards) {
      // Keras 3 makes the backward copy with go_backwards = True, so both halves would run backwards
      throw new WasmRnnError(
        `Bidirectional: expected the wrapped ${layer.who} to have goBackwards false (the backward copy reverses it), got goBackwards true`,
      );
    }
    if (layer instanceof LSTM && layer.returnCellSequences) {
      throw new WasmRnnError(
        `Bidirectional: expected the wrapped ${layer.who} without returnCellSequences, got returnCellSequences true`,
      );
    }
    super(args.name, "Bidirectional");
    if (args.trainable !== undefined) this.setTrainableOnly(args.trainable);
    this.mergeMode = mergeMode;
    this.forwardLayer = layer.cloneAs(`forward_${removePrefix(layer.name, "forward_")}`, false);
    this.backwardLayer = layer.cloneAs(`backward_${removePrefix(layer.name, "backward_")}`, true);
    // Keras makes the halves from the layer's config: its trainable flag too
    this.forwardLayer.setTrainableOnly(layer.trainable);
    this.backwardLayer.setTrainableOnly(layer.trainable);
    // Keras forces zero_output_for_mask = return_sequences on both halves
    this.forwardLayer.zeroOutputForMask = this.backwardLayer.zeroOutputForMask = layer.returnSequences;
  }

  get returnSequences(): boolean {
    return this.forwardLayer.returnSequences;
  }
  get returnState(): boolean {
    return this.forwardLayer.returnState;
  }
  get stateful(): boolean {
    return this.forwardLayer.stateful;
  }
  private get stateCount(): number {
    return this.forwardLayer.stateNames.length;
  }

  /**
   * One output (merged), or an array: [out, ...forward states, ...backward states] with
   * returnState; [outForward, outBackward, ...states] with mergeMode null.
   */
  apply(x: SymbolicTensor, kwargs?: RecurrentCallArgs<SymbolicTensor>): BidirectionalOutput<L, M, SymbolicTensor>;
  apply(x: Tensor | NestedArray, kwargs?: RecurrentCallArgs<Tensor | NestedArray>): BidirectionalOutput<L, M, Tensor>;
  apply(x: SymbolicTensor | Tensor | NestedArray, kwargs: RecurrentCallArgs<unknown> = {}): unknown {
    if (typeof kwargs !== "object" || kwargs === null)
      throw new WasmRnnError(`${this.who}: expected call options { initialState, mask }, got ${String(kwargs)}`);
    const states = kwargs.initialState ?? [];
    if (!Array.isArray(states))
      throw new WasmRnnError(`${this.who}: expected initialState to be an array, got ${typeof states}`);
    let outs: unknown[];
    if (x instanceof SymbolicTensor) {
      if (!states.every((s) => s instanceof SymbolicTensor)) {
        throw new WasmRnnError(
          `${this.who}: expected symbolic initialState tensors with a symbolic input, got concrete values`,
        );
      }
      if (kwargs.mask !== undefined)
        throw new WasmRnnError(
          `${this.who}: expected masks in a graph to come from Masking or Embedding({ maskZero }), got an explicit mask`,
        );
      outs = this.applySymbolic([x], states as SymbolicTensor[]);
    } else {
      const mask = kwargs.mask === undefined ? undefined : toTensor(kwargs.mask as TensorLike, `${this.who} mask`);
      outs = this.applyEager(
        [toTensor(x, this.who)],
        states.map((s) => toTensor(s as TensorLike, `${this.who} initialState`)),
        mask,
      );
    }
    return outs.length === 1 ? outs[0] : outs;
  }

  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const S = this.stateCount;
    if (states.length !== 0 && states.length !== 2 * S) {
      throw new WasmRnnError(
        `${this.who}: expected initialState of ${2 * S} tensors (forward ${this.forwardLayer.stateNames.join(", ")}, then backward), got ${states.length}`,
      );
    }
    this.forwardLayer.checkInputs(inputs, states.slice(0, S));
    this.backwardLayer.checkInputs(inputs, states.slice(S));
  }

  override checkConcrete(inputs: readonly number[][], states: readonly number[][]): void {
    this.forwardLayer.checkConcrete(inputs);
    this.backwardLayer.checkConcrete(inputs);
    void states;
  }

  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const [y, ...states] = this.forwardLayer.computeOutputShapes(inputs);
    const H = this.forwardLayer.units;
    const outs: Shape[] =
      this.mergeMode === null ? [y!, y!] : [[...y!.slice(0, -1), this.mergeMode === "concat" ? 2 * H : H]];
    return [...outs, ...states, ...states];
  }

  /** Keras: the (merged) sequence keeps the input's mask; states have none. */
  override outputMasks(inputMasked: readonly boolean[], outputCount: number): MaskSource[] {
    const out = new Array<MaskSource>(outputCount).fill(null);
    if (this.returnSequences && inputMasked[0]) {
      out[0] = { input: 0 };
      if (this.mergeMode === null) out[1] = { input: 0 };
    }
    return out;
  }

  protected build(inputShape: Shape): void {
    this.forwardLayer.ensureBuilt(inputShape);
    this.backwardLayer.ensureBuilt(inputShape);
  }

  weightSpecs(): WeightSpec[] {
    const named = (l: Layer) => l.weightSpecs().map((s) => ({ name: `${l.name}/${s.name}`, shape: s.shape }));
    return [...named(this.forwardLayer), ...named(this.backwardLayer)];
  }

  /** Keras order: the forward layer's weights, then the backward layer's. */
  protected writeWeights(values: Float32Array[]): void {
    const n = this.forwardLayer.weightSpecs().length;
    this.forwardLayer.setWeights(values.slice(0, n));
    this.backwardLayer.setWeights(values.slice(n));
  }

  protected readWeights(): Float32Array[] {
    return [...this.forwardLayer.getWeights(), ...this.backwardLayer.getWeights()].map((t) => t.data as Float32Array);
  }

  /**
   * Scratch: the halves' outputs yF, yB ([B, T, H] or [B, H]), then the halves' own scratch (they
   * run one after the other). The backward reads yF and yB here.
   */
  layout(base: number, inputs: readonly number[][]) {
    const at = this.offsets(inputs[0]![0]!, inputs[0]![1]!);
    return { yF: base + at.yF, yB: base + at.yB, sub: base + at.sub, total: at.total };
  }

  private readonly offsets = sameShapeLayout((B, T) => {
    const half = B * (this.returnSequences ? T : 1) * this.forwardLayer.units * 4;
    const sub = Math.max(this.forwardLayer.scratchBytes([[B, T]]), this.backwardLayer.scratchBytes([[B, T]]));
    return carve(0, { yF: half, yB: half, sub });
  });

  scratchBytes(inputs: readonly number[][]): number {
    return this.layout(0, inputs).total;
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number, masks: MaskBufs): void {
    const x = inputs[0]!;
    const [B, T] = x.shape as [number, number, number];
    const H = this.forwardLayer.units,
      S = this.stateCount;
    const seq = this.returnSequences;
    const halfShape = seq ? [B, T, H] : [B, H];
    const { yF, yB, sub } = this.layout(scratch, [x.shape]);
    const merged = this.mergeMode !== null;
    const first = merged ? 1 : 2;
    const stateOuts = outputs.slice(first, first + 2 * S);
    const fwdY: Buf = { ptr: merged ? yF : outputs[0]!.ptr, shape: halfShape, dtype: "float32" };
    // mergeMode null without sequences: the backward last output needs no flip, write it in place
    const bwdY: Buf = { ptr: !merged && !seq ? outputs[1]!.ptr : yB, shape: halfShape, dtype: "float32" };
    const init = inputs.slice(1);
    // as for a single recurrent layer, Keras applies a carried mask only without initial states
    const mask = init.length && !masks.explicit ? 0 : (masks.inputs[0] ?? 0);
    const subMasks: MaskBufs = { inputs: [mask], outputs: [], explicit: masks.explicit };
    this.forwardLayer.forward([x, ...init.slice(0, S)], [fwdY, ...stateOuts.slice(0, S)], sub, subMasks);
    this.backwardLayer.forward([x, ...init.slice(S)], [bwdY, ...stateOuts.slice(S)], sub, subMasks);
    const k = kernels();
    if (merged) {
      k.merge_pair(B, seq ? T : 1, H, yF, yB, seq ? 1 : 0, MERGE_IDS[this.mergeMode!], outputs[0]!.ptr);
    } else if (seq) {
      k.reverse_time(B, T, H, yB, outputs[1]!.ptr);
    }
  }

  // ---- stateful API (both halves) ---------------------------------------------------------------

  resetStates(): void {
    this.forwardLayer.resetStates();
    this.backwardLayer.resetStates();
  }

  override keepStates(action: "save" | "restore"): void {
    this.forwardLayer.keepStates(action);
    this.backwardLayer.keepStates(action);
  }

  /** The forward layer's states, then the backward layer's. */
  getStates(): Tensor[] {
    return [...this.forwardLayer.getStates(), ...this.backwardLayer.getStates()];
  }

  /** Forward states then backward states; validates all before writing any. */
  setStates(values: readonly (Tensor | TensorLike)[]): void {
    const S = this.stateCount;
    if (!Array.isArray(values) || values.length !== 2 * S) {
      throw new WasmRnnError(
        `${this.who}: expected ${2 * S} state tensors (forward, then backward), got ${Array.isArray(values) ? values.length : typeof values}`,
      );
    }
    const f = this.forwardLayer.checkStates(values.slice(0, S));
    const b = this.backwardLayer.checkStates(values.slice(S));
    this.forwardLayer.writeStates(f);
    this.backwardLayer.writeStates(b);
  }

  override get wrappedLayers(): readonly Layer[] {
    return [this.forwardLayer, this.backwardLayer];
  }

  /** The forward layer's packed blocks, then the backward layer's (weightSpecs order). */
  override paramBlocks(): ParamBlock[] {
    return [...this.forwardLayer.paramBlocks(), ...this.backwardLayer.paramBlocks()];
  }

  override packParams(values: readonly Float32Array[]): Float32Array[] {
    const n = this.forwardLayer.weightSpecs().length;
    return [...this.forwardLayer.packParams(values.slice(0, n)), ...this.backwardLayer.packParams(values.slice(n))];
  }

  override unpackParams(blocks: readonly Float32Array[]): Float32Array[] {
    const n = this.forwardLayer.paramBlocks().length;
    return [...this.forwardLayer.unpackParams(blocks.slice(0, n)), ...this.backwardLayer.unpackParams(blocks.slice(n))];
  }

  override get holdsWasmMemory(): boolean {
    return this.forwardLayer.holdsWasmMemory || this.backwardLayer.holdsWasmMemory;
  }

  protected freeMemory(): void {
    this.forwardLayer.dispose();
    this.backwardLayer.dispose();
  }

  override toString(): string {
    const input = this.builtShape ? fmtShape(this.builtShape) : "unbuilt";
    return `Bidirectional(${this.name}, ${this.forwardLayer.className}, mergeMode ${String(this.mergeMode)}, input ${input})`;
  }
}
