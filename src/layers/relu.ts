// ReLU (maxValue, negativeSlope, threshold), LeakyReLU (negativeSlope) and ELU (alpha): element-wise
// layers with options, on one kernel (param_act_forward); they pass masks on (Keras).
import { WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkNumber, checkOptions } from "../core/validate.js";
import { kernels } from "../core/wasm.js";
import { type Buf, type MaskSource, passMask, sizeOf } from "./heap.js";
import type { Shape, SymbolicTensor } from "./layer.js";
import { WeightlessLayer } from "./weightless.js";

/** An element-wise activation layer with options: param_act_forward's kind and three parameters. */
export abstract class ParamActivation extends WeightlessLayer {
  override get perVector(): boolean {
    return true;
  }
  /** param_act_forward's kind (0 ReLU, 1 ELU) and its parameters. */
  abstract params(): [kind: number, p0: number, p1: number, p2: number];

  protected static argsOf<T extends object>(cls: string, args: T | undefined, known: readonly string[]): T {
    const a = (args ?? {}) as T & { name?: string };
    if (typeof a !== "object" || a === null)
      throw new WasmRnnError(`${cls}: expected an options object, got ${String(a)}`);
    checkOptions(`${cls} '${a.name ?? cls.toLowerCase()}'`, a, known);
    return a;
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    this.checkOneInput(inputs, states, 1);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    return [inputs[0]!];
  }
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    return passMask(inputMasked);
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    const x = inputs[0]!;
    const [kind, p0, p1, p2] = this.params();
    kernels().param_act_forward(sizeOf(x.shape), x.ptr, kind, p0, p1, p2, 0, 1, outputs[0]!.ptr);
  }
}

export interface ReLUArgs {
  /** Default null (no upper bound). */
  maxValue?: number | null;
  negativeSlope?: number;
  threshold?: number;
  name?: string;
}

/** Keras ReLU: x above threshold (capped at maxValue), else negativeSlope * (x - threshold). */
export class ReLU extends ParamActivation {
  readonly className = "ReLU";
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;
  constructor(args: ReLUArgs = {}) {
    const a = ParamActivation.argsOf("ReLU", args, ["maxValue", "negativeSlope", "threshold", "name"]);
    super(a.name, "ReLU");
    this.maxValue =
      a.maxValue === undefined || a.maxValue === null
        ? null
        : checkNumber(this.who, "maxValue", a.maxValue, 0, 0, Infinity);
    this.negativeSlope = checkNumber(this.who, "negativeSlope", a.negativeSlope, 0, 0, Infinity);
    this.threshold = checkNumber(this.who, "threshold", a.threshold, 0, 0, Infinity);
  }
  params(): [number, number, number, number] {
    return [0, this.threshold, this.maxValue ?? Infinity, this.negativeSlope];
  }
}

/** Keras LeakyReLU: x > 0 ? x : negativeSlope x (default 0.3; Keras 2's `alpha`). */
export class LeakyReLU extends ParamActivation {
  readonly className = "LeakyReLU";
  readonly negativeSlope: number;
  constructor(args: { negativeSlope?: number; name?: string } = {}) {
    const a = ParamActivation.argsOf("LeakyReLU", args, ["negativeSlope", "name"]);
    super(a.name, "LeakyReLU");
    this.negativeSlope = checkNumber(this.who, "negativeSlope", a.negativeSlope, 0.3, 0, Infinity);
  }
  params(): [number, number, number, number] {
    return [0, 0, Infinity, this.negativeSlope];
  }
}

/** Keras ELU: x > 0 ? x : alpha (e^x - 1). */
export class ELU extends ParamActivation {
  readonly className = "ELU";
  readonly alpha: number;
  constructor(args: { alpha?: number; name?: string } = {}) {
    const a = ParamActivation.argsOf("ELU", args, ["alpha", "name"]);
    super(a.name, "ELU");
    this.alpha = checkNumber(this.who, "alpha", a.alpha, 1, -Infinity, Infinity);
  }
  params(): [number, number, number, number] {
    return [1, this.alpha, 0, 0];
  }
}
