// The packs "wasm-rnn/train" and "wasm-rnn/quant" add (the training and int8 cores' builds) for
// load-inline.ts to find. Apart from load-inline.ts, which wasm.ts imports lazily: were the entries
// to import that module statically, Vite would warn that its dynamic import is ineffective.
import type { Pack } from "./pack.js";

export const addedPacks: Pack[] = [];

/** For the feature entries: makes the builds of one more core loadable (twice changes nothing). */
export function addInlinePack(pack: Pack): void {
  if (!addedPacks.includes(pack)) addedPacks.push(pack);
}
