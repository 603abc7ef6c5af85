// ZeroPadding1D: zero steps before and after, [B, T, C] -> [B, left + T + right, C] (channels_first:
// [B, C, T] padded on its last axis). Drops any mask, as Keras 3.
import { describeValue, fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkOptions } from "../core/validate.js";
import { kernels } from "../core/wasm.js";
import type { Buf } from "./heap.js";
import type { Shape, SymbolicTensor } from "./layer.js";
import { WeightlessLayer } from "./weightless.js";

/** A count >= 0 or a pair of them (Keras's standardize_tuple(v, 2, allow_zero=True)). */
export function countPair(who: string, option: string, v: unknown, fallback: [number, number]): [number, number] {
  if (v === undefined) return fallback;
  const pair = typeof v === "number" ? [v, v] : v;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((n) => Number.isInteger(n) && n >= 0))
    throw new WasmRnnError(
      `${who}: expected ${option} to be an integer >= 0 or a pair of them, got ${describeValue(v)}`,
    );
  return [pair[0], pair[1]];
}

export class ZeroPadding1D extends WeightlessLayer {
  readonly className = "ZeroPadding1D";
  /** Zero steps [before, after]. */
  readonly padding: [number, number];
  readonly dataFormat: "channels_last" | "channels_first";

  constructor(
    args: {
      padding?: number | [number, number];
      dataFormat?: "channels_last" | "channels_first" | null;
      name?: string;
    } = {},
  ) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`ZeroPadding1D: expected an options object, got ${String(args)}`);
    checkOptions(`ZeroPadding1D '${args.name ?? "zero_padding1d"}'`, args, ["padding", "dataFormat", "name"]);
    super(args.name, "ZeroPadding1D");
    this.padding = countPair(this.who, "padding", args.padding, [1, 1]);
    const f = args.dataFormat ?? "channels_last";
    if (f !== "channels_last" && f !== "channels_first")
      throw new WasmRnnError(
        `${this.who}: expected dataFormat "channels_last" or "channels_first", got ${describeValue(f)}`,
      );
    this.dataFormat = f;
  }

  apply(x: SymbolicTensor): SymbolicTensor;
  apply(x: Tensor | NestedArray): Tensor;
  apply(x: SymbolicTensor | Tensor | NestedArray): SymbolicTensor | Tensor {
    return this.applyOne(x);
  }
  private get axis(): number {
    return this.dataFormat === "channels_first" ? 2 : 1;
  }
  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = this.checkOneInput(inputs, states, 3);
    if (x.length !== 3) throw new WasmRnnError(`${this.who}: expected input of rank 3, got shape ${fmtShape(x)}`);
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const out = [...inputs[0]!];
    const n = out[this.axis]!;
    out[this.axis] = n === null ? null : n + this.padding[0] + this.padding[1];
    return [out];
  }
  forward(inputs: readonly Buf[], outputs: readonly Buf[]): void {
    const [B, A, C] = inputs[0]!.shape as [number, number, number];
    // channels_first pads rows of one float: [B * C, T, 1]
    const [rows, T, step] = this.axis === 1 ? [B, A, C] : [B * A, C, 1];
    const To = T + this.padding[0] + this.padding[1];
    kernels().steps_copy(rows, T, step, inputs[0]!.ptr, T, 0, outputs[0]!.ptr, To, this.padding[0]);
  }
  getConfig(): Record<string, unknown> {
    return { name: this.name, padding: this.padding, dataFormat: this.dataFormat };
  }
}
