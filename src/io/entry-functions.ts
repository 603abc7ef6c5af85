// The default entry's loadModel, loadWeights and saveModel: the functions of "wasm-rnn/io"
// (src/io/index.ts), reached through model/features.ts as Model's save and loadWeights are. A
// dynamic import() of the file code here would be in every app's module graph, and esbuild with
// splitting writes, and loads up front, the code such a chunk shares with the app even when tree
// shaking removed the call (203 KB for the LSTM app). Unbundled the first call imports
// "wasm-rnn/io" itself; a bundled app imports it once (or these functions from it).
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

/**
 * Loads a model from a `.keras`, `.h5` or TF.js `model.json` (path, URL, bytes or artifacts). The
 * file decides its outputs, so predict is typed `Tensor | Tensor[]`; when you know them, say so:
 * `loadModel<SymbolicTensor>(f)` (predict returns a Tensor: one output, saved as a tensor, not a
 * list) or `loadModel<[SymbolicTensor, SymbolicTensor]>(f)` (two). That is not checked. In a
 * bundled app, needs `import "wasm-rnn/io"` once.
 */
export async function loadModel<O extends ModelOutputs = AnyOutputs>(
  source: ByteSource | TfjsArtifacts | TfjsModelJson,
  options: LoadOptions = {},
): Promise<Model<O>> {
  return (await fileCode.load("loadModel")).loadModel(source, options) as Promise<Model<O>>;
}

/** Loads weights (a Keras `.h5` / `.weights.h5`) into a model built in code; bundled: `import "wasm-rnn/io"`. */
export async function loadWeights(model: Model, source: ByteSource, options: LoadOptions = {}): Promise<void> {
  return (await fileCode.load("loadWeights")).loadWeights(model, source, options);
}

/**
 * Saves a model: TF.js layers format (a directory, or artifacts when no target), or `.keras`;
 * `{ weightsDtype: "float16" }` stores a TF.js model's weights in half the bytes. Bundled: `import "wasm-rnn/io"`.
 */
export async function saveModel(model: Model, target?: undefined, options?: SaveOptions): Promise<SavedArtifacts>;
export async function saveModel(model: Model, target: string, options?: SaveOptions): Promise<SavedFiles>;
export async function saveModel(
  model: Model,
  target?: string,
  options?: SaveOptions,
): Promise<SavedArtifacts | SavedFiles> {
  return (await fileCode.load("saveModel")).saveModel(model, target as string, options);
}
