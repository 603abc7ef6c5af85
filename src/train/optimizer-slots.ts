// Optimizer slot buffers, kept per weight as Keras keeps them per variable. A model's weight is
// named by its layer and its index in layer.paramBlocks() (a WeightRef); where its block is now
// is read when it is used, so weights set again (setWeights) keep their state. A bare ParamBlock
// (Optimizer.apply) is named by its pointer.
import { arena } from "../core/arena.js";
import type { ParamBlock } from "../layers/layer.js";

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
