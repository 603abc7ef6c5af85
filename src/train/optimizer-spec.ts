// Which optimizer a spec names, checked without making it: compile() checks the name at once,
// and the optimizer classes (which need the training core) load only when training starts.
import { describeValue, WasmRnnError } from "../core/errors.js";
import { checkOptions, isPlainObject } from "../core/validate.js";

/** Keras's names of the optimizers wasm-rnn has, in lower case (names match in any case). */
export const OPTIMIZER_NAMES = ["sgd", "adam", "rmsprop", "adagrad"] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];
/**
 * An optimizer name as the types take it: Keras's lower-case names, its class names and TF.js's
 * (names match in any case at run time).
 */
export type OptimizerSpecName = OptimizerName | "SGD" | "Adam" | "RMSprop" | "RMSProp" | "Adagrad";

/**
 * A name ("adam", any case) or `{ className | class_name, config }`, read and checked: the class
 * (lower case) and the config as given ({} when absent). Refuses anything else, naming `who`.
 */
export function readOptimizerSpec(
  spec: unknown,
  who: string,
): { name: OptimizerName; config: Record<string, unknown> } {
  let className: unknown;
  let config: unknown = {};
  if (typeof spec === "string") {
    className = spec;
  } else if (isPlainObject(spec)) {
    checkOptions(who, spec, ["className", "class_name", "config", "module", "registered_name"]);
    className = spec.className ?? spec.class_name;
    config = spec.config ?? {};
  } else {
    throw new WasmRnnError(
      `${who}: expected an optimizer name, an Optimizer or { className, config }, got ${describeValue(spec)}`,
    );
  }
  if (typeof className !== "string") {
    throw new WasmRnnError(`${who}: expected className to be a string, got ${describeValue(className)}`);
  }
  const name = className.toLowerCase();
  // includes, not a property lookup: "constructor" or "__proto__" name no optimizer
  if (!(OPTIMIZER_NAMES as readonly string[]).includes(name)) {
    throw new WasmRnnError(
      `${who}: expected an optimizer name (${OPTIMIZER_NAMES.join(", ")}), got ${describeValue(className)}`,
    );
  }
  if (!isPlainObject(config)) {
    throw new WasmRnnError(`${who}: expected config to be an object, got ${describeValue(config)}`);
  }
  return { name: name as OptimizerName, config };
}
