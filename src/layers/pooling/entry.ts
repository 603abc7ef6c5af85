// The 1D pooling layers' file entries and backwards (assembly/layers/pooling1d.ts). Keras 1 / 2
// spellings load too: MaxPool1D, AvgPool1D, GlobalMaxPool1D, GlobalAvgPool1D, and Keras 1's
// pool_length, stride and border_mode; TF.js's channelsLast / channelsFirst.
import { describeValue, WasmRnnError } from "../../core/errors.js";
import { trainKernels } from "../../core/train-kernels.js";
import { simpleBackward } from "../backward-base.js";
import type { ConfigReader } from "../config.js";
import { baseConfig, type LayerEntry } from "../entry.js";
import type { Layer } from "../layer.js";
import { GlobalAveragePooling1D, GlobalMaxPooling1D, type GlobalPooling1D } from "./global_pooling1d.js";
import { AveragePooling1D, type DataFormat, MaxPooling1D, type Pooling1D, type Pooling1DArgs } from "./pooling1d.js";

/** A 1D tuple option (an int or a one-element list), also under its Keras 1 key. */
function tuple1(cfg: ConfigReader, key: string, legacy: string): number | undefined {
  const k = cfg.has(key) ? key : legacy;
  cfg.used.add(key);
  cfg.used.add(legacy);
  const v = cfg.raw[k];
  if (v === undefined || v === null) return undefined;
  const x = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (typeof x !== "number" || !Number.isInteger(x) || x < 1)
    cfg.fail(`expected ${k} to be a positive integer or a one-element list of one, got ${describeValue(v)}`);
  return x;
}

export function readDataFormat(cfg: ConfigReader): DataFormat {
  const v = cfg.str("data_format", "channels_last");
  if (v === "channels_last" || v === "channelsLast") return "channels_last";
  if (v === "channels_first" || v === "channelsFirst") return "channels_first";
  return cfg.fail(`expected data_format "channels_last" or "channels_first", got ${describeValue(v)}`);
}

function poolingArgs(cfg: ConfigReader): Pooling1DArgs {
  const padding = cfg.has("padding") ? cfg.str("padding") : cfg.str("border_mode", "valid");
  if (padding !== "valid" && padding !== "same")
    cfg.fail(`expected padding "valid" or "same", got ${describeValue(padding)}`);
  return {
    name: cfg.name,
    poolSize: tuple1(cfg, "pool_size", "pool_length") ?? 2,
    strides: tuple1(cfg, "strides", "stride") ?? null,
    padding,
    dataFormat: readDataFormat(cfg),
  };
}

/** TF.js's 1D pooling layers run channels_last only, and its global ones have no keepdims: refused, not saved wrong. */
function tfjsCheck(l: Layer & { dataFormat: DataFormat; keepdims?: boolean }, target: "tfjs" | "keras"): void {
  if (target !== "tfjs") return;
  const what = l.dataFormat === "channels_first" ? 'dataFormat "channels_first"' : l.keepdims ? "keepdims true" : null;
  if (what)
    throw new WasmRnnError(
      `saveModel: ${l.who} uses ${what}, which TF.js's ${l.className} does not support; save it as .keras instead`,
    );
}

const poolingConfig = (l: Pooling1D, target: "tfjs" | "keras") => {
  tfjsCheck(l, target);
  return {
    ...baseConfig(l.name),
    pool_size: [l.poolSize],
    padding: l.padding,
    strides: [l.strides],
    data_format: l.dataFormat,
  };
};

const poolingBackward = (l: Pooling1D) =>
  simpleBackward(({ step, dy, dIn }) => {
    const x = step.inputs[0]!;
    if (dIn[0]) trainKernels().pool1d_backward(...l.kernelArgs(x.shape), l.isMax ? 1 : 0, x.ptr, dy, dIn[0]);
  });

export const maxPooling1dEntry: LayerEntry<MaxPooling1D> = {
  classNames: ["MaxPooling1D", "MaxPool1D"],
  cls: MaxPooling1D,
  build: (cfg) => new MaxPooling1D(poolingArgs(cfg)),
  toConfig: poolingConfig,
  backward: poolingBackward,
};

export const averagePooling1dEntry: LayerEntry<AveragePooling1D> = {
  classNames: ["AveragePooling1D", "AvgPool1D"],
  cls: AveragePooling1D,
  build: (cfg) => new AveragePooling1D(poolingArgs(cfg)),
  toConfig: poolingConfig,
  backward: poolingBackward,
};

const globalArgs = (cfg: ConfigReader) => ({
  name: cfg.name,
  dataFormat: readDataFormat(cfg),
  keepdims: cfg.bool("keepdims", false),
});

const globalConfig = (l: GlobalPooling1D, target: "tfjs" | "keras") => {
  tfjsCheck(l, target);
  return { ...baseConfig(l.name), data_format: l.dataFormat, keepdims: l.keepdims };
};

const globalBackward = (l: GlobalPooling1D) =>
  simpleBackward(({ step, dy, dIn }) => {
    const x = step.inputs[0]!;
    if (!dIn[0]) return;
    const mask = l.isMax ? 0 : (step.masks.inputs[0] ?? 0);
    if (mask) {
      const [B, T, C] = x.shape as [number, number, number];
      trainKernels().masked_mean_steps_backward(B, T, C, mask, dy, dIn[0]);
    } else trainKernels().pool1d_backward(...l.kernelArgs(x.shape), l.isMax ? 2 : 0, x.ptr, dy, dIn[0]);
  });

export const globalMaxPooling1dEntry: LayerEntry<GlobalMaxPooling1D> = {
  classNames: ["GlobalMaxPooling1D", "GlobalMaxPool1D"],
  cls: GlobalMaxPooling1D,
  build: (cfg) => new GlobalMaxPooling1D(globalArgs(cfg)),
  toConfig: globalConfig,
  backward: globalBackward,
};

export const globalAveragePooling1dEntry: LayerEntry<GlobalAveragePooling1D> = {
  classNames: ["GlobalAveragePooling1D", "GlobalAvgPool1D"],
  cls: GlobalAveragePooling1D,
  build: (cfg) => new GlobalAveragePooling1D(globalArgs(cfg)),
  toConfig: globalConfig,
  backward: globalBackward,
};
