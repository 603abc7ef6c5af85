// AveragePooling2D's file entry and backward (MaxPooling2D's, with the average's kernel).
import { AveragePooling2D } from "./average_pooling2d.js";
import type { LayerEntry } from "./entry.js";
import { pooling2dBackward, poolingConfig, readPooling2D } from "./max_pooling2d-entry.js";

export const averagePooling2dEntry: LayerEntry<AveragePooling2D> = {
  classNames: ["AveragePooling2D", "AvgPool2D"],
  cls: AveragePooling2D,
  build: (cfg) => new AveragePooling2D(readPooling2D(cfg)),
  toConfig: (l) => poolingConfig(l),
  backward: () => pooling2dBackward,
};
