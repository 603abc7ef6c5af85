// The int8 core's kernels (assembly/quant.ts: q8 packing, products and recurrent cells), a third
// wasm module on the inference core's memory, instantiated by `loadQuantCore()` (the first
// quantize("int8")). Its types are generated from assembly/quant.ts (scripts/kernel-types.mjs).
import { WasmRnnError } from "./errors.js";
import type { QuantExports } from "./instance.js";
import { loadQuantCore as instantiateQuantCore } from "./wasm.js";

export type { QuantExports } from "./instance.js";

/** How the int8 products are formed on this runtime (q8_select_dot in assembly/quant/q8.ts). */
export type DotKind = "plain" | "relaxed" | "relaxed-add";

let loaded: QuantExports | null = null;
let dotKind: DotKind = "plain";

/** Loads the int8 core (once) and picks its dot product; quantKernels() works afterwards. */
export async function loadQuantCore(who = "wasm-rnn quantize"): Promise<void> {
  if (loaded) return;
  const ex = (await instantiateQuantCore(who)) as unknown as QuantExports;
  // the values come from here, so the check runs on the runtime, not at compile time
  const kind = ex.q8_select_dot(3, 5, 7);
  dotKind = kind === 2 ? "relaxed-add" : kind === 1 ? "relaxed" : "plain";
  loaded = ex;
}

/** The int8 kernels; `loadQuantCore()` must have resolved. */
export function quantKernels(): QuantExports {
  if (!loaded)
    throw new WasmRnnError(
      "wasm-rnn quantize: the int8 core is not loaded; expected `await loadQuantCore()` (quantize does it), got a call before it",
    );
  return loaded;
}

/**
 * The dot product the int8 core uses: "relaxed-add" (i32x4.relaxed_dot_i8x16_i7x16_add_s),
 * "relaxed" (i16x8.relaxed_dot_i8x16_i7x16_s widened: the runtime computes the first wrongly, as
 * Node 20's V8 11.3 does) or "plain" (SIMD128). Every kind gives the same integers.
 */
export function quantDotKind(): DotKind {
  return dotKind;
}
