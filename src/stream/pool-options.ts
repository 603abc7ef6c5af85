// StreamPool's options, checked when a pool is made.
import { WasmRnnError } from "../core/errors.js";
import { checkOptionsObject } from "../core/validate.js";

/** What happens when a new stream would pass maxStreams: refuse it, or evict the least recently used. */
export type EvictPolicy = "error" | "lru" | ((id: string, state: Uint8Array) => void);

export interface StreamPoolOptions {
  /** Most streams held at once (default 10 000). */
  maxStreams?: number;
  /**
   * "error" (default): a new stream past maxStreams is refused. "lru": the least recently stepped
   * stream is dropped. A function: the same, after it is called with the dropped stream's id and
   * state bytes (to keep them elsewhere and setState them back later).
   */
  onEvict?: EvictPolicy;
}

const OPTION_KEYS = ["maxStreams", "onEvict"] as const;
const MAX_STREAMS = 1 << 24;

/** The options, checked, with their defaults filled in. */
export function poolOptions(
  who: string,
  options: StreamPoolOptions | undefined,
): { maxStreams: number; evict: EvictPolicy } {
  const opts = checkOptionsObject(who, options, OPTION_KEYS);
  const max = opts.maxStreams ?? 10_000;
  if (!Number.isInteger(max) || max < 1 || max > MAX_STREAMS) {
    throw new WasmRnnError(
      `${who}: expected maxStreams to be an integer from 1 to ${MAX_STREAMS}, got ${JSON.stringify(max)}`,
    );
  }
  const evict = opts.onEvict ?? "error";
  if (evict !== "error" && evict !== "lru" && typeof evict !== "function") {
    throw new WasmRnnError(
      `${who}: expected onEvict to be "error", "lru" or a function (id, state), got ${JSON.stringify(evict)}`,
    );
  }
  return { maxStreams: max, evict };
}
