// The 1-D convolution window shared by Conv1D, SeparableConv1D and DepthwiseConv1D: Keras 3's
// options (kernelSize, strides, padding, dilationRate, dataFormat) checked once, the output length
// and the left padding of each padding mode, as Keras (TensorFlow's "SAME": the smaller half left).
import { describeValue, WasmRnnError } from "../../core/errors.js";

export type ConvPadding = "valid" | "same" | "causal";

export interface WindowArgs {
  kernelSize: number | readonly number[];
  strides?: number | readonly number[];
  padding?: ConvPadding;
  dataFormat?: "channels_last" | "channels_first" | null;
  dilationRate?: number | readonly number[];
}

export interface Window {
  kernelSize: number;
  strides: number;
  padding: ConvPadding;
  dilationRate: number;
}

/** A positive integer or a list of one (Keras's standardize_tuple for rank 1). */
export function oneInt(who: string, option: string, v: unknown, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  const x = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (typeof x !== "number" || !Number.isInteger(x) || x <= 0)
    throw new WasmRnnError(
      `${who}: expected ${option} to be a positive integer (or a list of one), got ${describeValue(v)}`,
    );
  return x;
}

/** Keras 3 accepts padding in any case; channels_first is refused (channels_last only). */
export function checkWindow(who: string, args: WindowArgs): Window {
  const padding = typeof args.padding === "string" ? args.padding.toLowerCase() : args.padding;
  if (padding !== undefined && padding !== "valid" && padding !== "same" && padding !== "causal")
    throw new WasmRnnError(
      `${who}: expected padding to be "valid", "same" or "causal", got ${describeValue(args.padding)}`,
    );
  checkDataFormat(who, args.dataFormat);
  const w: Window = {
    kernelSize: oneInt(who, "kernelSize", args.kernelSize),
    strides: oneInt(who, "strides", args.strides, 1),
    padding: padding ?? "valid",
    dilationRate: oneInt(who, "dilationRate", args.dilationRate, 1),
  };
  if (w.strides > 1 && w.dilationRate > 1)
    throw new WasmRnnError(
      `${who}: expected strides or dilationRate to be 1 (Keras refuses both above 1), got strides=${w.strides}, dilationRate=${w.dilationRate}`,
    );
  return w;
}

export function checkDataFormat(who: string, v: unknown): void {
  if (v === undefined || v === null || v === "channels_last") return;
  if (v === "channels_first")
    throw new WasmRnnError(
      `${who}: expected dataFormat "channels_last" (wasm-rnn's convolutions run on [batch, steps, channels]), got "channels_first"`,
    );
  throw new WasmRnnError(`${who}: expected dataFormat "channels_last" or "channels_first", got ${describeValue(v)}`);
}

/** Steps the window spans: (kernelSize - 1) * dilationRate + 1. */
export const span = (w: Window) => (w.kernelSize - 1) * w.dilationRate + 1;

/** Output steps for T input steps (null when unknown); may be <= 0 for a too short "valid" input. */
export function outSteps(w: Window, T: number | null): number | null {
  if (T === null) return null;
  if (w.padding === "same") return Math.ceil(T / w.strides);
  const t = w.padding === "causal" ? T + span(w) - 1 : T;
  return Math.floor((t - span(w)) / w.strides) + 1;
}

/** Zero steps before the input: TensorFlow's SAME puts the smaller half left; causal all of it. */
export function padLeft(w: Window, T: number): number {
  if (w.padding === "causal") return span(w) - 1;
  if (w.padding === "valid") return 0;
  const To = Math.ceil(T / w.strides);
  return Math.floor(Math.max((To - 1) * w.strides + span(w) - T, 0) / 2);
}

/** Throws naming the layer when T input steps give no output step. */
export function checkSteps(who: string, w: Window, T: number | null): void {
  const To = outSteps(w, T);
  if (To !== null && To <= 0)
    throw new WasmRnnError(
      `${who}: expected at least ${span(w)} steps for kernelSize ${w.kernelSize}, dilationRate ${w.dilationRate} and ` +
        `padding "${w.padding}", got ${T}`,
    );
}

/** The window's options as Keras 3 writes them in a config. */
export function windowConfig(w: Window): Record<string, number[] | string> {
  return {
    kernel_size: [w.kernelSize],
    strides: [w.strides],
    padding: w.padding,
    data_format: "channels_last",
    dilation_rate: [w.dilationRate],
  };
}
