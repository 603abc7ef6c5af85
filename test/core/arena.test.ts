// The arena (src/core/arena.ts) directly: 64-byte rounding, first-fit reuse of freed blocks, splitting,
// coalescing of adjacent free blocks (with the next block, the previous one, or both), and the top
// pulling back over free blocks that end at it. Pointers are checked relative to the first block, so
// the tests hold wherever the heap starts. Each test file runs in its own process, so this arena is fresh.
import { beforeAll, describe, expect, it } from "vitest";
import { arena, memoryBytes } from "../../src/core/arena.js";
import { ready } from "../../src/core/wasm.js";

beforeAll(async () => {
  await ready();
});

/** Allocates blocks of the given byte sizes back to back; returns their pointers. */
function allocAll(...sizes: number[]): number[] {
  return sizes.map((s) => arena.alloc(s));
}

/** Frees every pointer, so the next test starts from an empty arena (the top falls back to the start). */
function freeAll(ptrs: number[]): void {
  for (const p of ptrs) arena.free(p);
  expect(arena.inUse).toBe(0);
}

describe("arena", () => {
  it("rounds to 64 bytes, aligns to 64 and packs blocks back to back", () => {
    const [a, b, c] = allocAll(1, 64, 65);
    expect(a! % 64).toBe(0);
    expect(a).toBeGreaterThan(0);
    expect(b).toBe(a! + 64);
    expect(c).toBe(b! + 64);
    expect(arena.inUse).toBe(64 + 64 + 128);
    freeAll([a!, b!, c!]);
    // everything freed: the top is back at the start, so the next block takes the first place
    expect(arena.alloc(10)).toBe(a);
    freeAll([a!]);
  });

  it("reuses the first free block that fits, and splits a larger one", () => {
    const [a, b, c, d, e, guard] = allocAll(64, 64, 256, 64, 64, 64);
    arena.free(b!);
    arena.free(d!);
    // first fit: the lowest free block that fits, not the end of the arena
    expect(arena.alloc(64)).toBe(b);
    expect(arena.alloc(64)).toBe(d);
    arena.free(c!);
    // a 256-byte hole serves two 64-byte blocks from its start, then one of 128 from the rest
    expect(arena.alloc(64)).toBe(c);
    expect(arena.alloc(64)).toBe(c! + 64);
    expect(arena.alloc(128)).toBe(c! + 128);
    // the hole is used up: the next block goes to the top
    expect(arena.alloc(64)).toBe(guard! + 64);
    freeAll([a!, b!, c!, c! + 64, c! + 128, d!, e!, guard!, guard! + 64]);
  });

  it("skips free blocks that are too small", () => {
    const [a, b, c, guard] = allocAll(64, 64, 256, 64);
    arena.free(b!);
    arena.free(c!);
    // b (64) and c (256) are adjacent, so they merged: a 320-byte request fits at b
    expect(arena.alloc(320)).toBe(b);
    arena.free(b!);
    const [x, y] = allocAll(64, 64);
    expect([x, y]).toEqual([b, b! + 64]);
    arena.free(x!);
    // the 64-byte hole at b cannot hold 128 bytes: the block comes from the rest after y
    expect(arena.alloc(128)).toBe(y! + 64);
    freeAll([a!, b! + 64, b! + 128, guard!]);
  });

  it("merges a freed block with the free block after it", () => {
    const [a, b, c, guard] = allocAll(64, 128, 128, 64);
    arena.free(c!);
    arena.free(b!); // b's end touches c
    // one 256-byte block: neither 128-byte half alone could hold it
    expect(arena.alloc(256)).toBe(b);
    freeAll([a!, b!, guard!]);
  });

  it("merges a freed block with the free block before it", () => {
    const [a, b, c, guard] = allocAll(64, 128, 128, 64);
    arena.free(b!);
    arena.free(c!); // c's start touches b's end
    expect(arena.alloc(256)).toBe(b);
    freeAll([a!, b!, guard!]);
  });

  it("merges a freed block with free blocks on both sides into one", () => {
    const [a, b, c, d, guard] = allocAll(64, 128, 64, 128, 64);
    arena.free(b!);
    arena.free(d!);
    arena.free(c!); // bridges b and d
    expect(arena.alloc(320)).toBe(b);
    freeAll([a!, b!, guard!]);
  });

  it("does not merge free blocks that are not adjacent", () => {
    const [a, b, c, d, guard] = allocAll(64, 128, 64, 128, 64);
    arena.free(b!);
    arena.free(d!);
    // c still separates them: a 256-byte block does not fit in either, so it comes from the top
    expect(arena.alloc(256)).toBe(guard! + 64);
    freeAll([a!, c!, guard!, guard! + 64]);
  });

  it("pulls the top back over free blocks that end at it", () => {
    const [a, b, c] = allocAll(64, 128, 64);
    arena.free(b!);
    arena.free(c!); // c was the last block: the top falls to c, then over b's free block to b
    const [x, y] = allocAll(128, 128);
    expect(x).toBe(b);
    expect(y).toBe(b! + 128);
    freeAll([a!, x!, y!]);
  });

  it("ignores a pointer it did not hand out or already freed", () => {
    const [a, b, guard] = allocAll(64, 64, 64);
    arena.free(b!);
    arena.free(b!);
    arena.free(a! + 8);
    expect(arena.inUse).toBe(128);
    // b is free once: one 64-byte block there, the next one from the top
    expect(allocAll(64, 64)).toEqual([b, guard! + 64]);
    freeAll([a!, b!, guard!, guard! + 64]);
  });

  it("grows memory for a block beyond its end, and keeps reusing freed space afterwards", () => {
    const before = memoryBytes();
    const big = arena.alloc(before);
    expect(memoryBytes()).toBeGreaterThan(before);
    arena.free(big);
    expect(arena.alloc(before)).toBe(big);
    freeAll([big]);
  });
});
