// The options of the recurrent layers (Keras's `RNN` arguments) and of their calls.
import type { ActivationName } from "../core/activations.js";
import { WasmRnnError } from "../core/errors.js";
import type { InitializerSpec } from "./initializers.js";

export interface RecurrentArgs<S extends boolean = boolean> {
  units: number;
  /** Default "tanh"; null means linear. */
  activation?: ActivationName | null;
  useBias?: boolean;
  kernelInitializer?: InitializerSpec;
  recurrentInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  returnSequences?: boolean;
  returnState?: S;
  goBackwards?: boolean;
  /** Keep the final states as the next call's initial states; needs a fixed batch size. */
  stateful?: boolean;
  /**
   * Keras's input and recurrent dropout rates: inference ignores them, as Keras; fit applies
   * `dropout` to the inputs (recurrentDropout is refused there for now).
   */
  dropout?: number;
  recurrentDropout?: number;
  name?: string;
}

export const RECURRENT_OPTIONS = [
  "units",
  "activation",
  "useBias",
  "kernelInitializer",
  "recurrentInitializer",
  "biasInitializer",
  "returnSequences",
  "returnState",
  "goBackwards",
  "stateful",
  "dropout",
  "recurrentDropout",
  "name",
] as const;

export const CELL_ACTIVATIONS: ActivationName[] = [
  "linear",
  "relu",
  "tanh",
  "sigmoid",
  "hard_sigmoid",
  "hard_sigmoid_legacy",
];

export interface RecurrentCallArgs<T> {
  /** Starting states, each [batch, units]: [h, c] for LSTM, [h] for GRU and SimpleRNN. */
  initialState?: T[];
  /** Eager calls only: the input's mask, [batch, steps] of 0 (skip) or 1 (keep), as Keras's `mask=`. */
  mask?: T;
}

/** `apply`'s result for a one-state layer: one output, or [output, h] with returnState. */
export type RecurrentOutput<S extends boolean, T> = S extends true ? [T, T] : T;

/** The initial states of a call's options, after checking the options (names the layer). */
export function callStates(who: string, stateNames: readonly string[], kwargs: RecurrentCallArgs<unknown>): unknown[] {
  if (typeof kwargs !== "object" || kwargs === null) {
    throw new WasmRnnError(`${who}: expected call options { initialState, mask }, got ${String(kwargs)}`);
  }
  for (const key of Object.keys(kwargs)) {
    if (key !== "initialState" && key !== "mask") {
      throw new WasmRnnError(`${who}: unknown call option ${JSON.stringify(key)}; expected initialState or mask`);
    }
  }
  const states = kwargs.initialState ?? [];
  if (!Array.isArray(states)) {
    throw new WasmRnnError(
      `${who}: expected initialState to be an array [${stateNames.join(", ")}], got ${typeof states}`,
    );
  }
  return states;
}
