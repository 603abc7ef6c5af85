// The types that carry a model's outputs from `new Model({ outputs })` to what predict and apply
// return: one symbolic tensor gives one Tensor, a tuple a tuple of the same length. A leaf of
// types only, so that model.ts, io and the tests can name them.
import type { Tensor } from "../core/tensor.js";
import type { SymbolicTensor } from "../layers/layer.js";

/**
 * What a model's `outputs` may be: one symbolic tensor, or a list. (`[]` is only there so that an
 * array literal `[a, b]` is inferred as a tuple; the constructor refuses an empty list.)
 */
export type ModelOutputs = SymbolicTensor | readonly SymbolicTensor[] | [];

/** The outputs of a model whose outputs are not known to the types (a loaded model): one or a list. */
export type AnyOutputs = SymbolicTensor | SymbolicTensor[];

/**
 * `O` with every symbolic tensor replaced by `T`: `T` for one output, a tuple of as many `T` for a
 * tuple, `T[]` for a list of unknown length; `T | T[]` when `O` is AnyOutputs.
 */
export type OutputsAs<O, T> = O extends SymbolicTensor ? T : { -readonly [K in keyof O]: T };

/** What `predict` (and `apply` on concrete tensors) returns for a model with outputs `O`. */
export type PredictResult<O> = OutputsAs<O, Tensor>;
