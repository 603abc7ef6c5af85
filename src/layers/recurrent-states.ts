// A stateful recurrent layer's stored states ([batch, stateStride] each in wasm memory, Keras
// order) and the copies taken before a model call, so a failed call changes nothing.
import { fmtShape, WasmRnnError } from "../core/errors.js";
import { type NestedArray, Tensor, type TensorLike, tensor } from "../core/tensor.js";
import { heapF32 } from "../core/wasm.js";
import type { OwnedBlocks } from "./heap.js";

/** What the stored states need to know of their layer. */
export interface StateOwner {
  readonly who: string;
  readonly units: number;
  readonly stateStride: number;
  readonly stateNames: readonly string[];
  readonly wasmBlocks: OwnedBlocks;
}

export class StoredStates {
  /** Batch size (from the input's batchShape); 0 before allocation. */
  batch = 0;
  /** The states, then their backups, [batch, stateStride] each. */
  bufs: number[] = [];
  private backup: number[] = [];

  constructor(private readonly owner: StateOwner) {}

  /** Refuses the stateful API (`what`) on a layer that is not stateful or not built. */
  require(what: string, stateful: boolean, built: boolean): void {
    const who = this.owner.who;
    if (!stateful)
      throw new WasmRnnError(`${who}: expected a stateful layer (stateful: true) for ${what}, got stateful: false`);
    if (!built)
      throw new WasmRnnError(`${who}: expected the layer to be built (apply it to an input first) for ${what}`);
  }

  allocate(batch: number): void {
    this.batch = batch;
    const bytes = batch * this.owner.stateStride * 4;
    for (let i = 0; i < this.owner.stateNames.length; i++) {
      this.bufs.push(this.owner.wasmBlocks.alloc(bytes));
      this.backup.push(this.owner.wasmBlocks.alloc(bytes));
    }
    this.zero();
  }

  zero(): void {
    const f32 = heapF32();
    for (const p of this.bufs) f32.fill(0, p >>> 2, (p >>> 2) + this.batch * this.owner.stateStride);
  }

  /** The states as [batch, units] tensors (copies). */
  read(): Tensor[] {
    const f32 = heapF32();
    const H = this.owner.units,
      P = this.owner.stateStride,
      B = this.batch;
    return this.bufs.map((p) => {
      const data = new Float32Array(B * H);
      for (let b = 0; b < B; b++) data.set(f32.subarray((p >>> 2) + b * P, (p >>> 2) + b * P + H), b * H);
      return new Tensor(data, [B, H], "float32");
    });
  }

  /** Validated copies of `values` as states (count, shapes [batch, units], finite); writes nothing. */
  check(values: readonly (Tensor | TensorLike)[]): Tensor[] {
    const { who, stateNames, units: H } = this.owner;
    const S = stateNames.length,
      B = this.batch;
    if (!Array.isArray(values) || values.length !== S) {
      throw new WasmRnnError(
        `${who}: expected ${S} state tensor${S > 1 ? "s" : ""} [${stateNames.join(", ")}] of shape [${B}, ${H}], ` +
          `got ${Array.isArray(values) ? values.length : typeof values}`,
      );
    }
    return values.map((v, i) => {
      const t = v instanceof Tensor ? v : tensor(v as NestedArray, v instanceof Float32Array ? [B, H] : undefined);
      if (t.shape.length !== 2 || t.shape[0] !== B || t.shape[1] !== H || t.data.length !== B * H) {
        throw new WasmRnnError(
          `${who}: expected state ${i} (${stateNames[i]}) of shape [${B}, ${H}], got ${fmtShape(t.shape)}`,
        );
      }
      for (let j = 0; j < t.size; j++) {
        if (!Number.isFinite(t.data[j]))
          throw new WasmRnnError(
            `${who}: expected finite values in state ${i} (${stateNames[i]}), got ${t.data[j]} at flat index ${j}`,
          );
      }
      return t;
    });
  }

  /** Writes states that `check` accepted. */
  write(checked: readonly Tensor[]): void {
    const B = this.batch,
      H = this.owner.units,
      P = this.owner.stateStride;
    const f32 = heapF32();
    checked.forEach((t, i) => {
      const p = this.bufs[i]! >>> 2;
      for (let b = 0; b < B; b++) f32.set(t.data.subarray(b * H, (b + 1) * H), p + b * P);
    });
  }

  /** A forward's initial states into `states` ([B, stateStride] each): the stored ones, or zeros. */
  loadInto(states: readonly number[], stateful: boolean, B: number): void {
    const f32 = heapF32();
    const n = B * this.owner.stateStride;
    states.forEach((p, i) => {
      if (stateful) f32.copyWithin(p >>> 2, this.bufs[i]! >>> 2, (this.bufs[i]! >>> 2) + n);
      else f32.fill(0, p >>> 2, (p >>> 2) + n);
    });
  }

  /** Keeps a forward's final states ([batch, stateStride] each) as the stored states. */
  keepFinal(states: readonly number[]): void {
    const f32 = heapF32();
    const n = this.batch * this.owner.stateStride;
    states.forEach((p, i) => f32.copyWithin(this.bufs[i]! >>> 2, p >>> 2, (p >>> 2) + n));
  }

  /** "save" copies the states aside; "restore" puts them back. */
  keep(action: "save" | "restore"): void {
    const f32 = heapF32();
    const n = this.batch * this.owner.stateStride;
    this.bufs.forEach((p, i) => {
      const q = this.backup[i]!;
      const [from, to] = action === "save" ? [p, q] : [q, p];
      f32.copyWithin(to >>> 2, from >>> 2, (from >>> 2) + n);
    });
  }

  free(): void {
    for (const p of [...this.bufs, ...this.backup]) this.owner.wasmBlocks.free(p);
    this.bufs = [];
    this.backup = [];
  }
}
