// Keras `Adam` (keras/src/optimizers/adam.py).
import type { OptimizerKernels } from "../../core/train-kernels.js";
import { checkBool, checkNumber } from "../../core/validate.js";
import { f32, type LearningRate, Optimizer, type OptimizerConfig, type OptimizerOptions } from "../optimizer.js";

export interface AdamOptions extends OptimizerOptions {
  /** Default 0.001; a number or a learning-rate schedule. */
  learningRate?: LearningRate;
  /** In [0, 1); default 0.9. */
  beta1?: number;
  /** In [0, 1); default 0.999. */
  beta2?: number;
  /** Above 0; default 1e-7. */
  epsilon?: number;
  /** Default false. */
  amsgrad?: boolean;
}

/**
 * Keras `Adam`: `m += (g - m)(1 - beta1); v += (g² - v)(1 - beta2); w -= alpha·m / (sqrt(v) + epsilon)`
 * with `alpha = lr·sqrt(1 - beta2^t) / (1 - beta1^t)`, t the step (1, 2, ...). amsgrad keeps
 * `vhat = max(vhat, v)` and uses it in place of v.
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;
  private alpha = 0;

  constructor(options: AdamOptions = {}) {
    super("Adam", options, ["beta1", "beta2", "epsilon", "amsgrad"], 0.001);
    this.beta1 = checkNumber("Adam", "beta1", options.beta1, 0.9, 0, 1, { hi: true });
    this.beta2 = checkNumber("Adam", "beta2", options.beta2, 0.999, 0, 1, { hi: true });
    this.epsilon = checkNumber("Adam", "epsilon", options.epsilon, 1e-7, 0, Infinity, { lo: true });
    this.amsgrad = checkBool("Adam", "amsgrad", options.amsgrad, false);
  }

  protected slotNames(): readonly string[] {
    return this.amsgrad ? ["momentum", "velocity", "velocity_hat"] : ["momentum", "velocity"];
  }

  /** Keras: momentum and velocity interleaved per variable, then velocity_hat (a second call). */
  override kerasSlotGroups(): string[][] {
    return this.amsgrad ? [["momentum", "velocity"], ["velocity_hat"]] : [["momentum", "velocity"]];
  }

  protected override prepare(step: number, lr: number): void {
    // float32 throughout, as Keras's ops on float32 tensors
    const b1p = f32(Math.pow(f32(this.beta1), step));
    const b2p = f32(Math.pow(f32(this.beta2), step));
    this.alpha = f32(f32(lr * f32(Math.sqrt(f32(1 - b2p)))) / f32(1 - b1p));
  }

  protected update(
    k: OptimizerKernels,
    n: number,
    w: number,
    g: number,
    slots: readonly number[],
    _lr: number,
    g2: number,
  ): void {
    // `1 - beta` is a Python float (double) in Keras, cast to float32 where it meets a tensor
    const vhat = this.amsgrad ? slots[2]! : 0;
    k.adam_update(n, w, g, g2, slots[0]!, slots[1]!, vhat, this.alpha, 1 - this.beta1, 1 - this.beta2, this.epsilon);
  }

  protected ownConfig(): OptimizerConfig {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}
