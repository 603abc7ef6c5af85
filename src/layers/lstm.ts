// LSTM with Keras 3 semantics and option names (camelCase). Weights live packed in wasm memory
// (gate-interleaved panels, assembly/gemm.ts); `forward` is one wasm call for the whole sequence.
//
// Shapes: input [B, T, I]; kernel [I, 4H], recurrentKernel [H, 4H], bias [4H] (Keras order,
// gates i, f, c, o); outputs [B, T, H] (returnSequences) or [B, H], then h [B, H], c [B, H].
import { ACTIVATION_IDS, resolveActivation, type ActivationName } from "../core/activations.js";
import { arena } from "../core/arena.js";
import { WasmRnnError, fmtShape } from "../core/errors.js";
import { Tensor, toTensor, type NestedArray } from "../core/tensor.js";
import { core, heapF32, kernels } from "../core/wasm.js";
import { SymbolicTensor, type Shape } from "../model/symbolic.js";
import { Initializer, type InitializerSpec } from "./initializers.js";
import {
  Layer, checkBool, checkOptions, checkPositiveInt, withStaging, type Buf, type WeightSpec,
} from "./layer.js";

export interface LSTMArgs<S extends boolean = boolean> {
  units: number;
  /** Default "tanh"; null means linear. */
  activation?: ActivationName | null;
  /** Default "sigmoid". "hard_sigmoid" is Keras 3's x/6+0.5; "hard_sigmoid_legacy" is Keras 2's 0.2x+0.5. */
  recurrentActivation?: ActivationName | null;
  useBias?: boolean;
  /** Default true: the forget gate's bias starts at 1. */
  unitForgetBias?: boolean;
  kernelInitializer?: InitializerSpec;
  recurrentInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  returnSequences?: boolean;
  returnState?: S;
  goBackwards?: boolean;
  name?: string;
}

const OPTIONS = [
  "units", "activation", "recurrentActivation", "useBias", "unitForgetBias", "kernelInitializer",
  "recurrentInitializer", "biasInitializer", "returnSequences", "returnState", "goBackwards", "name",
] as const;

const CELL_ACTIVATIONS: ActivationName[] = ["linear", "relu", "tanh", "sigmoid", "hard_sigmoid", "hard_sigmoid_legacy"];

/** `apply`'s result: one output, or [output, h, c] with returnState. */
export type LSTMOutput<S extends boolean, T> = S extends true ? [T, T, T] : T;

export interface RecurrentCallArgs<T> {
  /** Starting states [h, c], each [batch, units]. */
  initialState?: T[];
}

const align = (n: number) => Math.ceil(n / 64) * 64;

export class LSTM<S extends boolean = false> extends Layer {
  readonly className = "LSTM";
  readonly units: number;
  readonly activation: ActivationName;
  readonly recurrentActivation: ActivationName;
  readonly useBias: boolean;
  readonly unitForgetBias: boolean;
  readonly returnSequences: boolean;
  readonly returnState: S;
  readonly goBackwards: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly recurrentInitializer: Initializer;
  private readonly biasInitializer: Initializer;

  private inputDim = 0;
  private kernelPtr = 0;
  private recurrentPtr = 0;
  private biasPtr = 0;

  constructor(args: LSTMArgs<S>) {
    const who = `LSTM '${args?.name ?? "lstm"}'`;
    if (typeof args !== "object" || args === null) throw new WasmRnnError(`LSTM: expected an options object with units, got ${String(args)}`);
    checkOptions(who, args, OPTIONS);
    super(args.name, "LSTM");
    this.units = checkPositiveInt(this.who, "units", args.units);
    this.activation = resolveActivation(args.activation, "tanh", this.who, "activation", CELL_ACTIVATIONS);
    this.recurrentActivation = resolveActivation(args.recurrentActivation, "sigmoid", this.who, "recurrentActivation", CELL_ACTIVATIONS);
    this.useBias = checkBool(this.who, "useBias", args.useBias, true);
    this.unitForgetBias = checkBool(this.who, "unitForgetBias", args.unitForgetBias, true);
    this.returnSequences = checkBool(this.who, "returnSequences", args.returnSequences, false);
    this.returnState = checkBool(this.who, "returnState", args.returnState, false) as S;
    this.goBackwards = checkBool(this.who, "goBackwards", args.goBackwards, false);
    this.kernelInitializer = new Initializer(args.kernelInitializer ?? "glorot_uniform", `${this.who} kernelInitializer`);
    this.recurrentInitializer = new Initializer(args.recurrentInitializer ?? "orthogonal", `${this.who} recurrentInitializer`);
    this.biasInitializer = new Initializer(args.biasInitializer ?? "zeros", `${this.who} biasInitializer`);
  }

