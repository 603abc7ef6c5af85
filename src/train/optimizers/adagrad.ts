// Keras `Adagrad` (keras/src/optimizers/adagrad.py).
import type { OptimizerKernels } from "../../core/train-kernels.js";
import { checkNumber } from "../../core/validate.js";
import { type LearningRate, Optimizer, type OptimizerConfig, type OptimizerOptions } from "../optimizer.js";

export interface AdagradOptions extends OptimizerOptions {
  /** Default 0.001; a number or a learning-rate schedule. */
  learningRate?: LearningRate;
  /** At least 0; default 0.1. */
  initialAccumulatorValue?: number;
  /** Above 0; default 1e-7. */
  epsilon?: number;
}

/**
 * Keras `Adagrad`: `acc += g²; w -= lr·g / sqrt(acc + epsilon)`, the accumulator starting at
 * initialAccumulatorValue.
 */
export class Adagrad extends Optimizer {
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(options: AdagradOptions = {}) {
    super("Adagrad", options, ["initialAccumulatorValue", "epsilon"], 0.001);
    const init = options.initialAccumulatorValue;
    this.initialAccumulatorValue = checkNumber("Adagrad", "initialAccumulatorValue", init, 0.1, 0, Infinity);
    this.epsilon = checkNumber("Adagrad", "epsilon", options.epsilon, 1e-7, 0, Infinity, { lo: true });
  }

  protected slotNames(): readonly string[] {
    return ["accumulator"];
  }

  protected override slotInit(): number {
    return this.initialAccumulatorValue;
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
    k.adagrad_update(n, w, g, g2, slots[0]!, lr, this.epsilon);
  }

  protected ownConfig(): OptimizerConfig {
    return { initial_accumulator_value: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}
