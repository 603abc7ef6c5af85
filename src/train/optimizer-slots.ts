// Optimizer slot buffers, kept per weight as Keras keeps them per variable. A model's weight is
// named by its layer and its index in layer.paramBlocks() (a WeightRef); where its block is now
// is read when it is used, so weights set again (setWeights) keep their state. A bare ParamBlock
// (Optimizer.apply) is named by its pointer.
import { arena } from "../core/arena.js";
import { describeValue, WasmRnnError } from "../core/errors.js";
import type { ParamBlock } from "../layers/heap.js";

/** A layer, as far as the optimizer sees it: where its parameter blocks are now. */
export interface BlockOwner {
  paramBlocks(): readonly ParamBlock[];
}

/** A model's weight: its layer and its index in `layer.paramBlocks()` (what its slots are kept by). */
export interface WeightRef {
  layer: BlockOwner;
  index: number;
}

export interface Slots {
  length: number;
  ptrs: number[];
}

/** A weight's key: its owner (a layer, or RAW for a bare block) and its index (the pointer for RAW). */
export type SlotKey = readonly [owner: object, index: number];
/** The owner of bare blocks given to `apply`, which are named by their pointer. */
const RAW = {};

export const isWeightRef = (w: unknown): w is WeightRef => typeof w === "object" && w !== null && "layer" in w;
export const keyOf = (w: ParamBlock | WeightRef): SlotKey => (isWeightRef(w) ? [w.layer, w.index] : [RAW, w.ptr]);
export const blockOf = (w: ParamBlock | WeightRef): ParamBlock =>
  isWeightRef(w) ? w.layer.paramBlocks()[w.index]! : w;

/** Where each weight's block is now (one paramBlocks() call per layer); anything else as it is (apply checks it). */
export function currentBlocks<T>(weights: readonly (WeightRef | T)[]): (ParamBlock | T)[] {
  const now = new Map<BlockOwner, readonly ParamBlock[]>();
  return weights.map((w) => {
    if (!isWeightRef(w)) return w;
    let blocks = now.get(w.layer);
    if (!blocks) now.set(w.layer, (blocks = w.layer.paramBlocks()));
    return blocks[w.index]!;
  });
}

/** Slot buffers by weight (owner, then index). */
export class SlotTable {
  private readonly byOwner = new Map<object, Map<number, Slots>>();
  get size(): number {
    let n = 0;
    for (const m of this.byOwner.values()) n += m.size;
    return n;
  }
  get([owner, index]: SlotKey): Slots | undefined {
    return this.byOwner.get(owner)?.get(index);
  }
  set([owner, index]: SlotKey, s: Slots): void {
    let m = this.byOwner.get(owner);
    if (!m) this.byOwner.set(owner, (m = new Map()));
    m.set(index, s);
  }
  *values(): IterableIterator<Slots> {
    for (const m of this.byOwner.values()) yield* m.values();
  }
  /** Frees every slot buffer and forgets them. */
  free(): void {
    for (const s of this.values()) for (const ptr of s.ptrs) arena.free(ptr);
    this.byOwner.clear();
  }
}

/** A block given to Optimizer.apply: an aligned pointer and a positive length inside the wasm memory (`bytes`). */
export function checkBlock(who: string, what: string, b: unknown, bytes: number): ParamBlock {
  const blk = b as ParamBlock | null;
  const ok =
    blk !== null &&
    typeof blk === "object" &&
    Number.isInteger(blk.ptr) &&
    blk.ptr > 0 &&
    blk.ptr % 4 === 0 &&
    Number.isInteger(blk.length) &&
    blk.length > 0 &&
    blk.ptr + blk.length * 4 <= bytes;
  if (!ok) {
    throw new WasmRnnError(
      `${who}.apply: expected ${what} to be { ptr, length } with a 4-byte aligned pointer and a positive length ` +
        `inside the wasm memory (${bytes} bytes), got ${describeValue(b)}`,
    );
  }
  return blk!;
}

/** Saved state for Optimizer.setState: each block once, with one Float32Array of its length per slot name. */
export function checkState(
  who: string,
  names: readonly string[],
  blocks: readonly (ParamBlock | undefined)[],
  slots: readonly (readonly Float32Array[])[],
): void {
  const seen = new Set<number>();
  blocks.forEach((b, i) => {
    if (!b)
      throw new WasmRnnError(`${who}: expected weight ${i} to name one of its layer's parameter blocks, got none`);
    if (seen.has(b.ptr)) throw new WasmRnnError(`${who}: expected each parameter block once, got ptr ${b.ptr} twice`);
    seen.add(b.ptr);
    const s = slots[i]!;
    if (s.length !== names.length) {
      throw new WasmRnnError(
        `${who}: expected ${names.length} slots (${names.join(", ") || "none"}) for parameter block ${i}, got ${s.length}`,
      );
    }
    s.forEach((v, j) => {
      if (!(v instanceof Float32Array) || v.length !== b.length) {
        throw new WasmRnnError(
          `${who}: expected slot ${names[j]} of parameter block ${i} to be a Float32Array of ${b.length} floats, ` +
            `got ${describeValue(v)}`,
        );
      }
    });
  });
}