  /** Units rounded up to the kernel's vector width. */
  private get paddedUnits(): number {
    return (this.units + 3) & ~3;
  }

  apply(x: SymbolicTensor, kwargs?: RecurrentCallArgs<SymbolicTensor>): LSTMOutput<S, SymbolicTensor>;
  apply(x: Tensor | NestedArray, kwargs?: RecurrentCallArgs<Tensor | NestedArray>): LSTMOutput<S, Tensor>;
  apply(x: SymbolicTensor | Tensor | NestedArray, kwargs: RecurrentCallArgs<unknown> = {}): unknown {
    const states = kwargs.initialState ?? [];
    if (!Array.isArray(states)) {
      throw new WasmRnnError(`${this.who}: expected initialState to be an array [h, c], got ${typeof states}`);
    }
    let outs: unknown[];
    if (x instanceof SymbolicTensor) {
      if (!states.every((s) => s instanceof SymbolicTensor)) {
        throw new WasmRnnError(`${this.who}: expected symbolic initialState tensors with a symbolic input, got concrete values`);
      }
      outs = this.applySymbolic([x], states as SymbolicTensor[]);
    } else {
      if (states.some((s) => s instanceof SymbolicTensor)) {
        throw new WasmRnnError(`${this.who}: expected concrete initialState tensors with a concrete input, got symbolic ones`);
      }
      outs = this.applyEager([toTensor(x, this.who)], states.map((s) => toTensor(s as Tensor, `${this.who} initialState`)));
    }
    return this.returnState ? outs : outs[0];
  }

  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    const x = inputs[0]!;
    if (inputs.length !== 1 || x.length !== 3) {
      throw new WasmRnnError(`${this.who}: expected input of rank 3 [batch, steps, features], got shape ${fmtShape(x)}`);
    }
    if (x[2] === null) throw new WasmRnnError(`${this.who}: expected a known feature dimension, got input shape ${fmtShape(x)}`);
    if (x[1] !== null && x[1] < 1) throw new WasmRnnError(`${this.who}: expected at least 1 timestep, got input shape ${fmtShape(x)}`);
    if (this.built && x[2] !== this.inputDim) {
      throw new WasmRnnError(`${this.who}: expected input of shape [batch, steps, ${this.inputDim}], got ${fmtShape(x)}`);
    }
    if (states.length !== 0 && states.length !== 2) {
      throw new WasmRnnError(`${this.who}: expected initialState of 2 tensors [h, c], got ${states.length}`);
    }
    states.forEach((s, i) => {
      if (s.length !== 2 || s[1] !== this.units) {
        throw new WasmRnnError(
          `${this.who}: expected initialState[${i}] (${i === 0 ? "h" : "c"}) of shape [batch, ${this.units}], got ${fmtShape(s)}`,
        );
      }
    });
  }

  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    const [b, t] = inputs[0]!;
    const out: Shape = this.returnSequences ? [b!, t!, this.units] : [b!, this.units];
    return this.returnState ? [out, [b!, this.units], [b!, this.units]] : [out];
  }

  weightSpecs(): WeightSpec[] {
    const H = this.units, I = this.inputDim;
    const specs: WeightSpec[] = [
      { name: "kernel", shape: [I, 4 * H] },
      { name: "recurrent_kernel", shape: [H, 4 * H] },
    ];
    if (this.useBias) specs.push({ name: "bias", shape: [4 * H] });
    return specs;
  }

  protected build(inputShape: Shape): void {
    this.inputDim = inputShape[2]!;
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

  protected writeWeights(values: Float32Array[]): void {
    const k = core(this.who);
    const H = this.units, Hp = this.paddedUnits, I = this.inputDim;
    const sizes = [4 * Hp * I * 4, 4 * Hp * Hp * 4, 4 * Hp * 4];
    const fresh: number[] = [];
    try {
      for (const s of sizes) fresh.push(arena.alloc(s));
    } catch (err) {
      for (const p of fresh) arena.free(p);
      throw err;
    }
    const bias = this.useBias ? values[2]! : new Float32Array(4 * H);
    withStaging([values[0]!.length * 4, values[1]!.length * 4, bias.length * 4], ([kS, rS, bS]) => {
      const f32 = heapF32();
      f32.set(values[0]!, kS! >> 2);
      f32.set(values[1]!, rS! >> 2);
      f32.set(bias, bS! >> 2);
      k.pack_gates(kS!, I, H, 4, I, fresh[0]!);
      k.pack_gates(rS!, H, H, 4, Hp, fresh[1]!);
      k.pack_gates(bS!, 1, H, 4, 1, fresh[2]!);
    });
    this.freeWeights();
    [this.kernelPtr, this.recurrentPtr, this.biasPtr] = fresh as [number, number, number];
  }

  protected readWeights(): Float32Array[] {
    const k = core(this.who);
    const H = this.units, Hp = this.paddedUnits, I = this.inputDim;
    const sizes = [I * 4 * H, H * 4 * H, 4 * H];
    return withStaging(sizes.map((s) => s * 4), ([kS, rS, bS]) => {
      k.unpack_gates(this.kernelPtr, I, H, 4, I, kS!);
      k.unpack_gates(this.recurrentPtr, H, H, 4, Hp, rS!);
      k.unpack_gates(this.biasPtr, 1, H, 4, 1, bS!);
      const f32 = heapF32();
      const out = [f32.slice(kS! >> 2, (kS! >> 2) + sizes[0]!), f32.slice(rS! >> 2, (rS! >> 2) + sizes[1]!)];
      if (this.useBias) out.push(f32.slice(bS! >> 2, (bS! >> 2) + sizes[2]!));
      return out;
    });
  }

  scratchBytes(inputs: readonly number[][]): number {
    const [B, T] = inputs[0]!;
    const Hp = this.paddedUnits;
    return 2 * align(B! * Hp * 4) + align(B! * T! * 4 * Hp * 4) + align(B! * 4 * Hp * 4);
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number): void {
    const k = kernels();
    const [B, T, I] = inputs[0]!.shape as [number, number, number];
    const H = this.units, Hp = this.paddedUnits;
    const h = scratch;
    const c = h + align(B * Hp * 4);
    const xw = c + align(B * Hp * 4);
    const z = xw + align(B * T * 4 * Hp * 4);
    const f32 = heapF32();
    if (inputs.length === 3) {
      copyRows(f32, inputs[1]!.ptr, H, h, Hp, B, H);
      copyRows(f32, inputs[2]!.ptr, H, c, Hp, B, H);
    } else {
      f32.fill(0, h >> 2, (h >> 2) + 2 * (align(B * Hp * 4) >> 2));
    }
    const y = this.returnSequences ? outputs[0]!.ptr : 0;
    k.lstm_forward(
      B, T, I, H, inputs[0]!.ptr, this.kernelPtr, this.recurrentPtr, this.biasPtr,
      ACTIVATION_IDS[this.activation], ACTIVATION_IDS[this.recurrentActivation], this.goBackwards ? 1 : 0,
      h, c, xw, z, y, 0, 0, 0, 0, 0,
    );
    if (!this.returnSequences) copyRows(f32, h, Hp, outputs[0]!.ptr, H, B, H);
    if (this.returnState) {
      copyRows(f32, h, Hp, outputs[1]!.ptr, H, B, H);
      copyRows(f32, c, Hp, outputs[2]!.ptr, H, B, H);
    }
  }

  private freeWeights(): void {
    for (const p of [this.kernelPtr, this.recurrentPtr, this.biasPtr]) if (p) arena.free(p);
    this.kernelPtr = this.recurrentPtr = this.biasPtr = 0;
  }

  dispose(): void {
    this.freeWeights();
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name, units: this.units, activation: this.activation, recurrentActivation: this.recurrentActivation,
      useBias: this.useBias, unitForgetBias: this.unitForgetBias, returnSequences: this.returnSequences,
      returnState: this.returnState, goBackwards: this.goBackwards,
    };
  }
}

/**
 * Copies `rows` rows of `cols` floats between strided wasm buffers (byte offsets, strides in
 * floats), zero-filling destination padding. copyWithin allocates nothing.
 */
export function copyRows(f32: Float32Array, src: number, ldSrc: number, dst: number, ldDst: number, rows: number, cols: number): void {
  const s = src >> 2, d = dst >> 2;
  for (let r = 0; r < rows; r++) {
    f32.copyWithin(d + r * ldDst, s + r * ldSrc, s + r * ldSrc + cols);
    if (ldDst > cols) f32.fill(0, d + r * ldDst + cols, d + (r + 1) * ldDst);
  }
}
