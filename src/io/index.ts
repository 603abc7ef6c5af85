// Loading and saving models (Keras .keras / .h5, TF.js layers format). The loaders, the layer
// registry and the HDF5 and zip readers load on the first call, so a program that only builds
// models in code never loads them, and one that reads TF.js files never loads HDF5 or zip. This is
// "wasm-rnn/io" (src/entry-io.ts); its functions are the default entry's (src/io/entry-functions.ts),
// which reach this code through model/features.ts, since a dynamic import() in the default entry's
// module graph costs every app (esbuild with splitting loads the code it shares up front).
import type { FileCode } from "../model/features.js";
import { fileCode, type Model } from "../model/model.js";
import type { SaveOptions } from "./types.js";

export type { LoadContext } from "../layers/config.js";
export type { LayerEntry } from "../layers/entry.js";
// "wasm-rnn" and "wasm-rnn/io" export the same functions; importing this entry provides their code.
export { loadModel, loadWeights, saveModel } from "./entry-functions.js";
export type {
  ByteSource,
  LoadOptions,
  SavedArtifacts,
  SavedFiles,
  SaveOptions,
  ShardBytes,
  ShardProvider,
  ShardSource,
  TfjsArtifacts,
  TfjsModelJson,
} from "./types.js";

/** "wasm-rnn/io" calls it on import: Model's save and loadWeights, and the default entry's functions, call these. */
export function provideFileCode(): void {
  fileCode.provide({
    loadModel: async (source, options) => (await import("./load.js")).loadModel(source, options),
    loadWeights: async (model, source, options) => (await import("./load.js")).loadWeights(model, source, options),
    saveModel: (async (model: Model, target?: string, options?: SaveOptions) =>
      (await import("./save.js")).saveModel(model, target as string, options)) as FileCode<Model>["saveModel"],
  });
}
