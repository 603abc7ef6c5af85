// The streams' states in wasm memory: one fixed-size slot per stream (every carried layer's states,
// stateStride floats each, as the kernels lay them out), in chunks allocated as streams arrive and
// reused as they leave, so memory follows the most streams held at once, not the traffic.
// Slot 0 is never handed out and stays zero: a new stream's first states are read from it.
import { heapF32 } from "../core/instance.js";
import { blocksFor, type OwnedBlocks } from "../layers/heap.js";

const SLOTS_PER_CHUNK = 64;

export class StateSlab {
  private readonly blocks: OwnedBlocks;
  private readonly chunks: number[] = [];
  private readonly free: number[] = [];
  private next = 1;

  /** `slotFloats`: floats per slot (a multiple of 4). */
  constructor(
    owner: object,
    readonly slotFloats: number,
  ) {
    this.blocks = blocksFor(owner);
  }

  /** The byte address of a slot (slot 0: the zero slot, allocated with the first chunk). */
  address(slot: number): number {
    if (this.chunks.length === 0) this.addChunk();
    const chunk = this.chunks[Math.floor(slot / SLOTS_PER_CHUNK)]!;
    return chunk + (slot % SLOTS_PER_CHUNK) * this.slotFloats * 4;
  }

  /** A zeroed slot: a freed one if any, else the next (a new chunk when one is full). */
  take(): number {
    const slot = this.free.pop() ?? this.next++;
    try {
      while (slot >= this.chunks.length * SLOTS_PER_CHUNK) this.addChunk();
    } catch (err) {
      this.give(slot);
      throw err;
    }
    const p = this.address(slot) >>> 2;
    heapF32().fill(0, p, p + this.slotFloats);
    return slot;
  }

  give(slot: number): void {
    if (slot !== 0) this.free.push(slot);
  }

  private stagingPtr = 0;
  private stagingSlots = 0;
  private listsPtr = 0;
  private listsCount = 0;

  /**
   * Byte address of room for `count` slots' worth of states outside the slots (a call's final
   * states wait there until every part of the call has run); grown when needed, reused after.
   */
  staging(count: number): number {
    if (count > this.stagingSlots) {
      const ptr = this.blocks.alloc(count * this.slotFloats * 4);
      if (this.stagingPtr) this.blocks.free(this.stagingPtr);
      this.stagingPtr = ptr;
      this.stagingSlots = count;
    }
    return this.stagingPtr;
  }

  /** Byte address of room for `count` i32s (the slot address lists of a call); grown when needed. */
  lists(count: number): number {
    if (count > this.listsCount) {
      const grown = Math.max(count, 2 * this.listsCount);
      const ptr = this.blocks.alloc(grown * 4);
      if (this.listsPtr) this.blocks.free(this.listsPtr);
      this.listsPtr = ptr;
      this.listsCount = grown;
    }
    return this.listsPtr;
  }

  /** Slots handed out now. */
  get used(): number {
    return this.next - 1 - this.free.length;
  }

  private addChunk(): void {
    const ptr = this.blocks.alloc(SLOTS_PER_CHUNK * this.slotFloats * 4);
    heapF32().fill(0, ptr >>> 2, (ptr >>> 2) + SLOTS_PER_CHUNK * this.slotFloats);
    this.chunks.push(ptr);
  }

  dispose(): void {
    this.blocks.freeAll();
    this.stagingPtr = 0;
    this.stagingSlots = 0;
    this.listsPtr = 0;
    this.listsCount = 0;
    this.chunks.length = 0;
    this.free.length = 0;
    this.next = 1;
  }
}
