// MaxPooling2D's file entry and backward, and the pooling entries' shared parts (AveragePooling2D's
// entry uses them). What predict never needs: loaded only by the loader, the saver and fit.
import { trainKernels } from "../core/train-kernels.js";
import { type Backward, none } from "./backward-base.js";
import type { ConfigReader } from "./config.js";
import { writeGeometry } from "./conv2d.js";
import { readPadding, readPair, requireChannelsLast } from "./conv2d-geometry.js";
import { baseConfig, type LayerEntry } from "./entry.js";
import { carve } from "./heap.js";
import { MaxPooling2D, type Pooling2D, type Pooling2DArgs } from "./max_pooling2d.js";

/** The options of a pooling config (Keras 1's `border_mode` and `dim_ordering` too). */
export function readPooling2D(cfg: ConfigReader): Pooling2DArgs {
  requireChannelsLast(cfg);
  const poolSize = readPair(cfg, "pool_size", [2, 2]);
  return { name: cfg.name, poolSize, strides: readPair(cfg, "strides", poolSize), padding: readPadding(cfg) };
}

export const poolingConfig = (l: Pooling2D) => ({
  ...baseConfig(l.name),
  pool_size: [...l.poolSize],
  padding: l.padding,
  strides: [...l.strides],
  data_format: "channels_last",
});

export const pooling2dBackward: Backward = {
  traceBytes: none,
  scratchBytes: () => carve(0, { geo: 64 }).total,
  run: ({ step, dOut, dIn, scratch }) => {
    if (!dOut[0] || !dIn[0]) return;
    const l = step.layer as Pooling2D;
    const x = step.inputs[0]!;
    writeGeometry(scratch, l.geometry(x.shape));
    trainKernels().pool2d_backward(l.kind, x.shape[0]!, x.ptr, scratch, dOut[0], dIn[0]);
  },
};

export const maxPooling2dEntry: LayerEntry<MaxPooling2D> = {
  classNames: ["MaxPooling2D", "MaxPool2D"],
  cls: MaxPooling2D,
  build: (cfg) => new MaxPooling2D(readPooling2D(cfg)),
  toConfig: (l) => poolingConfig(l),
  backward: () => pooling2dBackward,
};
