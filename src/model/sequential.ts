// Sequential: a plain stack of single-input, single-output layers (Keras 3 `keras.Sequential`).
// The first item may be `Input(...)`; without one the graph is connected on the first `predict`
// from that call's input shape. As in Keras 3, `layers` leaves the input layer out.
import { WasmRnnError } from "../core/errors.js";
import { Tensor, type TensorLike } from "../core/tensor.js";
import { Input, InputLayer } from "../layers/input.js";
import { Layer, SymbolicTensor } from "../layers/layer.js";
import { Model } from "./model.js";
import type { PredictOptions } from "./predict.js";

export interface SequentialArgs {
  /** Layers in order; the first may be a symbolic `Input(...)` (or an InputLayer). */
  layers?: (Layer | SymbolicTensor)[];
  name?: string;
  /** The model's own flag (Keras's argument; its layers keep theirs). */
  trainable?: boolean;
}

type Applicable = { apply(x: SymbolicTensor): unknown };

/** A Sequential has one output: predict returns a Tensor. */
export class Sequential extends Model<SymbolicTensor> {
  private input: SymbolicTensor | null = null;
  /** The last layer's output once connected. */
  private top: SymbolicTensor | null = null;
  private stack: Layer[] = [];

  constructor(args: SequentialArgs = {}) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Sequential: expected an options object { layers, name }, got ${String(args)}`);
    for (const key of Object.keys(args)) {
      if (key !== "layers" && key !== "name" && key !== "trainable")
        throw new WasmRnnError(`Sequential: unknown option ${JSON.stringify(key)}; expected layers, name, trainable`);
    }
    super({ name: args.name, ...(args.trainable === undefined ? {} : { trainable: args.trainable }) }, "sequential");
    if (args.layers !== undefined && !Array.isArray(args.layers)) {
      throw new WasmRnnError(`${this.whoAmI}: expected layers to be an array, got ${typeof args.layers}`);
    }
    for (const item of args.layers ?? []) this.add(item);
  }

  private get whoAmI(): string {
    return `Sequential '${this.name}'`;
  }

  /** As Model's; setting it sets the layers added so far, connected or not. */
  override get trainable(): boolean {
    return super.trainable;
  }
  override set trainable(value: boolean) {
    super.trainable = value;
    for (const l of this.stack) l.trainable = value;
  }

  override get isSequential(): boolean {
    return true;
  }

  /** Appends a layer (or, first, an input), connecting it at once when the input is known. */
  add(item: Layer | SymbolicTensor): void {
    const input = item instanceof InputLayer ? item.output : item instanceof SymbolicTensor ? item : null;
    if (input) {
      if (!(input.sourceLayer instanceof InputLayer)) {
        throw new WasmRnnError(
          `${this.whoAmI}: expected Input(...) or a layer, got the output of ${input.sourceLayer.who}`,
        );
      }
      if (this.input || this.stack.length) {
        throw new WasmRnnError(
          `${this.whoAmI}: expected an Input only as the first item, got it after ${this.stack.length} layer(s)`,
        );
      }
      this.input = input;
      return;
    }
    if (!(item instanceof Layer)) throw new WasmRnnError(`${this.whoAmI}: expected a layer, got ${typeof item}`);
    if (this.stack.includes(item))
      throw new WasmRnnError(`${this.whoAmI}: expected each layer once, got ${item.who} twice`);
    // connect first, so a layer that does not fit leaves the model as it was
    if (this.input) this.connectStack(this.input, this.top ?? this.input, [item]);
    this.stack.push(item);
  }

  private connectStack(input: SymbolicTensor, from: SymbolicTensor, stack: Layer[]): void {
    let x = from;
    for (const layer of stack) {
      const out = (layer as unknown as Applicable).apply(x);
      if (!(out instanceof SymbolicTensor)) {
        throw new WasmRnnError(
          `${this.whoAmI}: expected every layer to have one output, got ${Array.isArray(out) ? out.length : 0} from ${layer.who}`,
        );
      }
      x = out;
    }
    this.connect(input, x);
    this.top = x;
    this.layers = this.layers.filter((l) => !(l instanceof InputLayer));
  }

  /** As Model.apply; an unconnected stack is connected first, from the call's input shape. */
  override apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor;
  override apply(inputs: TensorLike | TensorLike[]): Tensor;
  override apply(inputs: SymbolicTensor | SymbolicTensor[] | TensorLike | TensorLike[]): unknown {
    const first = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!this.input && first instanceof SymbolicTensor) {
      if (this.stack.length === 0)
        throw new WasmRnnError(`${this.whoAmI}: expected at least one layer before apply, got none`);
      const input = Input({ shape: first.shape.slice(1), dtype: first.dtype });
      this.connectStack(input, input, this.stack);
      this.input = input;
    }
    return super.apply(inputs as SymbolicTensor);
  }

  /** Connects the stack on the first call when no Input was given (Keras builds on first use). */
  override predict(x: TensorLike | TensorLike[], options?: PredictOptions): Tensor {
    if (!this.input) {
      if (this.stack.length === 0)
        throw new WasmRnnError(`${this.whoAmI}: expected at least one layer before predict, got none`);
      const t = x instanceof Tensor ? x : Array.isArray(x) && x.length === 1 && x[0] instanceof Tensor ? x[0] : null;
      const shape = t ? t.shape : shapeOf(x);
      const input = Input({ shape: shape.slice(1), dtype: t?.dtype ?? "float32" });
      this.connectStack(input, input, this.stack);
      this.input = input;
    }
    return super.predict(x, options);
  }

  override summary(printFn?: (line: string) => void): string {
    if (!this.input)
      throw new WasmRnnError(
        `${this.whoAmI}: the model has no input yet: add Input(...) first or call predict, then summary`,
      );
    return super.summary(printFn);
  }
}

function shapeOf(x: unknown): number[] {
  const shape: number[] = [];
  let cur = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}
