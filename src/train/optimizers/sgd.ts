// Keras `SGD` (keras/src/optimizers/sgd.py).
import type { OptimizerKernels } from "../../core/train-kernels.js";
import { checkBool, checkNumber } from "../../core/validate.js";
import { type LearningRate, Optimizer, type OptimizerConfig, type OptimizerOptions } from "../optimizer.js";

export interface SGDOptions extends OptimizerOptions {
  /** Default 0.01; a number or a learning-rate schedule. */
  learningRate?: LearningRate;
  /** In [0, 1]; default 0. */
  momentum?: number;
  /** Default false. */
  nesterov?: boolean;
}

/**
 * Keras `SGD`: `w -= lr * g`; with momentum `u = momentum * u - lr * g; w += u`; with nesterov
 * `w += momentum * u - lr * g`.
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(options: SGDOptions = {}) {
    super("SGD", options, ["momentum", "nesterov"], 0.01);
    this.momentum = checkNumber("SGD", "momentum", options.momentum, 0, 0, 1);
    this.nesterov = checkBool("SGD", "nesterov", options.nesterov, false);
  }

  protected slotNames(): readonly string[] {
    return this.momentum !== 0 ? ["momentum"] : [];
  }

  protected update(k: OptimizerKernels, n: number, w: number, g: number, slots: readonly number[], lr: number): void {
    if (this.momentum !== 0) k.sgd_momentum_update(n, w, g, slots[0]!, lr, this.momentum, this.nesterov ? 1 : 0);
    else k.sgd_update(n, w, g, lr);
  }

  protected ownConfig(): OptimizerConfig {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}
