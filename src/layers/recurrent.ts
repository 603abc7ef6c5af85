// What LSTM, GRU and SimpleRNN share (Keras's `RNN` layer): options, initial states, masks,
// stateful state buffers, output selection. Each cell type provides its weights and one kernel
// call for the whole sequence (`runCell`).
//
// Shapes: input [B, T, I]; outputs [B, T, H] (returnSequences) or [B, H], then one [B, H] per
// state (returnState), then any cell-specific extra outputs (LSTM returnCellSequences).
import { type ActivationName, resolveActivation } from "../core/activations.js";
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { Tensor, TensorLike } from "../core/tensor.js";
import { toTensor } from "../core/tensor.js";
import { checkBool, checkPositiveInt } from "../core/validate.js";
import { core, heapF32 } from "../core/wasm.js";
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
  round16,
  sameShapeLayout,
  withBlocks,
} from "./heap.js";
import { Initializer } from "./initializers.js";
import { Layer, type Shape, SymbolicTensor } from "./layer.js";
import {
  CELL_ACTIVATIONS,
  callStates,
  checkDropoutRate,
  checkRecurrentShapes,
  type RecurrentArgs,
  type RecurrentCallArgs,
} from "./recurrent-options.js";
import { StoredStates } from "./recurrent-states.js";

export abstract class RecurrentLayer extends Layer {
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly stateful: boolean;
  /** Keras's input and recurrent dropout rates (training only: see RecurrentArgs). */
  readonly dropout: number;
  readonly recurrentDropout: number;
  /** Masked steps output zeros, not the previous output (Keras's `zero_output_for_mask`; Bidirectional's with sequences). */
  zeroOutputForMask = false;
  /**
   * Training: a wasm buffer the next forward fills with what the backward pass needs,
   * [B, T, traceWidth * stateStride] (see the kernels); 0 = none. Set and cleared by the trainer.
   */
  trace = 0;
  /** Set by a StreamPool around its runs: it has gathered the initial states into the scratch. */
  streamed = false;
  /** Training with dropout: runs instead of runCell (recurrent-dropout.ts sets and clears it). */
  trainingCell: RecurrentLayer["runCell"] | null = null;
  /** int8 inference (src/quant/int8.ts sets it): runs instead of runCell; `qs` is its scratch, in every plan. */
  quantCell: ((...args: [...Parameters<RecurrentLayer["runCell"]>, qs: number]) => void) | null = null;
  protected readonly kernelInitializer: Initializer;
  protected readonly recurrentInitializer: Initializer;
  protected readonly biasInitializer: Initializer;
  /** The options the layer was made with, for Bidirectional's copies. */
  protected readonly args: Readonly<Record<string, unknown>>;
  protected inputDim = 0;
  /** A stateful layer's stored states (none for others). */
  private readonly stored = new StoredStates(this);

  /** Names of the states in Keras order: ["h", "c"] or ["h"]. */
  abstract readonly stateNames: readonly string[];
  /** Floats per state row in the kernel's layout: units padded to the vector width (4). */
  get stateStride(): number {
    return (this.units + 3) & ~3;
  }
  /** Creates the cell's weights for this input size (Keras initialisers). */
  protected abstract buildWeights(): void;
  /** Trace floats per row and step, in units of stateStride (the kernel's layout). */
  abstract readonly traceWidth: number;
  /** The cell kernel's scratch for B rows of T steps: named byte offsets from its start, and the total. */
  protected abstract cellLayout(B: number, T: number): { total: number };
  /**
   * One kernel call for the whole sequence. `states` are [B, stateStride] buffers holding the
   * initial states, overwritten with the final ones; `y` is the output sequence or 0; `extra` the
   * cell-specific extra outputs; `last` [B, stateStride] (zeroed) the latest output under a mask.
   */
  protected abstract runCell(
    B: number,
    T: number,
    x: number,
    states: readonly number[],
    y: number,
    extra: readonly Buf[],
    mask: number,
    zeroOutput: boolean,
    last: number,
    scratch: number,
  ): void;
  /** The packed blocks (blockLengths order, biases included) and the cell scratch's layout, for trainingCell. */
  cellBuffers(B: number, T: number): { blocks: readonly number[]; at: Record<string, number> } {
    return { blocks: this.ptrs, at: this.cellLayout(B, T) as unknown as Record<string, number> };
  }
  /** The same layer type and options with another name and direction (Bidirectional). */
  cloneAs(name: string, goBackwards: boolean): RecurrentLayer {
    const Cell = this.constructor as new (args: RecurrentArgs) => RecurrentLayer;
    return new Cell({ ...(this.args as unknown as RecurrentArgs), name, goBackwards });
  }

