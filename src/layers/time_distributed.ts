// TimeDistributed(layer): any one-input, one-output layer applied to every step of [B, T, ...].
// [B, T, ...] is laid out as [B*T, ...] in memory, so the wrapped layer runs once over all steps
// on the same buffers seen with a folded shape (no copy), and its backward is the wrapped
// layer's on the folded buffers (time_distributed-entry.ts). The mask passes along time (Keras 3:
// TimeDistributed supports masking and returns its input's mask); a wrapped layer that reads
// masks gets the input's mask folded the same way ([B, T, ...] -> [B*T, ...]).
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkOptions } from "../core/validate.js";
import {
  type Buf,
  carve,
  type MaskBufs,
  type MaskSource,
  maskBytes,
  type ParamBlock,
  passMask,
  sameShapeLayout,
} from "./heap.js";
import { Layer, type Shape, type Step, type SymbolicTensor, type WeightSpec } from "./layer.js";

/** [B, T, ...rest] -> [B*T, ...rest] (null stays null). */
export function foldShape<S extends Shape>(shape: S): S {
  const [b, t] = shape;
  return [b === null || t === null ? null : b! * t!, ...shape.slice(2)] as unknown as S;
}

export class TimeDistributed extends Layer {
  readonly className = "TimeDistributed";
  readonly layer: Layer;
  /** Folded views of the plan's buffers and steps (stable objects), so forward allocates nothing per call. */
  private readonly folded = new WeakMap<object, Buf | Step>();

  /** Scratch, from 0: the wrapped layer's scratch, then a mask for a wrapped layer that computes one. */
  private readonly offsets = sameShapeLayout((inner, mask) => carve(0, { inner, mask }));

  /** `trainable`: the wrapper's own flag, as Keras's argument (set the property to set the wrapped layer's too). */
  constructor(layer: Layer, args: { name?: string; trainable?: boolean } = {}) {
    if (!(layer instanceof Layer)) {
      throw new WasmRnnError(`TimeDistributed: expected a layer to wrap, got ${typeof layer}`);
    }
    checkOptions(`TimeDistributed '${args?.name ?? "time_distributed"}'`, args ?? {}, ["name", "trainable"]);
    super(args.name, "TimeDistributed");
    if (args.trainable !== undefined) this.setTrainableOnly(args.trainable);
    this.layer = layer;
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }

  private inner(shape: Shape): Shape {
    return [null, ...shape.slice(2)];
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = inputs[0]!;
    if (inputs.length !== 1 || states.length !== 0 || x.length < 3) {
      throw new WasmRnnError(
        `${this.who}: expected one input of rank >= 3 [batch, steps, ...], got ${inputs.map(fmtShape).join(", ")}`,
      );
    }
    try {
      this.layer.checkInputs([this.inner(x)], []);
    } catch (e) {
      if (e instanceof WasmRnnError) throw new WasmRnnError(`${this.who}: each step of ${fmtShape(x)}: ${e.message}`);
      throw e;
    }
    const outs = this.layer.computeOutputShapes([this.inner(x)], []);
    if (outs.length !== 1) {
      throw new WasmRnnError(
        `${this.who}: expected a wrapped layer with one output, got ${this.layer.who} with ${outs.length}`,
      );
    }
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const x = inputs[0]!;
    const [y] = this.layer.computeOutputShapes([foldShape(x)], []);
    return [[x[0]!, x[1]!, ...y!.slice(1)]];
  }
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    return passMask(inputMasked);
  }
  override checkConcrete(inputs: readonly number[][]): void {
    this.layer.checkConcrete(inputs.map(foldShape), []);
  }
  override keepStates(action: "save" | "restore"): void {
    this.layer.keepStates(action);
  }
  protected build(inputShape: Shape): void {
    this.layer.ensureBuilt(this.inner(inputShape));
  }
  weightSpecs(): WeightSpec[] {
    return this.layer.weightSpecs();
  }
  protected writeWeights(values: Float32Array[]): void {
    this.layer.setWeights(values);
  }
  protected readWeights(): Float32Array[] {
    return this.layer.getWeights().map((t) => t.data as Float32Array);
  }
  /** The wrapped layer's output mask, when it computes one ("computed"), goes to scratch: TimeDistributed returns its input's. */
  private innerMaskBytes(x: readonly number[]): number {
    const f = foldShape(x);
    const [y] = this.layer.computeOutputShapes([f], []) as number[][];
    return this.layer.outputMasks([false], 1)[0] === "computed" ? maskBytes(y!) : 0;
  }
  private layout(x: readonly number[]) {
    return this.offsets(this.layer.scratchBytes([foldShape(x) as number[]]), this.innerMaskBytes(x));
  }
  scratchBytes(inputs: readonly number[][]): number {
    return this.layout(inputs[0]!).total;
  }
  /** The wrapped layer's step: the same buffers with folded shapes, its masks, scratch at the same place. */
  innerStep(step: Step): Step {
    let s = this.folded.get(step) as Step | undefined;
    if (!s) {
      const x = step.inputs[0]!;
      const { inner, mask } = this.layout(x.shape);
      s = {
        layer: this.layer,
        inputs: step.inputs.map((b) => this.fold(b)),
        outputs: step.outputs.map((b) => this.fold(b)),
        scratch: step.scratch + inner,
        masks: this.innerMasks(step.masks, step.scratch + mask),
      };
      this.folded.set(step, s);
    }
    return s;
  }
  private innerMasks(masks: MaskBufs, scratchMask: number): MaskBufs {
    const src = this.layer.outputMasks([masks.inputs[0] !== 0], 1)[0] ?? null;
    const out = src === "computed" ? scratchMask : src === null ? 0 : masks.inputs[src.input]!;
    return { inputs: masks.inputs, outputs: [out], explicit: masks.explicit };
  }
  private fold(b: Buf): Buf {
    let f = this.folded.get(b) as Buf | undefined;
    if (!f) {
      f = { ptr: b.ptr, shape: foldShape(b.shape), dtype: b.dtype };
      this.folded.set(b, f);
    }
    return f;
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number, masks: MaskBufs): void {
    const s = this.innerStep(this.stepOf(inputs, outputs, scratch, masks));
    this.layer.forward(s.inputs, s.outputs, s.scratch, s.masks);
  }
  /** A Step for a forward call (the plan's buffer arrays are stable: cached by the inputs array). */
  private stepOf(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number, masks: MaskBufs): Step {
    const known = this.folded.get(inputs) as Step | undefined;
    if (known && known.outputs === outputs && known.scratch === scratch && known.masks === masks) return known;
    const step: Step = { layer: this, inputs: inputs as Buf[], outputs: outputs as Buf[], scratch, masks };
    this.folded.set(inputs, step);
    return step;
  }
  override get wrappedLayers(): readonly Layer[] {
    return [this.layer];
  }
  override trainableWeightSpecs(): WeightSpec[] {
    return this.layer.trainableWeightSpecs();
  }
  override paramBlocks(): ParamBlock[] {
    return this.layer.paramBlocks();
  }
  override packParams(values: readonly Float32Array[]): Float32Array[] {
    return this.layer.packParams(values);
  }
  override unpackParams(blocks: readonly Float32Array[]): Float32Array[] {
    return this.layer.unpackParams(blocks);
  }
  override get holdsWasmMemory(): boolean {
    return this.layer.holdsWasmMemory;
  }

  protected freeMemory(): void {
    this.layer.dispose();
  }
}
