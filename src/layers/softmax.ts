// Softmax: Keras's softmax over an axis (or contiguous axes), with Keras 3's mask argument: a tensor
// broadcastable to the input whose 0s (<= 0.5) become -1e9 before the softmax and 0 after it.
// Passes the input's own mask on (Keras).
import { ACTIVATION_IDS } from "../core/activations.js";
import { fmtShape, WasmRnnError } from "../core/errors.js";
import { type NestedArray, type Tensor, toTensor } from "../core/tensor.js";
import { checkOptions } from "../core/validate.js";
import { type CoreExports, kernels } from "../core/wasm.js";
import { type Buf, carve, type MaskSource, passMask, sizeOf } from "./heap.js";
import { type Shape, SymbolicTensor } from "./layer.js";
import { broadcastPlan } from "./merge/broadcast.js";
import { WeightlessLayer } from "./weightless.js";

export class Softmax extends WeightlessLayer {
  readonly className = "Softmax";
  readonly axis: number | number[];

  constructor(args: { axis?: number | number[]; name?: string } = {}) {
    const a = args ?? {};
    if (typeof a !== "object") throw new WasmRnnError(`Softmax: expected an options object, got ${String(a)}`);
    checkOptions(`Softmax '${a.name ?? "softmax"}'`, a, ["axis", "name"]);
    super(a.name, "Softmax");
    const axis = a.axis ?? -1;
    const ok =
      Number.isInteger(axis) || (Array.isArray(axis) && axis.length > 0 && axis.every((v) => Number.isInteger(v)));
    if (!ok)
      throw new WasmRnnError(
        `${this.who}: expected axis to be an integer or a list of integers, got ${JSON.stringify(a.axis)}`,
      );
    this.axis = Array.isArray(axis) ? [...axis] : axis;
  }

  /** `apply(x)` or `apply(x, { mask })`: the mask (float 0/1, broadcastable to x) as a second input. */
  apply(x: SymbolicTensor, kw?: { mask?: SymbolicTensor }): SymbolicTensor;
  apply(x: Tensor | NestedArray, kw?: { mask?: Tensor | NestedArray }): Tensor;
  apply(
    x: SymbolicTensor | Tensor | NestedArray,
    kw?: { mask?: SymbolicTensor | Tensor | NestedArray },
  ): SymbolicTensor | Tensor {
    if (kw !== undefined) checkOptions(this.who, kw, ["mask"], "apply");
    const m = kw?.mask;
    if (m === undefined) return this.applyOne(x);
    if (x instanceof SymbolicTensor && m instanceof SymbolicTensor) return this.applySymbolic([x, m], [])[0]!;
    if (x instanceof SymbolicTensor || m instanceof SymbolicTensor)
      throw new WasmRnnError(`${this.who}: expected input and mask both symbolic or both concrete, got a mix`);
    return this.applyEager([toTensor(x, this.who), toTensor(m, this.who)], [])[0]!;
  }

  /** The softmax axes of an input of rank `rank`, sorted; they must be contiguous. */
  axesFor(rank: number): [first: number, last: number] {
    const list = (Array.isArray(this.axis) ? this.axis : [this.axis]).map((a) => (a < 0 ? a + rank : a));
    const sorted = [...new Set(list)].sort((p, q) => p - q);
    if (sorted.some((a) => a < 1 || a >= rank) || sorted.at(-1)! - sorted[0]! !== sorted.length - 1)
      throw new WasmRnnError(
        `${this.who}: expected axis to be contiguous axes after the batch axis of a rank-${rank} input, got ${JSON.stringify(this.axis)}`,
      );
    return [sorted[0]!, sorted.at(-1)!];
  }

  checkInputs(inputs: readonly Shape[], states: readonly Shape[]): void {
    if (inputs.length < 1 || inputs.length > 2 || states.length)
      throw new WasmRnnError(
        `${this.who}: expected an input and an optional mask, got ${inputs.length + states.length} tensors`,
      );
    const x = inputs[0]!;
    if (x.length < 2 || x.slice(1).includes(null))
      throw new WasmRnnError(
        `${this.who}: expected input of rank >= 2 with known dimensions, got shape ${fmtShape(x)}`,
      );
    this.axesFor(x.length);
    const m = inputs[1];
    if (m) {
      const ok =
        m.length <= x.length &&
        m.every((d, i) => {
          const xd = x[x.length - m.length + i];
          return d === null || xd === null || d === 1 || d === xd;
        });
      if (!ok)
        throw new WasmRnnError(
          `${this.who}: expected a mask broadcastable to the input (each dim 1 or equal, from the right), got ${fmtShape(m)} for ${fmtShape(x)}`,
        );
    }
  }
  computeOutputShapes(inputs: readonly Shape[]): Shape[] {
    return [inputs[0]!];
  }
  override outputMasks(inputMasked: readonly boolean[]): MaskSource[] {
    // Keras 3 applies a propagated [batch, steps] mask right-aligned to the input, and refuses it
    // unless those shapes happen to broadcast: so do we (the mask argument is the way to mask a softmax)
    if (inputMasked[0] && inputMasked.length === 1)
      throw new WasmRnnError(
        `${this.who}: expected no propagated mask (Keras 3 refuses a [batch, steps] mask on a softmax input), got a masked input; ` +
          "pass the mask as apply(x, { mask })",
      );
    return passMask(inputMasked);
  }

  /** [outer, L, inner] around the softmax axes. */
  around(x: readonly number[]): [number, number, number] {
    const [a, b] = this.axesFor(x.length);
    return [sizeOf(x.slice(0, a)), sizeOf(x.slice(a, b + 1)), sizeOf(x.slice(b + 1))];
  }
  layout(base: number, inputs: readonly number[][]) {
    return carve(base, { mask: inputs[1] ? sizeOf(inputs[0]!) * 4 : 0 });
  }
  override scratchBytes(inputs: readonly number[][] = []): number {
    return this.layout(0, inputs).total;
  }

  /** The mask spread to the input's shape in scratch (0: none). */
  maskFor(k: Pick<CoreExports, "broadcast_4d" | "copy_blocks">, inputs: readonly Buf[], scratch: number): number {
    const m = inputs[1];
    if (!m) return 0;
    const x = inputs[0]!.shape;
    if (m.dtype !== "float32") throw new WasmRnnError(`${this.who}: expected a float32 mask, got ${m.dtype}`);
    const at = this.layout(
      scratch,
      inputs.map((b) => b.shape),
    ).mask;
    const padded = [...new Array<number>(x.length - m.shape.length).fill(1), ...m.shape];
    const plan = broadcastPlan(padded, x, this.who);
    if (plan) k.broadcast_4d(...plan, m.ptr, at);
    else k.copy_blocks(1, sizeOf(x), m.ptr, at, 0);
    return at;
  }

  forward(inputs: readonly Buf[], outputs: readonly Buf[], scratch: number): void {
    const k = kernels();
    const x = inputs[0]!;
    const [outer, L, inner] = this.around(x.shape);
    const mask = this.maskFor(k, inputs, scratch);
    if (!mask && inner === 1) k.activate_rows(x.ptr, L, outer, L, outputs[0]!.ptr, ACTIVATION_IDS.softmax);
    else k.softmax_axis_forward(outer, L, inner, x.ptr, mask, outputs[0]!.ptr);
  }
}
