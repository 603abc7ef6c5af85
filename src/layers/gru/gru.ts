// GRU with Keras 3 semantics (gate order z, r, h). `resetAfter: true` (Keras 3 default) applies
// the reset gate after the recurrent product and has two bias rows, [2, 3H] (input, recurrent);
// `resetAfter: false` (Keras 2, TF.js) applies it before, with one bias [3H].
//
// Shapes: input [B, T, I]; kernel [I, 3H], recurrentKernel [H, 3H]; outputs [B, T, H] or [B, H],
// then h [B, H] (returnState). Packed layouts are described in assembly/rnn/gru.ts.
import { ACTIVATION_IDS, type ActivationName, resolveActivation } from "../../core/activations.js";
import { WasmRnnError } from "../../core/errors.js";
import type { NestedArray, Tensor } from "../../core/tensor.js";
import { splitRows, workerPool, worthSplitting } from "../../core/threads.js";
import { checkBool, checkOptions } from "../../core/validate.js";
import { heapF32, kernels } from "../../core/wasm.js";
import { type Buf, carve, round16, sameShapeLayout, withStaging } from "../heap.js";
import type { SymbolicTensor, WeightSpec } from "../layer.js";
import { RecurrentLayer } from "../recurrent.js";
import {
  CELL_ACTIVATIONS,
  type CellActivationName,
  RECURRENT_OPTIONS,
  type RecurrentArgs,
  type RecurrentCallArgs,
  type RecurrentOutput,
} from "../recurrent-options.js";

export interface GRUArgs<S extends boolean = boolean> extends RecurrentArgs<S> {
  /** Default "sigmoid". */
  recurrentActivation?: CellActivationName | null;
  /** Default true (Keras 3): bias [2, 3H], reset gate applied to h·U + b_rec. */
  resetAfter?: boolean;
}

const OPTIONS = [...RECURRENT_OPTIONS, "recurrentActivation", "resetAfter"] as const;

