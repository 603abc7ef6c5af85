// Every layer's file entry, once. Adding a layer: `<name>.ts` (options, weights, forward),
// `<name>-entry.ts` beside it (its file entry and backward: what predict never needs, so the
// default entry does not carry it), its kernels in assembly/, and one line here (and its export
// in src/index.ts). A layer over 400 lines gets a folder instead (gru/, bidirectional/).
import { activationEntry } from "./activation-entry.js";
import { addEntry } from "./add-entry.js";
import { alphaDropoutEntry } from "./alpha_dropout-entry.js";
import { additiveAttentionEntry, attentionEntry } from "./attention/entry.js";
import { multiHeadAttentionEntry } from "./attention/mha-entry.js";
import { averagePooling2dEntry } from "./average_pooling2d-entry.js";
import { bidirectionalEntry } from "./bidirectional/entry.js";
import { concatenateEntry } from "./concatenate-entry.js";
import { conv1dEntry } from "./conv/conv1d-entry.js";
import { depthwiseConv1dEntry } from "./conv/depthwise_conv1d-entry.js";
import { separableConv1dEntry } from "./conv/separable_conv1d-entry.js";
import { convLstm2dEntry } from "./conv_lstm2d-entry.js";
import { conv2dEntry } from "./conv2d-entry.js";
import { cropping1dEntry } from "./cropping1d-entry.js";
import { cudnnGruEntry, cudnnLstmEntry } from "./cudnn.js";
import { customEntry } from "./custom-entry.js";
import { denseEntry } from "./dense-entry.js";
import { dotEntry } from "./dot-entry.js";
import { dropoutEntry } from "./dropout-entry.js";
import { embeddingEntry } from "./embedding-entry.js";
import type { LayerEntry } from "./entry.js";
import { flattenEntry } from "./flatten-entry.js";
import { gaussianDropoutEntry } from "./gaussian_dropout-entry.js";
import { gaussianNoiseEntry } from "./gaussian_noise-entry.js";
import { gruEntry } from "./gru/entry.js";
import { identityEntry } from "./identity-entry.js";
import { lstmEntry } from "./lstm-entry.js";
import { maskingEntry } from "./masking-entry.js";
import { maxPooling2dEntry } from "./max_pooling2d-entry.js";
import { averageEntry, maximumEntry, minimumEntry, multiplyEntry, subtractEntry } from "./merge/elementwise-entry.js";
import { batchNormalizationEntry } from "./normalization/batch_normalization-entry.js";
import { layerNormalizationEntry, unitNormalizationEntry } from "./normalization/layer_normalization-entry.js";
import { normalizationEntry } from "./normalization/normalization-entry.js";
import { permuteEntry } from "./permute-entry.js";
import {
  averagePooling1dEntry,
  globalAveragePooling1dEntry,
  globalMaxPooling1dEntry,
  maxPooling1dEntry,
} from "./pooling/entry.js";
import { preluEntry } from "./prelu-entry.js";
import { registerLayer } from "./registry.js";
import { eluEntry, leakyReluEntry, reluEntry } from "./relu-entry.js";
import { repeatVectorEntry } from "./repeat_vector-entry.js";
import { rescalingEntry } from "./rescaling-entry.js";
import { reshapeEntry } from "./reshape-entry.js";
import { simpleRnnEntry } from "./simple_rnn-entry.js";
import { softmaxEntry } from "./softmax-entry.js";
import { spatialDropout1dEntry } from "./spatial_dropout1d-entry.js";
import { timeDistributedEntry } from "./time_distributed-entry.js";
import { upSampling1dEntry } from "./up_sampling1d-entry.js";
import { zeroPadding1dEntry } from "./zero_padding1d-entry.js";

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
  maxPooling1dEntry,
  averagePooling1dEntry,
  globalMaxPooling1dEntry,
  globalAveragePooling1dEntry,
  reshapeEntry,
  permuteEntry,
  spatialDropout1dEntry,
  gaussianDropoutEntry,
  batchNormalizationEntry,
  layerNormalizationEntry,
  unitNormalizationEntry,
  conv1dEntry,
  separableConv1dEntry,
  depthwiseConv1dEntry,
  zeroPadding1dEntry,
  cropping1dEntry,
  upSampling1dEntry,
  attentionEntry,
  additiveAttentionEntry,
  multiHeadAttentionEntry,
  subtractEntry,
  multiplyEntry,
  averageEntry,
  maximumEntry,
  minimumEntry,
  dotEntry,
  softmaxEntry,
  reluEntry,
  leakyReluEntry,
  preluEntry,
  eluEntry,
  conv2dEntry,
  maxPooling2dEntry,
  averagePooling2dEntry,
  convLstm2dEntry,
  cudnnLstmEntry,
  cudnnGruEntry,
  normalizationEntry,
  rescalingEntry,
  identityEntry,
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
