// LSTM with Keras 3 semantics and option names (camelCase). Weights live packed in wasm memory
// (gate-interleaved panels, assembly/gemm/pack.ts); `forward` is one wasm call for the whole sequence.
//
// Shapes: input [B, T, I]; kernel [I, 4H], recurrentKernel [H, 4H], bias [4H] (Keras order,
// gates i, f, c, o); outputs [B, T, H] (returnSequences) or [B, H], then h [B, H], c [B, H]
// (returnState), then the cell sequence [B, T, H] (returnCellSequences, beyond Keras).
import { ACTIVATION_IDS, type ActivationName, resolveActivation } from "../core/activations.js";
import { WasmRnnError } from "../core/errors.js";
import type { NestedArray, Tensor } from "../core/tensor.js";
import { splitRows, workerPool, worthSplitting } from "../core/threads.js";
import { checkBool, checkOptions } from "../core/validate.js";
import { heapF32, kernels } from "../core/wasm.js";
import { type Buf, carve, sameShapeLayout, withStaging } from "./heap.js";
import type { Shape, SymbolicTensor, WeightSpec } from "./layer.js";
import { RecurrentLayer } from "./recurrent.js";
import {
  CELL_ACTIVATIONS,
  type CellActivationName,
  RECURRENT_OPTIONS,
  type RecurrentArgs,
  type RecurrentCallArgs,
} from "./recurrent-options.js";

export interface LSTMArgs<S extends boolean = boolean, C extends boolean = false> extends RecurrentArgs<S> {
  /** Default "sigmoid". "hard_sigmoid" is Keras 3's x/6+0.5; "hard_sigmoid_legacy" is Keras 2's 0.2x+0.5. */
  recurrentActivation?: CellActivationName | null;
  /** Default true: the forget gate's bias starts at 1. */
  unitForgetBias?: boolean;
  /**
   * Beyond Keras: also output the cell state c after every step, [batch, steps, units], as the
   * last output (in processing order, like the output sequence; a masked step repeats c).
   */
  returnCellSequences?: C;
}

const OPTIONS = [...RECURRENT_OPTIONS, "recurrentActivation", "unitForgetBias", "returnCellSequences"] as const;

/**
 * `apply`'s result: one output, or [output, h, c] with returnState; returnCellSequences appends
 * the cell sequence.
 */
export type LSTMOutput<S extends boolean, T, C extends boolean = false> = C extends true
  ? S extends true
    ? [T, T, T, T]
    : [T, T]
  : S extends true
    ? [T, T, T]
    : T;

export class LSTM<S extends boolean = false, C extends boolean = false> extends RecurrentLayer {
  readonly className = "LSTM";
  readonly stateNames = ["h", "c"] as const;
  /** Trace rows (assembly/rnn/lstm.ts): gates [4P], c_{t-1} [P], h_{t-1} [P]. */
  readonly traceWidth = 6;
  declare readonly returnState: S;
  readonly recurrentActivation: ActivationName;
  readonly unitForgetBias: boolean;
  readonly returnCellSequences: C;

