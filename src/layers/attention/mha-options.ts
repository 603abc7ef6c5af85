// MultiHeadAttention's options and call options (Keras 3 names in camelCase), and the checks of the two
// shape-like options.
import { WasmRnnError } from "../../core/errors.js";
import type { InitializerSpec } from "../initializers.js";
import type { AttentionCallOptions } from "./call.js";

export interface MultiHeadAttentionArgs {
  numHeads: number;
  keyDim: number;
  /** Default keyDim. */
  valueDim?: number | null;
  /** Dropout rate on the attention weights while training (default 0). */
  dropout?: number;
  useBias?: boolean;
  /** The output's trailing shape (default: the query's features). */
  outputShape?: number | number[] | null;
  /** Only Keras's default (the steps axis): null, 1 or -2, alone or in a list. */
  attentionAxes?: number | number[] | null;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  seed?: number | null;
  name?: string;
  /** Keras's `trainable` (default true): false keeps fit from changing its weights. */
  trainable?: boolean;
}

export interface MultiHeadAttentionCall<T> extends AttentionCallOptions {
  /** `[batch, query steps, value steps]`: nonzero where a query step may attend to a value step. */
  attentionMask?: T;
}

export const MHA_OPTIONS = [
  "numHeads",
  "keyDim",
  "valueDim",
  "dropout",
  "useBias",
  "outputShape",
  "attentionAxes",
  "kernelInitializer",
  "biasInitializer",
  "seed",
  "name",
  "trainable",
] as const;

/** outputShape: null, a positive int or a list of them -> the output's trailing shape (null: the query's features). */
export function checkOutputShape(who: string, os: unknown): number[] | null {
  if (os == null) return null;
  const list = typeof os === "number" ? [os] : os;
  if (!Array.isArray(list) || list.length === 0 || !list.every((n) => Number.isInteger(n) && n > 0))
    throw new WasmRnnError(
      `${who}: expected outputShape to be a positive integer or a list of them, got ${JSON.stringify(os)}`,
    );
  return [...(list as number[])];
}

/** attentionAxes: only Keras's default, the steps axis of [batch, steps, features] (null, 1 or -2). */
export function checkAttentionAxes(who: string, axes: unknown): void {
  const list = axes == null ? [1] : typeof axes === "number" ? [axes] : axes;
  if (!Array.isArray(list) || list.length !== 1 || (list[0] !== 1 && list[0] !== -2))
    throw new WasmRnnError(
      `${who}: expected attentionAxes null, 1 or -2 (attention over the steps of [batch, steps, features] inputs), ` +
        `got ${JSON.stringify(axes)}`,
    );
}
