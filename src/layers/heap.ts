// Tensors and weight blocks in wasm memory: their descriptions, copies in and out, and the one
// layout helper (`carve`) that forward, backward and sizing read alike.
import { arena, MAX_WASM_BYTES } from "../core/arena.js";
import { fmtShape, WasmRnnError } from "../core/errors.js";
import { type DType, type Tensor, trustedTensor } from "../core/tensor.js";
import { heapF32 } from "../core/wasm.js";

/** A tensor living in wasm memory: byte offset and concrete shape. */
export interface Buf {
  ptr: number;
  shape: number[];
  dtype: DType;
}

/**
 * Masks of one layer call, as u8 [B, T] buffers in wasm memory (1 = keep, Keras's boolean mask);
 * 0 means no mask. `inputs` follows the data inputs; `outputs` follows the outputs, and a layer
 * whose `outputMasks` says "computed" writes those buffers in `forward`.
 */
export interface MaskBufs {
  inputs: readonly number[];
  outputs: readonly number[];
  /** The input mask was passed explicitly (Keras `mask=`), not carried by the input tensor. */
  explicit?: boolean;
}

/**
 * Where an output's mask comes from (Keras `compute_mask`): none, the mask of data input `input`
 * passed through unchanged, or computed by the layer's forward into its own buffer.
 */
export type MaskSource = null | { input: number } | "computed";

/** Keras `Layer.compute_mask` for layers that support masking: the input's mask passes through. */
export const passMask = (inputMasked: readonly boolean[]): MaskSource[] => [inputMasked[0] ? { input: 0 } : null];

/** A packed weight block in wasm memory: byte pointer and float count (padding included). */
export interface ParamBlock {
  ptr: number;
  length: number;
}

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Refuses weights that the 4 GiB wasm32 memory cannot hold, naming the first too large; called
 * before anything (JS arrays or wasm blocks) is allocated for them.
 */
export function checkWeightSizes(who: string, specs: readonly { name: string; shape: readonly number[] }[]): void {
  let total = 0;
  for (const s of specs) {
    const floats = sizeOf(s.shape);
    total += floats;
    if (total * 4 >= MAX_WASM_BYTES) {
      throw new WasmRnnError(
        `${who}: expected weights that fit the wasm memory (4 GiB, ${MAX_WASM_BYTES / 4} floats), got ${s.name} ` +
          `${fmtShape(s.shape)} (${floats} floats${total > floats ? `, ${total} with the weights before it` : ""})`,
      );
    }
  }
}

/** Bytes of a mask for a tensor of this shape: one byte per position of all but the last axis. */
export function maskBytes(shape: readonly number[]): number {
  return sizeOf(shape.slice(0, -1));
}

/** Rounds a byte count up to 64, so every carved buffer starts on a cache line. */
export const align = (n: number) => Math.ceil(n / 64) * 64;

/** Rounds a count up to a multiple of 16 (the GEMM panel width). */
export const round16 = (n: number) => (n + 15) & ~15;

/**
 * A memory layout described once: named buffers of the given byte sizes laid one after another
 * from `base`, each starting 64-byte aligned. Returns each name's byte offset and `total`, the
 * bytes the whole layout takes: sizing reads `total` (base 0), forward and backward the offsets.
 */
export function carve<K extends string>(
  base: number,
  sizes: Readonly<Record<K, number>>,
): Record<K, number> & { total: number } {
  const out: Record<string, number> = {};
  let at = 0;
  for (const name of Object.keys(sizes) as K[]) {
    out[name] = base + at;
    at += align(sizes[name]);
  }
  out.total = at;
  return out as Record<K, number> & { total: number };
}

/**
 * `layout(a, b)` computed once and reused while the arguments stay the same: forward runs on
 * every predict call, and a layout (from `carve`, offsets from 0) is the same for the same shape.
 */
export function sameShapeLayout<L>(layout: (a: number, b: number) => L): (a: number, b: number) => L {
  let lastA = Number.NaN,
    lastB = Number.NaN,
    value: L | undefined;
  return (a, b) => {
    if (a !== lastA || b !== lastB || value === undefined) {
      value = layout(a, b);
      lastA = a;
      lastB = b;
    }
    return value;
  };
}

/**
 * Refuses `count` values for buffer `b` unless they fill it exactly: more would overwrite the
 * memory after it (another model's weights), fewer would leave the previous call's values in it.
 */
export function checkFits(b: Buf, count: number, who: string): void {
  const want = sizeOf(b.shape);
  if (count !== want) {
    throw new WasmRnnError(
      `${who}: expected ${want} values for a buffer of shape ${fmtShape(b.shape)}, got ${count} (data not matching its shape)`,
    );
  }
}

/** Copies tensors into wasm buffers of the same sizes (checked again here, at the wasm boundary). */
export function writeBufs(bufs: readonly Buf[], tensors: readonly Tensor[], who = "wasm-rnn"): void {
  if (tensors.length !== bufs.length) {
    throw new WasmRnnError(`${who}: expected ${bufs.length} tensor(s) for the wasm buffers, got ${tensors.length}`);
  }
  bufs.forEach((b, i) => {
    const t = tensors[i]!;
    checkFits(b, t.data.length, who);
    if (t.dtype !== b.dtype) throw new WasmRnnError(`${who}: expected ${b.dtype} data, got ${t.dtype}`);
  });
  const f32 = heapF32();
  bufs.forEach((b, i) => {
    const t = tensors[i]!;
    if (t.dtype === "int32") new Int32Array(f32.buffer, b.ptr, t.size).set(t.data);
    else f32.set(t.data, b.ptr >>> 2);
  });
}

