// The optimizers by name (Keras `optimizers.get`), and everything the optimizer modules export.
import { Optimizer } from "./optimizer.js";
import { type OptimizerName, readOptimizerSpec } from "./optimizer-spec.js";
import { Adagrad } from "./optimizers/adagrad.js";
import { Adam } from "./optimizers/adam.js";
import { RMSprop } from "./optimizers/rmsprop.js";
import { SGD } from "./optimizers/sgd.js";
import type { OptimizerSpec } from "./types.js";

export {
  type BlockOwner,
  type GradBlock,
  type LearningRate,
  Optimizer,
  type OptimizerConfig,
  type OptimizerOptions,
  type ParamBlock,
  type WeightRef,
} from "./optimizer.js";
export { Adagrad, type AdagradOptions } from "./optimizers/adagrad.js";
export { Adam, type AdamOptions } from "./optimizers/adam.js";
export { RMSprop, type RMSpropOptions } from "./optimizers/rmsprop.js";
export { SGD, type SGDOptions } from "./optimizers/sgd.js";
export {
  type ConfigValue,
  getSchedule,
  LearningRateSchedule,
  type LearningRateScheduleSpec,
  type ScheduleClassName,
  type SerializedSchedule,
} from "./schedules.js";
export type { OptimizerSpec } from "./types.js";

type OptimizerClass = new (options: object) => Optimizer;

/** Keras's optimizer names (lower case) to their classes; a Map, so "constructor" or "__proto__" name none. */
const CLASSES = new Map<OptimizerName, OptimizerClass>([
  ["sgd", SGD as OptimizerClass],
  ["adam", Adam as OptimizerClass],
  ["rmsprop", RMSprop as OptimizerClass],
  ["adagrad", Adagrad as OptimizerClass],
]);

/** Keras snake_case config keys to wasm-rnn's camelCase options (`beta_1` -> `beta1`). */
function camelKeys(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    // defined, not assigned: a key "__proto__" stays a key (and is refused as unknown), never a prototype
    Object.defineProperty(
      out,
      key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
      {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      },
    );
  }
  return out;
}

/**
 * Keras `optimizers.get`: a name ("sgd", "adam", "rmsprop", "adagrad", any case) gives the
 * optimizer with Keras's defaults; an Optimizer is returned as it is; `{ className, config }`
 * builds one from options in camelCase or from a Keras config (snake_case keys, as
 * `get_config()` returns and `.keras` files store; `class_name` is accepted for `className`).
 * learning_rate may be a serialized Keras schedule (see LearningRateSchedule).
 */
export function getOptimizer(spec: OptimizerSpec): Optimizer {
  if (spec instanceof Optimizer) return spec;
  const { name, config } = readOptimizerSpec(spec, "getOptimizer");
  return new (CLASSES.get(name) as OptimizerClass)(camelKeys(config));
}
