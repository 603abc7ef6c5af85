// One arena over the wasm memory (llm.c style): weights and per-shape workspaces are carved
// from it by JavaScript; kernels only receive pointers. Blocks are 64-byte aligned (cache lines,
// and every kernel's vector loads). Freed blocks are reused first-fit and coalesced, so a model
// that is rebuilt or re-weighted does not grow memory without bound.
import { WasmRnnError } from "./errors.js";
import { core, memoryGrew } from "./instance.js";

const ALIGN = 64;
const PAGE = 65536;
/** wasm32 addresses 4 GiB; offsets are unsigned (`>>> 2`, never `>> 2`, which turns negative past 2 GiB). */
export const MAX_WASM_BYTES = 2 ** 32;

/** Index into a Float32Array over wasm memory of a byte offset: unsigned, so valid up to 4 GiB. */
export const f32Index = (ptr: number): number => ptr >>> 2;

/** The block size for a request of `bytes`: 64-byte multiple; refuses NaN, negative and >= 4 GiB requests. */
export function blockSize(bytes: number): number {
  if (!Number.isFinite(bytes) || bytes < 0) {
    throw new WasmRnnError(
      `wasm-rnn: expected a wasm allocation of a finite, non-negative byte count, got ${bytes} bytes`,
    );
  }
  const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  if (size >= MAX_WASM_BYTES) {
    throw new WasmRnnError(
      `wasm-rnn: out of wasm memory: expected room for ${size} bytes, got a limit of ${MAX_WASM_BYTES} bytes (4 GiB, wasm32)`,
    );
  }
  return size;
}

/**
 * Pages to grow a memory of `have` bytes by so that it reaches `end`: geometrically (a quarter
 * more) while that stays within 4 GiB, else exactly; refuses an `end` beyond 4 GiB.
 */
export function growthPages(have: number, end: number): number {
  if (end > MAX_WASM_BYTES) {
    throw new WasmRnnError(
      `wasm-rnn: out of wasm memory: expected room for ${end} bytes, got a limit of ${MAX_WASM_BYTES} bytes (4 GiB, wasm32)`,
    );
  }
  if (end <= have) return 0;
  const want = Math.min(Math.max(end, Math.ceil(have * 1.25)), MAX_WASM_BYTES);
  return Math.ceil((want - have) / PAGE);
}

interface Block {
  ptr: number;
  size: number;
}

class Arena {
  private start = -1;
  private top = 0;
  private freeList: Block[] = []; // sorted by ptr, never adjacent (coalesced)
  private sizes = new Map<number, number>();

  private init(): void {
    if (this.start >= 0) return;
    const base = core("wasm-rnn arena").heap_base();
    this.start = Math.ceil(base / ALIGN) * ALIGN;
    this.top = this.start;
  }

  /** Allocates `bytes` (rounded up to 64) and returns the byte offset. Never returns 0. */
  alloc(bytes: number): number {
    const size = blockSize(bytes);
    this.init();
    for (let i = 0; i < this.freeList.length; i++) {
      const blk = this.freeList[i]!;
      if (blk.size >= size) {
        const ptr = blk.ptr;
        if (blk.size === size) this.freeList.splice(i, 1);
        else {
          blk.ptr += size;
          blk.size -= size;
        }
        this.sizes.set(ptr, size);
        return ptr;
      }
    }
    const ptr = this.top;
    this.ensure(ptr + size);
    this.top = ptr + size;
    this.sizes.set(ptr, size);
    return ptr;
  }

  free(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) return;
    this.sizes.delete(ptr);
    if (ptr + size === this.top) {
      this.top = ptr;
      // the block now at the end of the free list may touch the new top
      const last = this.freeList[this.freeList.length - 1];
      if (last && last.ptr + last.size === this.top) {
        this.top = last.ptr;
        this.freeList.pop();
      }
      return;
    }
    let i = 0;
    while (i < this.freeList.length && this.freeList[i]!.ptr < ptr) i++;
    this.freeList.splice(i, 0, { ptr, size });
    const next = this.freeList[i + 1];
    if (next && ptr + size === next.ptr) {
      this.freeList[i]!.size += next.size;
      this.freeList.splice(i + 1, 1);
    }
    const prev = this.freeList[i - 1];
    if (prev && prev.ptr + prev.size === ptr) {
      prev.size += this.freeList[i]!.size;
      this.freeList.splice(i, 1);
    }
  }

  private ensure(end: number): void {
    const memory = core("wasm-rnn arena").memory;
    const have = memory.buffer.byteLength;
    // grow geometrically so that a sequence of allocations does not grow page by page
    const pages = growthPages(have, end);
    if (pages === 0) return;
    try {
      try {
        memory.grow(pages);
      } catch {
        // the geometric step may pass the memory's maximum while the exact one fits
        memory.grow(Math.ceil((end - have) / PAGE));
      }
      memoryGrew();
    } catch {
      throw new WasmRnnError(
        `wasm-rnn: out of wasm memory: expected room for ${end} bytes, got a limit of ${have} bytes`,
      );
    }
  }

  /** Bytes currently handed out. */
  get inUse(): number {
    let total = 0;
    for (const s of this.sizes.values()) total += s;
    return total;
  }
}

export const arena = new Arena();

/** Total size of the wasm memory in bytes. */
export function memoryBytes(): number {
  return core("wasm-rnn memoryBytes").memory.buffer.byteLength;
}