  constructor(args: LSTMArgs<S, C>) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`LSTM: expected an options object with units, got ${String(args)}`);
    checkOptions(`LSTM '${args.name ?? "lstm"}'`, args, OPTIONS);
    super(args, "LSTM");
    this.recurrentActivation = resolveActivation(
      args.recurrentActivation,
      "sigmoid",
      this.who,
      "recurrentActivation",
      CELL_ACTIVATIONS,
    );
    this.unitForgetBias = checkBool(this.who, "unitForgetBias", args.unitForgetBias, true);
    this.returnCellSequences = checkBool(this.who, "returnCellSequences", args.returnCellSequences, false) as C;
  }

  apply(x: SymbolicTensor, kwargs?: RecurrentCallArgs<SymbolicTensor>): LSTMOutput<S, SymbolicTensor, C>;
  apply(x: Tensor | NestedArray, kwargs?: RecurrentCallArgs<Tensor | NestedArray>): LSTMOutput<S, Tensor, C>;
  apply(x: SymbolicTensor | Tensor | NestedArray, kwargs: RecurrentCallArgs<unknown> = {}): unknown {
    return this.call(x, kwargs);
  }

  protected override extraOutputShapes(b: number | null, t: number | null): Shape[] {
    return this.returnCellSequences ? [[b, t, this.units]] : [];
  }

  weightSpecs(): WeightSpec[] {
    const H = this.units,
      I = this.inputDim;
    const specs: WeightSpec[] = [
      { name: "kernel", shape: [I, 4 * H] },
      { name: "recurrent_kernel", shape: [H, 4 * H] },
    ];
    if (this.useBias) specs.push({ name: "bias", shape: [4 * H] });
    return specs;
  }

  protected buildWeights(): void {
    const H = this.units;
    const values = [
      this.kernelInitializer.generate([this.inputDim, 4 * H]),
      this.recurrentInitializer.generate([H, 4 * H]),
    ];
    if (this.useBias) {
      if (this.unitForgetBias) {
        const bias = new Float32Array(4 * H);
        bias.set(this.biasInitializer.generate([H]), 0);
        bias.fill(1, H, 2 * H);
        bias.set(this.biasInitializer.generate([2 * H]), 2 * H);
        values.push(bias);
      } else {
        values.push(this.biasInitializer.generate([4 * H]));
      }
    }
    this.writeWeights(values);
  }

  protected packBlocks(values: readonly Float32Array[], dst: readonly number[]): void {
    const k = this.kernels;
    const H = this.units,
      Hp = this.stateStride,
      I = this.inputDim;
    const bias = this.useBias ? values[2]! : new Float32Array(4 * H);
    withStaging([values[0]!.length * 4, values[1]!.length * 4, bias.length * 4], ([kS, rS, bS]) => {
      const f32 = heapF32();
      f32.set(values[0]!, kS! >>> 2);
      f32.set(values[1]!, rS! >>> 2);
      f32.set(bias, bS! >>> 2);
      k.pack_gates(kS!, I, H, 4, I, dst[0]!);
      k.pack_gates(rS!, H, H, 4, Hp, dst[1]!);
      k.pack_gates(bS!, 1, H, 4, 1, dst[2]!);
    });
  }

  /** kernel, recurrent kernel, bias: gate-interleaved panels (assembly/gemm/pack.ts pack_gates). */
  protected blockLengths(): number[] {
    const G4 = 4 * this.stateStride;
    return [G4 * this.inputDim, G4 * this.stateStride, G4];
  }

  protected unpackBlocks(ptrs: readonly number[]): Float32Array[] {
    const k = this.kernels;
    const H = this.units,
      Hp = this.stateStride,
      I = this.inputDim;
    const sizes = [I * 4 * H, H * 4 * H, 4 * H];
    const [w, u, b] = ptrs as [number, number, number];
    return withStaging(
      sizes.map((s) => s * 4),
      ([kS, rS, bS]) => {
        k.unpack_gates(w, I, H, 4, I, kS!);
        k.unpack_gates(u, H, H, 4, Hp, rS!);
        k.unpack_gates(b, 1, H, 4, 1, bS!);
        const f32 = heapF32();
        const out = [f32.slice(kS! >>> 2, (kS! >>> 2) + sizes[0]!), f32.slice(rS! >>> 2, (rS! >>> 2) + sizes[1]!)];
        if (this.useBias) out.push(f32.slice(bS! >>> 2, (bS! >>> 2) + sizes[2]!));
        return out;
      },
    );
  }

  /** The cell layout, kept while the shape stays (runCell runs on every predict). */
  private readonly cellOffsets = sameShapeLayout((B, T) => this.cellLayout(B, T));

  /** The input projections xw [B, T, 4P], then the step's gates z [B, 4P]. */
  protected cellLayout(B: number, T: number) {
    const G = 4 * this.stateStride * 4;
    return carve(0, { xw: B * T * G, z: B * G });
  }

  protected runCell(
    B: number,
    T: number,
    x: number,
    states: readonly number[],
    y: number,
    extra: readonly Buf[],
    mask: number,
    zeroOutput: boolean,
    last: number,
    scratch: number,
  ): void {
    const at = this.cellOffsets(B, T),
      xw = scratch + at.xw,
      z = scratch + at.z;
    const cseq = this.returnCellSequences ? extra[0]!.ptr : 0;
    const I = this.inputDim,
      H = this.units,
      P = this.stateStride;
    const act = ACTIVATION_IDS[this.activation],
      rec = ACTIVATION_IDS[this.recurrentActivation];
    const back = this.goBackwards ? 1 : 0,
      zero = zeroOutput ? 1 : 0;
    // per call on the predict path: indexing, not destructuring (which iterates)
    const p = this.ptrs,
      w = p[0]!,
      u = p[1]!,
      bias = p[2]!;
    const pool = workerPool();
    if (!pool || !worthSplitting(B, T * 4 * H * (I + H))) {
      kernels().lstm_forward(
        B,
        T,
        I,
        H,
        x,
        w,
        u,
        bias,
        act,
        rec,
        back,
        states[0]!,
        states[1]!,
        xw,
        z,
        y,
        cseq,
        this.trace,
        mask,
        zero,
        last,
      );
      return;
    }
    // Rows are independent through every step, so each thread takes a slice of the batch: every
    // buffer is batch-major, so a slice is the same call on offset pointers.
    splitRows(pool, "lstm_forward", B, (b0, b1) => [
      b1 - b0,
      T,
      I,
      H,
      x + b0 * T * I * 4,
      w,
      u,
      bias,
      act,
      rec,
      back,
      states[0]! + b0 * P * 4,
      states[1]! + b0 * P * 4,
      xw + b0 * T * 4 * P * 4,
      z + b0 * 4 * P * 4,
      y ? y + b0 * T * H * 4 : 0,
      cseq ? cseq + b0 * T * H * 4 : 0,
      this.trace ? this.trace + b0 * T * this.traceWidth * P * 4 : 0,
      mask ? mask + b0 * T : 0,
      zero,
      last + b0 * P * 4,
    ]);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      recurrentActivation: this.recurrentActivation,
      unitForgetBias: this.unitForgetBias,
      returnCellSequences: this.returnCellSequences,
    };
  }
}
