// AveragePooling2D: [B, H, W, C] -> [B, OH, OW, C], the mean of each window over its positions inside
// the input (TensorFlow's avg_pool: "same" padding is not counted). The rest is MaxPooling2D's.
import { Pooling2D, type Pooling2DArgs } from "./max_pooling2d.js";

export class AveragePooling2D extends Pooling2D {
  readonly className = "AveragePooling2D";
  readonly kind = 1;
  constructor(args: Pooling2DArgs = {}) {
    super(args, "AveragePooling2D", "average_pooling2d");
  }
}
