// Every layer's file entry, once. Adding a layer: `<name>.ts` (options, weights, forward),
// `<name>-entry.ts` beside it (its file entry and backward: what predict never needs, so the
// default entry does not carry it), its kernels in assembly/, and one line here (and its export
// in src/index.ts). A layer over 400 lines gets a folder instead (gru/, bidirectional/).
import { activationEntry } from "./activation-entry.js";
import { addEntry } from "./add-entry.js";
import { alphaDropoutEntry } from "./alpha_dropout-entry.js";
import { bidirectionalEntry } from "./bidirectional/entry.js";
import { concatenateEntry } from "./concatenate-entry.js";
import { cudnnGruEntry, cudnnLstmEntry } from "./cudnn.js";
import { customEntry } from "./custom-entry.js";
import { denseEntry } from "./dense-entry.js";
import { dropoutEntry } from "./dropout-entry.js";
import { embeddingEntry } from "./embedding-entry.js";
import type { LayerEntry } from "./entry.js";
import { flattenEntry } from "./flatten-entry.js";
import { gaussianNoiseEntry } from "./gaussian_noise-entry.js";
import { gruEntry } from "./gru/entry.js";
import { lstmEntry } from "./lstm-entry.js";
import { maskingEntry } from "./masking-entry.js";
import { registerLayer } from "./registry.js";
import { repeatVectorEntry } from "./repeat_vector-entry.js";
import { simpleRnnEntry } from "./simple_rnn-entry.js";
import { timeDistributedEntry } from "./time_distributed-entry.js";

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
  cudnnLstmEntry,
  cudnnGruEntry,
  customEntry as unknown as LayerEntry,
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
