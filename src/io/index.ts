// Loading and saving models (Keras .keras / .h5, TF.js layers format). The loaders, the layer
// registry and the HDF5 and zip readers load on the first call, so a program that only builds
// models in code never loads them, and one that reads TF.js files never loads HDF5 or zip. This is
// "wasm-rnn/io" (src/entry-io.ts); the default entry's functions of the same names reach it through
// model/features.ts (src/io/entry-functions.ts), since a dynamic import() in the default entry's
// module graph costs every app (esbuild with splitting loads the code it shares up front).
import { fileCode, type Model } from "../model/model.js";
import type { AnyOutputs, ModelOutputs } from "../model/outputs.js";
import type {
  ByteSource,
  LoadOptions,
  SavedArtifacts,
  SavedFiles,
  SaveOptions,
  TfjsArtifacts,
  TfjsModelJson,
} from "./types.js";

export type { LoadContext } from "../layers/config.js";
export type { LayerEntry } from "../layers/entry.js";
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

/**
 * Loads a model from a `.keras`, `.h5` or TF.js `model.json` (path, URL, bytes or artifacts). The
 * file decides its outputs, so predict is typed `Tensor | Tensor[]`; when you know them, say so:
 * `loadModel<SymbolicTensor>(f)` (predict returns a Tensor: one output, saved as a tensor, not a
 * list) or `loadModel<[SymbolicTensor, SymbolicTensor]>(f)` (two). That is not checked.
 */
export async function loadModel<O extends ModelOutputs = AnyOutputs>(
  source: ByteSource | TfjsArtifacts | TfjsModelJson,
  options: LoadOptions = {},
): Promise<Model<O>> {
  return (await import("./load.js")).loadModel(source, options) as Promise<Model<O>>;
}

/** Loads weights (a Keras `.h5` / `.weights.h5`) into a model built in code. */
export async function loadWeights(model: Model, source: ByteSource, options: LoadOptions = {}): Promise<void> {
  return (await import("./load.js")).loadWeights(model, source, options);
}

/**
 * Saves a model: TF.js layers format (a directory, or artifacts when no target), or `.keras`;
 * `{ weightsDtype: "float16" }` stores a TF.js model's weights in half the bytes.
 */
export async function saveModel(model: Model, target?: undefined, options?: SaveOptions): Promise<SavedArtifacts>;
export async function saveModel(model: Model, target: string, options?: SaveOptions): Promise<SavedFiles>;
export async function saveModel(
  model: Model,
  target?: string,
  options?: SaveOptions,
): Promise<SavedArtifacts | SavedFiles> {
  const save = await import("./save.js");
  return save.saveModel(model, target as string, options);
}

/** "wasm-rnn/io" calls it on import: Model's save and loadWeights, and the default entry's functions, call these. */
export function provideFileCode(): void {
  fileCode.provide({ loadModel, saveModel, loadWeights });
}
