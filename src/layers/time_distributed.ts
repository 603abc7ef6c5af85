// TimeDistributed(layer): a per-feature-vector layer (Dense, Activation, Dropout) applied to every
// step of [B, T, ...]. Those act on the last axis, so the wrapped layer runs once over all steps,
// and its backward is the wrapped layer's.
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkOptions } from "../core/validate.js";
import { type Buf, type MaskBufs, type MaskSource, type ParamBlock, passMask } from "./heap.js";
import { Layer, type Shape, type SymbolicTensor, type WeightSpec } from "./layer.js";

export class TimeDistributed extends Layer {
  readonly className = "TimeDistributed";
  readonly layer: Layer;

  constructor(layer: Layer, args: { name?: string } = {}) {
    if (!(layer instanceof Layer && layer.perVector)) {
      const got = (layer as unknown) instanceof Layer ? (layer as Layer).who : typeof layer;
      throw new WasmRnnError(`TimeDistributed: expected a Dense, Activation or Dropout layer to wrap, got ${got}`);
    }
    checkOptions(`TimeDistributed '${args?.name ?? "time_distributed"}'`, args ?? {}, ["name"]);
    super(args.name, "TimeDistributed");
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
    this.layer.checkInputs([this.inner(x)], []);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const x = inputs[0]!;
    const [y] = this.layer.computeOutputShapes([this.inner(x)], []);
    return [[x[0]!, x[1]!, ...y!.slice(1)]];
  }
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    return passMask(inputMasked);
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
  scratchBytes(inputs: readonly number[][]): number {
    return this.layer.scratchBytes(inputs);
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number, masks: MaskBufs): void {
    this.layer.forward(inputs, outputs, scratch, masks);
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