  constructor(args: RecurrentArgs, className: string) {
    super(args.name, className);
    if (args.trainable !== undefined) this.setTrainableOnly(args.trainable);
    this.args = Object.freeze({ ...args });
    this.units = checkPositiveInt(this.who, "units", args.units);
    // the recurrent kernel alone is at least [units, units]: refuse now what no build could hold
    checkWeightSizes(this.who, [{ name: "recurrent_kernel", shape: [this.units, this.units] }]);
    this.activation = resolveActivation(args.activation, "tanh", this.who, "activation", CELL_ACTIVATIONS);
    this.useBias = checkBool(this.who, "useBias", args.useBias, true);
    this.returnSequences = checkBool(this.who, "returnSequences", args.returnSequences, false);
    this.returnState = checkBool(this.who, "returnState", args.returnState, false);
    this.goBackwards = checkBool(this.who, "goBackwards", args.goBackwards, false);
    this.stateful = checkBool(this.who, "stateful", args.stateful, false);
    this.dropout = checkDropoutRate(this.who, "dropout", args.dropout);
    this.recurrentDropout = checkDropoutRate(this.who, "recurrentDropout", args.recurrentDropout);
    this.kernelInitializer = new Initializer(
      args.kernelInitializer ?? "glorot_uniform",
      `${this.who} kernelInitializer`,
    );
    this.recurrentInitializer = new Initializer(
      args.recurrentInitializer ?? "orthogonal",
      `${this.who} recurrentInitializer`,
    );
    this.biasInitializer = new Initializer(args.biasInitializer ?? "zeros", `${this.who} biasInitializer`);
  }

