// Reading a layer's Keras config (snake_case keys, any Keras version or TF.js): typed access with
// errors naming file, layer and key, and the keys that never change inference.
import { type ActivationName, ALL_ACTIVATIONS, fileActivation } from "../core/activations.js";
import { describeValue, WasmRnnError } from "../core/errors.js";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface LoadContext {
  /** The file, for error messages. */
  file: string;
  format: "tfjs" | "keras" | "h5" | "config";
  /** As the file states it ("2.2.2", "3.5.0", "tfjs-layers 4.22.0", ...). */
  kerasVersion: string;
  /** True when "hard_sigmoid" means 0.2x+0.5 (Keras < 3 and TF.js). */
  legacyHardSigmoid: boolean;
  /** Largest number of weight values (floats) one model may hold. */
  maxParams: number;
  /** Running count of values the model's layers will allocate. */
  params: number;
}

/** The activation names a file may give (hard_sigmoid_legacy is ours, never a file's). */
const FILE_ACTIVATIONS = ALL_ACTIVATIONS.filter((a) => a !== "hard_sigmoid_legacy");

/** Keys every layer may carry that do not change inference. */
const IGNORED = new Set([
  "name",
  "trainable",
  "dtype",
  "batch_input_shape",
  "batch_shape",
  "batch_size",
  "input_shape",
  "input_dtype",
  "kernel_regularizer",
  "recurrent_regularizer",
  "bias_regularizer",
  "activity_regularizer",
  "embeddings_regularizer",
  "kernel_constraint",
  "recurrent_constraint",
  "bias_constraint",
  "embeddings_constraint",
  "kernel_initializer",
  "recurrent_initializer",
  "bias_initializer",
  "embeddings_initializer",
  "dropout",
  "recurrent_dropout",
  "seed",
  "implementation",
  "unroll",
  "input_length",
  "sparse",
  "ragged",
  "build_config",
  "module",
  "registered_name",
  "lora_rank",
  "lora_alpha",
  "quantization_config",
  "autocast",
]);

/** Typed access to one layer's config with errors naming file, layer and key. */
export class ConfigReader {
  readonly used = new Set<string>();
  constructor(
    readonly className: string,
    readonly name: string,
    readonly raw: JsonObject,
    readonly ctx: LoadContext,
  ) {}

  get who(): string {
    return `${this.ctx.file}: layer '${this.name}' (${this.className})`;
  }

  fail(msg: string): never {
    throw new WasmRnnError(`${this.who}: ${msg}`);
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  bool(key: string, fallback: boolean): boolean {
    this.used.add(key);
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "boolean") this.fail(`expected ${key} to be a boolean, got ${describeValue(v)}`);
    return v;
  }

  int(key: string, opts: { min?: number; fallback?: number } = {}): number {
    this.used.add(key);
    const v = this.raw[key];
    if ((v === undefined || v === null) && opts.fallback !== undefined) return opts.fallback;
    const min = opts.min ?? 1;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > this.ctx.maxParams) {
      this.fail(`expected ${key} to be an integer in [${min}, ${this.ctx.maxParams}], got ${describeValue(v)}`);
    }
    return v;
  }

  num(key: string, fallback: number): number {
    this.used.add(key);
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "number" || !Number.isFinite(v))
      this.fail(`expected ${key} to be a finite number, got ${describeValue(v)}`);
    return v;
  }

  str(key: string, fallback?: string): string {
    this.used.add(key);
    const v = this.raw[key];
    if ((v === undefined || v === null) && fallback !== undefined) return fallback;
    if (typeof v !== "string") this.fail(`expected ${key} to be a string, got ${describeValue(v)}`);
    return v;
  }

  /** Keras activation (string, or Keras 3 `{class_name, config}` of a built-in) -> our name. */
  activation(key: string, fallback: ActivationName | null): ActivationName | null {
    this.used.add(key);
    let v = this.raw[key];
    if (v === undefined) return fallback;
    if (v === null) return "linear";
    if (typeof v === "object" && !Array.isArray(v) && typeof v.config === "string") v = v.config; // {module, class_name: "function", config: "tanh"}
    if (typeof v !== "string")
      this.fail(
        `expected ${key} to be a built-in activation name, got ${describeValue(v)} ` +
          "(custom activations are not loaded: a model file never runs code)",
      );
    const hard = this.ctx.legacyHardSigmoid ? "hard_sigmoid_legacy" : "hard_sigmoid";
    // a Map: a file's "constructor" or "__proto__" names no activation
    const names = new Map<string, ActivationName>([
      ["linear", "linear"],
      ["relu", "relu"],
      ["tanh", "tanh"],
      ["sigmoid", "sigmoid"],
      ["softmax", "softmax"],
      ["hard_sigmoid", hard],
      ["hardSigmoid", hard],
    ]);
    // the others (gelu, swish, ...): the layer's constructor says whether it takes them
    const name =
      names.get(v) ?? (v === "hard_sigmoid_legacy" ? undefined : fileActivation(v, this.ctx.legacyHardSigmoid));
    // every name wasm-rnn computes (Keras 3 has a few more: celu, glu, sparsemax, ...)
    if (!name)
      this.fail(
        `expected ${key} to be one of ${FILE_ACTIVATIONS.join(", ")}, got ${describeValue(v)} ` +
          "(an activation wasm-rnn does not compute)",
      );
    return name;
  }

  /** Refuses options whose non-default value we cannot honour (better an error than wrong numbers). */
  requireDefault(key: string, ok: (v: Json) => boolean, why: string): void {
    this.used.add(key);
    const v = this.raw[key];
    if (v === undefined || v === null) return;
    if (!ok(v)) this.fail(`${key}=${describeValue(v)} is not supported (${why})`);
  }

  /** Counts params against the model's limit. */
  addParams(n: number, shapes: string): void {
    this.ctx.params += n;
    if (!Number.isFinite(n) || this.ctx.params > this.ctx.maxParams) {
      this.fail(
        `weights of ${shapes} would bring the model to ${this.ctx.params} values, over the limit of ${this.ctx.maxParams} (option maxParams)`,
      );
    }
  }
}

export function ignoredKey(key: string): boolean {
  return IGNORED.has(key);
}
