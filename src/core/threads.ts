// Rows of a recurrent call split across an optional worker pool over shared wasm memory. This part
// is small and always loaded; starting the workers (`pool.ts`) loads only with `ready({ threads })`.
//
// Protocol, one control block of 40 i32 per worker in wasm memory (allocated by the arena):
//   [0] state: 0 idle, 1 job posted, 2 done, 3 quit   [1] export index   [2..38] arguments
//   [39] argument count
// The main thread posts, runs its own part, then waits on each worker's state (Atomics.wait is
// allowed on the main thread there, so `predict` stays synchronous).

import { kernels } from "./instance.js";

export const BLOCK_I32 = 40;
export const MAX_ARGS = BLOCK_I32 - 2;

/** Exports a worker may run, by index (kept small and explicit). */
export const POOL_EXPORTS = [
  "lstm_forward",
  "gru_reset_after_forward",
  "gru_reset_before_forward",
  "simple_rnn_forward",
] as const;
export type PoolExport = (typeof POOL_EXPORTS)[number];

export interface WorkerPool {
  /** Threads including the main one. */
  readonly size: number;
  /** Posts a call to worker `w` (0-based, size - 1 workers). */
  post(w: number, fn: PoolExport, args: readonly number[]): void;
  /** Waits until every posted call has finished. */
  wait(): void;
  terminate(): Promise<void>;
}

let active: WorkerPool | null = null;
let paused = false;

/** Set by the pool module (loaded only by `ready({ threads })`) when it starts a pool. */
export function setPool(pool: WorkerPool): void {
  active = pool;
}

/** Called by a pool that has terminated. */
export function clearPool(pool: WorkerPool): void {
  if (active === pool) active = null;
}

/** The running pool, or null when threads are off (or paused). */
export function workerPool(): WorkerPool | null {
  return paused ? null : active;
}

/** For benchmarks: run on the main thread alone while `on` is false, without stopping workers. */
export function usePool(on: boolean): void {
  paused = !on;
}

let minRows = 4;
let minMacs = 4_000_000;

/** Splitting pays once a call has a few rows and enough multiply-adds to hide the hand-off (~20 us). */
export function worthSplitting(rows: number, macsPerRow: number): boolean {
  return rows >= minRows && rows * macsPerRow >= minMacs;
}

/** For tests: split even tiny calls (rows >= 2), or restore the defaults. */
export function splitEverything(on: boolean): void {
  minRows = on ? 2 : 4;
  minMacs = on ? 0 : 4_000_000;
}

/**
 * Runs `fn` over `rows` split across the pool: part 0 on this thread, the others on workers.
 * `args(b0, b1)` gives the call for rows [b0, b1): batch-major buffers at offset pointers.
 */
export function splitRows(
  pool: WorkerPool,
  fn: PoolExport,
  rows: number,
  args: (b0: number, b1: number) => number[],
): void {
  const parts = Math.min(pool.size, rows >> 1);
  for (let p = 1; p < parts; p++) {
    const [b0, b1] = partRange(rows, parts, p);
    pool.post(p - 1, fn, args(b0, b1));
  }
  const [b0, b1] = partRange(rows, parts, 0);
  (kernels()[fn] as (...a: number[]) => void)(...args(b0, b1));
  pool.wait();
}

/**
 * Rows [start, end) of part `p` when `rows` are split into `parts` near-equal parts. Every part but
 * the last starts and ends on an even row, so the kernels' 2-row tiles pair the same rows as in a
 * one-thread call and the results are bit-identical.
 */
export function partRange(rows: number, parts: number, p: number): [number, number] {
  const pairs = Math.ceil(rows / 2);
  const base = Math.floor(pairs / parts),
    extra = pairs % parts;
  const start = 2 * (p * base + Math.min(p, extra));
  const end = 2 * ((p + 1) * base + Math.min(p + 1, extra));
  return [Math.min(start, rows), Math.min(end, rows)];
}