  /** Symbolic or eager call; subclasses give it typed overloads. */
  protected call(x: SymbolicTensor | TensorLike, kwargs: RecurrentCallArgs<unknown> = {}): unknown {
    const states = callStates(this.who, this.stateNames, kwargs);
    let outs: unknown[];
    if (x instanceof SymbolicTensor) {
      if (!states.every((s) => s instanceof SymbolicTensor)) {
        throw new WasmRnnError(
          `${this.who}: expected symbolic initialState tensors with a symbolic input, got concrete values`,
        );
      }
      if (kwargs.mask !== undefined) {
        throw new WasmRnnError(
          `${this.who}: expected masks in a graph to come from Masking or Embedding({ maskZero }), got an explicit mask`,
        );
      }
      outs = this.applySymbolic([x], states as SymbolicTensor[]);
    } else {
      if (states.some((s) => s instanceof SymbolicTensor) || kwargs.mask instanceof SymbolicTensor) {
        throw new WasmRnnError(
          `${this.who}: expected concrete initialState and mask with a concrete input, got symbolic ones`,
        );
      }
      const mask = kwargs.mask === undefined ? undefined : toTensor(kwargs.mask as TensorLike, `${this.who} mask`);
      outs = this.applyEager(
        [toTensor(x, this.who)],
        states.map((s) => toTensor(s as TensorLike, `${this.who} initialState`)),
        mask,
      );
    }
    return this.returnState || outs.length > 1 ? outs : outs[0];
  }

  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    checkRecurrentShapes(this, this.built ? this.inputDim : 0, inputs, states);
    const x = inputs[0]!;
    // (a stateful layer without a fixed batch size is refused when it is built)
    if (this.stateful && !this.streamed && x[0] !== null) this.checkStatefulBatch(x[0]!);
  }

  /** A stateful layer builds its state buffers for the eager call's batch size. */
  protected override eagerBuildShape(shape: readonly number[]): Shape {
    return this.stateful ? [...shape] : super.eagerBuildShape(shape);
  }

  override checkConcrete(inputs: readonly number[][]): void {
    if (this.stateful && !this.streamed) this.checkStatefulBatch(inputs[0]![0]!);
  }

  private checkStatefulBatch(batch: number): void {
    if (this.stored.batch && batch !== this.stored.batch) {
      throw new WasmRnnError(
        `${this.who}: stateful layer built for batch size ${this.stored.batch}, got batch size ${batch}`,
      );
    }
  }

  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const [b, t] = inputs[0]!;
    const out: Shape = this.returnSequences ? [b!, t!, this.units] : [b!, this.units];
    const shapes = [out];
    if (this.returnState) for (let i = 0; i < this.stateNames.length; i++) shapes.push([b!, this.units]);
    return [...shapes, ...this.extraOutputShapes(b!, t!)];
  }

  /** Cell-specific outputs after the states. */
  protected extraOutputShapes(_b: number | null, _t: number | null): Shape[] {
    return [];
  }

  /** Keras `RNN.compute_mask`: the output sequence keeps the input's mask; states have none. */
  override outputMasks(inputMasked: readonly boolean[], outputCount: number): MaskSource[] {
    const out = new Array<MaskSource>(outputCount).fill(null);
    if (this.returnSequences && inputMasked[0]) out[0] = { input: 0 };
    return out;
  }

  protected build(inputShape: Shape): void {
    const batch = inputShape[0];
    if (this.stateful && (batch === null || batch === undefined)) {
      throw new WasmRnnError(
        `${this.who}: a stateful layer needs a fixed batch size: expected an input from Input({ batchShape: [batch, steps, features] }), ` +
          `got shape ${fmtShape(inputShape)}`,
      );
    }
    this.inputDim = inputShape[2]!;
    checkWeightSizes(this.who, this.weightSpecs()); // before the initializers allocate them
    this.buildWeights();
    if (this.stateful) {
      this.stored.allocate(batch!); // zeroed (resetStates waits for `built`, set after build returns)
    }
  }

  /**
   * Forward scratch, from 0: the states [B, stateStride] each (initial, then final), `last` (the
   * latest output under a mask), then the cell kernel's own scratch.
   */
  private readonly forwardOffsets = sameShapeLayout((B, T) => {
    const row = B * this.stateStride * 4;
    const c = this.stateNames.length > 1 ? row : 0;
    // quant: int8 rows of x, h, r h and their parameters (assembly/quant), so quantizing never outgrows a plan
    const quant = B * (round16(this.inputDim) + 2 * round16(this.stateStride) + 32);
    return carve(0, { h: row, c, last: row, cell: this.cellLayout(B, T).total, quant });
  });

  scratchBytes(inputs: readonly number[][]): number {
    const [B, T] = inputs[0]!;
    return this.forwardOffsets(B!, T!).total;
  }

  /** Where forward keeps the states ([B, stateStride] each) in a step's scratch for input [B, T, I]. */
  stateScratch(scratch: number, B: number, T: number): number[] {
    const at = this.forwardOffsets(B, T);
    return this.stateNames.length > 1 ? [scratch + at.h, scratch + at.c] : [scratch + at.h];
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number, masks: MaskBufs): void {
    const x = inputs[0]!;
    const [B, T] = x.shape as [number, number, number];
    const H = this.units,
      P = this.stateStride,
      S = this.stateNames.length;
    const at = this.forwardOffsets(B, T);
    const states = this.stateScratch(scratch, B, T);
    const last = scratch + at.last;
    const f32 = heapF32();
    const streamed = this.streamed;
    // Keras 3: an explicit initial_state wins over a stateful layer's stored states (a StreamPool
    // has gathered its streams' states into place already)
    if (inputs.length > 1 && !streamed)
      for (let i = 0; i < S; i++) copyRows(f32, inputs[1 + i]!.ptr, H, states[i]!, P, B, H);
    else if (!streamed) this.stored.loadInto(states, this.stateful, B);
    // Keras 3 fills in a layer's mask only when the call has one tensor argument: with an
    // initial_state the mask travelling with the input is not applied (it still travels on).
    const mask = inputs.length > 1 && !masks.explicit ? 0 : (masks.inputs[0] ?? 0);
    // a stream continues a sequence: its latest output so far is its h (zeros for a new one), so a
    // chunk of masked steps gives what the whole sequence gives there
    if (mask && streamed) f32.copyWithin(last >>> 2, states[0]! >>> 2, (states[0]! >>> 2) + B * P);
    else if (mask) f32.fill(0, last >>> 2, (last >>> 2) + B * P);
    const y = this.returnSequences ? outputs[0]!.ptr : 0;
    const extra = outputs.slice(1 + (this.returnState ? S : 0));
    // training's cell, the int8 one, or the float one (only the int8 cell reads the last argument)
    const run = (this.trainingCell ?? this.quantCell ?? this.runCell) as NonNullable<RecurrentLayer["quantCell"]>;
    const zero = this.zeroOutputForMask;
    run.call(this, B, T, x.ptr, states, y, extra, mask, zero, last, scratch + at.cell, scratch + at.quant);
    // without returnSequences the output is the last step's output: h, or under a mask the
    // carried output (zeros for a row whose every step is masked, as Keras's TF backend)
    if (!this.returnSequences) copyRows(f32, mask ? last : states[0]!, P, outputs[0]!.ptr, H, B, H);
    if (this.returnState) for (let i = 0; i < S; i++) copyRows(f32, states[i]!, P, outputs[1 + i]!.ptr, H, B, H);
    if (this.stateful && !streamed) this.stored.keepFinal(states);
  }

  // ---- stateful API ----------------------------------------------------------------------------

  /** Zeroes a stateful layer's states (Keras `reset_states()`); a no-op for other layers. */
  resetStates(): void {
    if (this.stateful && this.built) this.stored.zero();
  }

  /** A stateful layer's current states, [batch, units] each, in Keras order (copies). */
  getStates(): Tensor[] {
    this.checkAlive("getStates");
    this.stored.require("getStates", this.stateful, this.built);
    return this.stored.read();
  }

  /** Replaces a stateful layer's states; validates all of them before writing any. */
  setStates(values: readonly (Tensor | TensorLike)[]): void {
    this.writeStates(this.checkStates(values));
  }

  /** Validated copies of `values` as states (count, shapes [batch, units], finite); writes nothing. */
  checkStates(values: readonly (Tensor | TensorLike)[]): Tensor[] {
    this.checkAlive("setStates");
    this.stored.require("setStates", this.stateful, this.built);
    return this.stored.check(values);
  }

  /** Writes states that checkStates accepted. */
  writeStates(checked: readonly Tensor[]): void {
    this.stored.write(checked);
  }

  override keepStates(action: "save" | "restore"): void {
    this.stored.keep(action);
  }

  // ---- packed weights ------------------------------------------------------------------------

  /** The cell's packed weight blocks in wasm memory, in `blockLengths` order (0 = none yet). */
  protected ptrs: number[] = [];
  /** Float count of each packed block, padding included; the bias blocks come last. */
  protected abstract blockLengths(): number[];
  /** How many of the last blocks hold biases (left out of training without useBias). */
  protected get biasBlockCount(): number {
    return 1;
  }

  override paramBlocks(): ParamBlock[] {
    const lengths = this.blockLengths();
    const blocks = this.ptrs.map((ptr, i) => ({ ptr, length: lengths[i]! }));
    return this.useBias ? blocks : blocks.slice(0, blocks.length - this.biasBlockCount);
  }

  /**
   * Packs `values` (weightSpecs order) into `dst` (blocks of blockLengths, padding written zero).
   * Allocates only staging, before writing anything, so a failure leaves `dst` as it was.
   */
  protected abstract packBlocks(values: readonly Float32Array[], dst: readonly number[]): void;
  /** Blocks laid out as `ptrs` (blockLengths order) back to weightSpecs order and shapes. */
  protected abstract unpackBlocks(ptrs: readonly number[]): Float32Array[];

  /** Packs into the existing blocks when there are some (their pointers stay), else into new ones. */
  protected writeWeights(values: Float32Array[]): void {
    const fresh = this.ptrs.length === 0;
    const dst = fresh ? allocBlocks(this.blockLengths(), this.wasmBlocks) : this.ptrs;
    try {
      this.packBlocks(values, dst);
    } catch (err) {
      if (fresh) for (const p of dst) this.wasmBlocks.free(p);
      throw err;
    }
    this.ptrs = dst;
  }

  protected readWeights(): Float32Array[] {
    return this.unpackBlocks(this.ptrs);
  }

  override packParams(values: readonly Float32Array[]): Float32Array[] {
    // without useBias the bias blocks are no parameters: packed into staging and dropped
    const n = this.paramBlocks().length;
    return packedCopies(this.blockLengths(), (ptrs) => this.packBlocks(values, ptrs)).slice(0, n);
  }

  override unpackParams(blocks: readonly Float32Array[]): Float32Array[] {
    // without useBias the bias blocks are no parameters: the layer's own (zero) ones stand in
    return withBlocks(blocks, (ptrs) => this.unpackBlocks([...ptrs, ...this.ptrs.slice(ptrs.length)]));
  }

  protected freeMemory(): void {
    for (const p of this.ptrs) this.wasmBlocks.free(p);
    this.ptrs = [];
    this.stored.free();
  }

  protected get kernels() {
    return core(this.who);
  }
  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: this.stateful,
    };
  }
}
