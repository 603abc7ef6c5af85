// The 2-D window geometry Conv2D, MaxPooling2D and AveragePooling2D share (channels_last
// [B, H, W, C]): option pairs, output sizes and TensorFlow's padding ("valid": none; "same": output
// ceil(in / stride), the total padding split with the extra row or column at the bottom / right).
import { describeValue, WasmRnnError } from "../core/errors.js";
import type { ConfigReader, Json } from "./config.js";

export type Padding2D = "valid" | "same";
export type Pair = [number, number];

/** An int or a pair of ints >= `min` (Keras's `standardize_tuple`). */
export function checkPair(who: string, option: string, v: unknown, fallback: Pair, min = 1): Pair {
  if (v === undefined || v === null) return fallback;
  const pair = typeof v === "number" ? [v, v] : v;
  if (
    !Array.isArray(pair) ||
    pair.length !== 2 ||
    pair.some((d) => typeof d !== "number" || !Number.isInteger(d) || d < min || d > 65536)
  ) {
    throw new WasmRnnError(
      `${who}: expected ${option} to be an integer >= ${min} or a pair of them, got ${describeValue(v)}`,
    );
  }
  return [pair[0] as number, pair[1] as number];
}

export function checkPadding(who: string, v: unknown): Padding2D {
  if (v === undefined) return "valid";
  if (v !== "valid" && v !== "same")
    throw new WasmRnnError(`${who}: expected padding "valid" or "same", got ${describeValue(v)}`);
  return v;
}

/** Geometry of one spatial axis: output size and the padding before it. */
export function axisOut(size: number, k: number, stride: number, dilation: number, padding: Padding2D) {
  const span = (k - 1) * dilation + 1;
  if (padding === "valid") return { out: size >= span ? Math.floor((size - span) / stride) + 1 : 0, before: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + span - size, 0);
  return { out, before: Math.floor(total / 2) };
}

/** A window over [B, H, W, C]: sizes, strides, dilations, padding before, output size. */
export interface Window2D {
  H: number;
  W: number;
  C: number;
  KH: number;
  KW: number;
  SH: number;
  SW: number;
  DH: number;
  DW: number;
  PT: number;
  PL: number;
  OH: number;
  OW: number;
}

export function window2d(x: readonly number[], k: Pair, s: Pair, d: Pair, padding: Padding2D): Window2D {
  const [H, W, C] = x.slice(-3) as [number, number, number];
  const h = axisOut(H, k[0], s[0], d[0], padding),
    w = axisOut(W, k[1], s[1], d[1], padding);
  return {
    H,
    W,
    C,
    KH: k[0],
    KW: k[1],
    SH: s[0],
    SW: s[1],
    DH: d[0],
    DW: d[1],
    PT: h.before,
    PL: w.before,
    OH: h.out,
    OW: w.out,
  };
}

/** Output spatial size for a symbolic shape (null stays null). */
export function outSize(
  size: number | null,
  k: number,
  stride: number,
  dilation: number,
  padding: Padding2D,
): number | null {
  return size === null ? null : axisOut(size, k, stride, dilation, padding).out;
}

/** A pair option from a file: an int or a list of two (Keras 1 splits some: `rows`, `cols` keys). */
export function readPair(cfg: ConfigReader, key: string, fallback: Pair, legacy?: [string, string]): Pair {
  cfg.used.add(key);
  let v: Json | undefined = cfg.raw[key];
  if ((v === undefined || v === null) && legacy && cfg.has(legacy[0]) && cfg.has(legacy[1])) {
    cfg.used.add(legacy[0]);
    cfg.used.add(legacy[1]);
    v = [cfg.raw[legacy[0]]!, cfg.raw[legacy[1]]!];
  }
  try {
    return checkPair(cfg.who, key, v, fallback);
  } catch {
    return cfg.fail(`expected ${key} to be an integer >= 1 or a pair of them, got ${describeValue(v)}`);
  }
}

/** `padding` (Keras 2/3) or `border_mode` (Keras 1), "valid" or "same". */
export function readPadding(cfg: ConfigReader): Padding2D {
  const key = cfg.has("padding") || !cfg.has("border_mode") ? "padding" : "border_mode";
  const v = cfg.str(key, "valid");
  if (v !== "valid" && v !== "same") cfg.fail(`expected ${key} "valid" or "same", got ${describeValue(v)}`);
  return v;
}

/** channels_last only (`data_format`, or Keras 1's `dim_ordering` "tf"). */
export function requireChannelsLast(cfg: ConfigReader): void {
  cfg.requireDefault("data_format", (v) => v === "channels_last", "only channels_last");
  cfg.requireDefault("dim_ordering", (v) => v === "tf" || v === "default", "only channels_last (dim_ordering tf)");
}
