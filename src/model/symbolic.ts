// Symbolic tensors and graph nodes: what `Input()` and `layer.apply()` return while a model is
// being described. The batch dimension is `null` unless fixed.

import type { DType } from "../core/tensor.js";
import type { Layer } from "../layers/layer.js";

export type Shape = readonly (number | null)[];

let nextId = 0;

export class SymbolicTensor {
  readonly id = nextId++;
  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
    /** The node that produces this tensor; index into its outputs. */
    readonly node: Node,
    readonly outputIndex: number,
    readonly name: string,
    /** Whether a Keras mask travels with this tensor (from Masking, Embedding(maskZero), ...). */
    readonly masked: boolean = false,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  get sourceLayer(): Layer {
    return this.node.layer;
  }

  toString(): string {
    return `SymbolicTensor(${this.name}, [${this.shape.map((d) => (d === null ? "null" : d)).join(", ")}])`;
  }
}

/** One call of a layer: its inputs (data inputs, then initial states) and its outputs. */
export class Node {
  readonly outputs: SymbolicTensor[] = [];
  constructor(
    readonly layer: Layer,
    readonly inputs: readonly SymbolicTensor[],
    readonly initialState: readonly SymbolicTensor[],
  ) {}

  /** Data inputs followed by initial states: the order the layer's forward receives them. */
  get allInputs(): readonly SymbolicTensor[] {
    return [...this.inputs, ...this.initialState];
  }
}
