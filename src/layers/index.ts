// Every layer's file entry, once. Adding a layer: its file in src/layers/ (class, backward and
// entry), its kernels in assembly/, and one line here (and its export in src/index.ts).
import { activationEntry } from "./activation.js";
import { addEntry } from "./add.js";
import { alphaDropoutEntry } from "./alpha_dropout.js";
import { bidirectionalEntry } from "./bidirectional/entry.js";
import { concatenateEntry } from "./concatenate.js";
import { denseEntry } from "./dense.js";
import { dropoutEntry } from "./dropout.js";
import { embeddingEntry } from "./embedding.js";
import type { LayerEntry } from "./entry.js";
import { flattenEntry } from "./flatten.js";
import { gaussianNoiseEntry } from "./gaussian_noise.js";
import { gruEntry } from "./gru/entry.js";
import { lstmEntry } from "./lstm.js";
import { maskingEntry } from "./masking.js";
import { registerLayer } from "./registry.js";
import { repeatVectorEntry } from "./repeat_vector.js";
import { simpleRnnEntry } from "./simple_rnn.js";
import { timeDistributedEntry } from "./time_distributed.js";

export const LAYER_ENTRIES: readonly LayerEntry[] = [
  lstmEntry,
  gruEntry,
  simpleRnnEntry,
  bidirectionalEntry,
  denseEntry,
  timeDistributedEntry,
  maskingEntry,
  embeddingEntry,
  repeatVectorEntry,
  concatenateEntry,
  addEntry,
  activationEntry,
  dropoutEntry,
  gaussianNoiseEntry,
  alphaDropoutEntry,
  flattenEntry,
];

let registered = false;

/**
 * Registers the built-in layers (called by the loader, the saver and training; explicit, not an
 * import side effect, because the package is marked side-effect free for bundlers).
 */
export function registerBuiltinLayers(): void {
  if (registered) return;
  registered = true;
  for (const e of LAYER_ENTRIES) registerLayer(e);
}
