// Input: the model's entry points. `Input({ shape })` leaves the batch dimension free, as Keras.
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { DType } from "../core/tensor.js";
import { checkOptions } from "../core/validate.js";
import type { Buf } from "./heap.js";
import { Node, type Shape, SymbolicTensor } from "./layer.js";
import { WeightlessLayer } from "./weightless.js";

export interface InputArgs {
  /** Shape without the batch dimension; `null` marks a free dimension (e.g. steps). */
  shape?: readonly (number | null)[];
  /** Full shape including a fixed batch size. */
  batchShape?: readonly (number | null)[];
  dtype?: DType;
  name?: string;
}

export class InputLayer extends WeightlessLayer {
  readonly className = "InputLayer";
  readonly batchShape: Shape;
  readonly dtype: DType;

  constructor(args: InputArgs) {
    checkOptions("Input", args ?? {}, ["shape", "batchShape", "dtype", "name"]);
    super(args.name, "InputLayer");
    const who = `Input '${this.name}'`;
    if ((args.shape === undefined) === (args.batchShape === undefined)) {
      throw new WasmRnnError(
        `${who}: expected exactly one of shape or batchShape, got ${args.shape === undefined ? "neither" : "both"}`,
      );
    }
    const shape = args.batchShape ? [...args.batchShape] : [null, ...args.shape!];
    if (
      !Array.isArray(args.batchShape ?? args.shape) ||
      shape.some((d) => d !== null && (!Number.isInteger(d) || d < 1))
    ) {
      throw new WasmRnnError(
        `${who}: expected a shape of positive integers or null, got ${JSON.stringify(args.batchShape ?? args.shape)}`,
      );
    }
    this.batchShape = shape;
    this.dtype = args.dtype ?? "float32";
    if (this.dtype !== "float32" && this.dtype !== "int32") {
      throw new WasmRnnError(`${who}: expected dtype "float32" or "int32", got ${JSON.stringify(this.dtype)}`);
    }
    const node = new Node(this, [], []);
    node.outputs.push(new SymbolicTensor(this.batchShape, this.dtype, node, 0, this.name));
    this.inboundNodes.push(node);
    this.builtShape = this.batchShape;
  }

  get output(): SymbolicTensor {
    return this.inboundNodes[0]!.outputs[0]!;
  }

  checkInputs(): void {
    throw new WasmRnnError(`${this.who}: an input layer is not applied to tensors`);
  }
  computeOutputShapes(): Shape[] {
    return [this.batchShape];
  }
  forward(_inputs: readonly Buf[], _outputs: readonly Buf[]): void {}

  override toString(): string {
    return `InputLayer(${this.name}, ${fmtShape(this.batchShape)})`;
  }
}

/** A symbolic model input, as `keras.Input(shape=...)`. */
export function Input(args: InputArgs): SymbolicTensor {
  return new InputLayer(args).output;
}
