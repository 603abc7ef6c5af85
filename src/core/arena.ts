// One arena over the wasm memory (llm.c style): weights and per-shape workspaces are carved
// from it by JavaScript; kernels only receive pointers. Blocks are 64-byte aligned (cache lines,
// and every kernel's vector loads). Freed blocks are reused first-fit and coalesced, so a model
// that is rebuilt or re-weighted does not grow memory without bound.
import { WasmRnnError } from "./errors.js";
import { core, memoryGrew } from "./instance.js";

const ALIGN = 64;
const PAGE = 65536;

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
    this.init();
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
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
    if (end <= have) return;
    // grow geometrically so that a sequence of allocations does not grow page by page
    const want = Math.max(end, Math.ceil(have * 1.25));
    try {
      memory.grow(Math.ceil((want - have) / PAGE));
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
