// A Lambda layer given its implementation in JS (loadModel's customObjects, keyed by the Lambda
// layer's name): a file's Lambda holds Python bytecode, which wasm-rnn never runs.
import type { Tensor } from "../core/tensor.js";
import { type CallContext, CustomLayer, type CustomLayerConfig } from "./custom.js";
import type { Shape } from "./layer.js";

/**
 * A Lambda's implementation: inputs (always a list) -> output(s). Its output shape is
 * `outputShape` when set (shapes without the batch, or a function of the input shapes with it),
 * else the file's `output_shape`, else the first input's shape.
 */
export type LambdaFunction = ((inputs: Tensor[], context: CallContext) => Tensor | Tensor[]) & {
  outputShape?: (number | null)[] | ((inputShapes: Shape[]) => Shape | Shape[]);
};

export class LambdaLayer extends CustomLayer {
  static readonly kerasClassName = "Lambda";
  private readonly fn: LambdaFunction;

  constructor(config: CustomLayerConfig, fn: LambdaFunction) {
    super(config);
    this.fn = fn;
  }

  call(inputs: Tensor[], context: CallContext): Tensor | Tensor[] {
    return this.fn(inputs, context);
  }

  override computeOutputShape(inputShapes: Shape[]): Shape | Shape[] {
    const given = this.fn.outputShape;
    if (typeof given === "function") return given(inputShapes);
    const saved = this.config.output_shape;
    const shape = Array.isArray(given) ? given : saved;
    if (Array.isArray(shape) && shape.every((d) => d === null || (Number.isInteger(d) && (d as number) > 0)))
      return [null, ...(shape as (number | null)[])];
    return inputShapes[0]!;
  }
}
