// SimpleRNN with Keras 3 semantics: h_t = activation(x_t·W + b + h_{t-1}·U).
//
// Shapes: input [B, T, I]; kernel [I, H], recurrentKernel [H, H], bias [H]; outputs [B, T, H] or
// [B, H], then h [B, H] (returnState). Units are padded to 16 for the GEMM (assembly/rnn/simple_rnn.ts).
import { ACTIVATION_IDS } from "../core/activations.js";
import { WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { splitRows, workerPool, worthSplitting } from "../core/threads.js";
import { checkOptions } from "../core/validate.js";
import { heapF32, kernels } from "../core/wasm.js";
import { type Buf, carve, sameShapeLayout, withStaging } from "./heap.js";
import type { SymbolicTensor, WeightSpec } from "./layer.js";
import { RecurrentLayer } from "./recurrent.js";
import {
  RECURRENT_OPTIONS,
  type RecurrentArgs,
  type RecurrentCallArgs,
  type RecurrentOutput,
} from "./recurrent-options.js";

export type SimpleRNNArgs<S extends boolean = boolean> = RecurrentArgs<S>;

export class SimpleRNN<S extends boolean = false> extends RecurrentLayer {
  readonly className = "SimpleRNN";
  readonly stateNames = ["h"] as const;
  /** Trace rows (assembly/rnn/simple_rnn.ts): h_t [P], h_{t-1} [P]. */
  readonly traceWidth = 2;
  declare readonly returnState: S;

  constructor(args: SimpleRNNArgs<S>) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`SimpleRNN: expected an options object with units, got ${String(args)}`);
    checkOptions(`SimpleRNN '${args.name ?? "simple_rnn"}'`, args, RECURRENT_OPTIONS);
    super(args, "SimpleRNN");
  }

  /** Units rounded up to the 16-column GEMM panel. */
  override get stateStride(): number {
    return (this.units + 15) & ~15;
  }

  apply(x: SymbolicTensor, kwargs?: RecurrentCallArgs<SymbolicTensor>): RecurrentOutput<S, SymbolicTensor>;
  apply(x: Tensor | NestedArray, kwargs?: RecurrentCallArgs<Tensor | NestedArray>): RecurrentOutput<S, Tensor>;
  apply(x: SymbolicTensor | Tensor | NestedArray, kwargs: RecurrentCallArgs<unknown> = {}): unknown {
    return this.call(x, kwargs);
  }

  weightSpecs(): WeightSpec[] {
    const H = this.units,
      I = this.inputDim;
    const specs: WeightSpec[] = [
      { name: "kernel", shape: [I, H] },
      { name: "recurrent_kernel", shape: [H, H] },
    ];
    if (this.useBias) specs.push({ name: "bias", shape: [H] });
    return specs;
  }

  protected buildWeights(): void {
    const H = this.units;
    const values = [this.kernelInitializer.generate([this.inputDim, H]), this.recurrentInitializer.generate([H, H])];
    if (this.useBias) values.push(this.biasInitializer.generate([H]));
    this.writeWeights(values);
  }

  protected packBlocks(values: readonly Float32Array[], dst: readonly number[]): void {
    const k = this.kernels;
    const H = this.units,
      Hq = this.stateStride,
      I = this.inputDim;
    withStaging([I * H * 4, H * H * 4], ([kS, rS]) => {
      const heap = heapF32();
      heap.set(values[0]!, kS! >>> 2);
      heap.set(values[1]!, rS! >>> 2);
      k.pack_panel16(kS!, H, I, H, I, dst[0]!);
      k.pack_panel16(rS!, H, H, H, Hq, dst[1]!);
      heap.fill(0, dst[2]! >>> 2, (dst[2]! >>> 2) + Hq);
      if (this.useBias) heap.set(values[2]!, dst[2]! >>> 2);
    });
  }

  /** kernel, recurrent kernel, bias: 16-wide panels (pack_panel16), units padded to 16. */
  protected blockLengths(): number[] {
    const Hq = this.stateStride;
    return [Hq * this.inputDim, Hq * Hq, Hq];
  }

  protected unpackBlocks(ptrs: readonly number[]): Float32Array[] {
    const k = this.kernels;
    const H = this.units,
      Hq = this.stateStride,
      I = this.inputDim;
    return withStaging([I * H * 4, H * H * 4], ([kS, rS]) => {
      k.unpack_panel16(ptrs[0]!, I, H, I, kS!);
      k.unpack_panel16(ptrs[1]!, H, H, Hq, rS!);
      const f32 = heapF32();
      const out = [f32.slice(kS! >>> 2, (kS! >>> 2) + I * H), f32.slice(rS! >>> 2, (rS! >>> 2) + H * H)];
      if (this.useBias) out.push(f32.slice(ptrs[2]! >>> 2, (ptrs[2]! >>> 2) + H));
      return out;
    });
  }

  /** The cell layout, kept while the shape stays (runCell runs on every predict). */
  private readonly cellOffsets = sameShapeLayout((B, T) => this.cellLayout(B, T));

  /** The input projections xw [B, T, P], then the step's pre-activation z [B, P]. */
  protected cellLayout(B: number, T: number) {
    const row = this.stateStride * 4;
    return carve(0, { xw: B * T * row, z: B * row });
  }

  protected runCell(
    B: number,
    T: number,
    x: number,
    states: readonly number[],
    y: number,
    _extra: readonly Buf[],
    mask: number,
    zeroOutput: boolean,
    last: number,
    scratch: number,
  ): void {
    const at = this.cellOffsets(B, T),
      xw = scratch + at.xw,
      z = scratch + at.z;
    const I = this.inputDim,
      H = this.units,
      P = this.stateStride;
    const act = ACTIVATION_IDS[this.activation],
      back = this.goBackwards ? 1 : 0,
      zero = zeroOutput ? 1 : 0;
    // per call on the predict path: indexing, not destructuring (which iterates)
    const p = this.ptrs,
      w = p[0]!,
      u = p[1]!,
      bias = p[2]!;
    const pool = workerPool();
    if (pool && worthSplitting(B, T * H * (I + H))) {
      // every buffer is batch-major: rows [b0, b1) are the same call on offset pointers
      splitRows(pool, "simple_rnn_forward", B, (b0, b1) => [
        b1 - b0,
        T,
        I,
        H,
        x + b0 * T * I * 4,
        w,
        u,
        bias,
        act,
        back,
        states[0]! + b0 * P * 4,
        xw + b0 * T * P * 4,
        z + b0 * P * 4,
        y ? y + b0 * T * H * 4 : 0,
        mask ? mask + b0 * T : 0,
        zero,
        last + b0 * P * 4,
        this.trace ? this.trace + b0 * T * this.traceWidth * P * 4 : 0,
      ]);
      return;
    }
    kernels().simple_rnn_forward(
      B,
      T,
      I,
      H,
      x,
      w,
      u,
      bias,
      act,
      back,
      states[0]!,
      xw,
      z,
      y,
      mask,
      zero,
      last,
      this.trace,
    );
  }
}
