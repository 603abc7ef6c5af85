// Dot: Keras's batch_dot of two inputs along one axis each (ranks 2 and 3), optionally L2-normalised
// along those axes first (Keras normalize: x * min(1/|x|, 1e7)). No output mask (Keras).
import { fmtShape, WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { checkBool, checkOptions } from "../core/validate.js";
import { type CoreExports, kernels } from "../core/wasm.js";
import { type Buf, carve, sizeOf } from "./heap.js";
import type { Shape, SymbolicTensor } from "./layer.js";
import { WeightlessLayer } from "./weightless.js";

export interface DotArgs {
  axes: number | [number, number];
  normalize?: boolean;
  name?: string;
}

/** One operand of batch_dot: its strides as [b, free, contracted] (floats) and its free length. */
interface Operand {
  b: number;
  free: number;
  k: number;
  n: number;
}

export class Dot extends WeightlessLayer {
  readonly className = "Dot";
  readonly axes: number | [number, number];
  readonly normalize: boolean;

  constructor(args: DotArgs) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`Dot: expected an options object { axes }, got ${String(args)}`);
    checkOptions(`Dot '${args.name ?? "dot"}'`, args, ["axes", "normalize", "name"]);
    super(args.name, "Dot");
    const a = args.axes;
    const ok = Number.isInteger(a) || (Array.isArray(a) && a.length === 2 && a.every((v) => Number.isInteger(v)));
    if (!ok)
      throw new WasmRnnError(
        `${this.who}: expected axes to be an integer or a pair of integers, got ${JSON.stringify(a)}`,
      );
    this.axes = Array.isArray(a) ? [a[0], a[1]] : a;
    this.normalize = checkBool(this.who, "normalize", args.normalize, false);
  }

  apply(xs: SymbolicTensor[]): SymbolicTensor;
  apply(xs: (Tensor | NestedArray)[]): Tensor;
  apply(xs: (SymbolicTensor | Tensor | NestedArray)[]): SymbolicTensor | Tensor {
    return this.applyMany(xs);
  }

  /** The contracted axis of each input (Keras: negative axes count from the end of each). */
  resolvedAxes(r0: number, r1: number): [number, number] {
    const [a, b] = Array.isArray(this.axes) ? this.axes : [this.axes, this.axes];
    const res: [number, number] = [a < 0 ? a + r0 : a, b < 0 ? b + r1 : b];
    if (res[0] < 1 || res[0] >= r0 || res[1] < 1 || res[1] >= r1)
      throw new WasmRnnError(
        `${this.who}: expected axes that are not the batch axis and within ranks ${r0} and ${r1}, got ${JSON.stringify(this.axes)}`,
      );
    return res;
  }

  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    if (inputs.length !== 2 || states.length)
      throw new WasmRnnError(`${this.who}: expected exactly 2 inputs, got ${inputs.length + states.length}`);
    const [x, y] = inputs as [Shape, Shape];
    if (x.length < 2 || x.length > 3 || y.length < 2 || y.length > 3)
      throw new WasmRnnError(`${this.who}: expected inputs of rank 2 or 3, got ${fmtShape(x)} and ${fmtShape(y)}`);
    const [a, b] = this.resolvedAxes(x.length, y.length);
    // unknown steps (null) are allowed, as Keras's: the plan checks the concrete shapes again
    if (x[a] !== null && y[b] !== null && x[a] !== y[b])
      throw new WasmRnnError(
        `${this.who}: expected x.shape[${a}] equal to y.shape[${b}], got ${fmtShape(x)} and ${fmtShape(y)}`,
      );
  }

  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const [x, y] = inputs as [Shape, Shape];
    const [a, b] = this.resolvedAxes(x.length, y.length);
    const out = [x[0]!, ...x.slice(1).filter((_, i) => i + 1 !== a), ...y.slice(1).filter((_, i) => i + 1 !== b)];
    return [out.length === 1 ? [out[0]!, 1] : out];
  }

  /** Strides of x as [b, m, k] and y as [b, n, k] for batch_dot. */
  operands(xs: readonly number[], ys: readonly number[]): [Operand, Operand] {
    const [a, b] = this.resolvedAxes(xs.length, ys.length);
    const op = (s: readonly number[], axis: number): Operand => {
      const per = sizeOf(s.slice(1));
      if (s.length === 2) return { b: per, free: 0, k: 1, n: 1 };
      return axis === 2 ? { b: per, free: s[2]!, k: 1, n: s[1]! } : { b: per, free: 1, k: s[2]!, n: s[2]! };
    };
    return [op(xs, a), op(ys, b)];
  }

  /** Scratch: the normalised inputs (when normalize). */
  layout(base: number, inputs: readonly number[][]) {
    const n = this.normalize ? 4 : 0;
    return carve(base, { x: sizeOf(inputs[0]!) * n, y: sizeOf(inputs[1]!) * n });
  }
  override scratchBytes(inputs: readonly number[][] = []): number {
    return this.layout(0, inputs).total;
  }

  /** [outer, L, inner] of an input around its contracted axis, for the normalisation kernels. */
  around(s: readonly number[], axis: number): [number, number, number] {
    return [sizeOf(s.slice(0, axis)), s[axis]!, sizeOf(s.slice(axis + 1))];
  }

  /** The two operands batch_dot reads: the inputs, or their normalised copies in scratch. */
  operandPtrs(k: Pick<CoreExports, "l2_normalize_forward">, inputs: readonly Buf[], scratch: number): [number, number] {
    if (!this.normalize) return [inputs[0]!.ptr, inputs[1]!.ptr];
    const [x, y] = inputs as [Buf, Buf];
    const at = this.layout(scratch, [x.shape, y.shape]);
    const [a, b] = this.resolvedAxes(x.shape.length, y.shape.length);
    k.l2_normalize_forward(...this.around(x.shape, a), x.ptr, at.x);
    k.l2_normalize_forward(...this.around(y.shape, b), y.ptr, at.y);
    return [at.x, at.y];
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number): void {
    const k = kernels();
    const [x, y] = inputs as [Buf, Buf];
    const [px, py] = this.operandPtrs(k, inputs, scratch);
    const [ox, oy] = this.operands(x.shape, y.shape);
    const B = x.shape[0]!,
      M = ox.n,
      N = oy.n,
      K = x.shape[this.resolvedAxes(x.shape.length, y.shape.length)[0]]!;
    k.batch_dot(B, M, N, K, px, ox.b, ox.free, ox.k, py, oy.b, oy.k, oy.free, outputs[0]!.ptr, M * N, N, 1, 0);
  }
}
