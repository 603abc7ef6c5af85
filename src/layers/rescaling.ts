// Rescaling (Keras 3's preprocessing layer): y = x * scale + offset, element-wise, in float32 steps
// as Keras (a product, then a sum). scale and offset are numbers, or one per channel of the last
// axis (Keras broadcasts them as NumPy does). Passes masks on.
import { describeValue, fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkOptions } from "../core/validate.js";
import { heapF32 } from "../core/wasm.js";
import { type Buf, type MaskSource, passMask, sizeOf } from "./heap.js";
import type { Shape, SymbolicTensor } from "./layer.js";
import { WeightlessLayer } from "./weightless.js";

/** A number, or a non-empty list of finite numbers (per channel). */
function factor(who: string, key: string, v: unknown, fallback: number): number | number[] {
  if (v === undefined) return fallback;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (Array.isArray(v) && v.length > 0 && v.every((n) => typeof n === "number" && Number.isFinite(n))) return [...v];
  throw new WasmRnnError(`${who}: expected ${key} to be a finite number or a list of them, got ${describeValue(v)}`);
}

export class Rescaling extends WeightlessLayer {
  readonly className = "Rescaling";
  readonly scale: number | number[];
  readonly offset: number | number[];

  constructor(args: { scale: number | number[]; offset?: number | number[]; name?: string }) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Rescaling: expected an options object { scale, offset }, got ${String(args)}`);
    checkOptions(`Rescaling '${args.name ?? "rescaling"}'`, args, ["scale", "offset", "name"]);
    super(args.name, "Rescaling");
    if (args.scale === undefined) throw new WasmRnnError(`${this.who}: expected a scale, got none`);
    this.scale = factor(this.who, "scale", args.scale, 1);
    this.offset = factor(this.who, "offset", args.offset, 0);
  }

  override get perVector(): boolean {
    return true;
  }
  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 1);
    const C = x[x.length - 1];
    for (const [key, v] of [
      ["scale", this.scale],
      ["offset", this.offset],
    ] as const) {
      if (Array.isArray(v) && v.length !== 1 && v.length !== C)
        throw new WasmRnnError(
          `${this.who}: expected ${key} to hold 1 value or one per channel of the last axis, got ${v.length} for input shape ${fmtShape(x)}`,
        );
    }
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    return [inputs[0]!];
  }
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    return passMask(inputMasked);
  }
  /** The factor per channel of a last axis of size C, float32. */
  perChannel(v: number | number[], C: number): Float32Array {
    return Float32Array.from({ length: C }, (_, c) => (Array.isArray(v) ? v[v.length === 1 ? 0 : c]! : v));
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    const shape = inputs[0]!.shape;
    const C = shape[shape.length - 1]!;
    const a = this.perChannel(this.scale, C),
      b = this.perChannel(this.offset, C);
    const f32 = heapF32();
    const x = inputs[0]!.ptr >>> 2,
      y = outputs[0]!.ptr >>> 2;
    for (let p = 0, n = sizeOf(shape); p < n; p++)
      f32[y + p] = Math.fround(Math.fround(f32[x + p]! * a[p % C]!) + b[p % C]!);
  }
}
