// MaxPooling2D (and the base of AveragePooling2D): [B, H, W, C] -> [B, OH, OW, C] channels_last,
// the maximum (or mean) of each poolSize window, moved by strides (default poolSize), padding
// "valid" or "same" as TensorFlow (assembly/layers/pooling2d.ts). No mask comes out (Keras).
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkOptions } from "../core/validate.js";
import { kernels } from "../core/wasm.js";
import { writeGeometry } from "./conv2d.js";
import {
  checkPadding,
  checkPair,
  outSize,
  type Padding2D,
  type Pair,
  type Window2D,
  window2d,
} from "./conv2d-geometry.js";
import type { Buf } from "./heap.js";
import type { Shape, SymbolicTensor } from "./layer.js";
import { WeightlessLayer } from "./weightless.js";

export interface Pooling2DArgs {
  /** Default [2, 2]. */
  poolSize?: number | Pair;
  /** Default poolSize. */
  strides?: number | Pair | null;
  padding?: Padding2D;
  /** Only "channels_last". */
  dataFormat?: "channels_last";
  name?: string;
}

const OPTIONS = ["poolSize", "strides", "padding", "dataFormat", "name"];

export abstract class Pooling2D extends WeightlessLayer {
  /** 0 = max, 1 = average (the kernels' kind). */
  abstract readonly kind: 0 | 1;
  readonly poolSize: Pair;
  readonly strides: Pair;
  readonly padding: Padding2D;

  constructor(args: Pooling2DArgs, className: string, snake: string) {
    const a = args ?? {};
    if (typeof a !== "object") throw new WasmRnnError(`${className}: expected an options object, got ${String(args)}`);
    checkOptions(`${className} '${a.name ?? snake}'`, a, OPTIONS);
    super(a.name, className);
    this.poolSize = checkPair(this.who, "poolSize", a.poolSize, [2, 2]);
    this.strides = checkPair(this.who, "strides", a.strides, this.poolSize);
    this.padding = checkPadding(this.who, a.padding);
    if (a.dataFormat !== undefined && a.dataFormat !== "channels_last")
      throw new WasmRnnError(`${this.who}: expected dataFormat "channels_last", got ${JSON.stringify(a.dataFormat)}`);
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }

  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 4);
    if (x.length !== 4 || x.slice(1).some((d) => d === null)) {
      throw new WasmRnnError(
        `${this.who}: expected input of rank 4 [batch, height, width, channels] with known sizes, got shape ${fmtShape(x)}`,
      );
    }
    const [oh, ow] = this.computeOutputShapes([x])[0]!.slice(1, 3);
    if (oh === 0 || ow === 0) {
      throw new WasmRnnError(
        `${this.who}: expected input at least as large as poolSize ${JSON.stringify(this.poolSize)} with padding "valid", ` +
          `got shape ${fmtShape(x)}`,
      );
    }
  }

  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const x = inputs[0]!;
    const [k, s] = [this.poolSize, this.strides];
    return [[x[0]!, outSize(x[1]!, k[0], s[0], 1, this.padding), outSize(x[2]!, k[1], s[1], 1, this.padding), x[3]!]];
  }

  geometry(x: readonly number[]): Window2D {
    return window2d(x, this.poolSize, this.strides, [1, 1], this.padding);
  }

  /** The geometry ints the kernel reads. */
  override scratchBytes(): number {
    return 64;
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number): void {
    const x = inputs[0]!;
    writeGeometry(scratch, this.geometry(x.shape));
    kernels().pool2d_forward(this.kind, x.shape[0]!, x.ptr, scratch, outputs[0]!.ptr);
  }
}

export class MaxPooling2D extends Pooling2D {
  readonly className = "MaxPooling2D";
  readonly kind = 0;
  constructor(args: Pooling2DArgs = {}) {
    super(args, "MaxPooling2D", "max_pooling2d");
  }
}
