// Default loader: the inference core's three builds (simd, relaxed, threads) inlined as one deflated
// pack (pack.ts), with no file system and no fetch, which works in Node, Deno, Bun and browsers.
// wasm.ts imports this module lazily, so a bundler that splits code loads it with `ready()`, and
// the workerd entry, whose loader is load-module.ts (workerd cannot compile from bytes), never runs
// it. The training and int8 cores' packs are added by "wasm-rnn/train" and "wasm-rnn/quant"
// (src/entry-train.ts, src/entry-quant.ts), so an app that only predicts ships neither.
import { WasmRnnError } from "./errors.js";
import { PACK } from "./generated/core-pack.js";
import { addedPacks } from "./inline-packs.js";
import type { CoreBuild, QuantBuild, TrainBuild } from "./instance.js";
import { unpack } from "./pack.js";

export async function loadInline(build: CoreBuild | TrainBuild | QuantBuild): Promise<WebAssembly.Module> {
  const pack = [PACK, ...addedPacks].find((p) => p.builds.includes(build));
  if (!pack) {
    const entry = build.startsWith("quant") ? "wasm-rnn/quant" : "wasm-rnn/train";
    throw new WasmRnnError(
      `wasm-rnn: expected the "${build}" build of the wasm core to be inlined by \`import "${entry}"\`, got no such import`,
    );
  }
  return WebAssembly.compile(await unpack(pack, build, "wasm-rnn: ready()"));
}
