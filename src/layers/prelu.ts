// PReLU: x > 0 ? x : alpha x with a learned alpha of the input's shape (batch axis excluded), shared
// (size 1) along `sharedAxes`; passes masks on (Keras).
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkOptions } from "../core/validate.js";
import { core, heapF32, kernels } from "../core/wasm.js";
import { type Buf, carve, type MaskSource, type ParamBlock, passMask, sizeOf } from "./heap.js";
import { Initializer, type InitializerSpec } from "./initializers.js";
import { Layer, type Shape, type SymbolicTensor, type WeightSpec } from "./layer.js";
import { broadcastPlan, type Plan4 } from "./merge/broadcast.js";

export interface PReLUArgs {
  alphaInitializer?: InitializerSpec;
  /** Axes (1-based, as Keras: 1 is the first after the batch) along which alpha is shared. */
  sharedAxes?: number | number[] | null;
  name?: string;
  /** Keras's `trainable` (default true): false keeps fit from changing its weights. */
  trainable?: boolean;
}

export class PReLU extends Layer {
  readonly className = "PReLU";
  readonly sharedAxes: number[] | null;
  private readonly alphaInitializer: Initializer;
  private alphaShape: number[] = [];
  private alphaPtr = 0;

  constructor(args: PReLUArgs = {}) {
    const a = args ?? {};
    if (typeof a !== "object") throw new WasmRnnError(`PReLU: expected an options object, got ${String(a)}`);
    checkOptions(`PReLU '${a.name ?? "p_re_lu"}'`, a, ["alphaInitializer", "sharedAxes", "name", "trainable"]);
    super(a.name, "PReLU");
    if (a.trainable !== undefined) this.setTrainableOnly(a.trainable);
    const s = a.sharedAxes;
    const list = s === undefined || s === null ? null : Array.isArray(s) ? s : [s];
    if (list && !list.every((v) => Number.isInteger(v) && v >= 1))
      throw new WasmRnnError(`${this.who}: expected sharedAxes to be axes >= 1, got ${JSON.stringify(s)}`);
    this.sharedAxes = list ? [...list] : null;
    this.alphaInitializer = new Initializer(a.alphaInitializer ?? "zeros", `${this.who} alphaInitializer`);
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 2);
    if (x.slice(1).includes(null))
      throw new WasmRnnError(`${this.who}: expected known dimensions after the batch axis, got shape ${fmtShape(x)}`);
    for (const a of this.sharedAxes ?? [])
      if (a >= x.length) throw new WasmRnnError(`${this.who}: expected sharedAxes below rank ${x.length}, got ${a}`);
    if (this.built && this.alphaShape.some((d, i) => d !== 1 && d !== x[i + 1]))
      throw new WasmRnnError(
        `${this.who}: expected input of shape [null, ${this.alphaShape.join(", ")}], got ${fmtShape(x)}`,
      );
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    return [inputs[0]!];
  }
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    return passMask(inputMasked);
  }
  weightSpecs(): WeightSpec[] {
    return [{ name: "alpha", shape: [...this.alphaShape] }];
  }
  protected build(inputShape: Shape): void {
    this.alphaShape = inputShape.slice(1).map((d, i) => (this.sharedAxes?.includes(i + 1) ? 1 : d!));
    this.writeWeights([this.alphaInitializer.generate(this.alphaShape)]);
  }
  protected writeWeights(values: Float32Array[]): void {
    core(this.who);
    if (!this.alphaPtr) this.alphaPtr = this.wasmBlocks.alloc(Math.max(sizeOf(this.alphaShape), 1) * 4);
    heapF32().set(values[0]!, this.alphaPtr >>> 2);
  }
  protected readWeights(): Float32Array[] {
    const p = this.alphaPtr >>> 2;
    return [heapF32().slice(p, p + sizeOf(this.alphaShape))];
  }
  override paramBlocks(): ParamBlock[] {
    return [{ ptr: this.alphaPtr, length: sizeOf(this.alphaShape) }];
  }
  override packParams(values: readonly Float32Array[]): Float32Array[] {
    return [values[0]!.slice()];
  }
  override unpackParams(blocks: readonly Float32Array[]): Float32Array[] {
    return [blocks[0]!.slice()];
  }
  protected freeMemory(): void {
    if (this.alphaPtr) this.wasmBlocks.free(this.alphaPtr);
    this.alphaPtr = 0;
  }

  /** How alpha is read as one sample's shape (null: it is that shape already). */
  plan(x: readonly number[]): Plan4 | null {
    return broadcastPlan([1, ...this.alphaShape], [1, ...x.slice(1)], this.who);
  }
  /** Scratch: alpha spread over one sample's positions (when shared along some axes). */
  layout(base: number, x: readonly number[]) {
    return carve(base, { alpha: this.plan(x) ? sizeOf(x.slice(1)) * 4 : 0 });
  }
  scratchBytes(inputs: readonly number[][]): number {
    return this.layout(0, inputs[0]!).total;
  }
  /** alpha as one sample's positions: the weight itself, or spread into scratch. */
  alphaFor(k: { broadcast_4d: (...a: number[]) => void }, x: readonly number[], scratch: number): number {
    const plan = this.plan(x);
    if (!plan) return this.alphaPtr;
    const at = this.layout(scratch, x).alpha;
    k.broadcast_4d(...plan, this.alphaPtr, at);
    return at;
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number): void {
    const k = kernels();
    const x = inputs[0]!;
    const alpha = this.alphaFor(k, x.shape, scratch);
    k.param_act_forward(sizeOf(x.shape), x.ptr, 2, 0, 0, 0, alpha, sizeOf(x.shape.slice(1)), outputs[0]!.ptr);
  }
}
