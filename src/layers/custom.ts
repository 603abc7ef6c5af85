// CustomLayer: the public base class for layers written in TypeScript/JavaScript, Keras's custom
// Layer subclasses (`custom_objects`). A subclass gets the file's config, declares its weights
// (filled from the file by name, else in Keras's add_weight order), computes its forward over
// Tensors in plain JS, and may give a backward for fit. Its weights live in wasm blocks so the
// optimizers update them as any layer's; inputs and outputs are copied between wasm and JS.
import { WasmRnnError } from "../core/errors.js";
import { type NestedArray, Tensor, toTensor, trustedTensor } from "../core/tensor.js";
import { heapF32 } from "../core/wasm.js";
import { allocBlocks, type Buf, type MaskBufs, type MaskSource, type ParamBlock, sizeOf, writeBufs } from "./heap.js";
import { Layer, type Shape, SymbolicTensor, type WeightSpec } from "./layer.js";

/** The config a custom layer is made from: the file's (snake_case, as Keras saved it), or yours. */
export type CustomLayerConfig = { name?: string; [key: string]: unknown };

/** What `call` gets besides its inputs. */
export interface CallContext {
  /** The mask of each data input ([batch, steps], 1 keep / 0 skip) when the layer supports masking, else nulls. */
  masks: (Tensor | null)[];
  /** True while fit runs the forward. */
  training: boolean;
}

/** What `backward` gets: the call's inputs (and masks) and the gradient of each output (null: none flows). */
export interface BackwardArgs extends CallContext {
  inputs: Tensor[];
  dOutputs: (Tensor | null)[];
}

/** What `backward` returns: gradients of the inputs (same shapes; null or absent: none) and of the weights, by name. */
export interface BackwardResult {
  dInputs?: (Tensor | null)[];
  dWeights?: Record<string, Tensor | Float32Array>;
}

/** A custom layer class as `customObjects` takes it. */
export type CustomLayerClass = new (config: CustomLayerConfig) => CustomLayer;

const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const bare = (s: Shape) => s.map((d) => (d === null ? null : d));

/**
 * A layer written in JS. Override `call` (required), `computeOutputShape` (default: the first
 * input's shape), `buildWeights` (declare weights with `addWeight`), `computeMask` (with
 * `supportsMasking`), and `backward` to make it trainable. Inputs always arrive as a list.
 */
export abstract class CustomLayer extends Layer {
  /** The Keras class name this layer saves as (the file's, when loaded; else the JS class name). */
  className: string;
  /** The config it was made from (the file's config when loaded, snake_case keys). */
  readonly config: Readonly<CustomLayerConfig>;
  /** Keras's supports_masking: the inputs' masks reach `call`, and pass to the output unless `computeMask` says otherwise. */
  supportsMasking = false;
  /** The registered name Keras saves it under (`package>Class`; the file's, when loaded). */
  registeredName: string | null;
  /** The Python module the file named (null for custom layers saved here). */
  kerasModule: string | null = null;
  private readonly specs: WeightSpec[] = [];
  private inits: (Float32Array | null)[] = [];
  private blocks: number[] = [];
  private callShapes: Shape[] = [];

  constructor(config: CustomLayerConfig = {}) {
    const cls = new.target as unknown as { kerasClassName?: string; name: string };
    const className = cls.kerasClassName ?? cls.name;
    super(config.name, className);
    this.className = className;
    this.registeredName = `Custom>${className}`;
    this.config = Object.freeze({ ...config, name: this.name });
  }

  // ---- what a subclass writes ------------------------------------------------------------------

  /** The forward: outputs for these inputs (plain Float32Array / Tensor math is fine). */
  abstract call(inputs: Tensor[], context: CallContext): Tensor | Tensor[];

  /** Output shapes (batch may be null) for these input shapes. Default: the first input's shape. */
  computeOutputShape(inputShapes: Shape[]): Shape | Shape[] {
    return inputShapes[0]!;
  }

  /** Declares the weights (`addWeight`) for these input shapes; called once, on the first call. */
  buildWeights(_inputShapes: Shape[]): void {}

  /**
   * The output mask ([batch, steps] of 0/1) when `supportsMasking` (Keras's compute_mask); default:
   * the first input's mask. Return null for none.
   */
  computeMask?(inputs: Tensor[], masks: (Tensor | null)[]): Tensor | null;

