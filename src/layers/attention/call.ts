// The call options the attention layers share (Keras's call arguments): kept on the layer from its first
// call, because a plan step runs a layer without its node; a later call with other options is refused.
import { WasmRnnError } from "../../core/errors.js";
import { checkBool, checkOptions } from "../../core/validate.js";
import { heapF32 } from "../../core/wasm.js";

export interface AttentionCallOptions {
  /** Keras `use_causal_mask`: query step i attends to value steps j <= i. Default false. */
  useCausalMask?: boolean;
  /** Keras `return_attention_scores`: also return the softmax weights (a second output). Default false. */
  returnAttentionScores?: boolean;
}

/** The options of a layer's calls, fixed by the first call. */
export class CallState {
  causal = false;
  scores = false;
  /** Which optional inputs the calls pass (key; MultiHeadAttention's attention mask). */
  hasKey = false;
  hasAttentionMask = false;
  private fixed = false;

  /**
   * Validates a call's options and runs `call` with them; the first call that succeeds fixes them.
   * `extra` are the layer's other option keys.
   */
  run<T>(
    who: string,
    kw: object | undefined,
    extra: readonly string[],
    hasKey: boolean,
    hasAttentionMask: boolean,
    call: () => T,
  ): T {
    if (this.fixed) {
      this.take(who, kw, extra, hasKey, hasAttentionMask);
      return call();
    }
    const before = { causal: this.causal, scores: this.scores, hasKey: this.hasKey, mask: this.hasAttentionMask };
    this.take(who, kw, extra, hasKey, hasAttentionMask);
    try {
      return call();
    } catch (err) {
      Object.assign(this, { causal: before.causal, scores: before.scores, hasKey: before.hasKey });
      this.hasAttentionMask = before.mask;
      this.fixed = false;
      throw err;
    }
  }

  private take(
    who: string,
    kw: object | undefined,
    extra: readonly string[],
    hasKey: boolean,
    hasAttentionMask: boolean,
  ): void {
    const o = (kw ?? {}) as AttentionCallOptions;
    if (typeof o !== "object" || o === null)
      throw new WasmRnnError(
        `${who}: expected call options { useCausalMask, returnAttentionScores }, got ${String(kw)}`,
      );
    checkOptions(who, o, ["useCausalMask", "returnAttentionScores", ...extra], "call options");
    const causal = checkBool(who, "useCausalMask", o.useCausalMask, false);
    const scores = checkBool(who, "returnAttentionScores", o.returnAttentionScores, false);
    if (this.fixed) {
      const was = [this.causal, this.scores, this.hasKey, this.hasAttentionMask];
      const now = [causal, scores, hasKey, hasAttentionMask];
      if (was.some((v, i) => v !== now[i])) {
        throw new WasmRnnError(
          `${who}: expected every call of the layer to have the first call's options (useCausalMask ${this.causal}, ` +
            `returnAttentionScores ${this.scores}, key ${this.hasKey}, attentionMask ${this.hasAttentionMask}), got ` +
            `useCausalMask ${causal}, returnAttentionScores ${scores}, key ${hasKey}, attentionMask ${hasAttentionMask}`,
        );
      }
      return;
    }
    Object.assign(this, { causal, scores, hasKey, hasAttentionMask, fixed: true });
  }

  /** Keras 3 call kwargs of a saved node (the defaults left out). */
  kwargs(): Record<string, boolean> {
    const kw: Record<string, boolean> = {};
    if (this.causal) kw.use_causal_mask = true;
    if (this.scores) kw.return_attention_scores = true;
    return kw;
  }
}

let views: { buffer: ArrayBufferLike; u8: Uint8Array; u32: Uint32Array } | null = null;

/** Byte and word views of the wasm memory, made again only when the memory grows (none per call). */
export function heapViews(): { u8: Uint8Array; u32: Uint32Array } {
  const buffer = heapF32().buffer;
  if (!views || views.buffer !== buffer) views = { buffer, u8: new Uint8Array(buffer), u32: new Uint32Array(buffer) };
  return views;
}

/**
 * Writes the mask of batch row `b` as u8 [Tq, Tv] at `dst` (1 = attend): the value/key masks (u8 [B, Tv],
 * 0 = none), the query mask (u8 [B, Tq], MultiHeadAttention only), causal, and an attention mask tensor
 * ([B, Tq, Tv], nonzero = attend; 0 = none). Returns `dst`, or 0 when nothing masks.
 */
export function scoreMask(
  dst: number,
  b: number,
  Tq: number,
  Tv: number,
  m: { query: number; value: number; key: number; causal: boolean; tensor: number },
): number {
  if (!m.query && !m.value && !m.key && !m.causal && !m.tensor) return 0;
  const { u8, u32: bits } = heapViews();
  const qm = m.query + b * Tq,
    vm = m.value + b * Tv,
    km = m.key + b * Tv,
    am = (m.tensor >>> 2) + b * Tq * Tv;
  for (let i = 0; i < Tq; i++) {
    const qi = m.query ? u8[qm + i]! : 1;
    for (let j = 0; j < Tv; j++) {
      let keep = qi && (!m.value || u8[vm + j]) && (!m.key || u8[km + j]) && (!m.causal || j <= i);
      if (keep && m.tensor) keep = (bits[am + i * Tv + j]! & 0x7fffffff) !== 0;
      u8[dst + i * Tv + j] = keep ? 1 : 0;
    }
  }
  return dst;
}