export function readBuf(b: Buf): Tensor {
  const n = sizeOf(b.shape);
  const data = heapF32().slice(b.ptr >>> 2, (b.ptr >>> 2) + n);
  // the data is exactly the buffer's shape: the plan sized the buffer from it
  return trustedTensor(data, b.shape, "float32");
}

/** Runs `fn` on temporary wasm buffers of these byte sizes (freed after it, also on errors). */
export function withStaging<T>(bytes: readonly number[], fn: (ptrs: number[]) => T): T {
  const ptrs: number[] = [];
  try {
    for (const b of bytes) ptrs.push(arena.alloc(b));
    return fn(ptrs);
  } finally {
    for (const p of ptrs) arena.free(p);
  }
}

/** Copies `blocks` into temporary wasm buffers for `fn` (freed after it), e.g. to unpack them. */
export function withBlocks<T>(blocks: readonly Float32Array[], fn: (ptrs: number[]) => T): T {
  return withStaging(
    blocks.map((b) => Math.max(b.length, 1) * 4),
    (ptrs) => {
      const f32 = heapF32();
      blocks.forEach((b, i) => f32.set(b, ptrs[i]! >>> 2));
      return fn(ptrs);
    },
  );
}

/**
 * The wasm blocks one layer owns. Kept apart from the layer (it refers to no layer) so that a
 * FinalizationRegistry can free them once the layer itself is garbage collected.
 */
export class OwnedBlocks {
  /** Frees what `owner` holds once it is garbage collected without dispose(); the held value refers to no owner. */
  static readonly collected =
    typeof FinalizationRegistry === "function" ? new FinalizationRegistry<OwnedBlocks>((b) => b.freeAll()) : null;

  private readonly ptrs = new Set<number>();

  alloc(bytes: number): number {
    const ptr = arena.alloc(bytes);
    this.ptrs.add(ptr);
    return ptr;
  }

  /** Frees a block this owner allocated (others are left alone). */
  free(ptr: number): void {
    if (this.ptrs.delete(ptr)) arena.free(ptr);
  }

  /** Whether this owner holds any block. */
  get isEmpty(): boolean {
    return this.ptrs.size === 0;
  }

  freeAll(): void {
    OwnedBlocks.collected?.unregister(this);
    for (const p of this.ptrs) arena.free(p);
    this.ptrs.clear();
  }
}

/** Blocks owned by `owner` (a layer), freed by `freeAll()` or once `owner` is garbage collected. */
export function blocksFor(owner: object): OwnedBlocks {
  const blocks = new OwnedBlocks();
  OwnedBlocks.collected?.register(owner, blocks, blocks);
  return blocks;
}

/** Allocates blocks of these float counts, all or none (owned by `owner`). */
export function allocBlocks(lengths: readonly number[], owner: OwnedBlocks): number[] {
  const fresh: number[] = [];
  try {
    for (const n of lengths) fresh.push(owner.alloc(n * 4));
  } catch (err) {
    for (const p of fresh) owner.free(p);
    throw err;
  }
  return fresh;
}

/**
 * Packs into temporary blocks of `lengths` floats with `pack(ptrs)` and returns copies of them:
 * packed arrays (an optimizer slot laid out as the weights) without touching the layer's blocks.
 */
export function packedCopies(lengths: readonly number[], pack: (ptrs: number[]) => void): Float32Array[] {
  return withStaging(
    lengths.map((n) => Math.max(n, 1) * 4),
    (ptrs) => {
      const f32 = heapF32();
      ptrs.forEach((p, i) => f32.fill(0, p >>> 2, (p >>> 2) + lengths[i]!));
      pack(ptrs);
      const heap = heapF32();
      return lengths.map((n, i) => heap.slice(ptrs[i]! >>> 2, (ptrs[i]! >>> 2) + n));
    },
  );
}

/**
 * Copies `rows` rows of `cols` floats between strided wasm buffers (byte offsets, strides in
 * floats), zero-filling destination padding. copyWithin allocates nothing.
 */
export function copyRows(
  f32: Float32Array,
  src: number,
  ldSrc: number,
  dst: number,
  ldDst: number,
  rows: number,
  cols: number,
): void {
  const s = src >>> 2,
    d = dst >>> 2;
  // dense rows on both sides (a batch of streams' states, say): one copy, not one per row
  if (ldSrc === cols && ldDst === cols) {
    f32.copyWithin(d, s, s + rows * cols);
    return;
  }
  for (let r = 0; r < rows; r++) {
    f32.copyWithin(d + r * ldDst, s + r * ldSrc, s + r * ldSrc + cols);
    if (ldDst > cols) f32.fill(0, d + r * ldDst + cols, d + (r + 1) * ldDst);
  }
}

/** Copies a buffer's floats into another of the same size. */
export function copyFloats(src: Buf, dst: Buf): void {
  const n = sizeOf(src.shape);
  heapF32().copyWithin(dst.ptr >>> 2, src.ptr >>> 2, (src.ptr >>> 2) + n);
}