  /** Gradients for fit (optional; fit refuses a custom layer without one). */
  backward?(args: BackwardArgs): BackwardResult;

  /** Declares a weight (in Keras's add_weight order); `init` defaults to zeros. */
  protected addWeight(name: string, shape: number[], init?: Float32Array | ((n: number) => Float32Array)): void {
    if (this.blocks.length) throw new WasmRnnError(`${this.who}: expected addWeight inside buildWeights`);
    if (this.specs.some((s) => s.name === name)) throw new WasmRnnError(`${this.who}: two weights named '${name}'`);
    const n = sizeOf(shape);
    const v = typeof init === "function" ? init(n) : (init ?? null);
    if (v && v.length !== n)
      throw new WasmRnnError(`${this.who}: weight '${name}' needs ${n} initial values, got ${v.length}`);
    this.specs.push({ name, shape: [...shape] });
    this.inits.push(v);
  }

  /** A weight's current values (a copy), by name. */
  weight(name: string): Tensor {
    const i = this.specs.findIndex((s) => s.name === name);
    if (i < 0 || !this.blocks.length) {
      throw new WasmRnnError(
        `${this.who}: no weight named '${name}'; has ${this.specs.map((s) => s.name).join(", ") || "none (built?)"}`,
      );
    }
    const spec = this.specs[i]!;
    const p = this.blocks[i]! >>> 2;
    return trustedTensor(heapF32().slice(p, p + sizeOf(spec.shape)), spec.shape, "float32");
  }

  // ---- calls -----------------------------------------------------------------------------------

  /** Symbolic (building a model) or eager (concrete tensors) call, on one input or a list. */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor | SymbolicTensor[];
  apply(inputs: Tensor | NestedArray | (Tensor | NestedArray)[]): Tensor | Tensor[];
  apply(inputs: unknown): unknown {
    const list = inputs instanceof SymbolicTensor || inputs instanceof Tensor ? [inputs] : (inputs as unknown[]);
    if (!Array.isArray(list) || list.length === 0) throw new WasmRnnError(`${this.who}: expected one input or a list`);
    const single = !Array.isArray(inputs);
    let outs: (SymbolicTensor | Tensor)[];
    if (list.every((t) => t instanceof SymbolicTensor)) outs = this.applySymbolic(list as SymbolicTensor[], []);
    else if (list.some((t) => t instanceof SymbolicTensor)) {
      throw new WasmRnnError(`${this.who}: expected all inputs symbolic or all concrete, got a mix`);
    } else
      outs = this.applyEager(
        list.map((t) => toTensor(t as Tensor | NestedArray, this.who)),
        [],
      );
    return single && outs.length === 1 ? outs[0] : outs;
  }

  protected override applySymbolic(inputs: readonly SymbolicTensor[], states: readonly SymbolicTensor[]) {
    if (!this.built) this.callShapes = inputs.map((t) => bare(t.shape));
    return super.applySymbolic(inputs, states);
  }

  protected override applyEager(inputs: readonly Tensor[], states: readonly Tensor[], mask?: Tensor) {
    if (!this.built) this.callShapes = inputs.map((t) => [null, ...t.shape.slice(1)]);
    return super.applyEager(inputs, states, mask);
  }

  // ---- the Layer contract --------------------------------------------------------------------

