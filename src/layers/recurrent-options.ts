// The options of the recurrent layers (Keras's `RNN` arguments) and of their calls.
import type { ActivationName } from "../core/activations.js";
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { InitializerSpec } from "./initializers.js";
import type { Shape } from "./layer.js";

export interface RecurrentArgs<S extends boolean = boolean> {
  units: number;
  /** Default "tanh"; null means linear. */
  activation?: CellActivationName | null;
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
   * Keras's input and recurrent dropout rates: inference ignores them, as Keras; fit applies both
   * with Keras 3's masks, one per sequence (and per gate with recurrentDropout; recurrent-dropout.ts).
   */
  dropout?: number;
  recurrentDropout?: number;
  name?: string;
  /** Keras's `trainable` (default true): false keeps fit from changing its weights. */
  trainable?: boolean;
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
  "trainable",
] as const;

/** The activations LSTM, GRU and SimpleRNN take (not softmax, nor the Activation layer's others). */
export const CELL_ACTIVATIONS = [
  "linear",
  "relu",
  "tanh",
  "sigmoid",
  "hard_sigmoid",
  "hard_sigmoid_legacy",
] as const satisfies readonly ActivationName[];
export type CellActivationName = (typeof CELL_ACTIVATIONS)[number];

export interface RecurrentCallArgs<T> {
  /** Starting states, each [batch, units]: [h, c] for LSTM, [h] for GRU and SimpleRNN. */
  initialState?: T[];
  /** Eager calls only: the input's mask, [batch, steps] of 0 (skip) or 1 (keep), as Keras's `mask=`. */
  mask?: T;
}

/** `apply`'s result for a one-state layer: one output, or [output, h] with returnState. */
export type RecurrentOutput<S extends boolean, T> = S extends true ? [T, T] : T;

/** A dropout rate option: a number in [0, 1], default 0. */
export function checkDropoutRate(who: string, name: string, v: unknown): number {
  if (v !== undefined && (typeof v !== "number" || !(v >= 0 && v <= 1))) {
    throw new WasmRnnError(`${who}: expected ${name} to be a number in [0, 1], got ${JSON.stringify(v)}`);
  }
  return (v as number | undefined) ?? 0;
}

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

/** A recurrent call's shapes: input [batch, steps, features] (features = inputDim once built), states [batch, units]. */
export function checkRecurrentShapes(
  layer: { who: string; units: number; stateNames: readonly string[] },
  inputDim: number,
  inputs: readonly Shape[],
  states: readonly Shape[],
): void {
  const x = inputs[0]!;
  if (inputs.length !== 1 || x.length !== 3) {
    throw new WasmRnnError(`${layer.who}: expected input of rank 3 [batch, steps, features], got shape ${fmtShape(x)}`);
  }
  if (x[2] === null)
    throw new WasmRnnError(`${layer.who}: expected a known feature dimension, got input shape ${fmtShape(x)}`);
  if (x[1] !== null && x[1] < 1)
    throw new WasmRnnError(`${layer.who}: expected at least 1 timestep, got input shape ${fmtShape(x)}`);
  if (inputDim && x[2] !== inputDim) {
    throw new WasmRnnError(`${layer.who}: expected input of shape [batch, steps, ${inputDim}], got ${fmtShape(x)}`);
  }
  const S = layer.stateNames.length;
  if (states.length !== 0 && states.length !== S) {
    throw new WasmRnnError(
      `${layer.who}: expected initialState of ${S} tensor${S > 1 ? "s" : ""} [${layer.stateNames.join(", ")}], got ${states.length}`,
    );
  }
  states.forEach((s, i) => {
    if (s.length !== 2 || s[1] !== layer.units) {
      throw new WasmRnnError(
        `${layer.who}: expected initialState[${i}] (${layer.stateNames[i]}) of shape [batch, ${layer.units}], got ${fmtShape(s)}`,
      );
    }
  });
}
