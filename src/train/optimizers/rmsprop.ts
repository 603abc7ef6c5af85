// Keras `RMSprop` (keras/src/optimizers/rmsprop.py).
import type { OptimizerKernels } from "../../core/train-kernels.js";
import { checkBool, checkNumber } from "../../core/validate.js";
import { type LearningRate, Optimizer, type OptimizerConfig, type OptimizerOptions } from "../optimizer.js";

export interface RMSpropOptions extends OptimizerOptions {
  /** Default 0.001; a number or a learning-rate schedule. */
  learningRate?: LearningRate;
  /** In [0, 1]; default 0.9. */
  rho?: number;
  /** In [0, 1]; default 0. */
  momentum?: number;
  /** Above 0; default 1e-7. */
  epsilon?: number;
  /** Default false. */
  centered?: boolean;
}

/**
 * Keras `RMSprop`: `s = rho·s + (1 - rho)·g²; w -= lr·g / sqrt(s + epsilon)` (epsilon inside the
 * root). centered keeps `a = rho·a + (1 - rho)·g` and divides by `sqrt(s - a² + epsilon)`; momentum
 * keeps `p = momentum·p + increment` and subtracts p.
 */
export class RMSprop extends Optimizer {
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(options: RMSpropOptions = {}) {
    super("RMSprop", options, ["rho", "momentum", "epsilon", "centered"], 0.001);
    this.rho = checkNumber("RMSprop", "rho", options.rho, 0.9, 0, 1);
    this.momentum = checkNumber("RMSprop", "momentum", options.momentum, 0, 0, 1);
    this.epsilon = checkNumber("RMSprop", "epsilon", options.epsilon, 1e-7, 0, Infinity, { lo: true });
    this.centered = checkBool("RMSprop", "centered", options.centered, false);
  }

  protected slotNames(): readonly string[] {
    const names = ["velocity"];
    if (this.momentum > 0) names.push("momentum");
    if (this.centered) names.push("average_gradient");
    return names;
  }

  protected update(
    k: OptimizerKernels,
    n: number,
    w: number,
    g: number,
    slots: readonly number[],
    lr: number,
    g2: number,
  ): void {
    let i = 1;
    const mom = this.momentum > 0 ? slots[i++]! : 0;
    const avg = this.centered ? slots[i++]! : 0;
    k.rmsprop_update(n, w, g, g2, slots[0]!, mom, avg, lr, this.rho, 1 - this.rho, this.momentum, this.epsilon);
  }

  protected ownConfig(): OptimizerConfig {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}