  checkInputs(_inputs: readonly Shape[], states: readonly Shape[]): void {
    if (states.length) throw new WasmRnnError(`${this.who}: expected no initial states, got ${states.length}`);
  }

  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const out = this.computeOutputShape([...inputs]);
    return out.length > 0 && Array.isArray(out[0]) ? (out as Shape[]) : [out as Shape];
  }

  protected build(_inputShape: Shape): void {
    this.buildWeights(this.callShapes);
    this.blocks = allocBlocks(
      this.specs.map((s) => Math.max(sizeOf(s.shape), 1)),
      this.wasmBlocks,
    );
    const heap = heapF32();
    this.specs.forEach((s, i) => {
      const p = this.blocks[i]! >>> 2;
      const v = this.inits[i];
      if (v) heap.set(v, p);
      else heap.fill(0, p, p + sizeOf(s.shape));
    });
    this.inits = [];
  }

  weightSpecs(): WeightSpec[] {
    return this.specs.map((s) => ({ name: s.name, shape: [...s.shape] }));
  }

  protected writeWeights(values: Float32Array[]): void {
    const heap = heapF32();
    values.forEach((v, i) => heap.set(v, this.blocks[i]! >>> 2));
  }

  protected readWeights(): Float32Array[] {
    return this.specs.map((s) => this.weight(s.name).data as Float32Array);
  }

  override paramBlocks(): ParamBlock[] {
    return this.specs.map((s, i) => ({ ptr: this.blocks[i]!, length: sizeOf(s.shape) }));
  }

  override packParams(values: readonly Float32Array[]): Float32Array[] {
    return values.map((v) => Float32Array.from(v));
  }

  override unpackParams(blocks: readonly Float32Array[]): Float32Array[] {
    return blocks.map((b) => Float32Array.from(b));
  }

  scratchBytes(): number {
    return 0;
  }

  protected freeMemory(): void {
    this.blocks = [];
  }

  override outputMasks(inputMasked: readonly boolean[], outputCount: number): MaskSource[] {
    const out = new Array<MaskSource>(outputCount).fill(null);
    if (!this.supportsMasking || outputCount === 0) return out;
    if (this.computeMask) out[0] = "computed";
    else if (inputMasked[0]) out[0] = { input: 0 };
    return out;
  }

  /** The inputs of a step as Tensors, and their masks when the layer supports masking. */
  readInputs(inputs: readonly Buf[], masks: readonly number[]): { xs: Tensor[]; ms: (Tensor | null)[] } {
    const heap = heapF32();
    const xs = inputs.map((b) => {
      const n = sizeOf(b.shape);
      if (b.dtype === "int32")
        return trustedTensor(Float32Array.from(new Int32Array(heap.buffer, b.ptr, n)), b.shape, "float32");
      return trustedTensor(heap.slice(b.ptr >>> 2, (b.ptr >>> 2) + n), b.shape, "float32");
    });
    const ms = xs.map((x, i) => {
      const p = masks[i] ?? 0;
      if (!this.supportsMasking || !p) return null;
      const shape = x.shape.slice(0, -1);
      return trustedTensor(Float32Array.from(new Uint8Array(heap.buffer, p, sizeOf(shape))), shape, "float32");
    });
    return { xs, ms };
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[], _scratch: number, masks: MaskBufs): void {
    this.runForward(inputs, outputs, masks, false);
  }

  /** The forward (fit passes training true). */
  runForward(inputs: readonly Buf[], outputs: readonly Buf[], masks: MaskBufs, training: boolean): void {
    const { xs, ms } = this.readInputs(inputs, masks.inputs);
    const got = asList(this.call(xs, { masks: ms, training }));
    if (got.length !== outputs.length || got.some((t) => !(t instanceof Tensor))) {
      throw new WasmRnnError(
        `${this.who}: call() returned ${got.length} value(s), expected ${outputs.length} Tensor(s)`,
      );
    }
    const fixed = got.map((t, i) => {
      const want = outputs[i]!.shape;
      if (t.shape.length !== want.length || t.shape.some((d, j) => d !== want[j])) {
        throw new WasmRnnError(
          `${this.who}: call() output ${i} has shape [${t.shape.join(", ")}], computeOutputShape gave [${want.join(", ")}]`,
        );
      }
      return t.dtype === "float32" ? t : new Tensor(Float32Array.from(t.data), t.shape, "float32");
    });
    writeBufs(outputs, fixed, this.who);
    const outMask = masks.outputs[0] ?? 0;
    if (this.supportsMasking && this.computeMask && outMask) {
      const m = this.computeMask(xs, ms);
      const u8 = new Uint8Array(heapF32().buffer, outMask, sizeOf(outputs[0]!.shape.slice(0, -1)));
      if (m === null) u8.fill(1);
      else for (let i = 0; i < u8.length; i++) u8[i] = m.data[i] ? 1 : 0;
    }
  }
}

/** Sets the Keras class, registered name and module a loaded custom layer saves as (the file's). */
export function adoptFileNames(
  layer: CustomLayer,
  className: string,
  registered: string | null,
  module: string | null,
): void {
  layer.className = className;
  layer.registeredName = registered ?? `Custom>${className}`;
  layer.kerasModule = module;
}