export class GRU<S extends boolean = false> extends RecurrentLayer {
  readonly className = "GRU";
  readonly stateNames = ["h"] as const;
  /** Trace rows (assembly/rnn/gru.ts): [z, r, n | uh or r h | h_{t-1}], P floats each. */
  readonly traceWidth = 5;
  declare readonly returnState: S;
  readonly recurrentActivation: ActivationName;
  readonly resetAfter: boolean;
  constructor(args: GRUArgs<S>) {
    if (typeof args !== "object" || args === null)
      throw new WasmRnnError(`GRU: expected an options object with units, got ${String(args)}`);
    checkOptions(`GRU '${args.name ?? "gru"}'`, args, OPTIONS);
    super(args, "GRU");
    this.recurrentActivation = resolveActivation(
      args.recurrentActivation,
      "sigmoid",
      this.who,
      "recurrentActivation",
      CELL_ACTIVATIONS,
    );
    this.resetAfter = checkBool(this.who, "resetAfter", args.resetAfter, true);
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
      { name: "kernel", shape: [I, 3 * H] },
      { name: "recurrent_kernel", shape: [H, 3 * H] },
    ];
    if (this.useBias) specs.push({ name: "bias", shape: this.resetAfter ? [2, 3 * H] : [3 * H] });
    return specs;
  }

  protected buildWeights(): void {
    const H = this.units;
    const values = [
      this.kernelInitializer.generate([this.inputDim, 3 * H]),
      this.recurrentInitializer.generate([H, 3 * H]),
    ];
    if (this.useBias) values.push(this.biasInitializer.generate(this.resetAfter ? [2, 3 * H] : [3 * H]));
    this.writeWeights(values);
  }

  protected packBlocks(values: readonly Float32Array[], dst: readonly number[]): void {
    const k = this.kernels;
    const H = this.units,
      Hp = this.stateStride,
      I = this.inputDim;
    const kernel = values[0]!,
      recurrent = values[1]!;
    const bias = this.useBias ? values[2]! : new Float32Array((this.resetAfter ? 2 : 1) * 3 * H);
    // (source, rows, gates, padded rows) per packed block; gates 0 = plain 16-wide panels (the
    // reset-before candidate's one-gate part: assembly/rnn/gru.ts)
    const blocks: [Float32Array, number, number, number][] = this.resetAfter
      ? [
          [kernel, I, 3, I],
          [recurrent, H, 3, Hp],
          [bias.subarray(0, 3 * H), 1, 3, 1],
          [bias.subarray(3 * H), 1, 3, 1],
        ]
      : [
          [columns(kernel, I, 3 * H, 0, 2 * H), I, 2, I],
          [columns(kernel, I, 3 * H, 2 * H, H), I, 0, I],
          [columns(recurrent, H, 3 * H, 0, 2 * H), H, 2, Hp],
          [columns(recurrent, H, 3 * H, 2 * H, H), H, 0, Hp],
          [bias.subarray(0, 2 * H), 1, 2, 1],
          [bias.subarray(2 * H), 1, 0, 1],
        ];
    withStaging(
      blocks.map(([src]) => src.length * 4),
      (staged) => {
        const f32 = heapF32();
        blocks.forEach(([src, K, G, Kp], i) => {
          f32.set(src, staged[i]! >>> 2);
          if (G) k.pack_gates(staged[i]!, K, H, G, Kp, dst[i]!);
          else k.pack_panel16(staged[i]!, H, K, H, Kp, dst[i]!);
        });
      },
    );
  }

  protected unpackBlocks(ptrs: readonly number[]): Float32Array[] {
    const k = this.kernels;
    const H = this.units,
      Hp = this.stateStride,
      I = this.inputDim;
    // G = 0: a plain 16-wide panel block (see writeWeights)
    const unpack = (ptr: number, K: number, G: number, Kp: number): Float32Array =>
      withStaging([K * Math.max(G, 1) * H * 4], ([s]) => {
        if (G) k.unpack_gates(ptr, K, H, G, Kp, s!);
        else k.unpack_panel16(ptr, K, H, Kp, s!);
        return heapF32().slice(s! >>> 2, (s! >>> 2) + K * Math.max(G, 1) * H);
      });
    let out: Float32Array[];
    if (this.resetAfter) {
      const bias = new Float32Array(6 * H);
      bias.set(unpack(ptrs[2]!, 1, 3, 1), 0);
      bias.set(unpack(ptrs[3]!, 1, 3, 1), 3 * H);
      out = [unpack(ptrs[0]!, I, 3, I), unpack(ptrs[1]!, H, 3, Hp), bias];
    } else {
      const join = (zr: Float32Array, h: Float32Array, rows: number): Float32Array => {
        const m = new Float32Array(rows * 3 * H);
        for (let r = 0; r < rows; r++) {
          m.set(zr.subarray(r * 2 * H, (r + 1) * 2 * H), r * 3 * H);
          m.set(h.subarray(r * H, (r + 1) * H), r * 3 * H + 2 * H);
        }
        return m;
      };
      out = [
        join(unpack(ptrs[0]!, I, 2, I), unpack(ptrs[1]!, I, 0, I), I),
        join(unpack(ptrs[2]!, H, 2, Hp), unpack(ptrs[3]!, H, 0, Hp), H),
        join(unpack(ptrs[4]!, 1, 2, 1), unpack(ptrs[5]!, 1, 0, 1), 1),
      ];
    }
    return this.useBias ? out : out.slice(0, 2);
  }

  /** The cell layout, kept while the shape stays (runCell runs on every predict). */
  private readonly cellOffsets = sameShapeLayout((B, T) => this.cellLayout(B, T));

  /**
   * The kernel's scratch. resetAfter: input projections xw [B, T, 3P], then h·U hu [B, 3P].
   * Otherwise: xzr [B, T, 2P], xh [B, T, Q], zr [B, 2P], r h [B, P], h·Uh [B, Q] (Q = 16-rounded units).
   */
  protected cellLayout(B: number, T: number) {
    const P = this.stateStride * 4,
      Q = round16(this.units) * 4;
    if (this.resetAfter) return carve(0, { xw: B * T * 3 * P, hu: B * 3 * P });
    return carve(0, { xzr: B * T * 2 * P, xh: B * T * Q, zr: B * 2 * P, rh: B * P, hh: B * Q });
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
    const k = kernels();
    const Hp = this.stateStride,
      I = this.inputDim,
      H = this.units;
    const act = ACTIVATION_IDS[this.activation],
      recAct = ACTIVATION_IDS[this.recurrentActivation];
    const back = this.goBackwards ? 1 : 0,
      zero = zeroOutput ? 1 : 0;
    const p = this.ptrs;
    const pool = workerPool();
    const split = pool && worthSplitting(B, T * 3 * H * (I + H));
    // every buffer is batch-major: rows [b0, b1) are the same call on offset pointers
    const row = (ptr: number, bytesPerRow: number, b0: number) => (ptr ? ptr + b0 * bytesPerRow : 0);
    // training: [B, T, traceWidth * Hp] (assembly/rnn/gru.ts), 0 = none
    const trace = this.trace,
      traceRow = T * this.traceWidth * Hp * 4;
    if (this.resetAfter) {
      const at = this.cellOffsets(B, T) as { xw: number; hu: number; total: number };
      const xw = scratch + at.xw,
        hu = scratch + at.hu;
      const args = (b0: number, b1: number) => [
        b1 - b0,
        T,
        I,
        H,
        row(x, T * I * 4, b0),
        p[0]!,
        p[1]!,
        p[2]!,
        p[3]!,
        act,
        recAct,
        back,
        row(states[0]!, Hp * 4, b0),
        row(xw, T * 3 * Hp * 4, b0),
        row(hu, 3 * Hp * 4, b0),
        row(y, T * H * 4, b0),
        row(mask, T, b0),
        zero,
        row(last, Hp * 4, b0),
        row(trace, traceRow, b0),
      ];
      if (split) splitRows(pool, "gru_reset_after_forward", B, args);
      else
        k.gru_reset_after_forward(
          B,
          T,
          I,
          H,
          x,
          p[0]!,
          p[1]!,
          p[2]!,
          p[3]!,
          act,
          recAct,
          back,
          states[0]!,
          xw,
          hu,
          y,
          mask,
          zero,
          last,
          trace,
        );
    } else {
      const Hq = round16(H);
      const at = this.cellOffsets(B, T) as unknown as Record<"xzr" | "xh" | "zr" | "rh" | "hh", number>;
      const xzr = scratch + at.xzr,
        xh = scratch + at.xh,
        zr = scratch + at.zr;
      const rh = scratch + at.rh,
        hh = scratch + at.hh;
      const args = (b0: number, b1: number) => [
        b1 - b0,
        T,
        I,
        H,
        row(x, T * I * 4, b0),
        p[0]!,
        p[1]!,
        p[2]!,
        p[3]!,
        p[4]!,
        p[5]!,
        act,
        recAct,
        back,
        row(states[0]!, Hp * 4, b0),
        row(xzr, T * 2 * Hp * 4, b0),
        row(xh, T * Hq * 4, b0),
        row(zr, 2 * Hp * 4, b0),
        row(rh, Hp * 4, b0),
        row(hh, Hq * 4, b0),
        row(y, T * H * 4, b0),
        row(mask, T, b0),
        zero,
        row(last, Hp * 4, b0),
        row(trace, traceRow, b0),
      ];
      if (split) splitRows(pool, "gru_reset_before_forward", B, args);
      else
        k.gru_reset_before_forward(
          B,
          T,
          I,
          H,
          x,
          p[0]!,
          p[1]!,
          p[2]!,
          p[3]!,
          p[4]!,
          p[5]!,
          act,
          recAct,
          back,
          states[0]!,
          xzr,
          xh,
          zr,
          rh,
          hh,
          y,
          mask,
          zero,
          last,
          trace,
        );
    }
  }

  /**
   * The packed blocks, in weightSpecs order with each Keras weight's parts in a row: resetAfter
   * [kernel, recurrent, input bias, recurrent bias]; otherwise [kernel zr, kernel h, recurrent zr,
   * recurrent h, bias zr, bias h]. The backward fills its gradient blocks in this order
   * (gru/backward.ts).
   */
  protected blockLengths(): number[] {
    const Hp = this.stateStride,
      I = this.inputDim,
      Hq = (this.units + 15) & ~15;
    return this.resetAfter
      ? [3 * Hp * I, 3 * Hp * Hp, 3 * Hp, 3 * Hp]
      : [2 * Hp * I, Hq * I, 2 * Hp * Hp, Hq * Hp, 2 * Hp, Hq];
  }

  /** Two bias blocks in either form: input and recurrent bias, or the zr and h parts. */
  protected override get biasBlockCount(): number {
    return 2;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation, resetAfter: this.resetAfter };
  }
}

/** Columns [from, from + n) of a row-major [rows, cols] matrix, as a dense [rows, n] copy. */
function columns(src: Float32Array, rows: number, cols: number, from: number, n: number): Float32Array {
  const out = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) out.set(src.subarray(r * cols + from, r * cols + from + n), r * n);
  return out;
}
